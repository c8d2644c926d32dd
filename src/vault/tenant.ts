/**
 * Decisions of `TenantVaultAccess` as plain values: validation, the Vault role (V1–V4), the policy (V5) and the
 * tenant's SecretStore and ExternalSecrets. Pure: no provider imports.
 */
import { assertName, assertNamespace } from "../flux/objects";
import { externalSecret, secretStore, TENANT_STORE_NAME } from "./eso";
import { environmentMountPath, serviceSecretsPrefix } from "./integration";
import { policyHcl, templatedTenantPolicyRules, tenantPolicyRules } from "./policy";

/** V4: a tenant token lives ten minutes, twenty with renewals. */
export const DEFAULT_TOKEN_TTL = 600;
export const DEFAULT_TOKEN_MAX_TTL = 1200;
/** Upper bounds a caller may raise the TTLs to (V4: "short"). */
export const MAX_TOKEN_TTL = 3600;
export const MAX_TOKEN_MAX_TTL = 4 * 3600;

export type PolicyForm = "templated" | "explicit";

/** A secret the tenant declares: a Kubernetes Secret `name` filled from `<mount>/env/<env>/service/<service>/<path>` in Vault. */
export interface DeclaredSecret {
  name: string;
  path: string;
}

export interface TenantVaultInput<Accessor = string> {
  authBackendPath: string;
  /** Base of the environments' KV v2 mounts, e.g. `runway`; the tenant reads from `<mount>/env/<environment>`. */
  mount: string;
  environment: string;
  service: string;
  namespace: string;
  serviceAccounts: string[];
  secrets: DeclaredSecret[];
  vaultAddress: string;
  audience?: string;
  policyForm?: PolicyForm;
  authBackendAccessor?: Accessor;
  storeServiceAccount?: string;
  tokenTtl?: number;
  tokenMaxTtl?: number;
  refreshInterval?: string;
  labels?: Record<string, string>;
}

export interface TenantRoleSpec {
  roleName: string;
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  audience: string;
  aliasNameSource: "serviceaccount_uid";
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenNoDefaultPolicy: true;
}

export interface TenantVaultPlan {
  policyName: string;
  policyForm: PolicyForm;
  /** The policy text for the auth mount with `accessor` (used by the templated form only). */
  policy(accessor?: string): string;
  role: TenantRoleSpec;
  secretStore: ReturnType<typeof secretStore>;
  externalSecrets: ReturnType<typeof externalSecret>[];
}

const MOUNT = /^[a-z][-a-z0-9_]*$/;
const BACKEND_PATH = /^[a-z0-9][-a-z0-9_]*(\/[a-z0-9][-a-z0-9_]*)*$/;
const SECRET_PATH = /^[a-z0-9][-a-z0-9_]*(\/[a-z0-9][-a-z0-9_]*)*$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[^\s]*)?$/;

/**
 * Problems of a tenant's secrets list: names unique (each is a Kubernetes Secret), paths relative Vault paths. Shared
 * with catalog validation, so `runway validate` rejects what the Vault access would.
 */
export function secretsProblems(secrets: readonly { name: string; path: string }[]): { index: number; field: "name" | "path"; message: string }[] {
  const out: { index: number; field: "name" | "path"; message: string }[] = [];
  const seen = new Map<string, number>();
  secrets.forEach((s, index) => {
    const first = seen.get(s.name);
    if (first !== undefined) out.push({ index, field: "name", message: `'${s.name}' is already the name of secrets[${first}]; each Kubernetes Secret name must be unique` });
    else seen.set(s.name, index);
    if (!SECRET_PATH.test(s.path ?? "")) {
      out.push({ index, field: "path", message: `'${String(s.path)}' must be a relative Vault path such as llm/anthropic (no leading or trailing '/', no empty segment, '..' or wildcards)` });
    }
  });
  return out;
}

