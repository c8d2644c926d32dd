import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, GitlabConfig, VaultConfig } from "../../src/config/schema/stack";
import type { SubnetSpec } from "../../src/gcp/network";
import { type ClusterTenant, sharedWorkloadAccount } from "../../src/platform/regional";
import { inBatches, TENANT_BATCH } from "../../src/batches";
import { RegionalNetwork } from "../gcp/regional-network";
import type { GkeCluster } from "../gcp/gke-cluster";
import { Tenant } from "../tenancy/tenant";
import { buildClusterCore, DEFAULT_PLATFORM_SOURCE } from "./cluster-core";
import { fleetMembership } from "./fleet";

export interface RegionalClusterArgs {
  /** Environment the cluster adds a region to. */
  environment: string;
  /** The environment's project (its platform stack created it, with the fleet APIs), as a plain id. */
  projectId: string;
  /** GCP name of the environment's VPC, which the platform stack's Network created. */
  network: string;
  /** The region's subnet in that VPC; its region is the cluster's. */
  subnet: SubnetSpec;
  /** The cluster settings (runway:cluster); G1–G23 as for every Runway cluster. */
  cluster: ClusterConfig;
  gitlab: GitlabConfig;
  /** GitLab API token that registers the cluster's agent (a Pulumi secret). Without it no agent is registered. */
  gitlabToken?: pulumi.Input<string>;
  /** Vault integration; the environment's KV mount belongs to the platform stack. */
  vault?: VaultConfig;
  notificationChannels: string[];
  /** DNS domain of service hosts, `<service>.<environment>.<domain>` (served by the primary's multi-cluster Gateway). */
  domain: string;
  /** The tenants that run in this region (tenantsOfCluster): each is exported to the fleet. */
  tenants: ClusterTenant[];
  /** OCI artifact of the platform's cluster configuration. Default DEFAULT_PLATFORM_SOURCE, tag = environment. */
  platformSource?: { url: string; tag?: string };
}

/**
 * One more region of an environment: the region's subnet in the environment's VPC, a hardened GKE cluster with every
 * add-on, its fleet membership, and the workload of each tenant that runs in the region, exported to the fleet so
 * the primary cluster's multi-cluster Gateway sends the region's clients to it. Services get no route here (the
 * multi-cluster Gateway is their way in) and use the workload identity the primary cluster created for them.
 */
export class RegionalCluster extends pulumi.ComponentResource {
  readonly cluster: GkeCluster;
  readonly clusterName: string;
  readonly tenantNames: string[];
  /** Resolves once every tenant is created; await it. */
  readonly tenantsCreated: Promise<void>;

  constructor(name: string, args: RegionalClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const region = args.cluster.region;
    if (args.subnet.region !== region) throw new Error(`RegionalCluster ${name}: subnet.region ${args.subnet.region} differs from cluster.region ${region}; use the cluster's region`);
    const stray = args.tenants.filter((t) => !t.workload || t.global);
    if (stray.length) throw new Error(`RegionalCluster ${name}: ${stray.map((t) => t.spec.name).join(", ")} must run here and be routed by the primary cluster (tenantsOfCluster)`);
    const internal = args.tenants.filter((t) => t.spec.exposure.visibility === "internal");
    if (internal.length) throw new Error(`RegionalCluster ${name}: ${internal.map((t) => t.spec.name).join(", ")} is internal; internal services run only in the environment's primary region`);
    super("runway:platform:RegionalCluster", name, {}, opts);
    const { environment } = args;

    const network = new RegionalNetwork(
      name,
      { project: args.projectId, network: args.network, subnet: args.subnet, controlPlaneCidrs: [args.cluster.masterIpv4CidrBlock] },
      { parent: this },
    );
    const platformSource = args.platformSource ?? { url: DEFAULT_PLATFORM_SOURCE };
    const core = buildClusterCore(this, name, {
      environment,
      labels: {},
      project: args.projectId,
      projectId: args.projectId,
      network: network.networkId,
      subnet: network.subnet,
      cluster: args.cluster,
      gitlab: args.gitlab,
      gitlabToken: args.gitlabToken,
      vault: args.vault,
      createKvMount: false,
      notificationChannels: args.notificationChannels,
      platformSource: { url: platformSource.url, tag: platformSource.tag ?? environment },
      tenants: args.tenants.map((t) => t.spec),
      dependsOn: [network],
    });
    this.cluster = core.cluster;
    this.clusterName = name;
    const membership = fleetMembership(this, `${name}-fleet`, { project: args.projectId, projectId: args.projectId, region, clusterName: name, dependsOn: [core.cluster] });

    this.tenantNames = args.tenants.map((t) => t.spec.name);
    this.tenantsCreated = inBatches(args.tenants, TENANT_BATCH, ({ spec }) => {
      new Tenant(
        spec.name,
        {
          spec,
          project: args.projectId,
          workloadPool: core.cluster.workloadPool,
          workloadPoolReady: core.workloadPoolReady,
          crdsReady: core.crdsReady,
          clusterName: name,
          domain: args.domain,
          proxyOnlyCidr: network.subnet.proxyOnlyCidr,
          vault: core.tenantVault,
          notificationChannels: args.notificationChannels,
          workloadServiceAccount: sharedWorkloadAccount(spec, args.projectId),
          exportToFleet: { ready: [membership] },
          route: false,
          region,
        },
        { parent: this, providers: core.providers },
      );
    });
    this.registerOutputs({ clusterName: this.clusterName, endpoint: this.cluster.endpoint });
  }
}
