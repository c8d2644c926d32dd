/**
 * Runs the rule set over a plan (and the replacement guard over a base and head plan), applies the stack's
 * waivers, and renders the report as text lines or as a merge-request note section.
 */
import type { Plan, PlannedResource } from "../plan/engine";
import { rules as allRules } from "./index";
import { guardReplacements } from "./replacement";
import { type CheckedResource, failClosedFix, type Rule, type Severity, Unverified } from "./rule";
import { isSensitiveWaiver, type Waiver, waiverCovers, waiverTarget } from "./waivers";

export interface Violation {
  stack: string;
  rule: string;
  /**
   * The rule's severity. A mandatory rule that cannot see a value it needs (secret or unknown) fails closed: its
   * finding stays mandatory; only options hidden from the runner give advisory findings.
   */
  severity: Severity;
  urn: string;
  type: string;
  name: string;
  message: string;
  unverified: boolean;
}

export interface WaiverUse {
  waiver: Waiver;
  /** Findings the waiver suppressed (none: the waiver is stale). */
  waived: Violation[];
}

export interface StackReport {
  stack: string;
  resources: number;
  violations: Violation[];
  waivers: WaiverUse[];
}

export interface CheckOptions {
  waivers?: readonly Waiver[];
  /** The plan of the target branch: turns on the replacement guard. */
  base?: Plan;
  rules?: readonly Rule[];
}

export function fromPlanned(r: PlannedResource): CheckedResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: r.inputs,
    options: {
      protect: r.protect,
      retainOnDelete: r.retainOnDelete,
      deleteBeforeReplace: r.deleteBeforeReplace,
      ignoreChanges: r.ignoreChanges,
      replaceOnChanges: r.replaceOnChanges,
      aliases: r.aliases,
      parent: r.parent,
    },
  };
}

export interface RuleFinding {
  message: string;
  /** The rule could not see a value it needs. */
  unverified: boolean;
  severity: Severity;
}

/**
 * A rule's finding as reported: a mandatory rule fails closed on a secret or unknown value, with the field it could
 * not see and what to do; an advisory rule, or an option hidden from the runner, stays advisory.
 */
export function reportedFinding(rule: Pick<Rule, "severity">, f: string | Unverified): RuleFinding {
  if (!(f instanceof Unverified)) return { message: f, unverified: false, severity: rule.severity };
  if (rule.severity === "mandatory" && f.unseen !== "hidden") return { message: `${f.message}; ${failClosedFix(f.unseen)}`, unverified: true, severity: "mandatory" };
  return { message: f.message, unverified: true, severity: "advisory" };
}

/** Findings of one rule on one resource. A rule that throws fails closed: its error is a finding. */
export function runRule(rule: Rule, resource: CheckedResource, resources: readonly CheckedResource[]): RuleFinding[] {
  try {
    return rule.check(resource, { resources }).map((f) => reportedFinding(rule, f));
  } catch (e) {
    return [{ message: `rule ${rule.id} failed on this resource: ${e instanceof Error ? e.message : String(e)}`, unverified: false, severity: "mandatory" }];
  }
}

/** Every finding of `rules` on `resources`, before waivers. */
export function findViolations(stack: string, resources: readonly CheckedResource[], rules: readonly Rule[] = allRules): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    for (const r of resources) {
      if (!rule.appliesTo.includes(r.type)) continue;
      for (const f of runRule(rule, r, resources)) {
        out.push({ stack, rule: rule.id, severity: f.severity, urn: r.urn, type: r.type, name: r.name, message: f.message, unverified: f.unverified });
      }
    }
  }
  return out;
}

/** Splits findings into those that stand and those each waiver suppresses. */
export function applyWaivers(violations: readonly Violation[], waivers: readonly Waiver[]): { violations: Violation[]; waivers: WaiverUse[] } {
  const uses: WaiverUse[] = waivers.map((waiver) => ({ waiver, waived: [] }));
  const standing: Violation[] = [];
  for (const v of violations) {
    const use = uses.find((u) => waiverCovers(u.waiver, v.rule, v));
    if (use) use.waived.push(v);
    else standing.push(v);
  }
  return { violations: standing, waivers: uses };
}

const SEVERITY_ORDER: Record<Severity, number> = { mandatory: 0, advisory: 1 };

/** Checks one stack's plan; with `base`, also guards against deletions and replacements. */
export function checkPlan(plan: Plan, opts: CheckOptions = {}): StackReport {
  const resources = plan.resources.map(fromPlanned);
  const found = findViolations(plan.stack, resources, opts.rules);
  if (opts.base) {
    for (const g of guardReplacements(opts.base, plan)) {
      // The guard fails closed: a value it cannot compare may hide a replacement.
      found.push({ stack: plan.stack, rule: g.rule, severity: "mandatory", urn: g.urn, type: g.type, name: g.name, message: g.message, unverified: g.unverified === true });
    }
  }
  const { violations, waivers } = applyWaivers(found, opts.waivers ?? []);
  violations.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.urn.localeCompare(b.urn) || a.rule.localeCompare(b.rule));
  return { stack: plan.stack, resources: plan.resources.length, violations, waivers };
}

