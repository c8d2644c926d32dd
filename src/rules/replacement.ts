/**
 * The replacement guard (D4, D5, D6): compares the plan of a merge request's target branch (base) with the plan of
 * the change (head) and finds stateful resources the change would delete, re-create under a new URN, or replace
 * through an input that forces replacement.
 */
import type { Plan, PlannedResource } from "../plan/engine";
import { STATEFUL_TYPES } from "./data-protection";
import { at, isOpaque, type Severity, show, T, UNKNOWN } from "./rule";

export const GUARD_RULES: readonly { id: string; title: string; severity: Severity; rationale: string; source: string }[] = [
  {
    id: "D4",
    title: "No surprise deletion or replacement",
    severity: "mandatory",
    rationale: "Deleting or replacing a project, cluster, node pool, key, namespace or bucket loses data or takes services down.",
    source: "checklist D4; pulumi-gcp #744, #2247; pulumi-kubernetes #2509",
  },
  {
    id: "D5",
    title: "Renames and re-parents carry aliases",
    severity: "mandatory",
    rationale: "A new URN without an alias reads as delete plus create.",
    source: "pulumi/pulumi #837, #12153, #8589",
  },
  {
    id: "D6",
    title: "Stable Kubernetes provider",
    severity: "mandatory",
    rationale: "A changed provider identity replaces the provider and every Kubernetes object behind it.",
    source: "pulumi-kubernetes #4019; pulumi/pulumi #2012, #2047",
  },
];

export interface GuardFinding {
  rule: "D4" | "D5" | "D6";
  /** The resource as the base plan has it. */
  urn: string;
  type: string;
  name: string;
  message: string;
  /** An unknown or secret value kept the guard from comparing. */
  unverified?: boolean;
}

/** Inputs whose change makes the provider replace the resource (ForceNew in the GCP provider; immutable in Kubernetes). */
export const FORCES_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  [T.project]: ["projectId"],
  [T.cluster]: ["name", "location", "project"],
  [T.nodePool]: ["name", "cluster", "location", "project"],
  [T.keyRing]: ["name", "location", "project"],
  [T.cryptoKey]: ["name", "keyRing"],
  [T.namespace]: ["metadata.name"],
  [T.bucket]: ["name", "location", "project"],
  [T.backupPlan]: ["name", "location", "cluster", "project"],
};

const K8S_PROVIDER = "pulumi:providers:kubernetes";
const ROOT_STACK = "pulumi:pulumi:Stack";

export interface ParsedUrn {
  stack: string;
  project: string;
  /** Parent types and the type, joined by `$`. */
  qualifiedType: string;
  type: string;
  name: string;
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain `::`. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  const m = /^urn:pulumi:(.*?)::(.*?)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return undefined;
  const qualifiedType = m[3];
  return { stack: m[1], project: m[2], qualifiedType, type: qualifiedType.split("$").pop() ?? qualifiedType, name: m[4] };
}

/** The URN of a resource named `name` of `type` under `parent`, as the engine builds it. */
export function makeUrn(stack: string, project: string, parent: string | null, type: string, name: string): string {
  const parentType = parent ? parseUrn(parent)?.qualifiedType : undefined;
  const prefix = parentType && parentType !== ROOT_STACK ? `${parentType}$` : "";
  return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
}

/**
 * The old URN an alias stands for. Aliases are URNs, or specs `name=..,type=..,parent=..` (and `noParent`,
 * `stack=..`, `project=..`) whose missing parts default to the new resource's own.
 */
