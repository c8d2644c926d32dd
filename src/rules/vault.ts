/**
 * Vault Kubernetes auth controls V1–V5 of the security checklist
 * (hashicorp/vault website/content/api-docs/auth/kubernetes.mdx; Vault "Templated Policies").
 */
import { at, type CheckedResource, equals, expectField, expectFields, type Finding, isOpaque, isRecord, isSet, k8sName, k8sNamespace, list, type Rule, type RuleContext, show, T, unverified } from "./rule";
import { isTenantName, isTenantNamespace, owningTenantNamespace, tenantNamespaceNames } from "./tenancy";

/** "Short" token lifetimes (V4): an hour to use, four hours with renewals. */
export const MAX_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_MAX_TTL_SECONDS = 4 * 3600;

const roleRule = (r: Omit<Rule, "appliesTo" | "scope">): Rule => ({ ...r, appliesTo: [T.authBackendRole], scope: "resource" });

/** `path` lists exact values: not empty, no glob, nothing unknown. Returns its values when it does. */
function exactValues(r: CheckedResource, path: string): { values?: string[]; findings: Finding[] } {
  const v = at(r.inputs, path);
  if (isOpaque(v)) return { findings: [unverified(path, v)] };
  const items = list(v);
  if (items.length === 0) return { findings: [`${path} is ${show(v)}; list the exact values`] };
  const opaque = items.findIndex(isOpaque);
  if (opaque >= 0) return { findings: [unverified(`${path}[${opaque}]`, items[opaque])] };
  const globs = items.filter((x) => typeof x !== "string" || x.includes("*"));
  if (globs.length) return { findings: [`${path} contains ${globs.map(show).join(", ")}; "*" matches every value, list exact names instead`] };
  return { values: items as string[], findings: [] };
}

/**
 * The tenant namespace a Vault role belongs to: the namespace of the Tenant (or SelfHostedTurnUp) component it was
 * created in (through its TenantVaultAccess), else the tenant namespace its roleName names (role name = service).
 */
export function roleTenantNamespace(role: CheckedResource, ctx: RuleContext): string | undefined {
  const owner = owningTenantNamespace(role, ctx);
  if (owner !== undefined) return owner;
  const roleName = at(role.inputs, "roleName");
  return typeof roleName === "string" && tenantNamespaceNames(ctx).has(roleName) ? roleName : undefined;
}

