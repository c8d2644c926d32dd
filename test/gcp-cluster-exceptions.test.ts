/**
 * Loosened controls change exactly their control, and invalid cluster args are refused before anything is
 * registered.
 */
import { describe, expect, it } from "vitest";
import { GkeCluster } from "../components/gcp/gke-cluster";
import { NodePool } from "../components/gcp/node-pool";
import type { ClusterConfig } from "../src/config/schema/stack";
import { changedPaths, clusterArgs, clusterConfig, planCluster, planThrowing, WHY } from "./helpers/gcp";
import type { Recorded } from "./helpers/pulumi";

const CLUSTER = "gcp:container/cluster:Cluster";
const NODE_POOL = "gcp:container/nodePool:NodePool";

/** Paths of the cluster's and the pool's inputs that differ between two plans, prefixed with the resource. */
function changes(a: Recorded, b: Recorded): string[] {
  return [
    ...changedPaths(a.one(CLUSTER).inputs, b.one(CLUSTER).inputs).map((p) => `cluster.${p}`),
    ...changedPaths(a.one(NODE_POOL).inputs, b.one(NODE_POOL).inputs).map((p) => `pool.${p}`),
  ];
}

async function loosened(base: Record<string, unknown>, loose: Record<string, unknown>): Promise<{ before: Recorded; after: Recorded }> {
  return { before: await planCluster(clusterConfig(base)), after: await planCluster(clusterConfig(loose)) };
}

const publicEndpoint = { privateEndpoint: false, authorizedNetworks: [{ cidr: "203.0.113.0/24", name: "office" }] };

describe("GkeCluster exceptions change only their control", () => {
  it("G1 exception turns off private nodes only", async () => {
    const { before, after } = await loosened(publicEndpoint, { ...publicEndpoint, privateNodes: false, exceptions: { G1: WHY } });
    expect(changes(before, after)).toEqual(["cluster.privateClusterConfig.enablePrivateNodes"]);
    expect((after.one(CLUSTER).inputs.privateClusterConfig as Record<string, unknown>).enablePrivateNodes).toBe(false);
  });

  it("G7 exception turns off secure boot only, keeping integrity monitoring", async () => {
    const { before, after } = await loosened({}, { exceptions: { G7: WHY } });
    expect(changes(before, after)).toEqual(["cluster.nodeConfig.shieldedInstanceConfig.enableSecureBoot", "pool.nodeConfig.shieldedInstanceConfig.enableSecureBoot"]);
    expect(after.one(NODE_POOL).inputs.nodeConfig).toMatchObject({ shieldedInstanceConfig: { enableSecureBoot: false, enableIntegrityMonitoring: true } });
  });

  it("G16 exception disables Binary Authorization only", async () => {
    const { before, after } = await loosened({}, { exceptions: { G16: WHY } });
    expect(changes(before, after)).toEqual(["cluster.binaryAuthorization.evaluationMode"]);
    expect(after.one(CLUSTER).inputs.binaryAuthorization).toEqual({ evaluationMode: "DISABLED" });
  });

  it("G17 exception turns off intranode visibility only", async () => {
    const { before, after } = await loosened({}, { exceptions: { G17: WHY } });
    expect(changes(before, after)).toEqual(["cluster.enableIntranodeVisibility"]);
  });

  it("G21 exception allows a cluster without a Google Groups security group, and nothing else", async () => {
    const { before, after } = await loosened({}, { securityGroup: undefined, exceptions: { G21: WHY } });
    expect(changes(before, after)).toEqual(["cluster.authenticatorGroupsConfig.securityGroup"]);
    expect(after.one(CLUSTER).inputs.authenticatorGroupsConfig).toBeUndefined();
  });

  it("G22 exception drops the boot-disk key only", async () => {
    const { before, after } = await loosened({}, { exceptions: { G22: WHY } });
    expect(changes(before, after)).toEqual(["cluster.nodeConfig.bootDiskKmsKey", "pool.nodeConfig.bootDiskKmsKey"]);
    expect(after.ofType("gcp:kms/cryptoKey:CryptoKey").map((k) => k.name)).toEqual(["gke-secrets"]);
  });
});

