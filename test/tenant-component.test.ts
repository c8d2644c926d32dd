import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { resolveTenant } from "../src/config/catalog";
import { Tenant, type TenantArgs } from "../components/tenancy/tenant";
import { planStack } from "../src/plan/stack-plan";
import { type Recorded, runWithMocks, withFinders } from "./helpers/pulumi";

const spec = resolveTenant(
  {
    apiVersion: "runway/v1",
    kind: "SatelliteService",
    metadata: { name: "ai-gateway", owner: "gitlab-org/ai" },
    spec: {
      chart: { repository: "oci://registry.gitlab.com/runway/charts/ai-gateway" },
      placement: "shared",
      environments: ["production"],
      secrets: [{ name: "llm-credentials", path: "llm" }],
    },
  },
  "production",
  ["production-canary", "production"],
);

const tenantArgs: TenantArgs = {
  spec,
  project: "gl-runway-production",
  workloadPool: "gl-runway-production.svc.id.goog",
  clusterName: "runway-production",
  domain: "runway.gitlab.net",
  vault: { address: "https://vault.example.com", authBackendPath: "kubernetes-runway-production", authBackendAccessor: "auth_kubernetes_1234", mount: "runway", audience: "vault" },
  notificationChannels: ["projects/gl-runway-production/notificationChannels/1"],
};

let plan: Recorded;
const tenantPlan = async () =>
  (plan ??= await runWithMocks(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("ai-gateway", tenantArgs, { providers: [provider] });
  }));