/** Validates every argument, then decides the tenant's Vault policy, role and secrets-operator objects. */
export function planTenantVaultAccess<A>(a: TenantVaultInput<A>): TenantVaultPlan {
  assertNamespace("environment", a.environment);
  assertNamespace("service", a.service);
  assertNamespace("namespace", a.namespace);
  if (!MOUNT.test(a.mount ?? "")) throw new Error(`mount '${String(a.mount)}' is not a Vault mount path: use lowercase letters, digits, '-' and '_', e.g. runway`);
  if (!BACKEND_PATH.test(a.authBackendPath ?? "")) {
    throw new Error(`authBackendPath '${String(a.authBackendPath)}' is not a Vault auth path: use e.g. kubernetes-runway-staging, without slashes at either end`);
  }
  if (!HTTPS_URL.test(a.vaultAddress ?? "")) throw new Error(`vaultAddress '${String(a.vaultAddress)}' must be an https:// URL such as https://vault.example.com`);
  const audience = a.audience ?? "vault";
  if (audience.trim() === "" || audience.includes("*")) throw new Error(`audience '${audience}' must name the token audience Vault checks (V2), e.g. vault`);

  // V1: exact names only. "*" (or any glob) would let every service account in the namespace log in.
  if (!Array.isArray(a.serviceAccounts) || a.serviceAccounts.length === 0) {
    throw new Error("serviceAccounts is empty: list the tenant's service account names, e.g. [ai-gateway]");
  }
  for (const sa of a.serviceAccounts) assertName("serviceAccounts entry", sa);
  if (new Set(a.serviceAccounts).size !== a.serviceAccounts.length) throw new Error(`serviceAccounts [${a.serviceAccounts.join(", ")}] lists a name twice: list each once`);
  const storeSa = a.storeServiceAccount ?? a.serviceAccounts[0];
  if (!a.serviceAccounts.includes(storeSa)) {
    throw new Error(`storeServiceAccount '${storeSa}' is not in serviceAccounts [${a.serviceAccounts.join(", ")}]: the role only admits those; add it or pick one of them`);
  }

  const tokenTtl = a.tokenTtl ?? DEFAULT_TOKEN_TTL;
  const tokenMaxTtl = a.tokenMaxTtl ?? DEFAULT_TOKEN_MAX_TTL;
  if (!Number.isInteger(tokenTtl) || tokenTtl <= 0 || tokenTtl > MAX_TOKEN_TTL) throw new Error(`tokenTtl ${tokenTtl} must be whole seconds from 1 to ${MAX_TOKEN_TTL} (V4)`);
  if (!Number.isInteger(tokenMaxTtl) || tokenMaxTtl < tokenTtl || tokenMaxTtl > MAX_TOKEN_MAX_TTL) {
    throw new Error(`tokenMaxTtl ${tokenMaxTtl} must be whole seconds from tokenTtl (${tokenTtl}) to ${MAX_TOKEN_MAX_TTL} (V4)`);
  }

  const policyForm = a.policyForm ?? "templated";
  if (policyForm === "templated") {
    if (a.authBackendAccessor === undefined) {
      throw new Error("authBackendAccessor is required by the templated policy (V5): pass VaultIntegration.authBackendAccessor, or set policyForm: 'explicit'");
    }
    if (a.namespace !== a.service) {
      throw new Error(`namespace '${a.namespace}' differs from service '${a.service}': the templated policy (V5) reads the namespace as the service name; set policyForm: 'explicit'`);
    }
  } else if (policyForm !== "explicit") {
    throw new Error(`policyForm '${String(policyForm)}' must be 'templated' or 'explicit'`);
  }

  for (const s of a.secrets ?? []) assertName("secrets[].name", s.name);
  const secretProblem = secretsProblems(a.secrets ?? [])[0];
  if (secretProblem) throw new Error(`secrets[${secretProblem.index}].${secretProblem.field}: ${secretProblem.message}`);

  const mountPath = environmentMountPath(a.mount, a.environment);
  const prefix = serviceSecretsPrefix(a.service);
  const comment = `Runway tenant ${a.service} in ${a.environment}: read on ${mountPath}/data/${prefix}/* only`;
  const policy = (accessor?: string) => {
    if (policyForm === "explicit") return policyHcl(tenantPolicyRules({ mount: a.mount, environment: a.environment, service: a.service }), comment);
    if (!accessor) throw new Error(`the templated policy of ${a.service} needs the accessor of auth mount ${a.authBackendPath}`);
    return policyHcl(templatedTenantPolicyRules({ mount: a.mount, environment: a.environment, accessor }), comment);
  };
  const role: TenantRoleSpec = {
    roleName: a.service,
    boundServiceAccountNames: [...a.serviceAccounts],
    boundServiceAccountNamespaces: [a.namespace],
    audience,
    aliasNameSource: "serviceaccount_uid",
    tokenTtl,
    tokenMaxTtl,
    tokenNoDefaultPolicy: true,
  };
  const meta = { namespace: a.namespace, labels: a.labels };
  return {
    policyName: `${a.authBackendPath}-${a.service}`,
    policyForm,
    policy,
    role,
    secretStore: secretStore({
      ...meta,
      name: TENANT_STORE_NAME,
      server: a.vaultAddress,
      mount: mountPath,
      authMountPath: a.authBackendPath,
      role: role.roleName,
      serviceAccount: storeSa,
      audience,
    }),
    externalSecrets: (a.secrets ?? []).map((s) =>
      externalSecret({ ...meta, name: s.name, storeName: TENANT_STORE_NAME, targetName: s.name, key: `${prefix}/${s.path}`, refreshInterval: a.refreshInterval }),
    ),
  };
}
