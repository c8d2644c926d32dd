/**
 * Views of a plan diff: text for a terminal (coloured there), markdown for a merge-request note. With `values`
 * (`runway diff --diff`), each changed path shows `old => new`, and a multi-line value (a file's content, a long
 * object) the lines that changed, as `pulumi preview --diff` does. A value that is secret on either side shows as
 * [secret] on both.
 */
import type { PlanDiff, ValueChange } from "./diff";
import { isEmptyDiff, shortUrn } from "./diff";
import { type DiffLine, diffLines, hunks } from "./line-diff";

/** As the engine masks secrets in plans (src/plan/engine.ts). */
const SECRET = "[secret]";

export type Paint = (style: "bold" | "dim" | "red" | "green" | "yellow" | "cyan", text: string) => string;
const plain: Paint = (_s, t) => t;

export interface DiffRenderOptions {
  /** Show old and new values of changed paths (`--diff`). */
  values?: boolean;
  /** Colours (a terminal); default none. */
  paint?: Paint;
}

/** A change with secrets masked on both sides when either side is secret. */
export function maskChange(c: ValueChange): ValueChange {
  const secret = (v: unknown) => v === SECRET || (typeof v === "string" && v.includes(SECRET) && v.length < 64);
  if (!secret(c.old) && !secret(c.new)) return c;
  const out: ValueChange = { path: c.path };
  if ("old" in c) out.old = SECRET;
  if ("new" in c) out.new = SECRET;
  return out;
}

const RETAINED = "retained: leaves the stack, stays in the cloud with its data";
const retainedCount = (d: PlanDiff) => (d.retained.length ? `, ${d.retained.length} retained` : "");

const show = (v: unknown) => (v === undefined ? "(none)" : v === SECRET ? SECRET : JSON.stringify(v));

function asLines(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === "string") return v.replace(/\n$/, "").split("\n");
  return JSON.stringify(v, null, 2).split("\n");
}

/** Whether a value reads better as a line diff than inline. */
function isLong(v: unknown): boolean {
  if (typeof v === "string") return v.includes("\n");
  return v !== null && typeof v === "object" && JSON.stringify(v).length > 60;
}

export type ValueView = { kind: "inline"; path: string; old: string; new: string } | { kind: "lines"; path: string; lines: (DiffLine | "…")[] };

/** How one change reads: `old => new` inline, or the changed lines of a multi-line value. */
export function valueView(change: ValueChange): ValueView {
  const c = maskChange(change);
  if (isLong(c.old) || isLong(c.new)) return { kind: "lines", path: c.path, lines: hunks(diffLines(asLines(c.old), asLines(c.new))) };
  return { kind: "inline", path: c.path, old: show(c.old), new: show(c.new) };
}

function valueText(change: ValueChange, indent: string, paint: Paint): string[] {
  const v = valueView(change);
  if (v.kind === "inline") return [`${indent}${v.path}: ${paint("red", v.old)} => ${paint("green", v.new)}`];
  const inner = `${indent}  `;
  return [
    `${indent}${v.path}:`,
    ...v.lines.map((l) => (l === "…" ? `${inner}  …` : l.op === "+" ? paint("green", `${inner}+ ${l.text}`) : l.op === "-" ? paint("red", `${inner}- ${l.text}`) : `${inner}  ${l.text}`)),
  ];
}

export function renderDiffText(diffs: PlanDiff[], opts: DiffRenderOptions = {}): string {
  const paint = opts.paint ?? plain;
  const out: string[] = [];
  for (const d of diffs) {
    out.push(paint("bold", `stack ${d.stack}: ${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove, ${d.renamed.length} renamed${retainedCount(d)}`));
    for (const r of d.added) out.push(paint("green", `  + ${shortUrn(r.urn)}`));
    for (const r of d.removed) out.push(paint("red", `  - ${shortUrn(r.urn)}${r.protect ? " [protected]" : ""}`));
    for (const r of d.retained) out.push(paint("dim", `  = ${shortUrn(r.urn)} (${RETAINED})`));
    for (const r of d.renamed) out.push(paint("cyan", `  > ${shortUrn(r.from)} -> ${shortUrn(r.to)} (alias)`));
    for (const c of d.changed) {
      if (!opts.values) {
        out.push(`  ${paint("yellow", "~")} ${shortUrn(c.urn)}: ${c.paths.join(", ")}`);
        continue;
      }
      out.push(`  ${paint("yellow", "~")} ${shortUrn(c.urn)}`);
      for (const change of c.changes) out.push(...valueText(change, "      ", paint));
    }
  }
  return out.join("\n");
}

/** A code fence longer than any run of backticks in `text`. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  return "`".repeat(Math.max(3, longest + 1));
}

function valueMarkdown(change: ValueChange): string[] {
  const v = valueView(change);
  if (v.kind === "inline") return [`!     ${v.path}: ${v.old} => ${v.new}`];
  return [`!     ${v.path}:`, ...v.lines.map((l) => (l === "…" ? "        …" : `${l.op}         ${l.text}`))];
}

export function renderDiffMarkdown(diffs: PlanDiff[], opts: DiffRenderOptions = {}): string {
  const out: string[] = ["| stack | add | change | remove | renamed | retained |", "|---|---:|---:|---:|---:|---:|"];
  for (const d of diffs) out.push(`| \`${d.stack}\` | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${d.renamed.length} | ${d.retained.length} |`);
  for (const d of diffs) {
    if (isEmptyDiff(d)) continue;
    const body: string[] = [];
    for (const r of d.added) body.push(`+ ${shortUrn(r.urn)}`);
    for (const r of d.removed) body.push(`- ${shortUrn(r.urn)}${r.protect ? " [protected]" : ""}`);
    for (const r of d.retained) body.push(`  ${shortUrn(r.urn)} (${RETAINED})`);
    for (const r of d.renamed) body.push(`! ${shortUrn(r.from)} -> ${shortUrn(r.to)} (alias)`);
    for (const c of d.changed) {
      if (!opts.values) body.push(`! ${shortUrn(c.urn)}: ${c.paths.join(", ")}`);
      else body.push(`! ${shortUrn(c.urn)}`, ...c.changes.flatMap(valueMarkdown));
    }
    const fence = fenceFor(body.join("\n"));
    out.push("", `<details><summary><code>${d.stack}</code>: ${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove${retainedCount(d)}</summary>`, "", `${fence}diff`);
    out.push(...body, fence, "", "</details>");
  }
  return out.join("\n");
}
