/**
 * Vault policies of a tenant: read on exactly its secrets path, in the explicit or the templated (V5) form, and an
 * evaluator of the paths Runway writes, so tests can ask what a policy allows. Pure: no provider imports.
 */
import { environmentMountPath, serviceSecretsPrefix } from "./integration";

/** The identity template that resolves to the Kubernetes namespace of the logged-in service account (V5). */
export function namespaceTemplate(accessor: string): string {
  return `{{identity.entity.aliases.${accessor}.metadata.service_account_namespace}}`;
}

export interface TenantPolicyInput {
  /** Base of the environments' KV v2 mounts, e.g. `runway`; the environment's mount is `<mount>/env/<environment>`. */
  mount: string;
  environment: string;
  service: string;
}

export interface PolicyRule {
  path: string;
  capabilities: string[];
}

/**
 * Paths every tenant token needs on itself: the `default` policy is not attached (V4), and the secrets operator
 * looks its cached token up before reusing it.
 */
const SELF_TOKEN_RULES: PolicyRule[] = [
  { path: "auth/token/lookup-self", capabilities: ["read"] },
  { path: "auth/token/renew-self", capabilities: ["update"] },
  { path: "auth/token/revoke-self", capabilities: ["update"] },
];

/** KV v2 API paths of one service's secrets: `<mount>/env/<env>/data/service/<name>/*` and its metadata. */
function serviceRules(mount: string, environment: string, service: string): PolicyRule[] {
  const mountPath = environmentMountPath(mount, environment);
  const prefix = serviceSecretsPrefix(service);
  return [
    { path: `${mountPath}/data/${prefix}/*`, capabilities: ["read"] },
    { path: `${mountPath}/metadata/${prefix}/*`, capabilities: ["read", "list"] },
  ];
}

/** Explicit rules: read on `<mount>/env/<env>/data/service/<name>/*`, read and list on its metadata. */
export function tenantPolicyRules(p: TenantPolicyInput): PolicyRule[] {
  return [...serviceRules(p.mount, p.environment, p.service), ...SELF_TOKEN_RULES];
}

/**
 * Templated rules (V5): the service segment is the caller's own namespace as the Kubernetes auth mount with
 * `accessor` saw it, so the policy grants nothing beyond the namespace the token was issued to, whichever role
 * it is attached to. Valid where the tenant namespace is named after the service (the Runway convention).
 */
export function templatedTenantPolicyRules(p: Omit<TenantPolicyInput, "service"> & { accessor: string }): PolicyRule[] {
  return [...serviceRules(p.mount, p.environment, namespaceTemplate(p.accessor)), ...SELF_TOKEN_RULES];
}

/** Vault policy HCL of rules, one `path` block each. */
export function policyHcl(rules: PolicyRule[], comment?: string): string {
  const head = comment ? `# ${comment}\n` : "";
  return head + rules.map((r) => `path "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`).join("");
}

/** The `path` blocks of a policy written by policyHcl. */
export function parsePolicyHcl(hcl: string): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const m of hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)) {
    out.push({ path: m[1], capabilities: [...m[2].matchAll(/"([^"]+)"/g)].map((c) => c[1]) });
  }
  return out;
}

/** Who is asking, for templated paths: the auth mount accessor and the service account's namespace. */
export interface PolicyIdentity {
  accessor: string;
  namespace: string;
}

/**
 * Whether `hcl` grants `capability` on `path`, with Vault's matching: a trailing `*` matches any suffix, `+`
 * matches one path segment, identity templates resolve from `identity` (a template that does not resolve drops
 * its path, as Vault does). Only the capability lists Runway writes are understood (no `deny`, no parameters).
 */
export function policyAllows(hcl: string, path: string, capability: string, identity?: PolicyIdentity): boolean {
  return parsePolicyHcl(hcl).some((rule) => {
    if (!rule.capabilities.includes(capability)) return false;
    const resolved = resolveTemplates(rule.path, identity);
    return resolved !== undefined && pathMatches(resolved, path);
  });
}

function resolveTemplates(pattern: string, identity: PolicyIdentity | undefined): string | undefined {
  let unresolved = false;
  const out = pattern.replace(/\{\{([^}]*)\}\}/g, (_, expr: string) => {
    const m = /^identity\.entity\.aliases\.([^.]+)\.metadata\.service_account_namespace$/.exec(expr.trim());
    if (!m || !identity || identity.accessor !== m[1]) {
      unresolved = true;
      return "";
    }
    return identity.namespace;
  });
  return unresolved ? undefined : out;
}

function pathMatches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith("*");
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const re = body
    .split("+")
    .map((s) => s.replace(/[.*?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${re}${prefix ? "" : "$"}`).test(path);
}