describe("GkeCluster refuses invalid args before registering anything", () => {
  const cases: [string, () => ClusterConfig, string][] = [
    [
      "private endpoint without private nodes",
      () => clusterConfig({ privateNodes: false, exceptions: { G1: WHY } }),
      "GkeCluster config.privateEndpoint true requires private nodes; set privateNodes: true or privateEndpoint: false",
    ],
    [
      "public nodes without a G1 exception",
      () => clusterConfig({ ...publicEndpoint, privateNodes: false }),
      "GkeCluster config.privateNodes false turns off private nodes (G1); add exceptions.G1 with a justification",
    ],
    [
      "public endpoint without authorized networks",
      () => clusterConfig({ privateEndpoint: false }),
      "GkeCluster config.authorizedNetworks is empty while the endpoint is public (G2); list authorized networks or set privateEndpoint: true",
    ],
    [
      "control plane open to the internet",
      () => clusterConfig({ privateEndpoint: false, authorizedNetworks: [{ cidr: "0.0.0.0/0", name: "all" }] }),
      "GkeCluster config.authorizedNetworks[0].cidr '0.0.0.0/0' opens the control plane to the internet; list specific networks (G2)",
    ],
    [
      "control-plane range that is not a /28",
      () => clusterConfig({ masterIpv4CidrBlock: "172.16.0.0/24" }),
      "GkeCluster config.masterIpv4CidrBlock '172.16.0.0/24' must be an aligned /28 range such as 172.16.0.0/28",
    ],
    [
      "no security group and no G21 exception",
      () => clusterConfig({ securityGroup: undefined }),
      "GkeCluster config.securityGroup is not set; set it to gke-security-groups@<domain> (G21) or add exceptions.G21 with a justification",
    ],
    [
      "an unjustified exception",
      () => ({ ...clusterConfig(), exceptions: { G16: "because" } }),
      "GkeCluster config.exceptions.G16 needs a justification of at least 20 characters",
    ],
    [
      "a node pool whose minimum exceeds its maximum",
      () => clusterConfig({ nodePools: [{ name: "general", minNodes: 4, maxNodes: 2 }] }),
      "GkeCluster config.nodePools: NodePool general: minNodes 4 and maxNodes 2 must satisfy 0 <= minNodes <= maxNodes, maxNodes >= 1",
    ],
  ];

  for (const [what, config, message] of cases) {
    it(`rejects ${what}`, async () => {
      const { error, resources } = await planThrowing(() => new GkeCluster("gke", clusterArgs(config())));
      expect(error?.message).toBe(message);
      expect(resources).toEqual([]);
    });
  }

  it("rejects a location that differs from the configured region", async () => {
    const { error, resources } = await planThrowing(() => new GkeCluster("gke", clusterArgs(clusterConfig(), { location: "europe-west4" })));
    expect(error?.message).toBe("GkeCluster location 'europe-west4' differs from config.region 'us-east1'; use one region");
    expect(resources).toEqual([]);
  });

  it("rejects a cluster name GKE would refuse", async () => {
    const { error } = await planThrowing(() => new GkeCluster("gke", clusterArgs(clusterConfig(), { clusterName: "Prod_Cluster" })));
    expect(error?.message).toBe("GkeCluster clusterName 'Prod_Cluster' must be lowercase letters, digits and '-', start with a letter and have at most 40 characters");
  });

  it("NodePool refuses to run without a boot-disk key unless G22 is excepted", async () => {
    const pool = clusterConfig().nodePools[0];
    const args = { cluster: "gke", location: "us-east1", project: "p", serviceAccount: "nodes@p.iam.gserviceaccount.com", pool, labels: {} };
    const refused = await planThrowing(() => new NodePool("gke-general", args));
    expect(refused.error?.message).toBe("NodePool general: bootDiskKmsKey is missing; pass the boot-disk key (G22) or except G22 with a justification");
    expect(refused.resources).toEqual([]);
    const excepted = await planThrowing(() => new NodePool("gke-general", { ...args, exceptions: { G22: WHY } }));
    expect(excepted.error).toBeUndefined();
    expect(excepted.resources.map((r) => r.type).sort()).toEqual(["gcp:container/nodePool:NodePool", "runway:gcp:NodePool"]);
  });
});
