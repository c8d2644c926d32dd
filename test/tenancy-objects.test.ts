import { describe, expect, it } from "vitest";
import { Namespace, ResourceQuota, LimitRange, ServiceAccount } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { defaultValues, manifestImage, mergeValues, valuesSchema } from "../src/chart/values";
import { loadCatalogFile, resolveTenant } from "../src/config/catalog";
import { parseCidr } from "../src/config/schema/common";
import { googleApisZone } from "../src/gcp/network";
import { loadManifest } from "../src/manifest/load";
import { renderKubernetes } from "../src/manifest/to-kubernetes";
import {
  defaultServiceAccountPatch,
  doubleQuantity,
  httpRoute,
  limitRange,
  namespaceObject,
  networkPolicies,
  PSS_VERSION,
  reconcilerRoleBinding,
  reconcilerServiceAccount,
  resourceQuota,
  workloadServiceAccount,
} from "../src/tenancy/objects";

// Assertions walk rendered objects freely; their shapes are checked by the Kubernetes schemas.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** The models' validate() is not visible to tsc under this project's module settings. */
const validate = (model: object) => (model as { validate(): void }).validate();

const tenant = resolveTenant(
  {
    apiVersion: "runway/v1",
    kind: "SatelliteService",
    metadata: { name: "ai-gateway", owner: "gitlab-org/ai" },
    spec: {
      chart: { repository: "oci://r/ai-gateway" },
      placement: "shared",
      environments: ["staging"],
      exposure: { targetPort: 5052 },
      egress: [{ cidr: "34.102.136.180/32", ports: [443] }],
    },
  },
  "staging",
  ["staging"],
);

