import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../../src/config/schema/stack";
import {
  backupPlanSpec,
  clusterProblems,
  clusterResourceIds,
  clusterResourceNames,
  clusterSpec,
  KEY_ROTATION_PERIOD,
  KMS_ENCRYPTER_ROLE,
  NODE_SERVICE_ACCOUNT_ROLES,
  serviceAgents,
  workloadPoolFor,
} from "../../src/gcp/cluster";
import { gkeContextName, gkeKubeconfig, kubeconfigFields } from "../../src/gcp/kubeconfig";
import { gcpLabels, type RunwayLabels } from "../../src/naming";
import { NodePool } from "./node-pool";
import { projectIamMember } from "./service-project";

export interface GkeClusterArgs {
  /** Project of the cluster; needs the container, compute, cloudkms, iam and gkebackup APIs. */
  project: pulumi.Input<string>;
  /**
   * Number of the project, for the GKE and Compute service agents that use the KMS keys. Default: looked up with
   * `gcp.organizations.getProject` (pass `ServiceProject.projectNumber` so a new project previews).
   */
  projectNumber?: pulumi.Input<string>;
  /** Region of the regional cluster. Default and only allowed value: `config.region`. */
  location?: string;
  /** Self link of the VPC (`Network.networkSelfLink`). */
  network: pulumi.Input<string>;
  /** Self link of the subnet in `location` (`Network.subnets[region].selfLink`). */
  subnetwork: pulumi.Input<string>;
  /** Secondary range of the subnet for pods (G3). */
  podsRangeName: pulumi.Input<string>;
  /** Secondary range of the subnet for services (G3). */
  servicesRangeName: pulumi.Input<string>;
  /**
   * The cluster settings a stack may change (runway:cluster): release channel, endpoint access, node pools,
   * maintenance window, backups, and `exceptions` (G1, G7, G16, G17, G21, G22 loosened, each with a justification).
   * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters
   */
  config: ClusterConfig;
  /** Runway labels of the cluster's resources; `managed-by: runway` is always added. */
  labels: RunwayLabels;
  /** Environment the cluster serves; overrides `labels.environment`. */
  environment: string;
  /** GCP name of the cluster (at most 40 characters). Default: the component's name. Keep it when renaming the component. */
  clusterName?: string;
}

/**
 * A regional GKE Standard cluster whose defaults satisfy the checklist's G1–G23: KMS keys for secrets and boot
 * disks, a least-privilege node service account, separate node pools, a Backup for GKE plan, deletion protection,
 * and a Kubernetes provider built from the cluster's stable fields only (D6).
 */
