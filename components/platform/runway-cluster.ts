import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, GcpConfig, GitlabConfig, NetworkConfig, PlatformConfig, ServiceConfig, VaultConfig } from "../../src/config/schema/stack";
import type { TenantSpec } from "../../src/config/catalog";
import type { RunwayLabels } from "../../src/naming";
import { FLEET_APIS } from "../../src/platform/fleet";
import { type ClusterTenant, sharedWorkloadAccount, tenantRegions } from "../../src/platform/regional";
import { serviceHost } from "../../src/naming";
import { CiIdentity } from "../gcp/ci-identity";
import type { GkeCluster } from "../gcp/gke-cluster";
import { Network } from "../gcp/network";
import { stackProjectSettings } from "../../src/gcp/project";
import { ServiceProject } from "../gcp/service-project";
import { inBatches, TENANT_BATCH } from "../../src/batches";
import { Tenant, type TenantVaultArgs } from "../tenancy/tenant";
import { buildClusterCore, DEFAULT_PLATFORM_SOURCE } from "./cluster-core";
import { Fleet } from "./fleet";
import { SharedGateway } from "./shared-gateway";
import { gatewayProblems } from "../../src/platform/gateway";
import { dashboardUrl, tenantSummary } from "../../src/tenancy/summary";

export { DEFAULT_PLATFORM_SOURCE };

export interface RunwayClusterArgs {
  /** Environment the cluster serves. */
  environment: string;
  /** Labels on everything: service and owner for a dedicated cluster, none for the shared one. */
  labels: RunwayLabels;
  /** The project (created here) and its settings. */
  gcp: GcpConfig;
  network: NetworkConfig;
  cluster: ClusterConfig;
  gitlab: GitlabConfig;
  /** GitLab API token that registers the agent (a Pulumi secret). Without it no agent is registered. */
  gitlabToken?: pulumi.Input<string>;
  /** Vault integration; without it tenants get no secrets delivery. */
  vault?: VaultConfig;
  /** Create the environment's KV v2 mount (the shared platform stack owns it). Default false. */
  createKvMount?: boolean;
  /** Cloud Monitoring channels for the cluster's alerts. */
  notificationChannels: string[];
  /** DNS domain of service hosts `<service>.<environment>.<domain>`. */
  domain: string;
  /** Services onboarded on this cluster, resolved for its environment. */
  tenants: TenantSpec[];
  /** OCI artifact of the platform's cluster configuration. Default DEFAULT_PLATFORM_SOURCE, tag = environment. */
  platformSource?: { url: string; tag?: string };
  /**
   * The environment has clusters in further regions (`region` stacks) and this is its primary: the fleet, the
   * multi-cluster Gateway, and how this cluster holds each tenant (tenantsOfCluster), which replaces `tenants`.
   * `clusters`: every region's cluster, the primary's included. Default: one region, every tenant's workload here.
   */
  multiRegion?: { tenants: ClusterTenant[]; clusters: { region: string; cluster: string }[] };
}

/** RunwayCluster args from a platform or service stack's config (the cluster and network it must have). */
export function stackClusterArgs(
  c: PlatformConfig | ServiceConfig,
  infra: { network: NetworkConfig; cluster: ClusterConfig },
  rest: Pick<RunwayClusterArgs, "environment" | "labels" | "tenants" | "gitlabToken" | "createKvMount">,
): RunwayClusterArgs {
  return {
    ...rest,
    ...infra,
    gcp: c["runway:gcp"],
    gitlab: c["runway:gitlab"],
    vault: c["runway:vault"],
    notificationChannels: c["runway:observability"].notificationChannels,
    domain: c["runway:domain"],
  };
}

/**
 * A complete Runway cluster: its project, network, hardened GKE cluster, the CI identity that deploys it, every
 * add-on (Flux, the GitLab agent, Vault integration, metrics and dashboards), the shared Gateway, and one Tenant per
 * onboarded service. The shared platform cluster and a dedicated service's cluster are both built from this.
 */
export class RunwayCluster extends pulumi.ComponentResource {
  readonly project: ServiceProject;
  readonly cluster: GkeCluster;
  readonly clusterName: string;
  /** The shared Gateway: its certificates' DNS authorization records, its external and multi-region addresses. */
  readonly gateway: SharedGateway;
  /** Hosts served by the multi-cluster Gateway, whose DNS records point at its address. */
  readonly multiRegionHosts: string[];
  /** Vault wiring for tenants on this cluster, when Vault is configured. */
  readonly tenantVault: TenantVaultArgs | undefined;
  /** Resolves once every tenant is created (the first TENANT_BATCH before the constructor returns); await it. */
  readonly tenantsCreated: Promise<void>;
  /** What each tenant's team gets, by service (filled as tenants are created: await tenantsCreated). */
  readonly tenantSummaries: Record<string, unknown>;
  /** Providers for the cluster's Kubernetes objects (and Vault, when configured). */
  readonly providers: pulumi.ProviderResource[];