export function reportFailed(reports: readonly StackReport[]): boolean {
  return reports.some((r) => r.violations.some((v) => v.severity === "mandatory"));
}

interface Totals {
  stacks: number;
  resources: number;
  mandatory: number;
  advisory: number;
  waived: number;
}

export function totals(reports: readonly StackReport[]): Totals {
  const all = reports.flatMap((r) => r.violations);
  return {
    stacks: reports.length,
    resources: reports.reduce((n, r) => n + r.resources, 0),
    mandatory: all.filter((v) => v.severity === "mandatory").length,
    advisory: all.filter((v) => v.severity === "advisory").length,
    waived: reports.reduce((n, r) => n + r.waivers.reduce((m, w) => m + w.waived.length, 0), 0),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The text report: `SEVERITY rule-id resource-urn: message` per violation, then one `WAIVER` line per waiver with
 * its justification, then the `SUMMARY` line.
 */
export function formatReport(reports: readonly StackReport[]): string[] {
  const lines = reports.flatMap((r) => r.violations.map((v) => `${v.severity.toUpperCase()} ${v.rule} ${v.urn}: ${v.message}`));
  for (const r of reports) {
    for (const { waiver: w, waived } of r.waivers) {
      const approval = isSensitiveWaiver(w) ? "; sensitive control: needs the Runway team's approval" : "";
      lines.push(`WAIVER ${w.rule} ${r.stack}/${waiverTarget(w)}: ${w.justification} [${w.origin}; waived ${plural(waived.length, "finding")}${approval}]`);
    }
  }
  const t = totals(reports);
  lines.push(
    `SUMMARY ${plural(t.stacks, "stack")}, ${plural(t.resources, "resource")} checked: ${t.mandatory} mandatory, ${t.advisory} advisory, ${t.waived} waived: ${reportFailed(reports) ? "FAILED" : "PASSED"}`,
  );
  return lines;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function violationTable(vs: readonly Violation[]): string[] {
  return [
    "| Severity | Rule | Stack | Resource | Finding |",
    "|---|---|---|---|---|",
    ...vs.map((v) => `| ${v.severity} | ${v.rule} | ${cell(v.stack)} | \`${cell(v.name)}\` (${cell(v.type)}) | ${cell(v.message)} |`),
  ];
}

/**
 * The guardrails section of a merge-request note: a one-line verdict, mandatory violations in a table, waivers of
 * sensitive controls in a table for the approvers, advisory findings and other waivers folded.
 */
export function reportMarkdown(reports: readonly StackReport[]): string {
  const t = totals(reports);
  const all = reports.flatMap((r) => r.violations);
  const mandatory = all.filter((v) => v.severity === "mandatory");
  const advisory = all.filter((v) => v.severity === "advisory");
  const uses = reports.flatMap((r) => r.waivers.map((u) => ({ stack: r.stack, ...u })));
  const out = [
    "### Guardrails",
    "",
    `**${reportFailed(reports) ? "Failed" : "Passed"}**: ${t.mandatory} mandatory, ${t.advisory} advisory, ${t.waived} waived (${plural(t.stacks, "stack")}, ${plural(t.resources, "resource")} checked).`,
  ];
  if (mandatory.length) out.push("", ...violationTable(mandatory));
  if (advisory.length) out.push("", `<details><summary>Advisory findings (${advisory.length})</summary>`, "", ...violationTable(advisory), "", "</details>");
  const row = (u: (typeof uses)[number]) => `| ${cell(u.stack)} | ${u.waiver.rule} | ${cell(waiverTarget(u.waiver))} | ${cell(u.waiver.justification)} | ${u.waiver.origin} | ${u.waived.length} |`;
  const head = ["| Stack | Rule | Resource | Justification | Source | Waived |", "|---|---|---|---|---|---|"];
  const sensitive = uses.filter((u) => isSensitiveWaiver(u.waiver));
  const other = uses.filter((u) => !isSensitiveWaiver(u.waiver));
  if (sensitive.length) {
    out.push("", `**Waivers of sensitive controls (${sensitive.length})**: merging needs the Runway team's approval (code owners of \`stacks/\`).`, "", ...head, ...sensitive.map(row));
  }
  if (other.length) out.push("", `<details><summary>Waivers (${other.length})</summary>`, "", ...head, ...other.map(row), "", "</details>");
  return `${out.join("\n")}\n`;
}