describe("tenant objects", () => {
  it("validate against the published Kubernetes schemas", () => {
    validate(new Namespace(namespaceObject(tenant) as never));
    validate(new ServiceAccount(reconcilerServiceAccount(tenant) as never));
    validate(new ServiceAccount(workloadServiceAccount(tenant, "sa@p.iam.gserviceaccount.com") as never));
    validate(new ServiceAccount(defaultServiceAccountPatch(tenant) as never));
    validate(new RoleBinding(reconcilerRoleBinding(tenant) as never));
    validate(new ResourceQuota(resourceQuota(tenant) as never));
    validate(new LimitRange(limitRange(tenant) as never));
    for (const np of networkPolicies(tenant)) validate(new NetworkPolicy(np as never));
    validate(new HTTPRoute(httpRoute(tenant, "ai-gateway.staging.runway.gitlab.net") as never));
  });

  it("tenant namespace enforces restricted pod security with a pinned version (K1)", () => {
    const labels = namespaceObject(tenant).metadata.labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(labels["pod-security.kubernetes.io/enforce-version"]).toBe(PSS_VERSION);
    expect(labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
    expect(labels["pod-security.kubernetes.io/audit"]).toBe("restricted");
  });

  it("default deny covers ingress and egress for every pod (K2)", () => {
    const deny = networkPolicies(tenant).find((p) => p.metadata.name === "default-deny");
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("DNS egress is allowed explicitly, only to kube-dns", () => {
    const dns = networkPolicies(tenant).find((p) => p.metadata.name === "allow-dns");
    expect(JSON.stringify(dns?.spec)).toContain('"k8s-app":"kube-dns"');
  });

  it("Google APIs are reachable on 443 at every address the VPC resolves them to, and nowhere else", () => {
    const apis = networkPolicies(tenant).find((p) => p.metadata.name === "allow-google-apis");
    expect(apis?.spec).toEqual({ podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "199.36.153.8/30" } }], ports: [{ protocol: "TCP", port: 443 }] }] });
    const range = parseCidr("199.36.153.8/30");
    const resolved = googleApisZone("vpc").records.find((r) => r.type === "A")?.rrdatas ?? [];
    expect(resolved).toHaveLength(4);
    for (const address of resolved) {
      const a = parseCidr(`${address}/32`);
      expect(a && range && a.start >= range.start && a.end <= range.end, address).toBe(true);
    }
  });

  it("declared egress destinations are allowed and nothing else", () => {
    const egress = networkPolicies(tenant).filter((p) => p.metadata.name === "allow-declared-egress");
    expect(egress).toHaveLength(1);
    expect(JSON.stringify(egress[0].spec)).toContain("34.102.136.180/32");
    expect(networkPolicies({ ...tenant, egress: [] }).some((p) => p.metadata.name === "allow-declared-egress")).toBe(false);
  });

  it("the reconciler is bound by a namespaced RoleBinding in its own namespace (F3)", () => {
    const rb = reconcilerRoleBinding(tenant);
    expect(rb.kind).toBe("RoleBinding");
    expect(rb.metadata.namespace).toBe("ai-gateway");
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "ai-gateway" }]);
  });

  it("the default service account mounts no token (K4)", () => {
    expect(defaultServiceAccountPatch(tenant).automountServiceAccountToken).toBe(false);
  });

  it("quota limits requests and limits of the namespace (K3)", () => {
    expect(resourceQuota(tenant).spec.hard).toMatchObject({ "requests.cpu": "4", "limits.cpu": "8", "requests.memory": "8Gi", "limits.memory": "16Gi", pods: "30" });
  });

  it("doubles quantities with their unit", () => {
    expect(["4", "8Gi", "500m", "1.5"].map(doubleQuantity)).toEqual(["8", "16Gi", "1000m", "3"]);
  });

  it("the route uses the tenant's host on the shared gateway and the internal gateway when asked", () => {
    const route = httpRoute(tenant, "ai-gateway.staging.runway.gitlab.net");
    expect(route?.spec.hostnames).toEqual(["ai-gateway.staging.runway.gitlab.net"]);
    expect(route?.spec.parentRefs[0]).toMatchObject({ name: "external", namespace: "runway-gateway" });
    expect(httpRoute({ ...tenant, exposure: { ...tenant.exposure, visibility: "internal" } }, "h")?.spec.parentRefs[0].name).toBe("internal");
    expect(httpRoute({ ...tenant, exposure: { ...tenant.exposure, visibility: "none" } }, "h")).toBeUndefined();
  });

  it("the gateway policy admits Google's load balancer ranges, plus the proxy-only subnet for an internal tenant", () => {
    const from = (visibility: "external" | "internal") =>
      (networkPolicies({ ...tenant, exposure: { ...tenant.exposure, visibility } }, { proxyOnlyCidr: "10.10.16.0/23" }).find((p) => p.metadata.name === "allow-gateway") as Loose).spec.ingress[0];
    expect(from("internal")).toEqual({
      from: ["35.191.0.0/16", "130.211.0.0/22", "10.10.16.0/23"].map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ protocol: "TCP", port: 5052 }],
    });
    expect(from("external").from).toEqual(["35.191.0.0/16", "130.211.0.0/22"].map((cidr) => ({ ipBlock: { cidr } })));
    expect(networkPolicies({ ...tenant, exposure: { ...tenant.exposure, visibility: "none" } }).some((p) => p.metadata.name === "allow-gateway")).toBe(false);
  });

  it("the ai-gateway route sends to the Service port its Runway chart renders, and the gateway policy admits the pods' port", () => {
    const t = resolveTenant(loadCatalogFile(`${__dirname}/../services/ai-gateway.yaml`).entry, "staging", ["staging"]);
    const manifest = loadManifest(`${__dirname}/../examples/ai-gateway/.runway/runway.yml`);
    const values = valuesSchema.parse(mergeValues(defaultValues(manifest, manifestImage(manifest) as { repository: string; tag: string }), {}));
    const rendered = renderKubernetes(manifest, values, { chartVersion: "1.0.0" }) as Loose[];
    const svc = rendered.find((o) => o.kind === "Service");
    const pod = rendered.find((o) => o.kind === "Deployment").spec.template.spec;
    // The Service's targetPort names a container port; the load balancer reaches that port on the pods.
    const servicePort = svc.spec.ports[0];
    const containerPort = pod.containers[0].ports.find((p: Loose) => p.name === servicePort.targetPort).containerPort;

    const backend = httpRoute(t, "ai-gateway.staging.runway.gitlab.net")?.spec.rules[0].backendRefs[0];
    expect(backend).toEqual({ name: svc.metadata.name, port: servicePort.port });
    const allow = networkPolicies(t).find((p) => p.metadata.name === "allow-gateway") as Loose;
    expect(allow.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: containerPort }]);
    expect(containerPort).toBe(manifest.spec.container_port);
  });
});
