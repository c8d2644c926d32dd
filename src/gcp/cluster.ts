/**
 * Decisions of the `GkeCluster` component as pure functions: validation of its config and the cluster's
 * arguments, secure by default (checklist G1–G23) and loosened only by `config.exceptions`.
 * `V` is whatever carries a value that may be computed (a string in tests, a Pulumi input in components).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters
 */
import { cidr, GCP_REGIONS, parseCidr } from "../config/schema/common";
import { internetExposure } from "../net/exposure";
import { type ClusterConfig, LOOSENABLE_CONTROLS } from "../config/schema/stack";
import { serviceAccountId } from "../naming";
import { type Exceptions, nodeConfigSpec, nodePoolProblems } from "./node-pool";

/** Application-layer secrets and boot-disk keys rotate every 90 days (G15; CKV_GCP_43). */
export const KEY_ROTATION_PERIOD = "7776000s";
export const KMS_ENCRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** The node service account's only roles (G19): Google's least-privilege list for GKE nodes. */
export const NODE_SERVICE_ACCOUNT_ROLES = [
  "roles/artifactregistry.reader",
  "roles/autoscaling.metricsWriter",
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
];

const CLUSTER_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MIN_JUSTIFICATION = 20;

/** Every problem of GkeCluster args, naming the field, the value and the fix. */
export function clusterProblems(clusterName: string, location: string, c: ClusterConfig): string[] {
  const out: string[] = [];
  const p = (field: string, message: string) => out.push(`GkeCluster ${field} ${message}`);
  if (!CLUSTER_NAME.test(clusterName) || clusterName.length > 40) {
    p("clusterName", `'${clusterName}' must be lowercase letters, digits and '-', start with a letter and have at most 40 characters`);
  }
  if (!(GCP_REGIONS as readonly string[]).includes(location)) p("location", `'${location}' is not a GCP region such as us-east1 or europe-west4`);
  if (location !== c.region) p("location", `'${location}' differs from config.region '${c.region}'; use one region`);
  if (c.releaseChannel !== "REGULAR" && c.releaseChannel !== "STABLE") p("config.releaseChannel", `'${String(c.releaseChannel)}' must be REGULAR or STABLE (G12)`);
  if (!cidr.safeParse(c.masterIpv4CidrBlock).success || parseCidr(c.masterIpv4CidrBlock)?.prefix !== 28) {
    p("config.masterIpv4CidrBlock", `'${c.masterIpv4CidrBlock}' must be an aligned /28 range such as 172.16.0.0/28`);
  }
  if (c.privateEndpoint && !c.privateNodes) p("config.privateEndpoint", "true requires private nodes; set privateNodes: true or privateEndpoint: false");
  if (!c.privateNodes && c.exceptions.G1 === undefined) p("config.privateNodes", "false turns off private nodes (G1); add exceptions.G1 with a justification");
  if (!c.privateEndpoint && c.authorizedNetworks.length === 0) {
    p("config.authorizedNetworks", "is empty while the endpoint is public (G2); list authorized networks or set privateEndpoint: true");
  }
  c.authorizedNetworks.forEach((n, i) => {
    if (!cidr.safeParse(n.cidr).success) p(`config.authorizedNetworks[${i}].cidr`, `'${n.cidr}' is not an aligned IPv4 CIDR block`);
  });
  // The same judgement as stack validation (src/net/exposure.ts), so validation rejects what this would.
  for (const e of internetExposure(c.authorizedNetworks.map((n) => n.cidr), "the control plane")) {
    p(`config.authorizedNetworks${e.index === undefined ? "" : `[${e.index}].cidr`}`, `${e.message} (G2)`);
  }
  if (!c.securityGroup && c.exceptions.G21 === undefined) {
    p("config.securityGroup", "is not set; set it to gke-security-groups@<domain> (G21) or add exceptions.G21 with a justification");
  }
  for (const [control, why] of Object.entries(c.exceptions)) {
    if (!(LOOSENABLE_CONTROLS as readonly string[]).includes(control)) p(`config.exceptions.${control}`, `cannot be loosened; only ${LOOSENABLE_CONTROLS.join(", ")} can`);
    else if ((why ?? "").trim().length < MIN_JUSTIFICATION) p(`config.exceptions.${control}`, `needs a justification of at least ${MIN_JUSTIFICATION} characters`);
  }
  if (c.nodePools.length === 0) p("config.nodePools", "is empty; list at least one node pool (G23)");
  const names = new Set<string>();
  for (const pool of c.nodePools) {
    if (names.has(pool.name)) p(`config.nodePools`, `lists '${pool.name}' twice; node pool names are unique`);
    names.add(pool.name);
    out.push(...nodePoolProblems(pool, true, c.exceptions).map((m) => `GkeCluster config.nodePools: ${m}`));
  }
  return out;
}

/** The Workload Identity pool of a project (G4). */
export function workloadPoolFor(projectId: string): string {
  return `${projectId}.svc.id.goog`;
}

