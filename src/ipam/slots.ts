/**
 * Address management for dedicated services: an environment's address pool (`runway:dedicated.addressPool` of its
 * platform stack) is cut into slots, one per dedicated service, and a service's slot is chosen once, lowest free
 * first, then recorded (src/ipam/ledger.ts) so it never moves. Pure: plain values in, plain values out.
 */
import type { AddressPool } from "../config/schema/stack";
import { cidrsOverlap, parseCidr } from "../config/schema/common";

/** Prefix lengths of one slot: a /18 of the primary pool holds the nodes' /20, the Services' /20 and a proxy-only /23. */
export const SLOT_PREFIX = { primary: 18, nodes: 20, services: 20, proxyOnly: 23, pods: 14 } as const;

/** The ranges of one dedicated service's subnet. */
export interface SlotRanges {
  nodes: string;
  services: string;
  proxyOnly: string;
  pods: string;
}

export const RANGE_KEYS = ["nodes", "services", "proxyOnly", "pods"] as const;

export function formatCidr(start: number, prefix: number): string {
  return `${[24, 16, 8, 0].map((s) => (start >>> s) & 255).join(".")}/${prefix}`;
}

/** How many slots a pool holds: the smaller of its primary and pods blocks' counts. */
export function poolCapacity(pool: AddressPool): number {
  const primary = parseCidr(pool.primary);
  const pods = parseCidr(pool.pods);
  if (!primary || !pods || primary.prefix > SLOT_PREFIX.primary || pods.prefix > SLOT_PREFIX.pods) return 0;
  return Math.min(2 ** (SLOT_PREFIX.primary - primary.prefix), 2 ** (SLOT_PREFIX.pods - pods.prefix));
}

/** The ranges of slot `slot` of a pool; undefined beyond its capacity. */
export function slotRanges(pool: AddressPool, slot: number): SlotRanges | undefined {
  if (!Number.isInteger(slot) || slot < 0 || slot >= poolCapacity(pool)) return undefined;
  const primary = parseCidr(pool.primary) as { start: number };
  const pods = parseCidr(pool.pods) as { start: number };
  const base = primary.start + slot * 2 ** (32 - SLOT_PREFIX.primary);
  const twenty = 2 ** (32 - SLOT_PREFIX.nodes);
  return {
    nodes: formatCidr(base, SLOT_PREFIX.nodes),
    services: formatCidr(base + twenty, SLOT_PREFIX.services),
    proxyOnly: formatCidr(base + 2 * twenty, SLOT_PREFIX.proxyOnly),
    pods: formatCidr(pods.start + slot * 2 ** (32 - SLOT_PREFIX.pods), SLOT_PREFIX.pods),
  };
}

/** A range some stack or allocation already uses, and who uses it (for messages). */
export interface TakenRange {
  cidr: string;
  owner: string;
}

export interface Allocation extends SlotRanges {
  /** Slot of the pool the ranges came from; none for ranges adopted from a hand-written stack. */
  slot?: number;
  region: string;
}

export interface AllocationRequest {
  pool: AddressPool;
  region: string;
  /** Allocations already recorded, by service. */
  recorded: ReadonlyMap<string, Allocation>;
  /** Ranges outside this pool's allocations that a new slot must not overlap (every other stack's ranges). */
  taken: readonly TakenRange[];
  /** Services that need an allocation; those recorded keep theirs. */
  services: readonly string[];
}

export interface AllocationResult {
  /** Every requested service's allocation, recorded or new. */
  allocations: Map<string, Allocation>;
  /** Services whose allocation is new (not recorded yet), in the order they were given slots. */
  fresh: string[];
  /** Services no free slot was left for. */
  full: string[];
}

function rangesOf(a: SlotRanges): string[] {
  return RANGE_KEYS.map((k) => a[k]);
}

/**
 * Allocations for `services`: recorded ones as recorded; each other service, in name order, gets the lowest slot
 * whose ranges overlap no recorded or new allocation and no taken range. The same input gives the same result.
 */
export function allocate(req: AllocationRequest): AllocationResult {
  const allocations = new Map<string, Allocation>();
  const used: string[] = [...req.taken.map((t) => t.cidr), ...[...req.recorded.values()].flatMap(rangesOf)];
  const usedSlots = new Set([...req.recorded.values()].flatMap((a) => (a.slot === undefined ? [] : [a.slot])));
  const fresh: string[] = [];
  const full: string[] = [];
  for (const s of req.services) {
    const r = req.recorded.get(s);
    if (r) allocations.set(s, r);
  }
  const capacity = poolCapacity(req.pool);
  for (const s of [...new Set(req.services)].filter((x) => !req.recorded.has(x)).sort()) {
    let found: Allocation | undefined;
    for (let slot = 0; slot < capacity && !found; slot++) {
      if (usedSlots.has(slot)) continue;
      const ranges = slotRanges(req.pool, slot) as SlotRanges;
      if (rangesOf(ranges).some((c) => used.some((u) => cidrsOverlap(c, u)))) continue;
      found = { slot, region: req.region, ...ranges };
    }
    if (!found) {
      full.push(s);
      continue;
    }
    allocations.set(s, found);
    usedSlots.add(found.slot as number);
    used.push(...rangesOf(found));
    fresh.push(s);
  }
  return { allocations, fresh, full };
}