export function resolveAlias(alias: string, res: Pick<PlannedResource, "urn" | "type" | "name" | "parent">): string | undefined {
  if (alias.startsWith("urn:pulumi:")) return alias;
  const self = parseUrn(res.urn);
  if (!self) return undefined;
  const spec = new Map<string, string>();
  for (const part of alias.split(",")) {
    const i = part.indexOf("=");
    if (i < 0) spec.set(part.trim(), "");
    else spec.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const parent = spec.has("noParent") ? null : (spec.get("parent") ?? res.parent);
  return makeUrn(spec.get("stack") ?? self.stack, spec.get("project") ?? self.project, parent, spec.get("type") ?? res.type, spec.get("name") ?? res.name);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A head resource that is plausibly the base resource under a new URN: same type, and same name or same identity. */
function movedTo(b: PlannedResource, head: readonly PlannedResource[], baseUrns: ReadonlySet<string>): PlannedResource | undefined {
  const keys = FORCES_REPLACEMENT[b.type] ?? [];
  const sameIdentity = (h: PlannedResource) =>
    keys.some((k) => at(b.inputs, k) !== undefined && !isOpaque(at(b.inputs, k))) && keys.every((k) => sameValue(at(b.inputs, k), at(h.inputs, k)));
  const candidates = head.filter((h) => h.type === b.type && !baseUrns.has(h.urn));
  return candidates.find((h) => h.name === b.name) ?? candidates.find(sameIdentity);
}

function compareForcingInputs(b: PlannedResource, h: PlannedResource): GuardFinding[] {
  const out: GuardFinding[] = [];
  for (const path of FORCES_REPLACEMENT[b.type] ?? []) {
    const before = at(b.inputs, path);
    const after = at(h.inputs, path);
    if (isOpaque(before) || isOpaque(after)) {
      // Equal secrets are taken as unchanged; anything unknown cannot be compared.
      if (before === UNKNOWN || after === UNKNOWN || !sameValue(before, after)) {
        out.push({ rule: "D4", urn: b.urn, type: b.type, name: b.name, unverified: true, message: `cannot verify until apply: ${path} is ${show(isOpaque(after) ? after : before)} in one of the plans` });
      }
    } else if (!sameValue(before, after)) {
      out.push({
        rule: "D4",
        urn: b.urn,
        type: b.type,
        name: b.name,
        message: `${path} changes from ${show(before)} to ${show(after)}, which replaces the resource (delete and create); keep ${path} as it was`,
      });
    }
  }
  return out;
}

/** D6: the provider keeps its identity when clusterIdentifier is stable, else when kubeconfig, context and cluster are. */
function compareProvider(b: PlannedResource, h: PlannedResource): GuardFinding[] {
  const id = (r: PlannedResource) => at(r.inputs, "clusterIdentifier");
  const paths = id(b) !== undefined || id(h) !== undefined ? ["clusterIdentifier"] : ["kubeconfig", "context", "cluster"];
  const changed = paths.filter((p) => !sameValue(at(b.inputs, p), at(h.inputs, p)));
  const opaque = changed.filter((p) => isOpaque(at(b.inputs, p)) || isOpaque(at(h.inputs, p)));
  if (changed.length === 0) return [];
  const base = { rule: "D6" as const, urn: b.urn, type: b.type, name: b.name };
  if (opaque.length === changed.length) return [{ ...base, unverified: true, message: `cannot verify until apply: ${changed.join(", ")} is secret or unknown in one of the plans` }];
  return [{ ...base, message: `${changed.join(", ")} changes, which replaces the provider and every Kubernetes object it manages; build the kubeconfig from stable fields or set a stable clusterIdentifier` }];
}

/**
 * Guard findings for merging `head` over `base`: D4 for deletions and replacement-forcing input changes of stateful
 * resources, D5 for URN changes without an alias, D6 for Kubernetes providers that change identity.
 */
export function guardReplacements(base: Plan, head: Plan): GuardFinding[] {
  const headByUrn = new Map(head.resources.map((r) => [r.urn, r]));
  const byAlias = new Map<string, PlannedResource>();
  for (const h of head.resources) {
    for (const a of h.aliases) {
      const old = resolveAlias(a, h);
      if (old) byAlias.set(old, h);
    }
  }
  const baseUrns = new Set(base.resources.map((r) => r.urn));
  const out: GuardFinding[] = [];
  for (const b of base.resources) {
    const h = headByUrn.get(b.urn) ?? byAlias.get(b.urn);
    if (b.type === K8S_PROVIDER) {
      if (h) out.push(...compareProvider(b, h));
      continue;
    }
    if (!STATEFUL_TYPES.includes(b.type)) continue;
    if (h) {
      out.push(...compareForcingInputs(b, h));
      continue;
    }
    const moved = movedTo(b, head.resources, baseUrns);
    if (moved) {
      out.push({
        rule: "D5",
        urn: b.urn,
        type: b.type,
        name: b.name,
        message: `moves to ${moved.urn} without an alias, so Pulumi would delete it and create a new one; add aliases: ["${b.urn}"] to its options, or keep its name and parent`,
      });
    } else {
      out.push({
        rule: "D4",
        urn: b.urn,
        type: b.type,
        name: b.name,
        message: `is in the base plan but not in this one, so merging deletes it; keep it, add aliases: ["${b.urn}"] where it was renamed or moved, or waive D4 for resource "${b.name}" if the deletion is intended`,
      });
    }
  }
  return out;
}
