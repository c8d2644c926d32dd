/**
 * The merge-request note: a short summary (stacks, resources added/changed/removed, guardrail result) followed
 * by folded details (the plan diff per stack and the guardrail findings). Built only from offline plans.
 */
import type { Plan } from "../plan/engine";
import { diffPlans, isEmptyDiff, type PlanDiff } from "../plan/diff";
import { renderDiffMarkdown } from "../plan/diff-render";
import { checkPlan, reportFailed, reportMarkdown, type StackReport, totals } from "../rules/check";
import { tenantGraph } from "./tenant-graph";
import type { Waiver } from "../rules/waivers";
import { summaryLines, type TenantSummary } from "../tenancy/summary";

export interface NoteInput {
  /** Plans of the target branch, by stack (a stack missing here is new). */
  base: Plan[];
  /** Plans of the merge request, by stack. */
  head: Plan[];
  /** Waivers of a stack, from its config. */
  waivers(stack: string): Waiver[];
  /** Pipeline URL, shown in the note. */
  pipelineUrl?: string;
}

export interface Note {
  markdown: string;
  failed: boolean;
  diffs: PlanDiff[];
  reports: StackReport[];
}

export function buildNote(input: NoteInput): Note {
  const bases = new Map(input.base.map((p) => [p.stack, p]));
  const diffs: PlanDiff[] = [];
  const reports: StackReport[] = [];
  for (const head of [...input.head].sort((a, b) => a.stack.localeCompare(b.stack))) {
    const base = bases.get(head.stack);
    diffs.push(diffPlans(base ?? { stack: head.stack, resources: [], outputs: {} }, head));
    reports.push(checkPlan(head, { waivers: input.waivers(head.stack), base }));
  }
  const headStacks = new Set(input.head.map((p) => p.stack));
  for (const base of input.base) {
    if (!headStacks.has(base.stack)) diffs.push(diffPlans(base, { stack: base.stack, resources: [], outputs: {} }));
  }
  const failed = reportFailed(reports);
  const changed = diffs.filter((d) => !isEmptyDiff(d));
  const sum = (f: (d: PlanDiff) => number) => diffs.reduce((n, d) => n + f(d), 0);
  const t = totals(reports);
  const lines = [
    `## Runway plan: ${failed ? "❌ guardrails failed" : "✅ guardrails passed"}`,
    "",
    `**${changed.length}** of ${diffs.length} stacks change: **${sum((d) => d.added.length)}** to add, **${sum((d) => d.changed.length)}** to change, ` +
      `**${sum((d) => d.removed.length)}** to remove, ${sum((d) => d.renamed.length)} renamed. Guardrails: ${t.mandatory} mandatory, ${t.advisory} advisory, ${t.waived} waived.`,
    "",
    "Planned offline with `runway plan` (no credentials); `pulumi preview` jobs follow where credentials exist.",
  ];
  if (input.pipelineUrl) lines.push("", `Pipeline: ${input.pipelineUrl}`);
  lines.push(...goneStacksSection(input.base, input.head));
  lines.push(...whatYouGetSection(input.base, input.head));
  const graph = tenantGraph(diffs, input.head);
  if (graph.mermaid) lines.push("", "### What this adds per tenant", "", "```mermaid", graph.mermaid, "```");
  else if (graph.omitted) lines.push("", "### What this adds per tenant", "", `No picture: ${graph.omitted}.`);
  lines.push("", "### Changes", "", renderDiffMarkdown(diffs), "", reportMarkdown(reports));
  return { markdown: `${lines.join("\n").trimEnd()}\n`, failed, diffs, reports };
}

function tenantsOf(p: Plan | undefined): Record<string, TenantSummary> {
  const t = p?.outputs.tenants;
  return t && typeof t === "object" && !Array.isArray(t) ? (t as Record<string, TenantSummary>) : {};
}

/**
 * "What you get": for each service this change onboards, changes or retires, what its team gets (the `tenants`
 * output of the stack that hosts it, src/tenancy/summary.ts).
 */
export function whatYouGetSection(base: readonly Plan[], head: readonly Plan[]): string[] {
  const out: string[] = [];
  for (const h of [...head].sort((a, b) => a.stack.localeCompare(b.stack))) {
    const before = tenantsOf(base.find((b) => b.stack === h.stack));
    for (const [name, s] of Object.entries(tenantsOf(h)).sort(([a], [b]) => a.localeCompare(b))) {
      if (JSON.stringify(before[name]) === JSON.stringify(s)) continue;
      out.push("", ...summaryLines(s, true));
    }
  }
  return out.length ? ["", "### What you get", "", "For each service this change onboards, changes or retires (also `runway describe <service>`):", ...out] : [];
}

/** Stacks the target branch plans and this change does not: nothing deploys them any more, nothing is destroyed. */
function goneStacksSection(base: readonly Plan[], head: readonly Plan[]): string[] {
  const names = new Set(head.map((p) => p.stack));
  const gone = base.filter((p) => !names.has(p.stack)).map((p) => p.stack);
  if (gone.length === 0) return [];
  return [
    "",
    `⚠️ No longer planned: ${gone.map((g) => `\`${g}\``).join(", ")}. Nothing deploys ${gone.length === 1 ? "it" : "them"} after this merges, and nothing in ${gone.length === 1 ? "it" : "them"} is deleted: the resources stay, unmanaged, until the Runway team destroys the stack (docs/operations.md#removing-a-stack).`,
  ];
}