/** Google-managed service agents that use the cluster's keys: GKE for secrets (G15), Compute for boot disks (G22). */
export function serviceAgents(projectNumber: string): { gke: string; compute: string } {
  return {
    gke: `serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
    compute: `serviceAccount:service-${projectNumber}@compute-system.iam.gserviceaccount.com`,
  };
}

/** GCP names of what a cluster creates besides itself; all derived from the cluster name, none random. */
export function clusterResourceNames(clusterName: string) {
  return {
    keyRing: clusterName,
    secretsKey: "gke-secrets",
    bootDiskKey: "gke-boot-disks",
    nodeServiceAccount: serviceAccountId(clusterName, "nodes"),
    backupPlan: `${clusterName}-backup`,
  };
}

/**
 * Resource names of the keys, the node service account and the cluster, as GCP spells them. Derived from plain
 * values so that they are known in a preview and policies can verify G15, G19 and G22 before apply.
 */
export function clusterResourceIds(project: string, location: string, clusterName: string) {
  const n = clusterResourceNames(clusterName);
  const keyRing = `projects/${project}/locations/${location}/keyRings/${n.keyRing}`;
  return {
    keyRing,
    secretsKey: `${keyRing}/cryptoKeys/${n.secretsKey}`,
    bootDiskKey: `${keyRing}/cryptoKeys/${n.bootDiskKey}`,
    nodeServiceAccountEmail: `${n.nodeServiceAccount}@${project}.iam.gserviceaccount.com`,
    cluster: `projects/${project}/locations/${location}/clusters/${clusterName}`,
  };
}

export interface ClusterSpecInput<V> {
  clusterName: string;
  location: string;
  project: V;
  network: V;
  subnetwork: V;
  podsRangeName: V;
  servicesRangeName: V;
  /** `<project>.svc.id.goog`, see workloadPoolFor. */
  workloadPool: V;
  /** Key of application-layer secrets encryption (G15). */
  databaseKey: V;
  nodeServiceAccount: V;
  /** Boot-disk key (G22); undefined only with exceptions.G22. */
  bootDiskKmsKey?: V;
  config: ClusterConfig;
  labels: Record<string, string>;
}

/** The cluster's arguments. Every field set here is stable across upgrades: nothing version-specific. */
export function clusterSpec<V>(i: ClusterSpecInput<V>) {
  const c = i.config;
  const x: Exceptions = c.exceptions;
  return {
    name: i.clusterName,
    location: i.location,
    project: i.project,
    network: i.network,
    subnetwork: i.subnetwork,
    resourceLabels: i.labels,
    // G23: node pools are separate resources; the default pool exists only while the cluster is created.
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    // CKV_GCP_69 fails a cluster without nodeConfig; the throwaway pool meets the node controls too.
    nodeConfig: nodeConfigSpec({
      machineType: "e2-small",
      diskSizeGb: 20,
      spot: false,
      serviceAccount: i.nodeServiceAccount,
      bootDiskKmsKey: i.bootDiskKmsKey,
      exceptions: x,
      resourceLabels: i.labels,
    }),
    privateClusterConfig: {
      enablePrivateNodes: c.privateNodes, // G1
      enablePrivateEndpoint: c.privateEndpoint, // G2
      masterIpv4CidrBlock: c.masterIpv4CidrBlock,
    },
    masterAuthorizedNetworksConfig: {
      // G2: always present (CKV_GCP_20); with a public endpoint it is the only way in.
      cidrBlocks: c.authorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.name })),
      gcpPublicCidrsAccessEnabled: false,
    },
    networkingMode: "VPC_NATIVE", // G3
    ipAllocationPolicy: { clusterSecondaryRangeName: i.podsRangeName, servicesSecondaryRangeName: i.servicesRangeName },
    workloadIdentityConfig: { workloadPool: i.workloadPool }, // G4
    enableShieldedNodes: true, // G6
    enableLegacyAbac: false, // G8
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } }, // G9
    // G11: Dataplane V2 enforces NetworkPolicy; CKV_GCP_12 still wants the block, which must be off with DPv2.
    datapathProvider: "ADVANCED_DATAPATH",
    networkPolicy: { enabled: false },
    releaseChannel: { channel: c.releaseChannel }, // G12
    databaseEncryption: { state: "ENCRYPTED", keyName: i.databaseKey }, // G15
    binaryAuthorization: { evaluationMode: x.G16 === undefined ? "PROJECT_SINGLETON_POLICY_ENFORCE" : "DISABLED" }, // G16
    enableIntranodeVisibility: x.G17 === undefined, // G17
    loggingService: "logging.googleapis.com/kubernetes", // G18
    monitoringService: "monitoring.googleapis.com/kubernetes",
    loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
    monitoringConfig: { managedPrometheus: { enabled: true } },
    enableKubernetesAlpha: false, // G20
    ...(c.securityGroup ? { authenticatorGroupsConfig: { securityGroup: c.securityGroup } } : {}), // G21
    maintenancePolicy: { recurringWindow: { ...c.maintenanceWindow } },
    // The shared Gateway's Gateway and HTTPRoute CRDs, and GKE's Gateway controller, exist only with this on.
    // https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways#enable-gateway
    gatewayApiConfig: { channel: "CHANNEL_STANDARD" },
    addonsConfig: {
      gkeBackupAgentConfig: { enabled: true },
      gcePersistentDiskCsiDriverConfig: { enabled: true },
      networkPolicyConfig: { disabled: true },
    },
    deletionProtection: true, // D3
  };
}

/** Backup for GKE: every namespace with secrets and volume data, on the configured schedule and retention. */
export function backupPlanSpec(clusterName: string, location: string, c: ClusterConfig) {
  return {
    name: clusterResourceNames(clusterName).backupPlan,
    location,
    backupConfig: { allNamespaces: true, includeSecrets: true, includeVolumeData: true },
    backupSchedule: { cronSchedule: c.backup.cronSchedule },
    retentionPolicy: { backupRetainDays: c.backup.retainDays },
    deletionPolicy: "PREVENT",
  };
}
