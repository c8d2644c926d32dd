/**
 * One test per control of the checklist (G1–G23, D1, D3) on what GkeCluster registers with default config.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GkeCluster } from "../components/gcp/gke-cluster";
import { NODE_SERVICE_ACCOUNT_ROLES } from "../src/gcp/cluster";
import { clusterArgs, clusterConfig, planCluster, PROJECT, PROJECT_NUMBER } from "./helpers/gcp";
import { type PlannedResource, type Recorded, runWithMocks } from "./helpers/pulumi";

const CLUSTER = "gcp:container/cluster:Cluster";
const NODE_POOL = "gcp:container/nodePool:NodePool";
const KEY = "gcp:kms/cryptoKey:CryptoKey";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let plan: Recorded;
let cluster: Obj;
let pools: PlannedResource[];
/** The node configs that must all meet the node controls: every pool's and the throwaway default pool's. */
let nodeConfigs: Obj[];

beforeAll(async () => {
  plan = await planCluster(clusterConfig({ nodePools: [{ name: "general" }, { name: "batch", spot: true, maxNodes: 5 }] }));
  cluster = plan.one(CLUSTER).inputs;
  pools = plan.ofType(NODE_POOL);
  nodeConfigs = [cluster.nodeConfig, ...pools.map((p) => p.inputs.nodeConfig as Obj)];
});

const key = (name: string) => plan.one(KEY, `gke-${name}`);

