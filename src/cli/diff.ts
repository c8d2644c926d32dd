import type { Plan } from "../plan/engine";
import { diffPlans } from "../plan/diff";
import { diffJson } from "../plan/diff-json";
import { renderDiffMarkdown, renderDiffText } from "../plan/diff-render";
import { InputError } from "./errors";
import { type Io, painter } from "./io";
import { readPlans } from "./plans";

export interface DiffOptions {
  format?: "text" | "markdown" | "json";
  /** Show old and new values of changed paths. */
  diff?: boolean;
  /** A missing base reads as no plans (everything is new). */
  baseMissingOk?: boolean;
}

const empty = (stack: string): Plan => ({ stack, resources: [], outputs: {} });

/** `runway diff BASE HEAD`: base and head are plan files, array files or directories of plans. */
export function diffCommand(io: Io, base: string, head: string, opts: DiffOptions): number {
  const bases = new Map(readPlans(base, { missingOk: opts.baseMissingOk, missingFlag: "--base-missing-ok" }).map((p) => [p.stack, p]));
  const heads = new Map(readPlans(head).map((h) => [h.stack, h]));
  if (heads.size === 0) throw new InputError(`${head}: no plans here (*.json); write them with \`runway plan --all --json DIR\``);
  const stacks = [...new Set([...bases.keys(), ...heads.keys()])].sort();
  const diffs = stacks.map((s) => diffPlans(bases.get(s) ?? empty(s), heads.get(s) ?? empty(s)));
  if (opts.format === "json") io.out(JSON.stringify(diffJson(diffs), null, 2));
  else if (opts.format === "markdown") io.out(renderDiffMarkdown(diffs, { values: opts.diff }));
  else io.out(renderDiffText(diffs, { values: opts.diff, paint: painter(io.color) }));
  return 0;
}
