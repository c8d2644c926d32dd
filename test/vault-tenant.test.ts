import { ExternalSecret, SecretStore } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { describe, expect, it } from "vitest";
import { ESO_CHART, esoChartValues } from "../src/vault/eso";
import { policyAllows } from "../src/vault/policy";
import { planTenantVaultAccess, type TenantVaultInput } from "../src/vault/tenant";

/** The models' typings need ESM resolution; the runtime method is there (vitest loads ESM). */
const validate = (model: object) => (model as { validate(): void }).validate();

const input: TenantVaultInput = {
  authBackendPath: "kubernetes-runway-staging",
  authBackendAccessor: "auth_kubernetes_1a2b3c4d",
  mount: "runway",
  environment: "staging",
  service: "ai-gateway",
  namespace: "ai-gateway",
  serviceAccounts: ["ai-gateway"],
  secrets: [
    { name: "anthropic", path: "llm/anthropic" },
    { name: "database", path: "db" },
  ],
  vaultAddress: "https://vault.runway.gitlab.net",
};
const plan = planTenantVaultAccess(input);

describe("tenant Vault role", () => {
  it("binds exactly the tenant's service accounts and namespace, never '*' (V1)", () => {
    const p = planTenantVaultAccess({ ...input, serviceAccounts: ["ai-gateway", "ai-gateway-migrations"] });
    expect(p.role.boundServiceAccountNames).toEqual(["ai-gateway", "ai-gateway-migrations"]);
    expect(p.role.boundServiceAccountNamespaces).toEqual(["ai-gateway"]);
  });

  it("rejects '*' and empty lists of service accounts (V1)", () => {
    expect(() => planTenantVaultAccess({ ...input, serviceAccounts: ["*"] })).toThrow(
      "serviceAccounts entry '*' is not a Kubernetes name: use lowercase letters, digits, '-' and '.', e.g. ai-gateway",
    );
    expect(() => planTenantVaultAccess({ ...input, serviceAccounts: [] })).toThrow("serviceAccounts is empty: list the tenant's service account names, e.g. [ai-gateway]");
    expect(() => planTenantVaultAccess({ ...input, namespace: "*" })).toThrow("namespace '*' is not a namespace name");
  });

  it("checks the token audience, vault by default (V2)", () => {
    expect(plan.role.audience).toBe("vault");
    expect(planTenantVaultAccess({ ...input, audience: "runway-vault" }).role.audience).toBe("runway-vault");
    expect(() => planTenantVaultAccess({ ...input, audience: "" })).toThrow("audience '' must name the token audience Vault checks (V2), e.g. vault");
  });

  it("names aliases after the service account UID (V3)", () => {
    expect(plan.role.aliasNameSource).toBe("serviceaccount_uid");
  });

  it("issues tokens for 600 seconds, 1200 at most (V4)", () => {
    expect(plan.role).toMatchObject({ tokenTtl: 600, tokenMaxTtl: 1200 });
    expect(() => planTenantVaultAccess({ ...input, tokenTtl: 86400 })).toThrow("tokenTtl 86400 must be whole seconds from 1 to 3600 (V4)");
    expect(() => planTenantVaultAccess({ ...input, tokenTtl: 600, tokenMaxTtl: 300 })).toThrow("tokenMaxTtl 300 must be whole seconds from tokenTtl (600) to 14400 (V4)");
  });

  it("leaves the default policy off, so the tenant policy is the only one (V4)", () => {
    expect(plan.role.tokenNoDefaultPolicy).toBe(true);
  });
});

describe("tenant Vault policy choice", () => {
  it("is templated by default and reads only the tenant's own path (V5)", () => {
    const hcl = plan.policy("auth_kubernetes_1a2b3c4d");
    expect(plan.policyForm).toBe("templated");
    expect(hcl).toContain("{{identity.entity.aliases.auth_kubernetes_1a2b3c4d.metadata.service_account_namespace}}");
    const identity = { accessor: "auth_kubernetes_1a2b3c4d", namespace: "ai-gateway" };
    expect(policyAllows(hcl, "runway/env/staging/data/service/ai-gateway/llm/anthropic", "read", identity)).toBe(true);
    expect(policyAllows(hcl, "runway/env/staging/data/service/ai-gateway-2/llm", "read", identity)).toBe(false);
  });

  it("the explicit form needs no accessor and reads only the tenant's path", () => {
    const p = planTenantVaultAccess({ ...input, authBackendAccessor: undefined, policyForm: "explicit" });
    expect(policyAllows(p.policy(), "runway/env/staging/data/service/ai-gateway/db", "read")).toBe(true);
    expect(policyAllows(p.policy(), "runway/env/staging/data/service/ai-gateway-2/db", "read")).toBe(false);
  });

  it("the templated form refuses a missing accessor and a namespace not named after the service", () => {
    expect(() => planTenantVaultAccess({ ...input, authBackendAccessor: undefined })).toThrow(
      "authBackendAccessor is required by the templated policy (V5): pass VaultIntegration.authBackendAccessor, or set policyForm: 'explicit'",
    );
    expect(() => planTenantVaultAccess({ ...input, namespace: "team-ai" })).toThrow(
      "namespace 'team-ai' differs from service 'ai-gateway': the templated policy (V5) reads the namespace as the service name; set policyForm: 'explicit'",
    );
  });

  it("policy names are unique per auth backend, so two clusters in one Vault never share one", () => {
    expect(plan.policyName).toBe("kubernetes-runway-staging-ai-gateway");
  });
});

