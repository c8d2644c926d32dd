/**
 * The shared Gateway: the external Gateway always, the internal one only where the region has a proxy-only subnet,
 * and a cluster that refuses internal tenants it could not route.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { SharedCluster } from "../components/platform/shared-cluster";
import { SharedGateway } from "../components/platform/shared-gateway";
import { loadCatalog, resolveTenant } from "../src/config/catalog";
import { catalogContext, loadAllStacks } from "../src/config/project";
import type { PlatformConfig } from "../src/config/schema/stack";
import { gatewayProblems } from "../src/platform/gateway";
import { UNKNOWN } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { planThrowing } from "./helpers/gcp";
import { runWithMocks } from "./helpers/pulumi";

const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const CERT = "gcp:certificatemanager/certificate:Certificate";
const AUTH = "gcp:certificatemanager/dnsAuthorization:DnsAuthorization";

const gatewayPlan = (internal: boolean) =>
  runWithMocks(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new SharedGateway("gw", { project: "gl-runway-staging", region: "us-east1", environment: "staging", domain: "runway.gitlab.net", internal }, { providers: [provider] });
  });

describe("SharedGateway", () => {
  it("without a proxy-only subnet has the external Gateway and its global certificate only", async () => {
    const p = await gatewayPlan(false);
    expect(p.ofType(GATEWAY).map((g) => g.name)).toEqual(["gw-external"]);
    expect(p.ofType(CERT).map((c) => c.name)).toEqual(["gw-global"]);
    expect(p.ofType(AUTH).map((a) => a.name)).toEqual(["gw-global"]);
  });

  it("with a proxy-only subnet adds the internal Gateway on a regional certificate", async () => {
    const p = await gatewayPlan(true);
    expect(p.ofType(GATEWAY).map((g) => g.name).sort()).toEqual(["gw-external", "gw-internal"]);
    expect(p.one(CERT, "gw-us-east1").inputs).toMatchObject({ location: "us-east1", managed: { domains: ["*.staging.runway.gitlab.net", "staging.runway.gitlab.net"] } });
    expect(p.one(AUTH, "gw-us-east1").inputs).toMatchObject({ location: "us-east1", type: "PER_PROJECT_RECORD", domain: "staging.runway.gitlab.net" });
    const internal = p.one(GATEWAY, "gw-internal");
    expect((internal.inputs as { spec: { gatewayClassName: string } }).spec.gatewayClassName).toBe("gke-l7-rilb");
    expect(internal.dependsOn).toContain(p.one(CERT, "gw-us-east1").urn);
  });
});

describe("internal tenants need the internal Gateway", () => {
  const root = path.join(__dirname, "..");
  const stacks = loadAllStacks(root);
  const catalog = loadCatalog(path.join(root, "services"), catalogContext(stacks));
  const staging = stacks.find((s) => s.name === "platform-staging")?.config as PlatformConfig;
  const glgo = catalog.find((c) => c.entry.metadata.name === "glgo");
  if (!glgo) throw new Error("the example catalog lacks glgo, the internal service these tests use");
  const message =
    "glgo has exposure.visibility internal in staging, but runway:network has no proxyOnly range for us-east1, so the cluster has no internal Gateway; add proxyOnly (a /23 disjoint from the other ranges) to the us-east1 subnet, or set visibility: external";

  it("names the tenant, the region and the fix", () => {
    const t = resolveTenant(glgo.entry, "staging", ["staging"]);
    expect(gatewayProblems([t], "us-east1", undefined)).toEqual([message]);
    expect(gatewayProblems([t], "us-east1", "10.10.16.0/23")).toEqual([]);
    expect(gatewayProblems([{ ...t, exposure: { ...t.exposure, visibility: "external" } }], "us-east1", undefined)).toEqual([]);
  });

  it("on the staging cluster, the internal tenant admits the internal Gateway's proxies from the proxy-only subnet", async () => {
    const p = await runWithMocks(() => new SharedCluster("runway-staging", { config: staging, catalog: catalog.map((c) => c.entry) }));
    expect(p.one("gcp:compute/subnetwork:Subnetwork", "runway-staging-us-east1-proxy").inputs).toMatchObject({ ipCidrRange: "10.10.16.0/23", purpose: "REGIONAL_MANAGED_PROXY" });
    expect(p.ofType(GATEWAY).map((g) => g.name).sort()).toEqual(["runway-staging-gateway-external", "runway-staging-gateway-internal"]);
    const policy = p.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "glgo-allow-gateway").inputs as { spec: { ingress: { from: { ipBlock: { cidr: string } }[] }[] } };
    expect(policy.spec.ingress[0].from.map((f) => f.ipBlock.cidr)).toContain("10.10.16.0/23");
  });

  it("a cluster whose region has no proxy-only subnet refuses them before registering any cloud or cluster resource", async () => {
    const network = { subnets: staging["runway:network"].subnets.map(({ proxyOnly: _, ...s }) => s) };
    const config = { ...staging, "runway:network": network };
    const { error, resources } = await planThrowing(() => new SharedCluster("runway-staging", { config, catalog: catalog.map((c) => c.entry) }));
    expect(error?.message).toBe(message);
    expect(resources.filter((r) => r.custom)).toEqual([]);
  });
});

describe("platform stack outputs", () => {
  it("export the certificates' DNS authorization records and the external address to publish (docs/operations.md)", async () => {
    // Computed by GCP, so known only after apply: a preview shows each output as unknown.
    const plan = await planStack("platform-staging", { preview: true });
    expect(plan.outputs).toMatchObject({ dnsAuthorizationRecords: UNKNOWN, regionalDnsAuthorizationRecords: UNKNOWN, externalAddress: UNKNOWN });
    // Offline, the mocks' stand-ins show which authorization each output carries.
    const offline = (await planStack("platform-staging")).outputs as Record<string, { name: string; type: string }[]>;
    expect(offline.dnsAuthorizationRecords).toEqual([expect.objectContaining({ name: expect.stringMatching(/^_acme-challenge_[0-9a-f]+\.staging\.runway\.gitlab\.net\.$/), type: "CNAME" })]);
    expect(offline.regionalDnsAuthorizationRecords).toEqual([expect.objectContaining({ name: expect.stringMatching(/^_acme-challenge_[0-9a-f]+\.staging\.runway\.gitlab\.net\.$/), type: "CNAME" })]);
    expect(offline.externalAddress).toMatch(/^34\.\d+\.\d+\.\d+$/);
  }, 60_000);
});

describe("certificate authorizations", () => {
  it("use per-project DNS records, so two clusters of one environment never share a challenge record", async () => {
    const { planStack } = await import("../src/plan/stack-plan");
    for (const stack of ["platform-production", "ai-gateway-production"]) {
      const plan = await planStack(stack);
      const auths = plan.resources.filter((r) => r.type === "gcp:certificatemanager/dnsAuthorization:DnsAuthorization");
      expect(auths.length, stack).toBeGreaterThan(0);
      for (const a of auths) expect((a.inputs as { type?: string }).type, `${stack} ${a.name}`).toBe("PER_PROJECT_RECORD");
    }
  });
});
