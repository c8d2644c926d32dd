import * as k8s from "@pulumi/kubernetes";
import * as vault from "@pulumi/vault";
import { describe, expect, it } from "vitest";
import { VaultIntegration, type VaultIntegrationArgs } from "../components/cluster/vault-integration";
import { TenantVaultAccess, type TenantVaultAccessArgs } from "../components/tenancy/tenant-vault-access";
import { SECRET } from "../src/plan/engine";
import { MOCK_CA } from "../src/plan/mocks";
import { clusterCaPem, kubernetesHost, planVaultIntegration } from "../src/vault/integration";
import { type PlannedResource, runWithMocks } from "./helpers/pulumi";

const integrationArgs: VaultIntegrationArgs = {
  clusterName: "runway-staging",
  environment: "staging",
  endpoint: "10.12.0.2",
  clusterCaCertificate: MOCK_CA,
  createKvMount: true,
};

const tenantArgs: TenantVaultAccessArgs = {
  authBackendPath: "kubernetes-runway-staging",
  authBackendAccessor: "auth_kubernetes_1a2b3c4d",
  mount: "runway",
  environment: "staging",
  service: "ai-gateway",
  namespace: "ai-gateway",
  serviceAccounts: ["ai-gateway"],
  secrets: [{ name: "anthropic", path: "llm/anthropic" }],
  vaultAddress: "https://vault.runway.gitlab.net",
};

function program(build: (opts: { providers: [k8s.Provider, vault.Provider] }) => void) {
  return () => {
    const providers: [k8s.Provider, vault.Provider] = [
      new k8s.Provider("k8s", { kubeconfig: "{}" }),
      new vault.Provider("vault", { address: "https://vault.runway.gitlab.net", skipChildToken: true }),
    ];
    build({ providers });
  };
}

function expectChildrenOf(all: PlannedResource[], component: PlannedResource): PlannedResource[] {
  const k8sProvider = all.find((r) => r.type === "pulumi:providers:kubernetes")!;
  const vaultProvider = all.find((r) => r.type === "pulumi:providers:vault")!;
  const children = all.filter((r) => r.parent === component.urn);
  for (const r of children) {
    if (r.type.startsWith("kubernetes:")) expect(r.provider, r.name).toBe(k8sProvider.urn);
    if (r.type.startsWith("vault:")) expect(r.provider, r.name).toBe(vaultProvider.urn);
  }
  return children;
}

const ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
const CONFIG = "vault:kubernetes/authBackendConfig:AuthBackendConfig";

describe("VaultIntegration component", () => {
  it("registers its children under the component with the caller's Kubernetes and Vault providers", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    const children = expectChildrenOf(plan.resources, plan.one("runway:cluster:VaultIntegration"));
    expect(children.map((r) => r.type).sort()).toEqual(
      [
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "vault:index/authBackend:AuthBackend",
        "vault:index/mount:Mount",
        CONFIG,
      ].sort(),
    );
  });

  it("mounts a Kubernetes auth backend per cluster, configured with its https endpoint and CA", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    expect(plan.one("vault:index/authBackend:AuthBackend").inputs).toMatchObject({ type: "kubernetes", path: "kubernetes-runway-staging" });
    expect(plan.one(CONFIG).inputs).toMatchObject({
      backend: "kubernetes-runway-staging",
      kubernetesHost: "https://10.12.0.2",
      kubernetesCaCert: clusterCaPem(MOCK_CA),
      disableIssValidation: true,
      disableLocalCaJwt: true,
    });
  });

  it("the token reviewer's JWT reaches Vault only as a secret", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    expect(plan.one(CONFIG).inputs.tokenReviewerJwt).toBe(SECRET);
    expect(plan.one("kubernetes:core/v1:Secret").inputs).toMatchObject({ type: "kubernetes.io/service-account-token" });
  });

  it("the token reviewer alone gets system:auth-delegator", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    expect(plan.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").inputs).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [{ kind: "ServiceAccount", name: "vault-token-reviewer", namespace: "runway-secrets" }],
    });
  });

  it("the KV v2 mount is the environment's, <kvMount>/env/<environment>, and protected", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    const mount = plan.one("vault:index/mount:Mount");
    expect(mount.inputs).toMatchObject({ path: "runway/env/staging", type: "kv", options: { version: "2" } });
    expect(mount.protect).toBe(true);
  });

  it("two environments on one Vault own different mounts", async () => {
    const plan = await runWithMocks(
      program((o) => {
        new VaultIntegration("staging", integrationArgs, o);
        new VaultIntegration("production", { ...integrationArgs, clusterName: "runway-production", environment: "production", kvMount: "secrets" }, o);
      }),
    );
    expect(plan.ofType("vault:index/mount:Mount").map((m) => m.inputs.path).sort()).toEqual(["runway/env/staging", "secrets/env/production"]);
  });

  it("creates no KV mount unless asked: the environment's platform stack owns it", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", { ...integrationArgs, createKvMount: undefined }, o)));
    expect(plan.ofType("vault:index/mount:Mount")).toHaveLength(0);
  });

  it("installs the pinned external-secrets chart with cluster-wide stores off", async () => {
    const plan = await runWithMocks(program((o) => new VaultIntegration("vault", integrationArgs, o)));
    expect(plan.one("kubernetes:helm.sh/v3:Release").inputs).toMatchObject({
      chart: "external-secrets",
      version: "2.14.0",
      namespace: "runway-secrets",
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      values: { processClusterStore: false, crds: { createClusterSecretStore: false } },
    });
  });

  it("exposes the auth backend path and accessor for tenants", async () => {
    let vi: VaultIntegration | undefined;
    await runWithMocks(program((o) => (vi = new VaultIntegration("vault", integrationArgs, o))));
    expect(vi?.authBackendPath).toBe("kubernetes-runway-staging");
    expect(vi?.kvMount).toBe("runway");
    expect(vi?.kvMountPath).toBe("runway/env/staging");
  });

  it("exposes the operator's release, which installs the SecretStore and ExternalSecret CRDs; none without the operator", async () => {
    let vi: VaultIntegration | undefined;
    let without: VaultIntegration | undefined;
    await runWithMocks(
      program((o) => {
        vi = new VaultIntegration("vault", integrationArgs, o);
        without = new VaultIntegration("bare", { ...integrationArgs, clusterName: "runway-bare", createKvMount: false, installOperator: false }, o);
      }),
    );
    expect(vi?.operatorRelease).toBeInstanceOf(k8s.helm.v3.Release);
    expect(without?.operatorRelease).toBeUndefined();
  });

  it("decides endpoint, CA and names with clear errors", () => {
    expect(kubernetesHost("34.1.2.3")).toBe("https://34.1.2.3");
    expect(kubernetesHost("https://api.example.com/")).toBe("https://api.example.com");
    expect(() => kubernetesHost("http://api")).toThrow("endpoint 'http://api' uses http: Vault must reach the API server over https");
    expect(clusterCaPem(MOCK_CA)).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]*-----END CERTIFICATE-----\n$/);
    expect(() => clusterCaPem("bm90IGEgY2VydA==")).toThrow("clusterCaCertificate is neither a PEM certificate nor base64 of one");
    expect(() => planVaultIntegration({ clusterName: "staging", environment: "staging", installOperator: false, operatorChartVersion: "2.14.0" })).toThrow(
      "operatorChartVersion and installOperator: false are mutually exclusive. Choose one.",
    );
  });
});