describe("tenant secrets-operator objects", () => {
  it("the SecretStore reads the environment's mount, logging in as the tenant's service account on this cluster's auth mount", () => {
    expect(plan.secretStore.metadata.namespace).toBe("ai-gateway");
    expect(plan.secretStore.spec.provider.vault).toEqual({
      server: "https://vault.runway.gitlab.net",
      path: "runway/env/staging",
      version: "v2",
      auth: { kubernetes: { mountPath: "kubernetes-runway-staging", role: "ai-gateway", serviceAccountRef: { name: "ai-gateway", audiences: ["vault"] } } },
    });
  });

  it("one ExternalSecret per declared secret, reading service/<name>/<path> from the namespaced store", () => {
    expect(plan.externalSecrets.map((e) => [e.metadata.name, e.spec.target.name, e.spec.dataFrom[0].extract.key])).toEqual([
      ["anthropic", "anthropic", "service/ai-gateway/llm/anthropic"],
      ["database", "database", "service/ai-gateway/db"],
    ]);
    for (const e of plan.externalSecrets) expect(e.spec.secretStoreRef).toEqual({ kind: "SecretStore", name: "vault" });
  });

  it("store mount and key together are Runway's path runway/env/<env>/service/<name>/<path>, which the policy reads", () => {
    const full = `${plan.secretStore.spec.provider.vault.path}/${plan.externalSecrets[0].spec.dataFrom[0].extract.key}`;
    expect(full).toBe("runway/env/staging/service/ai-gateway/llm/anthropic");
    // KV v2 API path of that secret: <mount>/data/<key>.
    const identity = { accessor: "auth_kubernetes_1a2b3c4d", namespace: "ai-gateway" };
    expect(policyAllows(plan.policy(identity.accessor), "runway/env/staging/data/service/ai-gateway/llm/anthropic", "read", identity)).toBe(true);
  });

  it("rejects secret paths that leave the tenant's prefix and duplicate names", () => {
    expect(() => planTenantVaultAccess({ ...input, secrets: [{ name: "x", path: "../duo/llm" }] })).toThrow(
      "secrets[0].path: '../duo/llm' must be a relative Vault path such as llm/anthropic (no leading or trailing '/', no empty segment, '..' or wildcards)",
    );
    expect(() => planTenantVaultAccess({ ...input, secrets: [{ name: "x", path: "/abs" }] })).toThrow("secrets[0].path: '/abs'");
    expect(() => planTenantVaultAccess({ ...input, secrets: [{ name: "x", path: "a" }, { name: "x", path: "b" }] })).toThrow(
      "secrets[1].name: 'x' is already the name of secrets[0]; each Kubernetes Secret name must be unique",
    );
  });

  it("SecretStore validates against the published external-secrets.io/v1 schema", () => {
    expect(() => validate(new SecretStore(plan.secretStore))).not.toThrow();
  });

  it("ExternalSecrets validate against the published external-secrets.io/v1 schema", () => {
    for (const e of plan.externalSecrets) expect(() => validate(new ExternalSecret(e))).not.toThrow();
  });

  it("the schema check itself catches a wrong store kind", () => {
    const bad = { ...plan.externalSecrets[0], spec: { ...plan.externalSecrets[0].spec, secretStoreRef: { kind: "VaultStore", name: "vault" } } };
    expect(() => validate(new ExternalSecret(bad as never))).toThrow();
  });
});

describe("External Secrets Operator chart", () => {
  it("the ESO chart version is pinned to an exact version", () => {
    expect(ESO_CHART.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
    expect(ESO_CHART.repository).toBe("https://charts.external-secrets.io");
  });

  it("cluster-wide stores, cluster external secrets and push secrets are neither installed nor processed", () => {
    expect(esoChartValues()).toMatchObject({
      crds: { createClusterSecretStore: false, createClusterExternalSecret: false, createClusterPushSecret: false, createPushSecret: false },
      processClusterStore: false,
      processClusterExternalSecret: false,
      processClusterPushSecret: false,
      processPushSecret: false,
    });
  });
});
