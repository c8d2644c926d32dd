import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { resolveTenant } from "../src/config/catalog";
import { Tenant } from "../components/tenancy/tenant";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

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

let plan: Recorded;
const tenantPlan = async () =>
  (plan ??= await runWithMocks(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant(
      "ai-gateway",
      {
        spec,
        project: "gl-runway-production",
        workloadPool: "gl-runway-production.svc.id.goog",
        clusterName: "runway-production",
        domain: "runway.gitlab.net",
        vault: { address: "https://vault.example.com", authBackendPath: "kubernetes-runway-production", authBackendAccessor: "auth_kubernetes_1234", mount: "runway", audience: "vault" },
        notificationChannels: ["projects/gl-runway-production/notificationChannels/1"],
      },
      { providers: [provider] },
    );
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
