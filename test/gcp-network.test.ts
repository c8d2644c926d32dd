/**
 * Network: no auto subnets, private Google access, NAT per region, minimal explicit firewall, valid address plan.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Network, type NetworkArgs } from "../components/gcp/network";
import { HEALTH_CHECK_RANGES, networkProblems, NODE_TAG } from "../src/gcp/network";
import { planThrowing } from "./helpers/gcp";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

const args: NetworkArgs = {
  project: "runway-net",
  subnets: [
    { region: "us-east1", cidr: "10.0.0.0/20", pods: "10.16.0.0/14", services: "10.20.0.0/20" },
    { region: "europe-west4", cidr: "10.1.0.0/20", pods: "10.24.0.0/14", services: "10.20.16.0/20" },
  ],
  controlPlaneCidrs: ["172.16.0.0/28"],
};

let plan: Recorded;
let network: Network | undefined;
beforeAll(async () => {
  plan = await runWithMocks(() => {
    network = new Network("vpc", args);
  });
});

const firewall = (suffix: string) => plan.one("gcp:compute/firewall:Firewall", `vpc-${suffix}`).inputs;

describe("Network", () => {
  it("has no auto subnets and regional routing", () => {
    expect(plan.one("gcp:compute/network:Network").inputs).toMatchObject({ name: "vpc", autoCreateSubnetworks: false, routingMode: "REGIONAL" });
  });

  it("has one subnet per region with private Google access, flow logs and named pod and service ranges", () => {
    const subnets = plan.ofType("gcp:compute/subnetwork:Subnetwork");
    expect(subnets.map((s) => s.name).sort()).toEqual(["vpc-europe-west4", "vpc-us-east1"]);
    expect(plan.one("gcp:compute/subnetwork:Subnetwork", "vpc-us-east1").inputs).toMatchObject({
      name: "vpc-us-east1",
      region: "us-east1",
      ipCidrRange: "10.0.0.0/20",
      privateIpGoogleAccess: true,
      secondaryIpRanges: [
        { rangeName: "pods", ipCidrRange: "10.16.0.0/14" },
        { rangeName: "services", ipCidrRange: "10.20.0.0/20" },
      ],
      logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    });
    expect(network?.subnets["europe-west4"]).toMatchObject({ name: "vpc-europe-west4", podsRangeName: "pods", servicesRangeName: "services" });
  });

  it("gives every region a Cloud Router and a Cloud NAT for that region's subnet, logging errors", () => {
    for (const region of ["us-east1", "europe-west4"]) {
      const router = plan.one("gcp:compute/router:Router", `vpc-${region}`);
      expect(router.inputs).toMatchObject({ region, name: `vpc-${region}` });
      const nat = plan.one("gcp:compute/routerNat:RouterNat", `vpc-${region}`).inputs;
      expect(nat).toMatchObject({
        region,
        router: `vpc-${region}`,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetworks: [{ name: `vpc-${region}-id`, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      });
    }
  });

  it("allows only health checks and the control plane in, to tagged nodes, and logs a deny-all", () => {
    expect(plan.ofType("gcp:compute/firewall:Firewall").map((f) => f.name).sort()).toEqual(["vpc-allow-control-plane", "vpc-allow-health-checks", "vpc-deny-all-ingress"]);
    expect(firewall("allow-health-checks")).toMatchObject({ direction: "INGRESS", sourceRanges: HEALTH_CHECK_RANGES, targetTags: [NODE_TAG] });
    expect(HEALTH_CHECK_RANGES).toEqual(["35.191.0.0/16", "130.211.0.0/22"]);
    expect(firewall("allow-control-plane")).toMatchObject({
      sourceRanges: ["172.16.0.0/28"],
      targetTags: [NODE_TAG],
      allows: [{ protocol: "tcp", ports: ["443", "8443", "10250"] }],
    });
    expect(firewall("deny-all-ingress")).toMatchObject({
      direction: "INGRESS",
      priority: 65534,
      sourceRanges: ["0.0.0.0/0"],
      denies: [{ protocol: "all" }],
      logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    });
    for (const name of ["allow-health-checks", "allow-control-plane"]) {
      expect(firewall(name).priority as number).toBeLessThan(firewall("deny-all-ingress").priority as number);
      expect(firewall(name).sourceRanges).not.toContain("0.0.0.0/0");
    }
  });

  it("adds no control-plane rule when no control-plane range is given", async () => {
    const p = await runWithMocks(() => {
      new Network("vpc", { ...args, controlPlaneCidrs: undefined });
    });
    expect(p.ofType("gcp:compute/firewall:Firewall").map((f) => f.name).sort()).toEqual(["vpc-allow-health-checks", "vpc-deny-all-ingress"]);
  });

  it("gives a region that lists a proxy-only range a proxy-only subnet, and no other region one", async () => {
    let withProxy: Network | undefined;
    const p = await runWithMocks(() => {
      withProxy = new Network("vpc", { ...args, subnets: [{ ...args.subnets[0], proxyOnly: "10.0.16.0/23" }, args.subnets[1]] });
    });
    const proxyOnly = p.ofType("gcp:compute/subnetwork:Subnetwork").filter((s) => s.inputs.purpose === "REGIONAL_MANAGED_PROXY");
    expect(proxyOnly.map((s) => s.name)).toEqual(["vpc-us-east1-proxy"]);
    // GCP refuses private Google access, secondary ranges and flow logs on a proxy-only subnet.
    expect(proxyOnly[0].inputs).toEqual({ project: "runway-net", network: "vpc-id", name: "vpc-us-east1-proxy", region: "us-east1", ipCidrRange: "10.0.16.0/23", purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" });
    // Cloud NAT covers the nodes' subnet only; the load balancer's proxies need none.
    expect(p.one("gcp:compute/routerNat:RouterNat", "vpc-us-east1").inputs.subnetworks).toEqual([{ name: "vpc-us-east1-id", sourceIpRangesToNats: ["ALL_IP_RANGES"] }]);
    expect(withProxy?.subnets["us-east1"].proxyOnlyCidr).toBe("10.0.16.0/23");
    expect(withProxy?.subnets["europe-west4"].proxyOnlyCidr).toBeUndefined();
    expect(plan.ofType("gcp:compute/subnetwork:Subnetwork").some((s) => s.inputs.purpose !== undefined)).toBe(false);
  });

  it("resolves Google APIs to private.googleapis.com inside the VPC only, through a private zone", () => {
    expect(plan.one("gcp:dns/managedZone:ManagedZone", "vpc-googleapis").inputs).toEqual({
      project: "runway-net",
      name: "vpc-googleapis",
      dnsName: "googleapis.com.",
      visibility: "private",
      description: "Google APIs through private.googleapis.com (Private Google Access)",
      privateVisibilityConfig: { networks: [{ networkUrl: "vpc-id" }] },
    });
    const records = plan.ofType("gcp:dns/recordSet:RecordSet").map((r) => r.inputs);
    expect(records).toEqual([
      { project: "runway-net", managedZone: "vpc-googleapis", name: "private.googleapis.com.", type: "A", ttl: 300, rrdatas: ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"] },
      { project: "runway-net", managedZone: "vpc-googleapis", name: "*.googleapis.com.", type: "CNAME", ttl: 300, rrdatas: ["private.googleapis.com."] },
    ]);
    // private.googleapis.com is reached through Private Google Access on the nodes' subnet and the default route.
    expect(plan.one("gcp:compute/subnetwork:Subnetwork", "vpc-us-east1").inputs.privateIpGoogleAccess).toBe(true);
    expect(plan.one("gcp:compute/network:Network").inputs.deleteDefaultRoutesOnCreate).toBe(false);
  });

  it("refuses a proxy-only range that overlaps another range, or whose subnet name GCP could not hold", () => {
    const subnets = [{ ...args.subnets[0], proxyOnly: "10.0.8.0/23" }];
    expect(networkProblems({ name: "vpc", subnets })).toEqual(["Network subnets[0].proxyOnly 10.0.8.0/23 overlaps subnets[0].cidr 10.0.0.0/20; choose disjoint ranges"]);
    const long = `n${"x".repeat(38)}`;
    expect(networkProblems({ name: long, subnets: [{ ...args.subnets[0], region: "northamerica-northeast2", proxyOnly: "10.0.16.0/23" }] })).toEqual([
      `Network subnets[0].proxyOnly: the proxy-only subnet's name '${long}-northamerica-northeast2-proxy' is longer than 63 characters; shorten the network name`,
    ]);
  });

  it("refuses overlapping ranges, including the control plane's, before registering anything", async () => {
    const overlapping = { ...args, controlPlaneCidrs: ["10.20.16.0/28"], subnets: [args.subnets[0], { ...args.subnets[1], pods: "10.18.0.0/16" }] };
    const { error, resources } = await planThrowing(() => new Network("vpc", overlapping));
    expect(error?.message).toBe(
      [
        "Network subnets[1].pods 10.18.0.0/16 overlaps subnets[0].pods 10.16.0.0/14; choose disjoint ranges",
        "Network controlPlaneCidrs[0] 10.20.16.0/28 overlaps subnets[1].services 10.20.16.0/20; choose disjoint ranges",
      ].join("\n"),
    );
    expect(resources).toEqual([]);
  });

  it("refuses unknown regions, second subnets in a region, misaligned ranges and bad ports", () => {
    expect(
      networkProblems({
        name: "vpc",
        subnets: [
          { region: "mars-north1", cidr: "10.0.0.0/20", pods: "10.4.0.0/14", services: "10.8.0.0/20" },
          { region: "mars-north1", cidr: "10.9.0.1/20", pods: "10.12.0.0/14", services: "10.10.0.0/20" },
        ],
        servingPorts: ["70000"],
      }),
    ).toEqual([
      "Network subnets[0].region 'mars-north1' is not a GCP region such as us-east1 or europe-west4",
      "Network subnets[1].region 'mars-north1' is not a GCP region such as us-east1 or europe-west4",
      "Network subnets[1].region 'mars-north1' already has a subnet; use one subnet per region",
      "Network subnets[1].cidr '10.9.0.1/20' is not an IPv4 CIDR block such as 10.0.0.0/20 (address aligned to the prefix)",
      "Network servingPorts entry '70000' must be a port or range such as 8080 or 30000-32767",
    ]);
  });
});