  constructor(name: string, args: RunwayClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // The internal Gateway's load balancer needs a proxy-only subnet in the cluster's region.
    const proxyOnlyCidr = args.network.subnets.find((s) => s.region === args.cluster.region)?.proxyOnly;
    const placed: ClusterTenant[] = args.multiRegion?.tenants ?? args.tenants.map((spec) => ({ spec, workload: true, global: false, exportToFleet: false }));
    const problems = gatewayProblems(placed.filter((t) => t.workload && t.spec.lifecycle === "active").map((t) => t.spec), args.cluster.region, proxyOnlyCidr);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:platform:RunwayCluster", name, {}, opts);
    const { environment } = args;

    this.project = new ServiceProject(
      name,
      {
        ...stackProjectSettings(args.gcp, { ...args.labels, environment }),
        apis: args.multiRegion ? [...(args.gcp.apis ?? []), ...FLEET_APIS] : args.gcp.apis,
        runtimeServiceAccount: false,
      },
      { parent: this },
    );
    const project = this.project.projectId;
    // Everything in the project waits for it and its APIs.
    const inProject = { parent: this, dependsOn: [this.project] };
    new CiIdentity(`${name}-ci`, { project, gitlabUrl: args.gitlab.url, audience: args.gitlab.oidcAudience, ciGroup: args.gitlab.ciGroup }, inProject);

    const network = new Network(name, { project, subnets: args.network.subnets, controlPlaneCidrs: [args.cluster.masterIpv4CidrBlock] }, inProject);
    this.clusterName = name;
    const platformSource = args.platformSource ?? { url: DEFAULT_PLATFORM_SOURCE };
    const core = buildClusterCore(this, name, {
      environment,
      labels: args.labels,
      project,
      projectId: args.gcp.projectId,
      projectNumber: this.project.projectNumber,
      network: network.networkSelfLink,
      subnet: network.subnets[args.cluster.region],
      cluster: args.cluster,
      gitlab: args.gitlab,
      gitlabToken: args.gitlabToken,
      vault: args.vault,
      createKvMount: args.createKvMount ?? false,
      notificationChannels: args.notificationChannels,
      platformSource: { url: platformSource.url, tag: platformSource.tag ?? environment },
      tenants: placed.filter((t) => t.workload).map((t) => t.spec),
      dependsOn: [this.project],
    });
    this.cluster = core.cluster;
    this.providers = core.providers;
    this.tenantVault = core.tenantVault;
    const onCluster = { parent: this, providers: this.providers };

    const fleet = args.multiRegion
      ? new Fleet(
          `${name}-fleet`,
          { project, projectId: args.gcp.projectId, projectNumber: this.project.projectNumber, region: args.cluster.region, clusterName: name, dependsOn: [this.project, this.cluster] },
          { parent: this },
        )
      : undefined;
    // Certificate Manager must be enabled before the certificates, and the proxy-only subnet before the internal
    // Gateway; dependsOn a component waits for its children.
    this.gateway = new SharedGateway(
      `${name}-gateway`,
      {
        project,
        region: args.cluster.region,
        environment,
        domain: args.domain,
        internal: proxyOnlyCidr !== undefined,
        ...(fleet ? { multiRegion: { ready: fleet.ready } } : {}),
      },
      { ...onCluster, dependsOn: [this.project, network] },
    );
    const clusters = args.multiRegion?.clusters ?? [];
    const fleetReady = fleet ? [...fleet.ready, this.gateway] : [];
    // A retired tenant has no route on the multi-cluster Gateway: its host must not point there.
    this.multiRegionHosts = placed.filter((t) => t.global && t.spec.lifecycle === "active" && t.spec.exposure.visibility === "external").map((t) => serviceHost(t.spec.name, t.spec.environment, args.domain));

    // What each service team gets (src/tenancy/summary.ts), with its dashboard's own link once it exists.
    const cluster = { stack: pulumi.getStack(), name, project: args.gcp.projectId, domain: args.domain, ...(args.vault ? { vault: { address: args.vault.address, kvMount: args.vault.kvMount } } : {}) };
    this.tenantSummaries = {};
    // A turn of the event loop every TENANT_BATCH tenants keeps peak memory low (src/batches.ts).
    this.tenantsCreated = inBatches(placed, TENANT_BATCH, (p) => {
      const t = p.spec;
      const regions = tenantRegionsOf(t, clusters, args.cluster.region);
      const summary = tenantSummary(t, cluster, p.global ? regions : undefined);
      const tenant = new Tenant(
        t.name,
        {
          spec: t,
          project,
          workloadPool: this.cluster.workloadPool,
          workloadPoolReady: core.workloadPoolReady,
          crdsReady: core.crdsReady,
          clusterName: name,
          domain: args.domain,
          proxyOnlyCidr,
          vault: this.tenantVault,
          notificationChannels: args.notificationChannels,
          workload: p.workload,
          ...(t.identityProject ? { workloadServiceAccount: sharedWorkloadAccount(t, args.gcp.projectId) } : {}),
          ...(p.exportToFleet ? { exportToFleet: { ready: fleetReady } } : {}),
          ...(p.global ? { global: { clusters: regions, ready: fleetReady }, region: args.cluster.region } : {}),
        },
        onCluster,
      );
      const dashboardId = p.global ? tenant.fleetDashboardId : tenant.dashboardId;
      this.tenantSummaries[t.name] =
        summary.dashboard && dashboardId ? { ...summary, dashboard: { title: summary.dashboard.title, url: dashboardId.apply((id) => dashboardUrl(id, args.gcp.projectId)) } } : summary;
    });

    this.registerOutputs({ projectId: project, clusterName: this.clusterName, endpoint: this.cluster.endpoint });
  }
}

/** The clusters of the regions a tenant runs in, from every region's cluster. */
function tenantRegionsOf(t: TenantSpec, clusters: { region: string; cluster: string }[], primary: string): { region: string; cluster: string }[] {
  const regions = tenantRegions(t, primary);
  return clusters.filter((c) => regions.includes(c.region));
}