/** A role binds exact service account names, and exactly one namespace: that of the tenant it belongs to. */
function checkRole(r: CheckedResource, ctx: RuleContext): Finding[] {
  const names = exactValues(r, "boundServiceAccountNames");
  const namespaces = exactValues(r, "boundServiceAccountNamespaces");
  const out = [...names.findings, ...namespaces.findings];
  const bound = namespaces.values;
  if (!bound) return out;
  const own = roleTenantNamespace(r, ctx);
  if (own !== undefined && isOpaque(own)) return [...out, unverified("metadata.name of the role's tenant namespace", own)];
  if (bound.length !== 1) {
    out.push(`boundServiceAccountNamespaces is ${show(bound)}; bind the role to exactly one namespace${own ? `, its tenant's: ["${own}"]` : ""}`);
  } else if (own !== undefined && bound[0] !== own) {
    out.push(`boundServiceAccountNamespaces is ${show(bound)} but the role belongs to tenant namespace "${own}"; bind it to ["${own}"]`);
  } else if (own === undefined && tenantNamespaceNames(ctx).has(bound[0])) {
    const roleName = at(r.inputs, "roleName");
    out.push(
      isOpaque(roleName)
        ? unverified("roleName", roleName)
        : `boundServiceAccountNamespaces is ${show(bound)}, a tenant namespace, but the role belongs to no tenant; create it with that tenant (TenantVaultAccess) or name it after the namespace`,
    );
  }
  return out;
}

/** A tenant namespace whose ExternalSecrets read Vault has a Vault role of its own. */
function checkNamespaceHasRole(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const name = k8sName(ns);
  if (typeof name !== "string" || isOpaque(name) || !isTenantNamespace(ns, ctx)) return [];
  if (!ctx.resources.some((r) => r.type === T.externalSecret && k8sNamespace(r) === name)) return [];
  const roles = ctx.resources.filter((r) => r.type === T.authBackendRole).map((r) => ({ r, own: roleTenantNamespace(r, ctx) }));
  if (roles.some(({ own }) => own === name)) return [];
  // A role whose tenant is not known yet may be this one.
  const unsure = roles.find(({ r, own }) => (own === undefined ? isOpaque(at(r.inputs, "roleName")) : isOpaque(own)));
  if (unsure) return [unverified(`the tenant of Vault role ${unsure.r.name}`, unsure.own ?? at(unsure.r.inputs, "roleName"))];
  return [`tenant namespace "${name}" has ExternalSecrets but no Vault role of its own; create the tenant's AuthBackendRole bound to ["${name}"] (TenantVaultAccess)`];
}

const V1: Rule = {
  id: "V1",
  title: "Vault role bound to exact service accounts",
  severity: "mandatory",
  rationale: "A glob binding lets any service account in any namespace log in as the tenant.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (bound_service_account_names/namespaces)",
  appliesTo: [T.authBackendRole, T.namespace],
  // A stack rule: the role's tenant and the namespace's ExternalSecrets are other resources.
  scope: "stack",
  check: (r, ctx) => (r.type === T.namespace ? checkNamespaceHasRole(r, ctx) : checkRole(r, ctx)),
};

const V2 = roleRule({
  id: "V2",
  title: "Vault role checks the token audience",
  severity: "mandatory",
  rationale: "Without an audience, a token minted for another service is accepted by Vault.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (audience)",
  check: (r) => expectField(r.inputs, "audience", (v) => typeof v === "string" && v.length > 0, 'set it, e.g. "vault"'),
});

const V3 = roleRule({
  id: "V3",
  title: "Aliases from service account UIDs",
  severity: "mandatory",
  rationale: "A UID alias cannot be taken over by recreating a service account with the same name.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (alias_name_source)",
  check: (r) => expectField(r.inputs, "aliasNameSource", equals(undefined, "serviceaccount_uid"), 'remove it or set it to "serviceaccount_uid"'),
});

/** Seconds of a Vault TTL: a number of seconds or a duration string such as "1h" or "30m". */
export function ttlSeconds(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const m = /^(\d+)(s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"] ?? 1);
}

const shortTtl = (max: number) => (v: unknown) => {
  const s = ttlSeconds(v);
  return s !== undefined && s > 0 && s <= max;
};

const V4 = roleRule({
  id: "V4",
  title: "Short-lived Vault tokens",
  severity: "mandatory",
  rationale: "A stolen token is useful only until its TTL ends; Vault's default is 32 days.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (token_ttl, token_max_ttl)",
  check: (r) =>
    expectFields(r.inputs, [
      ["tokenTtl", shortTtl(MAX_TOKEN_TTL_SECONDS), `set it to at most ${MAX_TOKEN_TTL_SECONDS} seconds`],
      ["tokenMaxTtl", shortTtl(MAX_TOKEN_MAX_TTL_SECONDS), `set it to at most ${MAX_TOKEN_MAX_TTL_SECONDS} seconds`],
    ]),
});

/** The stack's Vault policies by `name`; the tenant each belongs to by the component that creates it. */
function policiesNamed(ctx: RuleContext, name: string): CheckedResource[] {
  return ctx.resources.filter((p) => p.type === T.vaultPolicy && at(p.inputs, "name") === name);
}

/**
 * A role's tokens carry exactly one policy, neither root nor default, and it is a policy of the stack that belongs to
 * the role's own tenant: another tenant's policy hands the role that tenant's secrets.
 */
function checkTokenPolicies(r: CheckedResource, ctx: RuleContext): Finding[] {
  const policies = at(r.inputs, "tokenPolicies");
  if (isOpaque(policies)) return [unverified("tokenPolicies", policies)];
  const opaque = list(policies).findIndex(isOpaque);
  if (opaque >= 0) return [unverified(`tokenPolicies[${opaque}]`, list(policies)[opaque])];
  if (!Array.isArray(policies) || policies.length !== 1 || ["root", "default"].includes(String(policies[0]))) {
    return [`tokenPolicies is ${show(policies)}; list exactly the tenant's own policy`];
  }
  const own = roleTenantNamespace(r, ctx);
  if (own === undefined) return [];
  const name = String(policies[0]);
  const found = policiesNamed(ctx, name);
  const unnamed = ctx.resources.find((p) => p.type === T.vaultPolicy && isOpaque(at(p.inputs, "name")));
  if (!found.length && unnamed) return [unverified(`name of Vault policy ${unnamed.name} (it may be the one tokenPolicies names)`, at(unnamed.inputs, "name"))];
  if (!found.length) return [`tokenPolicies names ${show(name)}, which is not a Vault policy of this stack, so the rule cannot see what it grants; attach the tenant's own policy (TenantVaultAccess)`];
  const foreign = found.map((p) => policyOwner(p, ctx)).find((t) => t !== undefined && t !== own);
  return foreign === undefined ? [] : [`tokenPolicies names ${show(name)}, the policy of tenant "${foreign}", but the role belongs to tenant "${own}"; attach the tenant's own policy`];
}

const V4_POLICIES: Rule = {
  id: "V4-policies",
  title: "Vault tokens carry only the tenant policy",
  severity: "mandatory",
  rationale: "Each extra policy, or another tenant's, widens what a tenant's workload can read.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (token_policies)",
  appliesTo: [T.authBackendRole],
  scope: "stack",
  check: checkTokenPolicies,
};

const TEMPLATE = /\{\{identity\.entity\.aliases\.[^.}]+\.metadata\.service_account_namespace\}\}/;

/** Path patterns of a Vault policy in HCL (`path "..." {`) or JSON (`{"path": {...}}`). */
export function policyPaths(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    const paths = at(parsed, "path");
    return isRecord(paths) ? Object.keys(paths) : [];
  } catch {
    return [...text.matchAll(/\bpath\s+"([^"]+)"/g)].map((m) => m[1]);
  }
}

