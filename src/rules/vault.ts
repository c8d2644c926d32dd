/**
 * Vault Kubernetes auth controls V1–V5 of the security checklist
 * (hashicorp/vault website/content/api-docs/auth/kubernetes.mdx; Vault "Templated Policies").
 */
import { at, type CheckedResource, equals, expectField, expectFields, type Finding, isOpaque, isRecord, isSet, list, type Rule, show, T, unverified } from "./rule";

/** "Short" token lifetimes (V4): an hour to use, four hours with renewals. */
export const MAX_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_MAX_TTL_SECONDS = 4 * 3600;

const roleRule = (r: Omit<Rule, "appliesTo" | "scope">): Rule => ({ ...r, appliesTo: [T.authBackendRole], scope: "resource" });

function checkBound(r: CheckedResource): Finding[] {
  return ["boundServiceAccountNames", "boundServiceAccountNamespaces"].flatMap((path): Finding[] => {
    const v = at(r.inputs, path);
    if (isOpaque(v)) return [unverified(path, v)];
    const items = list(v);
    if (items.length === 0) return [`${path} is ${show(v)}; list the exact values`];
    const opaque = items.findIndex(isOpaque);
    if (opaque >= 0) return [unverified(`${path}[${opaque}]`, items[opaque])];
    const globs = items.filter((x) => typeof x !== "string" || x.includes("*"));
    return globs.length ? [`${path} contains ${globs.map(show).join(", ")}; "*" matches every value, list exact names instead`] : [];
  });
}

const V1 = roleRule({
  id: "V1",
  title: "Vault role bound to exact service accounts",
  severity: "mandatory",
  rationale: "A glob binding lets any service account in any namespace log in as the tenant.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (bound_service_account_names/namespaces)",
  check: checkBound,
});

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

const V4_POLICIES = roleRule({
  id: "V4-policies",
  title: "Vault tokens carry only the tenant policy",
  severity: "mandatory",
  rationale: "Each extra policy widens what a tenant's workload can read.",
  source: "hashicorp/vault api-docs/auth/kubernetes.mdx (token_policies)",
  check: (r) => {
    const policies = at(r.inputs, "tokenPolicies");
    const opaque = list(policies).findIndex(isOpaque);
    if (opaque >= 0) return [unverified(`tokenPolicies[${opaque}]`, list(policies)[opaque])];
    return expectField(r.inputs, "tokenPolicies", (v) => Array.isArray(v) && v.length === 1 && !["root", "default"].includes(String(v[0])), "list exactly the tenant's own policy");
  },
});

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

export const vaultRules: Rule[] = [V1, V2, V3, V4, V4_POLICIES, V5];
