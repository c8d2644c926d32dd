/**
 * A `region` stack against its environment: the platform stack exists, the region is new, the VPC has room for it,
 * and the regional cluster's names fit; plus what the cluster's components refuse on their own.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RegionalCluster } from "../components/platform/regional-cluster";
import { RegionalNetwork } from "../components/gcp/regional-network";
import { loadAllStacks } from "../src/config/project";
import { loadStackFile } from "../src/config/stack";
import { regionStackProblems } from "../src/config/topology";
import { planThrowing } from "./helpers/gcp";
import { runWithMocks } from "./helpers/pulumi";

const ROOT = path.join(__dirname, "..");
const STACKS = loadAllStacks(ROOT);
const EU = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-staging-europe-west4.yaml"), "utf8");

function problems(edit: (t: string) => string, others = STACKS): string[] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-region-")), "Pulumi.platform-staging-europe-west4.yaml");
  writeFileSync(file, edit(EU));
  const stack = loadStackFile(file);
  return regionStackProblems(stack, [stack, ...others.filter((s) => s.name !== stack.name)]).map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`);
}

describe("a regional stack against its environment", () => {
  it("the example regional stacks are consistent with platform-staging", () => {
    expect(problems((t) => t)).toEqual([]);
  });

  it("an environment no platform stack defines is refused", () => {
    expect(problems((t) => t.replace("runway:environment: staging", "runway:environment: qa"))).toEqual([
      "10:23: config.runway:environment: no platform stack defines environment 'qa' (defined: production, staging); a regional stack adds a region to an environment whose platform stack exists",
    ]);
  });

  it("the primary region is refused", () => {
    const text = (t: string) => t.replaceAll("europe-west4", "us-east1").replace("10.11.0.0/20", "10.13.0.0/20");
    expect(problems(text)).toEqual([
      "18:13: config.runway:cluster.region: us-east1 is staging's primary region (platform-staging); a regional stack adds another region",
      "13:17: config.runway:network.subnets[0].region: platform-staging already has a subnet in us-east1 (runway:network.subnets[0]) with the name this stack's subnet takes; remove it there, or choose another region",
    ]);
  });

  it("a region another regional stack already adds is refused", () => {
    const text = (t: string) => t.replaceAll("europe-west4", "asia-northeast1");
    const twin = STACKS.filter((s) => s.name !== "platform-staging-europe-west4");
    expect(problems(text, twin).filter((p) => p.includes("already a region"))).toEqual([
      "18:13: config.runway:cluster.region: asia-northeast1 is already a region of staging (platform-staging-asia-northeast1); one stack per region",
    ]);
  });

  it("a range that overlaps the rest of the environment's VPC is refused at its line", () => {
    expect(problems((t) => t.replace("pods: 10.96.0.0/14", "pods: 10.66.0.0/16"))).toEqual([
      "15:15: config.runway:network.subnets[0].pods: 10.66.0.0/16 overlaps 10.64.0.0/14 of platform-staging (runway:network.subnets.0.pods); the environment's clusters share one VPC, so choose a disjoint range",
    ]);
  });

  it("a control-plane range left at its default collides with the primary's", () => {
    expect(problems((t) => t.replace("    masterIpv4CidrBlock: 172.16.0.16/28\n", ""))).toEqual([
      expect.stringMatching(/config\.runway:cluster(\.masterIpv4CidrBlock)?: 172\.16\.0\.0\/28 overlaps 172\.16\.0\.0\/28 of platform-staging \(runway:cluster\.masterIpv4CidrBlock\)/),
    ]);
  });

  it("another catalog than the platform stack's is refused", () => {
    expect(problems((t) => t.replace("  runway:environment: staging\n", "  runway:environment: staging\n  runway:catalogDir: services-eu\n"))).toEqual([
      "11:22: config.runway:catalogDir: the catalog is 'services-eu' but platform-staging uses 'services'; a regional cluster onboards the environment's catalog",
    ]);
  });

  it("a subnet in another region than the cluster's is refused by the stack's own checks", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-region-")), "Pulumi.platform-staging-europe-west4.yaml");
    writeFileSync(file, EU.replace("      - region: europe-west4", "      - region: europe-west1"));
    expect(() => loadStackFile(file)).toThrow("no subnet in europe-west4; add one to runway:network.subnets");
  });
});

describe("regional components", () => {
  const subnet = { region: "europe-west4", cidr: "10.11.0.0/20", pods: "10.96.0.0/14", services: "10.100.0.0/20" };

  it("RegionalNetwork adds the region's subnet, NAT and control-plane rule to the existing VPC, named after it", async () => {
    const p = await runWithMocks(() => new RegionalNetwork("eu", { project: "p-staging", network: "runway-staging", subnet, controlPlaneCidrs: ["172.16.0.16/28"] }));
    expect(p.one("gcp:compute/subnetwork:Subnetwork").inputs).toMatchObject({ name: "runway-staging-europe-west4", network: "projects/p-staging/global/networks/runway-staging", privateIpGoogleAccess: true });
    expect(p.one("gcp:compute/routerNat:RouterNat").inputs).toMatchObject({ name: "runway-staging-europe-west4", region: "europe-west4" });
    expect(p.one("gcp:compute/firewall:Firewall").inputs).toMatchObject({ name: "runway-staging-europe-west4-allow-control-plane", sourceRanges: ["172.16.0.16/28"] });
    expect(p.ofType("gcp:compute/network:Network")).toEqual([]);
  });

  it("RegionalNetwork refuses overlapping ranges before registering anything", async () => {
    const { error, resources } = await planThrowing(() => new RegionalNetwork("eu", { project: "p", network: "runway-staging", subnet: { ...subnet, services: "10.96.0.0/20" } }));
    expect(error?.message).toBe("RegionalNetwork subnets[0].services 10.96.0.0/20 overlaps subnets[0].pods 10.96.0.0/14; choose disjoint ranges");
    expect(resources).toEqual([]);
  });

  it("RegionalCluster refuses an internal service or a service routed here before registering anything", async () => {
    const base = loadStackFile(path.join(ROOT, "stacks", "Pulumi.platform-staging-europe-west4.yaml")).config;
    if (base["runway:kind"] !== "region") throw new Error("the example is a region stack");
    const spec = { name: "glgo", owner: "o", environment: "staging", placement: "shared" as const, stage: "staging", chartRepository: "oci://r/c/glgo", chartValues: {}, quota: { cpu: "1", memory: "1Gi", pods: 1 }, exposure: { visibility: "internal" as const, port: 8080, targetPort: 8080, service: "glgo" }, egress: [], secrets: [], contacts: [], lifecycle: "active" as const };
    const args = {
      environment: "staging",
      projectId: "gl-runway-staging",
      network: "runway-staging",
      subnet: base["runway:network"].subnets[0],
      cluster: base["runway:cluster"],
      gitlab: { url: "https://gitlab.com", agentProject: "a/b", kasAddress: "wss://kas.gitlab.com", ciGroup: "a", oidcAudience: "x", agentTokenRotation: 1 },
      notificationChannels: [],
      domain: "runway.gitlab.net",
    };
    const internal = await planThrowing(() => new RegionalCluster("runway-staging-europe-west4", { ...args, tenants: [{ spec, workload: true, global: false, exportToFleet: true }] }));
    expect(internal.error?.message).toBe("RegionalCluster runway-staging-europe-west4: glgo is internal; internal services run only in the environment's primary region");
    expect(internal.resources).toEqual([]);
    const routed = await planThrowing(() => new RegionalCluster("runway-staging-europe-west4", { ...args, tenants: [{ spec: { ...spec, exposure: { ...spec.exposure, visibility: "external" as const } }, workload: true, global: true, exportToFleet: true }] }));
    expect(routed.error?.message).toBe("RegionalCluster runway-staging-europe-west4: glgo must run here and be routed by the primary cluster (tenantsOfCluster)");
  });
});