function checkPolicyTemplating(p: CheckedResource): Finding[] {
  const text = at(p.inputs, "policy");
  if (isOpaque(text)) return [unverified("policy", text)];
  if (!isSet(text)) return [];
  // A glob before the tenant's namespace segment reaches every tenant's secrets.
  return policyPaths(String(text))
    .filter((path) => {
      const glob = path.search(/[*+]/);
      const tpl = path.search(TEMPLATE);
      return glob >= 0 && (tpl < 0 || tpl > glob);
    })
    .map((path) => `policy path ${show(path)} has a wildcard not scoped by {{identity.entity.aliases.<accessor>.metadata.service_account_namespace}}; template the namespace segment`);
}

const V5: Rule = {
  id: "V5",
  title: "Templated Vault policy paths",
  severity: "advisory",
  rationale: "A templated namespace segment confines each login to its own tenant's path.",
  source: "Vault Templated Policies docs (vault commit fea8ee5)",
  appliesTo: [T.vaultPolicy],
  scope: "resource",
  check: checkPolicyTemplating,
};

/** Paths every tenant token needs on itself (src/vault/policy.ts). */
const SELF_TOKEN_PATHS = ["auth/token/lookup-self", "auth/token/renew-self", "auth/token/revoke-self"];

/**
 * Whether a policy path stays inside tenant `ns`'s secrets: `<mount path>/.../service/<ns>/...` with the
 * tenant segment literal or the namespace template, and no glob (`*`, `+`) before the segment after it. A glob in
 * or before the tenant segment (`service/ai-gateway*`, `env/+/data/...`) reaches other tenants or environments.
 */
