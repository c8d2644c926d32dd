/**
 * What a set of address blocks exposes, judged as a whole: one place for the verdicts that stack and catalog
 * validation give before a plan, and that the guardrail rules give on the plan (G2 authorized networks, P1-firewall
 * sources, K2-egress destinations). A list of blocks is judged by its union, so several /8s or two /1s cannot pass
 * where one /0 would fail. Pure.
 */
import { type Block, contains, coversAll, LINK_LOCAL, NON_PUBLIC, overlaps, parseBlock, PUBLIC_IPV4_BUDGET, publicAddresses } from "./ranges";

/** A problem of one block (`index` into the list) or of the list as a whole (no index). */
export interface RangeProblem {
  index?: number;
  message: string;
}

const fmt = (list: readonly string[]) => list.map((c) => `'${c}'`).join(", ");

/** The broadest single block any allow may name: a /8 (IPv4) or a /32 (IPv6 allocation to one organisation). */
const BROADEST: Record<4 | 6, number> = { 4: 8, 6: 32 };

/** Blocks of a list, with their index; text that is not a CIDR block is a problem of its own. */
function parsed(cidrs: readonly string[]): { blocks: (Block & { index: number })[]; problems: RangeProblem[] } {
  const blocks: (Block & { index: number })[] = [];
  const problems: RangeProblem[] = [];
  cidrs.forEach((c, index) => {
    const b = parseBlock(c);
    if (b) blocks.push({ ...b, index });
    else problems.push({ index, message: `'${c}' is not a CIDR block such as 10.0.0.0/20` });
  });
  return { blocks, problems };
}

/**
 * How far a list of blocks opens something to the internet, the most open problem first: a /0 (IPv4 `0.0.0.0/0` or
 * IPv6 `::/0`), blocks that together cover a whole address family, a block broader than a /8 (IPv6: /32), or more
 * public IPv4 space together than one /8. `what` names what is opened ("the control plane").
 */
export function internetExposure(cidrs: readonly string[], what: string): RangeProblem[] {
  const { blocks, problems } = parsed(cidrs);
  if (problems.length) return problems;
  const open = blocks.filter((b) => b.prefix === 0);
  if (open.length) return open.map((b) => ({ index: b.index, message: `'${b.text}' opens ${what} to the internet; list specific networks` }));
  for (const family of [4, 6] as const) {
    if (coversAll(blocks, family)) return [{ message: `${fmt(cidrs)} together cover every IPv${family} address, which opens ${what} to the internet; list specific networks` }];
  }
  const broad = blocks.filter((b) => b.prefix < BROADEST[b.family] && !NON_PUBLIC.some((n) => contains(n, b)));
  if (broad.length) {
    return broad.map((b) => ({
      index: b.index,
      message: `'${b.text}' is broader than a /${BROADEST[b.family]} and opens ${what} to a large part of the internet; list specific networks of at most a /${BROADEST[b.family]}`,
    }));
  }
  const publicV4 = publicAddresses(blocks, 4);
  if (publicV4 > PUBLIC_IPV4_BUDGET) {
    const slash8s = Number(publicV4) / Number(PUBLIC_IPV4_BUDGET);
    return [{ message: `${fmt(cidrs)} together open ${slash8s.toFixed(slash8s % 1 ? 1 : 0)} /8s of public addresses to ${what}; together they may open at most one /8 (16777216 addresses)` }];
  }
  return [];
}

/** A named range of the cluster a tenant must not address directly: nodes, pods, services, control plane, proxies. */
export interface ClusterRange {
  label: string;
  cidr: string;
}

/**
 * Problems of a tenant's egress destinations on their own: what `internetExposure` finds, then any block that reaches
 * the link-local metadata range (node credentials) or loopback.
 */
export function egressProblems(cidrs: readonly string[]): RangeProblem[] {
  const exposure = internetExposure(cidrs, "the tenant's egress");
  if (exposure.length) return exposure;
  const loopback = [parseBlock("127.0.0.0/8"), parseBlock("0.0.0.0/8"), parseBlock("::1/128")] as Block[];
  return parsed(cidrs).blocks.flatMap((b): RangeProblem[] => {
    if (LINK_LOCAL.some((l) => overlaps(l, b))) return [{ index: b.index, message: `'${b.text}' reaches the link-local range, which holds the node's cloud metadata server (node credentials); remove it` }];
    if (loopback.some((l) => overlaps(l, b))) return [{ index: b.index, message: `'${b.text}' is a loopback or unspecified range, which is no destination; remove it` }];
    return [];
  });
}

/**
 * Blocks that reach one of the cluster's own ranges: other tenants' pods and the nodes, past their network
 * policies, or the control plane. Tenants reach other services through their Gateway host.
 */
export function clusterRangeProblems(cidrs: readonly string[], cluster: readonly ClusterRange[]): RangeProblem[] {
  return parsed(cidrs).blocks.flatMap((b): RangeProblem[] => {
    const hit = cluster.find((r) => {
      const c = parseBlock(r.cidr);
      return c !== undefined && overlaps(c, b);
    });
    return hit ? [{ index: b.index, message: `'${b.text}' reaches the cluster's own ${hit.label} ${hit.cidr}; reach other services through their Gateway host` }] : [];
  });
}