type Obj = { metadata?: { namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };
const inputs = (r: { inputs: unknown }) => r.inputs as Obj;

describe("Tenant component isolation", () => {
  it("tenant namespace enforces restricted pod security (K1)", async () => {
    const ns = (await tenantPlan()).one("kubernetes:core/v1:Namespace");
    expect(inputs(ns).metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("tenant namespace is protected and retained (D1, D2)", async () => {
    const ns = (await tenantPlan()).one("kubernetes:core/v1:Namespace");
    expect(ns.protect).toBe(true);
    expect(ns.retainOnDelete).toBe(true);
  });

  it("a default-deny network policy covers ingress and egress (K2)", async () => {
    const deny = (await tenantPlan()).ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.name === "ai-gateway-default-deny");
    expect(inputs(deny as never).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("the reconciler is bound by a namespaced RoleBinding only (F3)", async () => {
    const p = await tenantPlan();
    expect(p.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
    expect(inputs(p.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).metadata?.namespace).toBe("ai-gateway");
  });

  it("the HelmRelease is reconciled as the tenant's service account (F2)", async () => {
    const hr = (await tenantPlan()).one("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease");
    expect(inputs(hr).spec?.serviceAccountName).toBe("flux-reconciler");
  });

  it("the chart source is in the tenant's own namespace (F2)", async () => {
    const hr = (await tenantPlan()).one("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease");
    expect(inputs(hr).spec?.chartRef).toEqual({ kind: "OCIRepository", name: "ai-gateway", namespace: "ai-gateway" });
    expect(inputs((await tenantPlan()).one("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository")).metadata?.namespace).toBe("ai-gateway");
  });

  it("the source follows the tag of the tenant's stage", async () => {
    const src = (await tenantPlan()).one("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository");
    expect(inputs(src).spec?.ref).toEqual({ tag: "production" });
  });

  it("the Vault role is bound to exactly the tenant's namespace and service account (V1)", async () => {
    const role = (await tenantPlan()).one("vault:kubernetes/authBackendRole:AuthBackendRole").inputs as Record<string, unknown>;
    expect(role.boundServiceAccountNamespaces).toEqual(["ai-gateway"]);
    expect(role.boundServiceAccountNames).toEqual(["ai-gateway"]);
  });

  it("a resource quota is present (K3)", async () => {
    expect(inputs((await tenantPlan()).one("kubernetes:core/v1:ResourceQuota")).metadata?.namespace).toBe("ai-gateway");
  });

  it("the default service account mounts no token (K4)", async () => {
    const patch = (await tenantPlan()).one("kubernetes:core/v1:ServiceAccountPatch").inputs as Record<string, unknown>;
    expect(patch.automountServiceAccountToken).toBe(false);
  });

  it("the workload service account maps to its own GCP service account by Workload Identity", async () => {
    const member = (await tenantPlan()).one("gcp:serviceaccount/iAMMember:IAMMember").inputs as Record<string, unknown>;
    expect(member.role).toBe("roles/iam.workloadIdentityUser");
    expect(member.member).toBe("serviceAccount:gl-runway-production.svc.id.goog[ai-gateway/ai-gateway]");
  });

  it("every tenant object lives in the tenant's namespace", async () => {
    const p = await tenantPlan();
    const namespaced = p.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Namespace" && r.custom);
    expect(namespaced.length).toBeGreaterThan(10);
    for (const r of namespaced) expect(inputs(r).metadata?.namespace, r.name).toBe("ai-gateway");
  });

  it("the route publishes <name>.<environment>.<domain>", async () => {
    const route = (await tenantPlan()).one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    expect(inputs(route).spec?.hostnames).toEqual(["ai-gateway.production.runway.gitlab.net"]);
  });
});

const HELM_RELEASE = "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease";
const OCI_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository";
const SECRET_STORE = "kubernetes:external-secrets.io/v1:SecretStore";
const EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret";
const WI_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";

describe("Tenant creation order", () => {
  let wired: Recorded;
  const wiredPlan = async () =>
    (wired ??= await runWithMocks(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      const cluster = new gcp.container.Cluster("runway-production", { project: "gl-runway-production", location: "us-east1" });
      const flux = new k8s.helm.v3.Release("flux-chart", { chart: "flux2", namespace: "flux-system" }, { provider });
      const eso = new k8s.helm.v3.Release("eso", { chart: "external-secrets", namespace: "runway-secrets" }, { provider });
      new Tenant("ai-gateway", { ...tenantArgs, workloadPoolReady: [cluster], crdsReady: [flux, eso] }, { providers: [provider] });
    }));
  const releases = (p: Recorded) => p.ofType("kubernetes:helm.sh/v3:Release").map((r) => r.urn);

  it("the HelmRelease, OCIRepository, SecretStore and ExternalSecrets wait for the Flux and ESO releases that install their CRDs", async () => {
    const p = await wiredPlan();
    expect(releases(p)).toHaveLength(2);
    for (const type of [HELM_RELEASE, OCI_REPOSITORY, SECRET_STORE, EXTERNAL_SECRET]) {
      expect(p.one(type).dependsOn, type).toEqual(expect.arrayContaining(releases(p)));
    }
  });

  it("the Workload Identity member waits for the cluster that creates the pool", async () => {
    const p = await wiredPlan();
    expect(p.one(WI_MEMBER).dependsOn).toContain(p.one("gcp:container/cluster:Cluster").urn);
  });

  it("resource names and parents do not change", async () => {
    const names = (r: Recorded) => r.resources.filter((x) => x.parent?.includes("runway:tenancy")).map((x) => `${x.parent} ${x.type} ${x.name}`).sort();
    expect(names(await wiredPlan())).toEqual(names(await tenantPlan()));
  });

  it("on a platform stack, every tenant waits for its cluster and for the cluster's Flux and ESO releases", async () => {
    const p = withFinders(await planStack("platform-staging"));
    const cluster = p.one("gcp:container/cluster:Cluster", "runway-staging").urn;
    const flux = p.one("kubernetes:helm.sh/v3:Release", "runway-staging-flux-chart").urn;
    const eso = p.one("kubernetes:helm.sh/v3:Release", "runway-staging-vault-operator").urn;
    const parentOf = new Map(p.resources.map((r) => [r.urn, r.parent]));
    const within = (urn: string, ancestor: string): boolean => {
      const parent = parentOf.get(urn);
      return !!parent && (parent === ancestor || within(parent, ancestor));
    };
    const tenants = p.ofType("runway:tenancy:Tenant");
    expect(tenants.length).toBeGreaterThan(1);
    for (const t of tenants) {
      const own = (type: string) => p.ofType(type).filter((r) => within(r.urn, t.urn));
      expect(own(WI_MEMBER).map((r) => r.dependsOn.includes(cluster)), t.name).toEqual([true]);
      for (const type of [HELM_RELEASE, OCI_REPOSITORY, SECRET_STORE]) {
        expect(own(type), `${t.name} ${type}`).toHaveLength(1);
        expect(own(type)[0].dependsOn, `${t.name} ${type}`).toEqual(expect.arrayContaining([flux, eso]));
      }
    }
  }, 60_000);
});

describe("the tenant's release values", () => {
  it("are accepted by a chart compiled from a Runway manifest (its strict values.schema.json)", async () => {
    const { default: Ajv } = await import("ajv");
    const { loadManifest } = await import("../src/manifest/load");
    const { defaultValues, mergeValues, valuesJsonSchema } = await import("../src/chart/values");
    const { tenantReleaseValues } = await import("../components/tenancy/tenant");
    const manifest = loadManifest(`${__dirname}/../examples/ai-gateway/.runway/runway.yml`);
    const defaults = defaultValues(manifest, { repository: "registry.gitlab.com/ai-gateway", tag: "1.0.0" });
    const values = mergeValues(defaults, tenantReleaseValues(spec, "ai-gateway.production.runway.gitlab.net"));
    const schema = valuesJsonSchema();
    delete schema.$schema;
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);
  });
});