export class GkeCluster extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  /** Base64 PEM of the cluster CA. */
  public readonly caCertificate: pulumi.Output<string>;
  /** `<project>.svc.id.goog`, the Workload Identity pool of the cluster (G4). */
  public readonly workloadPool: pulumi.Output<string>;
  public readonly nodeServiceAccountEmail: pulumi.Output<string>;
  /** Kubeconfig using gke-gcloud-auth-plugin (secret); no token, no client certificate. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly provider: k8s.Provider;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    const clusterName = args.clusterName ?? name;
    const location = args.location ?? c.region;
    const problems = clusterProblems(clusterName, location, c);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:GkeCluster", name, {}, opts);

    const names = clusterResourceNames(clusterName);
    // Known in a preview, unlike the resources' outputs; explicit dependsOn keeps the creation order.
    const ids = pulumi.output(args.project).apply((p) => clusterResourceIds(p, location, clusterName));
    const labels = gcpLabels({ ...args.labels, environment: args.environment });
    const projectNumber = args.projectNumber ?? gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: this }).number;
    const agents = pulumi.output(projectNumber).apply(serviceAgents);

    // G15, G22: keys are protected (D1) and provider-guarded; a destroyed key makes secrets and disks unreadable.
    const ring = new gcp.kms.KeyRing(`${name}-keys`, { project: args.project, location, name: names.keyRing }, { parent: this, protect: true });
    const key = (suffix: string, keyName: string, member: pulumi.Output<string>) => {
      const k = new gcp.kms.CryptoKey(
        `${name}-${suffix}`,
        { keyRing: ring.id, name: keyName, purpose: "ENCRYPT_DECRYPT", rotationPeriod: KEY_ROTATION_PERIOD, deletionPolicy: "PREVENT", labels },
        { parent: this, protect: true },
      );
      const grant = new gcp.kms.CryptoKeyIAMMember(`${name}-${suffix}-agent`, { cryptoKeyId: k.id, role: KMS_ENCRYPTER_ROLE, member }, { parent: this });
      return { key: k, grant };
    };
    const secrets = key("secrets", names.secretsKey, agents.gke);
    const boot = c.exceptions.G22 === undefined ? key("boot", names.bootDiskKey, agents.compute) : undefined;

    // G19: a dedicated node identity with only the roles nodes need.
    const nodeSa = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      { project: args.project, accountId: names.nodeServiceAccount, displayName: `GKE nodes of ${clusterName}` },
      { parent: this },
    );
    const nodeRoles = NODE_SERVICE_ACCOUNT_ROLES.map((role) =>
      projectIamMember(
        `${name}-nodes-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
        { project: args.project, role, member: { serviceAccount: ids.nodeServiceAccountEmail } },
        { parent: this, dependsOn: [nodeSa] },
      ),
    );

    const workloadPool = pulumi.output(args.project).apply(workloadPoolFor);
    const spec = clusterSpec({
      clusterName,
      location,
      project: args.project,
      network: args.network,
      subnetwork: args.subnetwork,
      podsRangeName: args.podsRangeName,
      servicesRangeName: args.servicesRangeName,
      workloadPool,
      databaseKey: ids.secretsKey,
      nodeServiceAccount: ids.nodeServiceAccountEmail,
      bootDiskKmsKey: boot ? ids.bootDiskKey : undefined,
      config: c,
      labels,
    });
    const cluster = new gcp.container.Cluster(name, spec, {
      parent: this,
      protect: true,
      // The service agents must be able to use the keys before GKE creates anything encrypted with them, and the
      // nodes' identity must exist with its roles.
      dependsOn: [secrets.grant, ...(boot ? [boot.grant] : []), nodeSa, ...nodeRoles],
      // The default pool's nodeConfig and initialNodeCount only matter on create; a diff on either has replaced
      // whole clusters (pulumi-gcp #744, pulumi/pulumi #8991; pulumi-gcp #88).
      ignoreChanges: ["nodeConfig", "initialNodeCount"],
    });

    for (const pool of c.nodePools) {
      new NodePool(
        `${name}-${pool.name}`,
        {
          cluster: cluster.name,
          location,
          project: args.project,
          serviceAccount: ids.nodeServiceAccountEmail,
          bootDiskKmsKey: boot ? ids.bootDiskKey : undefined,
          pool,
          labels,
          exceptions: c.exceptions,
        },
        { parent: this },
      );
    }

    new gcp.gkebackup.BackupPlan(
      `${name}-backup`,
      {
        project: args.project,
        cluster: ids.cluster,
        labels,
        ...backupPlanSpec(clusterName, location, c),
      },
      { parent: this, protect: true, dependsOn: [cluster] },
    );

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([args.project, cluster.endpoint, cluster.masterAuth])
        .apply(([project, endpoint, masterAuth]) => gkeKubeconfig(kubeconfigFields({ project, location, name: clusterName, endpoint, masterAuth }))),
    );
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.kubeconfig,
        // Only a different cluster replaces the provider; any other input change is an update (D6).
        clusterIdentifier: pulumi.output(args.project).apply((p) => gkeContextName(p, location, clusterName)),
        enableServerSideApply: true,
      },
      { parent: this },
    );

    this.name = cluster.name;
    this.endpoint = cluster.endpoint;
    this.caCertificate = cluster.masterAuth.clusterCaCertificate;
    this.workloadPool = workloadPool;
    this.nodeServiceAccountEmail = nodeSa.email;
    this.registerOutputs({
      name: this.name,
      endpoint: this.endpoint,
      caCertificate: this.caCertificate,
      workloadPool: this.workloadPool,
      nodeServiceAccountEmail: this.nodeServiceAccountEmail,
      kubeconfig: this.kubeconfig,
      provider: this.provider,
    });
  }
}