describe("GkeCluster security defaults", () => {
  it("G1 nodes are private", () => {
    expect(cluster.privateClusterConfig.enablePrivateNodes).toBe(true);
  });

  it("G2 control plane has a private endpoint and an authorized-networks block", () => {
    expect(cluster.privateClusterConfig.enablePrivateEndpoint).toBe(true);
    expect(cluster.privateClusterConfig.masterIpv4CidrBlock).toBe("172.16.0.0/28");
    expect(cluster.masterAuthorizedNetworksConfig).toEqual({ cidrBlocks: [], gcpPublicCidrsAccessEnabled: false });
  });

  it("G2 a public endpoint is restricted to the listed networks", async () => {
    const nets = [{ cidr: "203.0.113.0/24", name: "office" }];
    const p = await planCluster(clusterConfig({ privateEndpoint: false, authorizedNetworks: nets }));
    const c = p.one(CLUSTER).inputs as Obj;
    expect(c.privateClusterConfig.enablePrivateEndpoint).toBe(false);
    expect(c.masterAuthorizedNetworksConfig.cidrBlocks).toEqual([{ cidrBlock: "203.0.113.0/24", displayName: "office" }]);
  });

  it("G3 cluster is VPC-native on the subnet's named ranges", () => {
    expect(cluster.networkingMode).toBe("VPC_NATIVE");
    expect(cluster.ipAllocationPolicy).toEqual({ clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
  });

  it("G4 Workload Identity uses the project's pool", () => {
    expect(cluster.workloadIdentityConfig).toEqual({ workloadPool: `${PROJECT}.svc.id.goog` });
  });

  it("G5 every node config uses the GKE metadata server", () => {
    for (const n of nodeConfigs) expect(n.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
  });

  it("G6 shielded nodes are on", () => {
    expect(cluster.enableShieldedNodes).toBe(true);
  });

  it("G7 every node has secure boot and integrity monitoring", () => {
    for (const n of nodeConfigs) expect(n.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableIntegrityMonitoring: true });
  });

  it("G8 legacy ABAC is off", () => {
    expect(cluster.enableLegacyAbac).toBe(false);
  });

  it("G9 no client certificate is issued", () => {
    expect(cluster.masterAuth.clientCertificateConfig).toEqual({ issueClientCertificate: false });
  });

  it("G10 no basic-auth credentials are set", () => {
    expect(Object.keys(cluster.masterAuth)).toEqual(["clientCertificateConfig"]);
  });

  it("G11 Dataplane V2 enforces network policy, with the networkPolicy block present", () => {
    expect(cluster.datapathProvider).toBe("ADVANCED_DATAPATH");
    expect(cluster.networkPolicy).toEqual({ enabled: false });
  });

  it("G12 release channel is REGULAR by default and STABLE when configured", async () => {
    expect(cluster.releaseChannel).toEqual({ channel: "REGULAR" });
    const p = await planCluster(clusterConfig({ releaseChannel: "STABLE" }));
    expect((p.one(CLUSTER).inputs as Obj).releaseChannel).toEqual({ channel: "STABLE" });
  });

  it("G13 every pool auto-repairs and auto-upgrades, set explicitly", () => {
    expect(pools).toHaveLength(2);
    for (const p of pools) expect(p.inputs.management).toEqual({ autoRepair: true, autoUpgrade: true });
  });

  it("G14 every node runs COS_CONTAINERD", () => {
    for (const n of nodeConfigs) expect(n.imageType).toBe("COS_CONTAINERD");
  });

  it("G15 secrets are encrypted with a protected Cloud KMS key rotated every 90 days", () => {
    const k = key("secrets");
    expect(cluster.databaseEncryption).toEqual({ state: "ENCRYPTED", keyName: `projects/${PROJECT}/locations/us-east1/keyRings/gke/cryptoKeys/gke-secrets` });
    expect(k.inputs.rotationPeriod).toBe("7776000s");
    expect(Number.parseInt(String(k.inputs.rotationPeriod), 10)).toBeLessThanOrEqual(90 * 86400);
    expect(k.protect).toBe(true);
  });

  it("G15 the GKE service agent can use the secrets key before the cluster exists", () => {
    const grant = plan.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gke-secrets-agent");
    expect(grant.inputs).toEqual({
      cryptoKeyId: `projects/${PROJECT}/locations/us-east1/keyRings/gke/cryptoKeys/gke-secrets`,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com`,
    });
    expect(plan.one(CLUSTER).dependsOn).toContain(grant.urn);
  });

  it("G16 Binary Authorization enforces the project policy", () => {
    expect(cluster.binaryAuthorization).toEqual({ evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
  });

  it("G17 intranode visibility is on", () => {
    expect(cluster.enableIntranodeVisibility).toBe(true);
  });

  it("G18 system and workload logging, monitoring and Managed Prometheus are on", () => {
    expect(cluster.loggingService).toBe("logging.googleapis.com/kubernetes");
    expect(cluster.monitoringService).toBe("monitoring.googleapis.com/kubernetes");
    expect(cluster.loggingConfig.enableComponents).toEqual(expect.arrayContaining(["SYSTEM_COMPONENTS", "WORKLOADS"]));
    expect(cluster.monitoringConfig.managedPrometheus).toEqual({ enabled: true });
  });

  it("G19 nodes run as a dedicated service account with least-privilege roles only", () => {
    const sa = plan.one("gcp:serviceaccount/account:Account", "gke-nodes");
    const email = `${String(sa.inputs.accountId)}@${PROJECT}.iam.gserviceaccount.com`;
    for (const n of nodeConfigs) {
      expect(n.serviceAccount).toBe(email);
      expect(n.serviceAccount).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
      expect(n.oauthScopes).toEqual(["https://www.googleapis.com/auth/cloud-platform"]);
    }
    const grants = plan.ofType("gcp:projects/iAMMember:IAMMember").filter((g) => g.inputs.member === `serviceAccount:${email}`);
    expect(grants.map((g) => g.inputs.role).sort()).toEqual([
      "roles/artifactregistry.reader",
      "roles/autoscaling.metricsWriter",
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
      "roles/monitoring.viewer",
      "roles/stackdriver.resourceMetadata.writer",
    ]);
    expect(plan.ofType("gcp:projects/iAMMember:IAMMember")).toHaveLength(NODE_SERVICE_ACCOUNT_ROLES.length);
    // The account and its roles exist before any node boots.
    expect(plan.one(CLUSTER).dependsOn).toEqual(expect.arrayContaining([sa.urn, ...grants.map((g) => g.urn)]));
  });

  it("G20 Kubernetes alpha features are off", () => {
    expect(cluster.enableKubernetesAlpha).toBe(false);
  });

  it("G21 RBAC uses the configured Google Groups security group", () => {
    expect(cluster.authenticatorGroupsConfig).toEqual({ securityGroup: "gke-security-groups@example.com" });
  });

  it("G22 boot disks are encrypted with a protected key the Compute service agent can use", () => {
    const bootKey = key("boot");
    for (const n of nodeConfigs) expect(n.bootDiskKmsKey).toBe(`projects/${PROJECT}/locations/us-east1/keyRings/gke/cryptoKeys/gke-boot-disks`);
    expect(bootKey.protect).toBe(true);
    expect(bootKey.inputs.rotationPeriod).toBe("7776000s");
    const grant = plan.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gke-boot-agent");
    expect(grant.inputs.member).toBe(`serviceAccount:service-${PROJECT_NUMBER}@compute-system.iam.gserviceaccount.com`);
    expect(plan.one(CLUSTER).dependsOn).toContain(grant.urn);
  });

  it("G23 node pools are separate resources and the default pool is removed", () => {
    expect(cluster.removeDefaultNodePool).toBe(true);
    expect(cluster.nodePools).toBeUndefined();
    expect(pools.map((p) => p.inputs.name).sort()).toEqual(["batch", "general"]);
    for (const p of pools) expect(p.inputs.cluster).toBe("gke");
  });
});

describe("GkeCluster data protection", () => {
  it("D1 cluster, key ring, keys and backup plan are protected", () => {
    for (const [type, name] of [
      [CLUSTER, "gke"],
      ["gcp:kms/keyRing:KeyRing", "gke-keys"],
      [KEY, "gke-secrets"],
      [KEY, "gke-boot"],
      ["gcp:gkebackup/backupPlan:BackupPlan", "gke-backup"],
    ]) {
      expect(plan.one(type, name).protect, `${type} ${name}`).toBe(true);
    }
  });

  it("D3 the provider refuses to delete the cluster, keys and backup plan", () => {
    expect(cluster.deletionProtection).toBe(true);
    expect(key("secrets").inputs.deletionPolicy).toBe("PREVENT");
    expect(key("boot").inputs.deletionPolicy).toBe("PREVENT");
    expect(plan.one("gcp:gkebackup/backupPlan:BackupPlan").inputs.deletionPolicy).toBe("PREVENT");
  });

  it("Backup for GKE backs up every namespace with secrets and volumes on schedule", () => {
    expect(cluster.addonsConfig.gkeBackupAgentConfig).toEqual({ enabled: true });
    const bp = plan.one("gcp:gkebackup/backupPlan:BackupPlan").inputs;
    expect(bp).toMatchObject({
      name: "gke-backup",
      location: "us-east1",
      cluster: `projects/${PROJECT}/locations/us-east1/clusters/gke`,
      backupConfig: { allNamespaces: true, includeSecrets: true, includeVolumeData: true },
      backupSchedule: { cronSchedule: "0 3 * * *" },
      retentionPolicy: { backupRetainDays: 30 },
    });
  });

  it("maintenance happens in the configured recurring window", () => {
    expect(cluster.maintenancePolicy).toEqual({
      recurringWindow: { startTime: "2025-01-04T02:00:00Z", endTime: "2025-01-04T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" },
    });
  });

  it("the Gateway API is on (standard channel), so the shared Gateway's Gateway and HTTPRoute kinds exist", () => {
    expect(cluster.gatewayApiConfig).toEqual({ channel: "CHANNEL_STANDARD" });
  });

  it("cluster ignores only the create-time default-pool fields that have replaced clusters", () => {
    expect(plan.one(CLUSTER).ignoreChanges.sort()).toEqual(["initialNodeCount", "nodeConfig"]);
    for (const p of pools) expect(p.ignoreChanges).toEqual(["initialNodeCount"]);
  });

  it("every resource is a descendant of the component, named after it", () => {
    const root = plan.one("runway:gcp:GkeCluster").urn;
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources.filter((x) => x.urn !== root && x.type !== "pulumi:pulumi:Stack")) {
      expect(r.name.startsWith("gke"), r.name).toBe(true);
      expect(r.parent === root || (r.parent !== null && urns.has(r.parent) && r.parent.includes("runway:gcp:NodePool")), r.name).toBe(true);
    }
  });
});

describe("GkeCluster inputs", () => {
  it("looks up the project number for the service agents when it is not given", async () => {
    const p = await planCluster(clusterConfig(), { projectNumber: undefined });
    const member = String(p.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gke-secrets-agent").inputs.member);
    expect(member).toMatch(/^serviceAccount:service-[0-9]{12}@container-engine-robot\.iam\.gserviceaccount\.com$/);
    expect(member).not.toContain(PROJECT_NUMBER);
  });

  it("previews with the controls' values known while the resources' outputs are not", async () => {
    const p = await runWithMocks(() => new GkeCluster("gke", clusterArgs(clusterConfig())), { preview: true });
    const c = p.one(CLUSTER).inputs as Obj;
    // G15, G19 and G22 are verifiable before apply: their values do not wait for the keys and account to exist.
    expect(c.databaseEncryption).toEqual({ state: "ENCRYPTED", keyName: `projects/${PROJECT}/locations/us-east1/keyRings/gke/cryptoKeys/gke-secrets` });
    expect(c.nodeConfig.serviceAccount).toBe(`gke-nodes@${PROJECT}.iam.gserviceaccount.com`);
    expect((p.one(NODE_POOL).inputs.nodeConfig as Obj).bootDiskKmsKey).toBe(`projects/${PROJECT}/locations/us-east1/keyRings/gke/cryptoKeys/gke-boot-disks`);
    expect(p.one("pulumi:providers:kubernetes").inputs.clusterIdentifier).toBe(`gke_${PROJECT}_us-east1_gke`);
  });
});
