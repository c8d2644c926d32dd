import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { ClusterConfig, GcpConfig, GitlabConfig, NetworkConfig, PlatformConfig, ServiceConfig, VaultConfig } from "../../src/config/schema/stack";
import type { TenantSpec } from "../../src/config/catalog";
import type { RunwayLabels } from "../../src/naming";
import { tenantNames } from "../../src/tenancy/objects";
import { Flux } from "../cluster/flux";
import { GitLabAgent } from "../cluster/gitlab-agent";
import { VaultIntegration } from "../cluster/vault-integration";
import { CiIdentity } from "../gcp/ci-identity";
import { GkeCluster } from "../gcp/gke-cluster";
import { Network } from "../gcp/network";
import { ServiceProject } from "../gcp/service-project";
import { ClusterObservability } from "../observability/cluster-observability";
import { inBatches, TENANT_BATCH } from "../../src/batches";
import { Tenant, type TenantVaultArgs } from "../tenancy/tenant";
import { SharedGateway } from "./shared-gateway";
import { gatewayProblems } from "../../src/platform/gateway";
import { dashboardUrl, tenantSummary } from "../../src/tenancy/summary";

/** Default OCI artifact holding the platform's own cluster-level configuration, followed per environment. */
export const DEFAULT_PLATFORM_SOURCE = "oci://registry.gitlab.com/gitlab-com/gl-infra/platform/runway/cluster-config";

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
  /** The shared Gateway: its certificates' DNS authorization records and its external address. */
  readonly gateway: SharedGateway;
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
    const problems = gatewayProblems(args.tenants.filter((t) => t.lifecycle === "active"), args.cluster.region, proxyOnlyCidr);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:platform:RunwayCluster", name, {}, opts);
    const child = { parent: this };
    const { environment } = args;

    this.project = new ServiceProject(
      name,
      {
        projectId: args.gcp.projectId,
        folderId: args.gcp.folderId,
        billingAccount: args.gcp.billingAccount,
        labels: { ...args.labels, environment },
        extraLabels: args.gcp.labels,
        apis: args.gcp.apis,
        budget: args.gcp.budget,
        sharedVpcHostProject: args.gcp.sharedVpcHostProject,
        contacts: args.gcp.contacts,
        runtimeServiceAccount: false,
      },
      child,
    );
    const project = this.project.projectId;
    // Everything in the project waits for it and its APIs.
    const inProject = { parent: this, dependsOn: [this.project] };
    new CiIdentity(`${name}-ci`, { project, gitlabUrl: args.gitlab.url, audience: args.gitlab.oidcAudience, ciGroup: args.gitlab.ciGroup }, inProject);

    const network = new Network(
      name,
      { project, subnets: args.network.subnets, controlPlaneCidrs: [args.cluster.masterIpv4CidrBlock] },
      inProject,
    );
    const subnet = network.subnets[args.cluster.region];
    this.clusterName = name;
    this.cluster = new GkeCluster(
      name,
      {
        project,
        projectNumber: this.project.projectNumber,
        network: network.networkSelfLink,
        subnetwork: subnet.selfLink,
        podsRangeName: subnet.podsRangeName,
        servicesRangeName: subnet.servicesRangeName,
        config: args.cluster,
        labels: args.labels,
        environment,
      },
      inProject,
    );

    this.providers = [this.cluster.provider];
    let vaultProvider: vault.Provider | undefined;
    if (args.vault) {
      // The token comes from VAULT_TOKEN in the environment at deploy time, never from config or state.
      vaultProvider = new vault.Provider(`${name}-vault`, { address: args.vault.address, skipChildToken: true }, child);
      this.providers.push(vaultProvider);
    }
    const onCluster = { parent: this, providers: this.providers };

    // GCP accepts members of `<project>.svc.id.goog` only once a cluster with Workload Identity exists.
    const workloadPoolReady = [this.cluster];
    const platformSource = args.platformSource ?? { url: DEFAULT_PLATFORM_SOURCE };
    const flux = new Flux(
      `${name}-flux`,
      // Flux takes the plain project id; the dependency on the project keeps the order.
      {
        project: args.gcp.projectId,
        clusterName: name,
        workloadIdentity: true,
        platformSource: { url: platformSource.url, tag: platformSource.tag ?? environment },
        labels: { environment },
        workloadPoolReady,
      },
      { ...onCluster, dependsOn: [this.project] },
    );
    // Releases that install the CRDs of the tenants' custom resources.
    const crdsReady: pulumi.Resource[] = flux.chartRelease ? [flux.chartRelease] : [];

    if (args.gitlabToken) {
      new GitLabAgent(
        `${name}-agent`,
        {
          agentName: name,
          projectPath: args.gitlab.agentProject,
          gitlabUrl: args.gitlab.url,
          kasAddress: args.gitlab.kasAddress,
          apiToken: args.gitlabToken,
          // GL1: each service's own project may act in its namespace, as the namespace's reconciler.
          // A retired tenant's project can no longer act in its namespace.
          tenants: args.tenants.flatMap((t) => (t.gitlabProject && t.lifecycle === "active" ? [{ path: t.gitlabProject, namespace: tenantNames(t).namespace, serviceAccount: tenantNames(t).reconciler }] : [])),
          rotation: String(args.gitlab.agentTokenRotation),
          labels: { environment },
        },
        onCluster,
      );
    }

    if (args.vault) {
      const integration = new VaultIntegration(
        `${name}-vault`,
        {
          clusterName: name,
          environment,
          endpoint: this.cluster.endpoint,
          clusterCaCertificate: this.cluster.caCertificate,
          kvMount: args.vault.kvMount,
          createKvMount: args.createKvMount ?? false,
          labels: { environment },
        },
        onCluster,
      );
      this.tenantVault = {
        address: args.vault.address,
        authBackendPath: integration.authBackendPath,
        authBackendAccessor: integration.authBackendAccessor,
        mount: integration.kvMount,
        audience: args.vault.audience,
      };
      if (integration.operatorRelease) crdsReady.push(integration.operatorRelease);
    }

    new ClusterObservability(`${name}-observability`, { project, clusterName: name, environment, notificationChannels: args.notificationChannels }, onCluster);
    // Certificate Manager must be enabled before the certificates, and the proxy-only subnet before the internal
    // Gateway; dependsOn a component waits for its children.
    this.gateway = new SharedGateway(
      `${name}-gateway`,
      { project, region: args.cluster.region, environment, domain: args.domain, internal: proxyOnlyCidr !== undefined },
      { ...onCluster, dependsOn: [this.project, network] },
    );

    // What each service team gets (src/tenancy/summary.ts), with its dashboard's own link once it exists.
    const cluster = { stack: pulumi.getStack(), name, project: args.gcp.projectId, domain: args.domain, ...(args.vault ? { vault: { address: args.vault.address, kvMount: args.vault.kvMount } } : {}) };
    this.tenantSummaries = {};
    // A turn of the event loop every TENANT_BATCH tenants keeps peak memory low (src/batches.ts).
    this.tenantsCreated = inBatches(args.tenants, TENANT_BATCH, (t) => {
      const summary = tenantSummary(t, cluster);
      const tenant = new Tenant(
        t.name,
        {
          spec: t,
          project,
          workloadPool: this.cluster.workloadPool,
          workloadPoolReady,
          crdsReady,
          clusterName: name,
          domain: args.domain,
          proxyOnlyCidr,
          vault: this.tenantVault,
          notificationChannels: args.notificationChannels,
        },
        onCluster,
      );
      const dashboardId = tenant.dashboardId;
      this.tenantSummaries[t.name] =
        summary.dashboard && dashboardId ? { ...summary, dashboard: { title: summary.dashboard.title, url: dashboardId.apply((id) => dashboardUrl(id, args.gcp.projectId)) } } : summary;
    });

    this.registerOutputs({ projectId: project, clusterName: this.clusterName, endpoint: this.cluster.endpoint });
  }
}
