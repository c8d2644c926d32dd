/**
 * Waivers: a stack waives a rule in its own config only, for a named resource, with a justification
 * (`runway:waivers`). A cluster's `runway:cluster.exceptions` (G1, G7, G16, G17, G21, G22) waive those controls for
 * the stack's cluster and node pools.
 */
import { existsSync } from "node:fs";
import { stacksDir } from "../config/project";
import type { StackConfig } from "../config/schema/stack";
import { loadStackFile, stackFileName } from "../config/stack";
import { T } from "./rule";

export interface Waiver {
  /** Rule id; "G15" also covers its suffixed rules ("G15-key"), "G15-key" only itself. */
  rule: string;
  /** Name of the waived resource; unset for cluster exceptions, which cover the stack's clusters and node pools. */
  resource?: string;
  justification: string;
  origin: "runway:waivers" | "runway:cluster.exceptions";
}

const CLUSTER_TYPES: readonly string[] = [T.cluster, T.nodePool];

/** The waivers a stack's config declares. */
export function stackWaivers(config: StackConfig): Waiver[] {
  const out: Waiver[] = config["runway:waivers"].map((w) => ({ rule: w.rule, resource: w.resource, justification: w.justification, origin: "runway:waivers" as const }));
  const cluster = "runway:cluster" in config ? config["runway:cluster"] : undefined;
  for (const [rule, justification] of Object.entries(cluster?.exceptions ?? {})) {
    if (justification) out.push({ rule, justification, origin: "runway:cluster.exceptions" });
  }
  return out;
}

export function waiverCoversRule(w: Waiver, ruleId: string): boolean {
  return ruleId === w.rule || ruleId.startsWith(`${w.rule}-`);
}

export function waiverCovers(w: Waiver, ruleId: string, resource: { type: string; name: string }): boolean {
  if (!waiverCoversRule(w, ruleId)) return false;
  return w.resource === undefined ? CLUSTER_TYPES.includes(resource.type) : w.resource === resource.name;
}

/** Where a waiver applies, as a report shows it. */
export function waiverTarget(w: Waiver): string {
  return w.resource ?? "cluster and node pools";
}

/** The waivers of stack `stack` of the project at `root`; none when the project has no file for that stack. */
export function waiversOf(root: string, stack: string): Waiver[] {
  const file = stackFileName(stacksDir(root), stack);
  return existsSync(file) ? stackWaivers(loadStackFile(file).config) : [];
}
