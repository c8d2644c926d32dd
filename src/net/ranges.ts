/**
 * Address ranges as sets, for guardrails that judge what a list of CIDR blocks reaches together rather than block
 * by block: whether they cover the whole internet, how much public address space they open, whether they touch a
 * cluster's own ranges or the link-local metadata range. IPv4 and IPv6. Pure.
 */

export type Family = 4 | 6;

/** A CIDR block as the interval of addresses it holds; an address not aligned to its prefix stands for its block. */
export interface Block {
  family: Family;
  start: bigint;
  end: bigint;
  prefix: number;
  text: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function ipv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => (acc << 8n) + BigInt(o), 0n);
}

function ipv6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 address (::ffff:1.2.3.4) is the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4(dotted[1]);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? BigInt(`0x${g}`) : -1n)));
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? left : [...left, ...Array<bigint>(Math.max(0, 8 - left.length - right.length)).fill(0n), ...right];
  if (groups.length !== 8 || groups.some((g) => g < 0n)) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) + g, 0n);
}

/** Parses `a.b.c.d/n` or an IPv6 `x::/n`; undefined for anything else. */
export function parseBlock(text: string): Block | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const family: Family = m[1].includes(":") ? 6 : 4;
  const addr = family === 4 ? ipv4(m[1]) : ipv6(m[1]);
  const prefix = Number(m[2]);
  if (addr === undefined || prefix > BITS[family]) return undefined;
  const size = 1n << BigInt(BITS[family] - prefix);
  const start = addr - (addr % size);
  return { family, start, end: start + size - 1n, prefix, text };
}

/** Blocks of one family merged into disjoint, sorted intervals. */
export function merge(blocks: readonly Pick<Block, "start" | "end">[]): { start: bigint; end: bigint }[] {
  const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: { start: bigint; end: bigint }[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && b.start <= last.end + 1n) last.end = b.end > last.end ? b.end : last.end;
    else out.push({ start: b.start, end: b.end });
  }
  return out;
}

/** `from` minus `cut`, both sets of intervals of one family. */
export function subtract(from: readonly Pick<Block, "start" | "end">[], cut: readonly Pick<Block, "start" | "end">[]): { start: bigint; end: bigint }[] {
  let parts = merge(from);
  for (const c of merge(cut)) {
    parts = parts.flatMap((p) => {
      if (c.end < p.start || c.start > p.end) return [p];
      const left = c.start > p.start ? [{ start: p.start, end: c.start - 1n }] : [];
      const right = c.end < p.end ? [{ start: c.end + 1n, end: p.end }] : [];
      return [...left, ...right];
    });
  }
  return parts;
}

/** Number of addresses in a set of intervals. */
export function size(intervals: readonly { start: bigint; end: bigint }[]): bigint {
  return merge(intervals).reduce((n, i) => n + (i.end - i.start + 1n), 0n);
}

/** Whether the blocks of `family` together hold every address of that family. */
export function coversAll(blocks: readonly Block[], family: Family): boolean {
  const merged = merge(blocks.filter((b) => b.family === family));
  return merged.length === 1 && merged[0].start === 0n && merged[0].end === (1n << BigInt(BITS[family])) - 1n;
}

export function overlaps(a: Pick<Block, "family" | "start" | "end">, b: Pick<Block, "family" | "start" | "end">): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/** Whether `outer` holds every address of `inner`. */
export function contains(outer: Block, inner: Block): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

const blocks = (...texts: string[]): Block[] => texts.map((t) => parseBlock(t) as Block);

/** Addresses that are not on the internet: private (RFC 1918), shared (RFC 6598), loopback, link-local, unique-local. */
export const NON_PUBLIC = blocks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128");

/** The link-local ranges: on a cloud VM they hold the node's metadata server, and with it the node's credentials. */
export const LINK_LOCAL = blocks("169.254.0.0/16", "fe80::/10");

/**
 * The GKE metadata server's endpoints that pods use under Workload Identity (G5): 169.254.169.254 on port 80 and
 * 169.254.169.252 on port 988 (https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy).
 */
export const GKE_METADATA_ENDPOINTS: readonly { block: Block; port: number }[] = [
  { block: parseBlock("169.254.169.254/32") as Block, port: 80 },
  { block: parseBlock("169.254.169.252/32") as Block, port: 988 },
];

/** Number of public (internet) addresses the blocks of `family` open together. */
export function publicAddresses(list: readonly Block[], family: Family): bigint {
  return size(subtract(list.filter((b) => b.family === family), NON_PUBLIC.filter((b) => b.family === family)));
}

/** A /8's worth of IPv4 addresses: the most public address space a single allow may open (G2, firewalls, egress). */
export const PUBLIC_IPV4_BUDGET = 1n << 24n;
