/**
 * Project controls P1–P2 of the security checklist.
 */
import { at, expectField, type Finding, isOpaque, list, type Rule, show, T, unverified } from "./rule";

const P1: Rule = {
  id: "P1",
  title: "No default network",
  severity: "mandatory",
  rationale: "The auto-created default network has permissive firewall rules in every region.",
  source: "CKV_GCP_27",
  appliesTo: [T.project],
  scope: "resource",
  check: (p) => expectField(p.inputs, "autoCreateNetwork", (v) => v === false, "set it to false (Runway creates its own VPC)"),
};

/** P2, stack side: every project of the stack has an allServices audit config. */
const P2: Rule = {
  id: "P2",
  title: "Data access audit logs",
  severity: "mandatory",
  rationale: "Data access logs record who read or changed data, which admin activity logs alone do not.",
  source: "CKV2_GCP_5",
  appliesTo: [T.project],
  scope: "stack",
  check(p, ctx): Finding[] {
    const projectId = at(p.inputs, "projectId");
    if (isOpaque(projectId)) return [unverified("projectId", projectId)];
    const configs = ctx.resources.filter((r) => r.type === T.auditConfig);
    if (configs.some((c) => at(c.inputs, "service") === "allServices" && at(c.inputs, "project") === projectId)) return [];
    const opaque = configs.find((c) => isOpaque(at(c.inputs, "service")) || isOpaque(at(c.inputs, "project")));
    if (opaque) return [unverified(`service or project of audit config ${opaque.name}`, isOpaque(at(opaque.inputs, "service")) ? at(opaque.inputs, "service") : at(opaque.inputs, "project"))];
    return [`project ${show(projectId)} has no gcp.projects.IAMAuditConfig with service "allServices"; add one logging DATA_READ and DATA_WRITE`];
  },
};

function checkAuditConfig(inputs: Record<string, unknown>): Finding[] {
  const configs = at(inputs, "auditLogConfigs");
  if (isOpaque(configs)) return [unverified("auditLogConfigs", configs)];
  const out: Finding[] = [];
  list(configs).forEach((c, i) => {
    const exempted = at(c, "exemptedMembers");
    if (isOpaque(exempted)) out.push(unverified(`auditLogConfigs[${i}].exemptedMembers`, exempted));
    else if (list(exempted).length) out.push(`auditLogConfigs[${i}].exemptedMembers is ${show(exempted)}; remove the exemptions so every principal is logged`);
  });
  if (at(inputs, "service") === "allServices") {
    const types = list(configs).map((c) => at(c, "logType"));
    const missing = ["DATA_READ", "DATA_WRITE"].filter((t) => !types.includes(t));
    if (missing.length && !types.some(isOpaque)) out.push(`auditLogConfigs logs ${show(types)}; add logType ${missing.join(" and ")}`);
  }
  return out;
}

/** P2, config side: audit configs log data access and exempt nobody. */
const P2_CONFIG: Rule = {
  id: "P2-config",
  title: "Audit configs exempt nobody",
  severity: "mandatory",
  rationale: "An exempted member can read and change data without a trace.",
  source: "CKV2_GCP_5",
  appliesTo: [T.auditConfig],
  scope: "resource",
  check: (a) => checkAuditConfig(a.inputs),
};

export const projectRules: Rule[] = [P1, P2, P2_CONFIG];
