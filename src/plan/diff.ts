/**
 * `runway diff`: what changes between two plans, resource by resource, with the changed input paths and their
 * old and new values. Rendering (text, markdown, JSON) is in ./diff-render.ts.
 */
import type { Plan, PlannedResource } from "./engine";

/** One changed value; `old` or `new` is absent when the value is absent on that side. */
export interface ValueChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

export interface ChangedResource {
  urn: string;
  type: string;
  /** Dotted paths of changed inputs (`spec.ref.tag`) and options (`options.protect`). */
  paths: string[];
  /** The same paths with their values before and after (secrets stay "[secret]", as in the plans). */
  changes: ValueChange[];
}

export interface RenamedResource {
  from: string;
  to: string;
  type: string;
}

export interface PlanDiff {
  stack: string;
  added: PlannedResource[];
  removed: PlannedResource[];
  changed: ChangedResource[];
  /** Removed URNs that an added resource claims as an alias: a rename, not a replacement. */
  renamed: RenamedResource[];
  /** Resources that leave the plan but not the cloud (retainOnDelete): shown as retained, not removed. */
  retained: PlannedResource[];
}

/**
 * A resource that leaves the plan but stays where it is: with retainOnDelete in the state it was deployed with
 * (the base plan), Pulumi drops it from the stack without deleting it. Shared by the diff and the replacement guard.
 */
export function isRetained(base: Pick<PlannedResource, "retainOnDelete">): boolean {
  return base.retainOnDelete === true;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function change(path: string, a: unknown, b: unknown): ValueChange {
  const c: ValueChange = { path };
  if (a !== undefined) c.old = a;
  if (b !== undefined) c.new = b;
  return c;
}

/** Values at which two JSON values differ; arrays of different length differ as a whole. */
export function changedValues(a: unknown, b: unknown, prefix = ""): ValueChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedValues(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => changedValues(x, b[i], `${prefix}[${i}]`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [change(prefix || "(value)", a, b)];
}

/** Paths at which two JSON values differ; arrays of different length differ as a whole. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  return changedValues(a, b, prefix).map((c) => c.path);
}

const OPTION_KEYS = ["parent", "provider", "protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "replaceOnChanges", "dependsOn"] as const;

/**
 * Old URN an alias names, for aliases given as URNs or as `name=..,type=..,parent=..` specs, computed the way the
 * engine computes URNs (children of the root stack carry no stack prefix; deeper ones the parent's whole chain).
 */
export function aliasUrns(r: PlannedResource): string[] {
  return r.aliases
    .map((a) => {
      if (a.startsWith("urn:")) return a;
      const spec = Object.fromEntries(a.split(",").map((kv) => (kv.includes("=") ? (kv.split("=", 2) as [string, string]) : [kv, "true"])));
      const parts = r.urn.split("::");
      if (parts.length < 4) return "";
      const [prefix, project, qualifiedType] = parts;
      const name = parts.slice(3).join("::");
      const ownType = spec.type ?? qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1);
      let parentChain = qualifiedType.includes("$") ? qualifiedType.slice(0, qualifiedType.lastIndexOf("$")) : "";
      if (spec.parent) {
        const parentQualified = spec.parent.split("::").slice(2, -1).join("::");
        parentChain = parentQualified === "pulumi:pulumi:Stack" ? "" : parentQualified;
      }
      if (spec.noParent) parentChain = "";
      return `${prefix}::${project}::${parentChain ? `${parentChain}$` : ""}${ownType}::${spec.name ?? name}`;
    })
    .filter(Boolean);
}

export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const before = new Map(base.resources.map((r) => [r.urn, r]));
  const after = new Map(head.resources.map((r) => [r.urn, r]));
  const added = head.resources.filter((r) => !before.has(r.urn));
  const removedAll = base.resources.filter((r) => !after.has(r.urn));
  const renamed: RenamedResource[] = [];
  const claimed = new Set<string>();
  for (const r of added) {
    for (const old of aliasUrns(r)) {
      if (before.has(old) && !after.has(old)) {
        renamed.push({ from: old, to: r.urn, type: r.type });
        claimed.add(old);
        claimed.add(r.urn);
      }
    }
  }
  // Children inherit their parent's aliases (the engine derives them): follow renamed parents down the tree.
  const addedUrns = new Set(added.map((r) => r.urn));
  const renamedTo = new Map(renamed.map((r) => [r.from, r.to]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const old of removedAll) {
      if (claimed.has(old.urn) || !old.parent || !renamedTo.has(old.parent)) continue;
      const newParent = renamedTo.get(old.parent) as string;
      const parentChain = newParent.split("::").slice(2, -1).join("::");
      const ownType = old.type;
      const qualified = parentChain === "pulumi:pulumi:Stack" ? ownType : `${parentChain}$${ownType}`;
      const candidate = `${newParent.split("::").slice(0, 2).join("::")}::${qualified}::${old.name}`;
      if (addedUrns.has(candidate) && !claimed.has(candidate)) {
        renamed.push({ from: old.urn, to: candidate, type: old.type });
        renamedTo.set(old.urn, candidate);
        claimed.add(old.urn);
        claimed.add(candidate);
        grew = true;
      }
    }
  }
  const changed: ChangedResource[] = [];
  for (const r of head.resources) {
    const b = before.get(r.urn);
    if (!b) continue;
    const changes = changedValues(b.inputs, r.inputs);
    for (const k of OPTION_KEYS) {
      if (JSON.stringify(b[k]) !== JSON.stringify(r[k])) changes.push(change(`options.${k}`, b[k], r[k]));
    }
    if (changes.length) changed.push({ urn: r.urn, type: r.type, paths: changes.map((c) => c.path), changes });
  }
  const gone = removedAll.filter((r) => !claimed.has(r.urn));
  return {
    stack: head.stack,
    added: added.filter((r) => !claimed.has(r.urn)),
    removed: gone.filter((r) => !isRetained(r)),
    changed,
    renamed,
    retained: gone.filter(isRetained),
  };
}

export function isEmptyDiff(d: PlanDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.renamed.length + d.retained.length === 0;
}

/** `type name` of a URN (`urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME`). */
export function shortUrn(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  const qualified = parts[2];
  return `${qualified.slice(qualified.lastIndexOf("$") + 1)} ${parts.slice(3).join("::")}`;
}
