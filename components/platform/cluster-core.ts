/**
 * The part of a Runway cluster every kind of cluster has, registered as children of the cluster's component: the
 * hardened GKE cluster, its providers, Flux, the GitLab agent, Vault integration and cluster observability. A
 * RunwayCluster adds its project, network, CI identity, Gateways and tenants around it; a RegionalCluster adds its
 * region's subnet, fleet membership and tenants.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { TenantSpec } from "../../src/config/catalog";
import type { ClusterConfig, GitlabConfig, VaultConfig } from "../../src/config/schema/stack";
import type { RunwayLabels } from "../../src/naming";
import { tenantNames } from "../../src/tenancy/objects";
import { Flux } from "../cluster/flux";
import { GitLabAgent } from "../cluster/gitlab-agent";
import { VaultIntegration } from "../cluster/vault-integration";
import { GkeCluster } from "../gcp/gke-cluster";
import type { NetworkSubnet } from "../gcp/network";
import { ClusterObservability } from "../observability/cluster-observability";
import type { TenantVaultArgs } from "../tenancy/tenant";

/** Default OCI artifact holding the platform's own cluster-level configuration, followed per environment. */
export const DEFAULT_PLATFORM_SOURCE = "oci://registry.gitlab.com/gitlab-com/gl-infra/platform/runway/cluster-config";

export interface ClusterCoreArgs {
  /** Environment the cluster serves. */
  environment: string;
  /** Labels on the cluster's resources. */
  labels: RunwayLabels;
  /** Project id as an input (the project resource's output, or the plain id of a project another stack owns). */
  project: pulumi.Input<string>;
  /** The same project id as plain text (Flux's Workload Identity members are built from it). */
  projectId: string;
  /** Number of the project, when known before apply (`ServiceProject.projectNumber`). */
  projectNumber?: pulumi.Input<string>;
  /** Self link or id of the VPC. */
  network: pulumi.Input<string>;
  /** The cluster's subnet. */
  subnet: NetworkSubnet;
  cluster: ClusterConfig;
  gitlab: GitlabConfig;
  /** GitLab API token that registers the agent (a Pulumi secret). Without it no agent is registered. */
  gitlabToken?: pulumi.Input<string>;
  /** Vault integration; without it tenants get no secrets delivery. */
  vault?: VaultConfig;
  /** Create the environment's KV v2 mount. */
  createKvMount: boolean;
  notificationChannels: string[];
  /** OCI artifact of the platform's cluster configuration and the tag the cluster follows. */
  platformSource: { url: string; tag: string };
  /** Services on the cluster whose GitLab project gets CI access to its namespace (GL1). */
  tenants: TenantSpec[];
  /** Resources everything in the cluster waits for (the project and its APIs). Default none. */
  dependsOn?: pulumi.Resource[];
}

export interface ClusterCore {
  cluster: GkeCluster;
  /** Providers for the cluster's Kubernetes objects (and Vault, when configured). */
  providers: pulumi.ProviderResource[];
  /** Vault wiring for tenants on this cluster, when Vault is configured. */
  tenantVault?: TenantVaultArgs;
  /** Releases that install the CRDs of the tenants' custom resources. */
  crdsReady: pulumi.Resource[];
  /** What the Workload Identity pool waits for. */
  workloadPoolReady: pulumi.Resource[];
}

/** Registers the cluster and its add-ons as children of `parent`, named after `name`. */
export function buildClusterCore(parent: pulumi.ComponentResource, name: string, a: ClusterCoreArgs): ClusterCore {
  const child = { parent };
  const deps = a.dependsOn ?? [];
  const { environment } = a;
  const cluster = new GkeCluster(
    name,
    {
      project: a.project,
      projectNumber: a.projectNumber,
      network: a.network,
      subnetwork: a.subnet.selfLink,
      podsRangeName: a.subnet.podsRangeName,
      servicesRangeName: a.subnet.servicesRangeName,
      config: a.cluster,
      labels: a.labels,
      environment,
    },
    { parent, dependsOn: deps },
  );

  const providers: pulumi.ProviderResource[] = [cluster.provider];
  if (a.vault) {
    // The token comes from VAULT_TOKEN in the environment at deploy time, never from config or state.
    providers.push(new vault.Provider(`${name}-vault`, { address: a.vault.address, skipChildToken: true }, child));
  }
  const onCluster = { parent, providers };

  // GCP accepts members of `<project>.svc.id.goog` only once a cluster with Workload Identity exists.
  const workloadPoolReady = [cluster];
  const flux = new Flux(
    `${name}-flux`,
    // Flux takes the plain project id; the dependency on the project keeps the order.
    { project: a.projectId, clusterName: name, workloadIdentity: true, platformSource: a.platformSource, labels: { environment }, workloadPoolReady },
    { ...onCluster, dependsOn: deps },
  );
  const crdsReady: pulumi.Resource[] = flux.chartRelease ? [flux.chartRelease] : [];

  if (a.gitlabToken) {
    new GitLabAgent(
      `${name}-agent`,
      {
        agentName: name,
        projectPath: a.gitlab.agentProject,
        gitlabUrl: a.gitlab.url,
        kasAddress: a.gitlab.kasAddress,
        apiToken: a.gitlabToken,
        // GL1: each service's own project may act in its namespace, as the namespace's reconciler.
        // A retired tenant's project can no longer act in its namespace.
        tenants: a.tenants.flatMap((t) => (t.gitlabProject && t.lifecycle === "active" ? [{ path: t.gitlabProject, namespace: tenantNames(t).namespace, serviceAccount: tenantNames(t).reconciler }] : [])),
        rotation: String(a.gitlab.agentTokenRotation),
        labels: { environment },
      },
      onCluster,
    );
  }

  let tenantVault: TenantVaultArgs | undefined;
  if (a.vault) {
    const integration = new VaultIntegration(
      `${name}-vault`,
      {
        clusterName: name,
        environment,
        endpoint: cluster.endpoint,
        clusterCaCertificate: cluster.caCertificate,
        kvMount: a.vault.kvMount,
        createKvMount: a.createKvMount,
        labels: { environment },
      },
      onCluster,
    );
    tenantVault = {
      address: a.vault.address,
      authBackendPath: integration.authBackendPath,
      authBackendAccessor: integration.authBackendAccessor,
      mount: integration.kvMount,
      audience: a.vault.audience,
    };
    if (integration.operatorRelease) crdsReady.push(integration.operatorRelease);
  }

  new ClusterObservability(`${name}-observability`, { project: a.project, clusterName: name, environment, notificationChannels: a.notificationChannels }, onCluster);
  return { cluster, providers, tenantVault, crdsReady, workloadPoolReady };
}
