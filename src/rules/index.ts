/**
 * The rule set: every guardrail of the security checklist, shared by `runway check` and the policy pack.
 */
import { bucketRules } from "./bucket";
import { dataProtectionRules } from "./data-protection";
import { fluxRules } from "./flux";
import { gkeClusterRules } from "./gke";
import { gkeNodeRules } from "./gke-nodes";
import { iamRules } from "./iam";
import { networkRules } from "./network";
import { projectRules } from "./project";
import { rbacRules } from "./rbac";
import { GUARD_RULES } from "./replacement";
import type { Rule, Severity } from "./rule";
import { tenancyRules } from "./tenancy";
import { vaultRules } from "./vault";
import { workloadRules } from "./workloads";

export type { CheckedOptions, CheckedResource, Finding, Rule, RuleContext, Severity } from "./rule";
export { SECRET, UNKNOWN, Unverified } from "./rule";
export { TENANT_LABEL } from "./tenancy";

export const rules: readonly Rule[] = [
  ...gkeClusterRules,
  ...gkeNodeRules,
  ...projectRules,
  ...iamRules,
  ...bucketRules,
  ...fluxRules,
  ...rbacRules,
  ...tenancyRules,
  ...networkRules,
  ...workloadRules,
  ...vaultRules,
  ...dataProtectionRules,
];

/** What a report or the docs say about a rule, for plan rules and the replacement guard alike. */
export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  rationale: string;
  source: string;
}

const CHECKLIST_ORDER = ["G", "P", "I", "S", "F", "K", "V", "GL", "D"];

function checklistKey(id: string): [number, number, string] {
  const m = /^([A-Z]+)(\d+)(.*)$/.exec(id);
  return m ? [CHECKLIST_ORDER.indexOf(m[1]), Number(m[2]), m[3]] : [CHECKLIST_ORDER.length, 0, id];
}

/** Every rule id runway check can report, in checklist order. */
export function ruleCatalog(): RuleInfo[] {
  return [...rules, ...GUARD_RULES]
    .map(({ id, title, severity, rationale, source }) => ({ id, title, severity, rationale, source }))
    .sort((a, b) => {
      const [x, y] = [checklistKey(a.id), checklistKey(b.id)];
      return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
    });
}

/** The rule table of docs/ci.md, generated so the docs cannot drift from the code (`runway check --rules`). */
export function ruleTableMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const rows = ruleCatalog().map((r) => `| ${r.id} | ${r.severity} | ${cell(r.title)}: ${cell(r.rationale)} | ${cell(r.source)} |`);
  return ["| Rule | Severity | Control | Source |", "|---|---|---|---|", ...rows].join("\n");
}