export function pathInsideTenant(path: string, ns: string, environment?: string): boolean {
  if (SELF_TOKEN_PATHS.includes(path)) return true;
  const m = /^([^*+]*?)\/service\/([^/]+)\/(.*)$/.exec(path);
  if (m === null || (m[2] !== ns && !TEMPLATE_SEGMENT.test(m[2]))) return false;
  // The tenant's own environment only: `<kvMount>/env/<environment>/(data|metadata)/service/<ns>/...`.
  return environment === undefined || new RegExp(`(^|/)env/${escapeRegExp(environment)}/(data|metadata)$`).test(m[1]);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The environment of a tenant namespace, from its Namespace's `runway.gitlab.com/environment` label in the plan. */
function tenantEnvironment(ns: string, ctx: RuleContext): string | undefined {
  const nsResource = ctx.resources.find((r) => r.type === T.namespace && k8sName(r) === ns);
  const labels = nsResource ? at(nsResource.inputs, "metadata.labels") : undefined;
  const env = isRecord(labels) ? labels["runway.gitlab.com/environment"] : undefined;
  return typeof env === "string" && !isOpaque(env) ? env : undefined;
}

const TEMPLATE_SEGMENT = /^\{\{identity\.entity\.aliases\.[^.}]+\.metadata\.service_account_namespace\}\}$/;

/**
 * The tenant a policy belongs to: the one whose component creates it, else the one tenant whose secrets its paths
 * name literally (`.../service/<tenant>/...`).
 */
function policyOwner(p: CheckedResource, ctx: RuleContext): string | undefined {
  const owner = owningTenantNamespace(p, ctx);
  if (owner !== undefined) return owner;
  const text = at(p.inputs, "policy");
  if (typeof text !== "string" || isOpaque(text)) return undefined;
  const named = new Set(policyPaths(text).map((path) => /\/service\/([^/{}*+]+)\//.exec(path)?.[1]).filter((t): t is string => t !== undefined && isTenantName(t)));
  return named.size === 1 ? [...named][0] : undefined;
}

/** The tenants a policy serves: the one whose component creates it, and those whose roles carry it. */
function policyTenants(p: CheckedResource, ctx: RuleContext): Set<string> {
  const out = new Set<string>();
  const owner = owningTenantNamespace(p, ctx);
  if (owner !== undefined) out.add(owner);
  const name = at(p.inputs, "name");
  for (const role of ctx.resources.filter((r) => r.type === T.authBackendRole)) {
    if (list(at(role.inputs, "tokenPolicies")).includes(name)) {
      const t = roleTenantNamespace(role, ctx);
      if (t !== undefined) out.add(t);
    }
  }
  return out;
}

function checkPolicyScope(p: CheckedResource, ctx: RuleContext): Finding[] {
  const tenants = [...policyTenants(p, ctx)];
  if (tenants.length === 0) return [];
  if (tenants.length > 1) return [`the policy serves tenants ${tenants.map((t) => `"${t}"`).join(" and ")}; each tenant has a policy of its own`];
  const text = at(p.inputs, "policy");
  if (isOpaque(text)) return [unverified("policy", text)];
  const [ns] = tenants;
  const env = tenantEnvironment(ns, ctx);
  return policyPaths(String(text ?? ""))
    .filter((path) => !pathInsideTenant(path, ns, env))
    .map((path) => `policy path ${show(path)} reaches beyond tenant "${ns}"'s secrets; grant only <mount>/env/${env ?? "<env>"}/(data|metadata)/service/${ns}/... (or the namespace template), with globs only after the tenant segment`);
}

const V5_SCOPE: Rule = {
  id: "V5-scope",
  title: "Tenant Vault policies stay inside the tenant's prefix",
  severity: "mandatory",
  rationale: "A path into another tenant's prefix, or a glob at or before the tenant segment, hands one tenant another's secrets.",
  source: "Vault policies docs (glob and + segment matching); Vault Templated Policies docs",
  appliesTo: [T.vaultPolicy],
  scope: "stack",
  check: checkPolicyScope,
};

export const vaultRules: Rule[] = [V1, V2, V3, V4, V4_POLICIES, V5, V5_SCOPE];