describe("TenantVaultAccess component", () => {
  it("registers policy, role, store and secrets under the component with the caller's providers", async () => {
    const plan = await runWithMocks(program((o) => new TenantVaultAccess("ai-gateway", tenantArgs, o)));
    const children = expectChildrenOf(plan.resources, plan.one("runway:tenancy:TenantVaultAccess"));
    expect(children.map((r) => r.type).sort()).toEqual(
      ["kubernetes:external-secrets.io/v1:ExternalSecret", "kubernetes:external-secrets.io/v1:SecretStore", "vault:index/policy:Policy", ROLE].sort(),
    );
  });

  it("the role carries the V1-V4 settings and only the tenant policy", async () => {
    const plan = await runWithMocks(program((o) => new TenantVaultAccess("ai-gateway", tenantArgs, o)));
    expect(plan.one(ROLE).inputs).toEqual({
      backend: "kubernetes-runway-staging",
      roleName: "ai-gateway",
      boundServiceAccountNames: ["ai-gateway"],
      boundServiceAccountNamespaces: ["ai-gateway"],
      audience: "vault",
      aliasNameSource: "serviceaccount_uid",
      tokenTtl: 600,
      tokenMaxTtl: 1200,
      tokenPolicies: ["kubernetes-runway-staging-ai-gateway"],
      tokenNoDefaultPolicy: true,
    });
  });

  it("the registered policy is the templated one for this auth mount", async () => {
    const plan = await runWithMocks(program((o) => new TenantVaultAccess("ai-gateway", tenantArgs, o)));
    expect(String(plan.one("vault:index/policy:Policy").inputs.policy)).toContain(
      'path "runway/env/staging/data/service/{{identity.entity.aliases.auth_kubernetes_1a2b3c4d.metadata.service_account_namespace}}/*"',
    );
  });

  it("the SecretStore waits for the role and the ExternalSecrets for the store", async () => {
    const plan = await runWithMocks(program((o) => new TenantVaultAccess("ai-gateway", tenantArgs, o)));
    const store = plan.one("kubernetes:external-secrets.io/v1:SecretStore");
    expect(store.dependsOn).toContain(plan.one(ROLE).urn);
    expect(plan.one("kubernetes:external-secrets.io/v1:ExternalSecret").dependsOn).toContain(store.urn);
  });

  it("the SecretStore and ExternalSecrets wait for the release that installs their CRDs", async () => {
    const plan = await runWithMocks(
      program((o) => {
        const vi = new VaultIntegration("vault", integrationArgs, o);
        new TenantVaultAccess("ai-gateway", { ...tenantArgs, crdsReady: vi.operatorRelease ? [vi.operatorRelease] : [] }, o);
      }),
    );
    const release = plan.one("kubernetes:helm.sh/v3:Release").urn;
    expect(plan.one("kubernetes:external-secrets.io/v1:SecretStore").dependsOn).toContain(release);
    expect(plan.one("kubernetes:external-secrets.io/v1:ExternalSecret").dependsOn).toContain(release);
  });

  it("takes the accessor from a VaultIntegration in the same program", async () => {
    const plan = await runWithMocks(
      program((o) => {
        const vi = new VaultIntegration("vault", integrationArgs, o);
        new TenantVaultAccess("ai-gateway", { ...tenantArgs, authBackendPath: vi.authBackendPath, authBackendAccessor: vi.authBackendAccessor }, o);
      }),
    );
    expect(String(plan.one("vault:index/policy:Policy").inputs.policy)).toMatch(/\{\{identity\.entity\.aliases\.auth_kubernetes_[0-9a-f]{8}\.metadata/);
  });

  it("invalid args fail before any resource is registered", async () => {
    await expect(runWithMocks(program((o) => new TenantVaultAccess("t", { ...tenantArgs, serviceAccounts: ["*"] }, o)))).rejects.toThrow(
      "serviceAccounts entry '*' is not a Kubernetes name",
    );
  });
});
