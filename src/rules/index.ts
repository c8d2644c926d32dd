/**
 * The rule set: every guardrail of the security checklist, shared by `runway check` and the policy pack.
 */
import { bucketRules } from "./bucket";
import { dataProtectionRules } from "./data-protection";
import { fluxRules } from "./flux";
import { gkeClusterRules } from "./gke";
import { gkeNodeRules } from "./gke-nodes";
import { iamRules } from "./iam";
import { projectRules } from "./project";
import { GUARD_RULES } from "./replacement";
import type { Rule, Severity } from "./rule";
import { tenancyRules } from "./tenancy";
import { vaultRules } from "./vault";

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
  ...tenancyRules,
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

/** Every rule id runway check can report, in checklist order. */
export function ruleCatalog(): RuleInfo[] {
  return [...rules, ...GUARD_RULES].map(({ id, title, severity, rationale, source }) => ({ id, title, severity, rationale, source }));
}
