/**
 * Waivers: a stack waives a rule in its own config only, for one resource named by its URN or by type and name, with
 * a justification (`runway:waivers`). A cluster's `runway:cluster.exceptions` (G1, G7, G16, G17, G21, G22) waive
 * those controls for the stack's cluster and node pools. Waivers of the sensitive controls (tenant isolation,
 * exposure to the internet, data loss) need the Runway team's approval: stack files are theirs in CODEOWNERS, and
 * every report lists those waivers apart.
 */
import { existsSync } from "node:fs";
import { stacksDir } from "../config/project";
import type { StackConfig } from "../config/schema/stack";
import { loadStackFile, stackFileName } from "../config/stack";
import { T } from "./rule";
import { canonicalUrn } from "./urn";

export interface Waiver {
  /** Rule id; "G15" also covers its suffixed rules ("G15-key"), "G15-key" only itself. */
  rule: string;
  /**
   * The waived resource: its URN, or its name with `type`; unset for cluster exceptions, which cover the stack's
   * clusters and node pools.
   */
  resource?: string;
  /** Pulumi type token of the resource when `resource` is a name. */
  type?: string;
  justification: string;
  origin: "runway:waivers" | "runway:cluster.exceptions";
}

const CLUSTER_TYPES: readonly string[] = [T.cluster, T.nodePool];

/** The waivers a stack's config declares. */
export function stackWaivers(config: StackConfig): Waiver[] {
  const out: Waiver[] = config["runway:waivers"].map((w) => ({
    rule: w.rule,
    resource: w.resource,
    ...(w.type === undefined ? {} : { type: w.type }),
    justification: w.justification,
    origin: "runway:waivers" as const,
  }));
  const cluster = "runway:cluster" in config ? config["runway:cluster"] : undefined;
  for (const [rule, justification] of Object.entries(cluster?.exceptions ?? {})) {
    if (justification) out.push({ rule, justification, origin: "runway:cluster.exceptions" });
  }
  return out;
}

export function waiverCoversRule(w: Waiver, ruleId: string): boolean {
  return ruleId === w.rule || ruleId.startsWith(`${w.rule}-`);
}

export function isUrn(s: string): boolean {
  return s.startsWith("urn:pulumi:");
}

/**
 * Whether `w` waives `ruleId` on `resource`: the resource whose URN it names, or the one of its type and name. A
 * waiver that names a resource by name alone covers nothing (validation rejects it): a project and a cluster may
 * share a name.
 */
export function waiverCovers(w: Waiver, ruleId: string, resource: { type: string; name: string; urn: string }): boolean {
  if (!waiverCoversRule(w, ruleId)) return false;
  if (w.resource === undefined) return CLUSTER_TYPES.includes(resource.type);
  if (isUrn(w.resource)) return canonicalUrn(w.resource) === canonicalUrn(resource.urn);
  return w.type === resource.type && w.resource === resource.name;
}

/** Where a waiver applies, as a report shows it. */
export function waiverTarget(w: Waiver): string {
  if (w.resource === undefined) return "cluster and node pools";
  return w.type === undefined ? w.resource : `${w.resource} (${w.type})`;
}

/**
 * Controls whose waiver crosses a tenant boundary, exposes something to the internet, or loses data: waiving them
 * needs the Runway team's approval (CODEOWNERS on stacks/, docs/ci.md), and reports list such waivers apart.
 */
export const SENSITIVE_CONTROLS: readonly string[] = ["G1", "G2", "G4", "G5", "F1", "F2", "F3", "K1", "K2", "V1", "V4", "V5", "GL1", "I1", "I2", "I3", "S2", "S5", "P1", "D1", "D4", "D5"];

/** Whether a waiver is of a sensitive control (by the rule's checklist id: G2 also covers G2's suffixed rules). */
export function isSensitiveWaiver(w: Pick<Waiver, "rule">): boolean {
  return SENSITIVE_CONTROLS.includes(w.rule.replace(/-.*$/, ""));
}

/** The waivers of stack `stack` of the project at `root`; none when the project has no file for that stack. */
export function waiversOf(root: string, stack: string): Waiver[] {
  const file = stackFileName(stacksDir(root), stack);
  return existsSync(file) ? stackWaivers(loadStackFile(file).config) : [];
}
