/**
 * The replacement guard (D4, D5, D6): compares the plan of a merge request's target branch (base) with the plan of
 * the change (head) and finds stateful resources the change would delete, re-create under a new URN, or replace
 * through an input that forces replacement.
 */
import { isRetained } from "../plan/diff";
import type { Plan, PlannedResource } from "../plan/engine";
import { STATEFUL_TYPES } from "./data-protection";
import { at, isOpaque, type Severity, show, T, UNKNOWN } from "./rule";
import { canonicalUrn, makeUrn, parseUrn } from "./urn";

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

const RETAINED_PROTECTED = (name: string) =>
  `is retained (it leaves the stack and stays in the cloud with its data), but it is protected, so \`pulumi up\` refuses to let it go: to offboard a service, set spec.lifecycle: retired in its catalog entry instead (its namespace stays in the stack); letting a retired namespace go is the Runway team's step: \`pulumi state unprotect\` it and waive D4 for resource "${name}" (docs/operations.md#deleting-a-retired-namespace)`;

export { makeUrn, type ParsedUrn, parseUrn } from "./urn";

type Registered = Pick<PlannedResource, "urn" | "type" | "name" | "parent">;

/**
 * The old URN an alias stands for, in canonical form. Aliases are URNs, or specs `name=..,type=..,parent=..` (and
 * `noParent`, `stack=..`, `project=..`) whose missing parts default to the new resource's own; `parent` and
 * `noParent` follow the engine (step_generator.go `collapseAliasToUrn`): the old URN has the parent's qualified type,
 * or the old one when that parent itself moved (`movedFrom`), and `noParent` or the root stack as parent gives none.
 */
export function resolveAlias(alias: string, res: Registered, movedFrom: (urn: string) => string | undefined = () => undefined): string | undefined {
  if (alias.startsWith("urn:pulumi:")) return canonicalUrn(alias);
  const self = parseUrn(res.urn);
  if (!self) return undefined;
  const spec = new Map<string, string>();
  for (const part of alias.split(",")) {
    const i = part.indexOf("=");
    if (i < 0) spec.set(part.trim(), "");
    else spec.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const named = spec.get("parent");
  const parent = spec.has("noParent") ? null : named ? (movedFrom(named) ?? named) : res.parent;
  return makeUrn(spec.get("stack") ?? self.stack, spec.get("project") ?? self.project, parent, spec.get("type") ?? res.type, spec.get("name") ?? res.name);
}

/**
 * The alias a child inherits from a parent that moved from `parentOld` (step_generator.go `inheritedChildAlias`): the
 * child under the old parent, its name's prefix renamed with the parent when it was derived from the parent's name.
 */
function inheritedAlias(childType: string, childName: string, parentName: string, parentOld: string): string | undefined {
  const old = parseUrn(parentOld);
  if (!old) return undefined;
  const name = childName.startsWith(parentName) ? old.name + childName.slice(parentName.length) : childName;
  return makeUrn(old.stack, old.project, parentOld, childType, name);
}

/**
 * The base URN each head resource takes over, as the engine matches them: its own URN, else the first of its aliases
 * that names a base resource, counting the aliases it inherits from a parent that moved (`generateAliases`).
 */
function matchHeadToBase(base: Plan, head: Plan): Map<PlannedResource, string> {
  const baseUrns = new Set(base.resources.map((r) => canonicalUrn(r.urn)));
  const headByUrn = new Map(head.resources.map((r) => [canonicalUrn(r.urn), r]));
  const matched = new Map<PlannedResource, string | undefined>();
  const match = (h: PlannedResource): string | undefined => {
    if (matched.has(h)) return matched.get(h);
    matched.set(h, undefined); // a parent cycle ends here
    const own = canonicalUrn(h.urn);
    const found = baseUrns.has(own) ? own : aliasesOf(h).find((a) => baseUrns.has(a));
    matched.set(h, found);
    return found;
  };
  // The old URN of a head resource that matched a base resource through an alias.
  const movedFrom = (urn: string): string | undefined => {
    const h = headByUrn.get(canonicalUrn(urn));
    const old = h && match(h);
    return old !== canonicalUrn(urn) ? old : undefined;
  };
  const aliasesOf = (h: PlannedResource): string[] => {
    const own = h.aliases.map((a) => resolveAlias(a, h, movedFrom)).filter((a): a is string => a !== undefined);
    const parentOld = h.parent ? movedFrom(h.parent) : undefined;
    const parentName = h.parent ? parseUrn(h.parent)?.name : undefined;
    if (!parentOld || parentName === undefined) return own;
    const inherited = [{ type: h.type, name: h.name }, ...own.map(parseUrn).filter((p) => p !== undefined)].map((c) => inheritedAlias(c.type, c.name, parentName, parentOld));
    return [...own, ...inherited.filter((a): a is string => a !== undefined)];
  };
  const out = new Map<PlannedResource, string>();
  for (const h of head.resources) {
    const old = match(h);
    if (old !== undefined) out.set(h, old);
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Among the head resources that take over no base resource, one that is plausibly `b` under a new URN: same type,
 * and same name or same identity.
 */
function movedTo(b: PlannedResource, unmatched: readonly PlannedResource[]): PlannedResource | undefined {
  const keys = FORCES_REPLACEMENT[b.type] ?? [];
  const sameIdentity = (h: PlannedResource) =>
    keys.some((k) => at(b.inputs, k) !== undefined && !isOpaque(at(b.inputs, k))) && keys.every((k) => sameValue(at(b.inputs, k), at(h.inputs, k)));
  const candidates = unmatched.filter((h) => h.type === b.type);
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
  const byOld = new Map<string, PlannedResource>();
  for (const [h, old] of matchHeadToBase(base, head)) if (!byOld.has(old)) byOld.set(old, h);
  const taken = new Set(byOld.values());
  const out: GuardFinding[] = [];
  for (const b of base.resources) {
    const oldUrn = canonicalUrn(b.urn);
    const h = byOld.get(oldUrn);
    if (b.type === K8S_PROVIDER) {
      if (h) out.push(...compareProvider(b, h));
      continue;
    }
    if (!STATEFUL_TYPES.includes(b.type)) continue;
    if (h) {
      out.push(...compareForcingInputs(b, h));
      continue;
    }
    const moved = movedTo(b, head.resources.filter((r) => !taken.has(r)));
    if (moved) {
      out.push({
        rule: "D5",
        urn: b.urn,
        type: b.type,
        name: b.name,
        message: `moves to ${canonicalUrn(moved.urn)} without an alias, so Pulumi would delete it and create a new one; add aliases: ["${oldUrn}"] to its options, or keep its name and parent`,
      });
    } else if (isRetained(b)) {
      // Retained: it leaves the stack but not the cloud, so no data is lost; a protected one still stops `pulumi up`.
      if (b.protect) out.push({ rule: "D4", urn: b.urn, type: b.type, name: b.name, message: RETAINED_PROTECTED(b.name) });
    } else {
      out.push({
        rule: "D4",
        urn: b.urn,
        type: b.type,
        name: b.name,
        message: `is in the base plan but not in this one, so merging deletes it; keep it, add aliases: ["${oldUrn}"] where it was renamed or moved, or waive D4 for resource "${b.name}" if the deletion is intended`,
      });
    }
  }
  return out;
}
