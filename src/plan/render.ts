/**
 * Human views of a plan: the resource tree and counts by type.
 */
import type { Paint } from "./diff-render";
import type { Plan, PlannedResource } from "./engine";
import { PLAN_SCHEMA_VERSION } from "./schema";

const plain: Paint = (_s, t) => t;

export function renderTree(plan: Plan, paint: Paint = plain): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained" : ""].filter(Boolean);
      lines.push(`${"  ".repeat(depth)}${paint("green", "+")} ${paint("dim", r.type)} ${r.name}${flags.length ? ` ${paint("yellow", `[${flags.join(", ")}]`)}` : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  return lines.join("\n");
}

export function countByType(plan: Plan): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function renderCounts(plan: Plan): string {
  const rows = countByType(plan);
  const width = Math.max(...rows.map(([t]) => t.length), 4);
  return [...rows.map(([t, n]) => `  ${t.padEnd(width)}  ${n}`), `  ${"total".padEnd(width)}  ${plan.resources.length}`].join("\n");
}

/** The plan as written to a file: its format version first (schemas/plan.schema.json), then the plan. */
export function planDocument(plan: Plan): { schemaVersion: number } & Plan {
  return { schemaVersion: PLAN_SCHEMA_VERSION, ...plan };
}

/** Deterministic JSON of a plan: keys in a fixed order, resources sorted by URN (done by the engine). */
export function planJson(plan: Plan): string {
  return `${JSON.stringify(planDocument(plan), null, 2)}\n`;
}
