import * as pulumi from "@pulumi/pulumi";
import { resolveTenant } from "../../src/config/catalog";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { PlatformConfig } from "../../src/config/schema/stack";
import type { StackFile } from "../../src/config/stack";
import { environmentTopology } from "../../src/config/topology";
import { environmentTenants, tenantsOfCluster } from "../../src/platform/regional";
import { type RunwayClusterArgs, RunwayCluster, stackClusterArgs } from "./runway-cluster";
import type { SharedGateway } from "./shared-gateway";

export interface SharedClusterArgs {
  /** The platform stack's validated config. */
  config: PlatformConfig;
  /** Catalog entries; those listing this environment with shared placement become tenants. */
  catalog: CatalogEntry[];
  /** GitLab API token that registers the agent (secret). */
  gitlabToken?: pulumi.Input<string>;
  /**
   * Every stack of the project, this one first: the environment's `region` stacks make this the primary of several
   * regions, and its namespace-isolated Dedicated tenants are hosted here. Default none: one region, catalog tenants.
   */
  stacks?: StackFile[];
}

/** The catalog entries this environment's shared cluster onboards, resolved, in catalog order. */
export function sharedTenants(config: PlatformConfig, catalog: CatalogEntry[]) {
  const env = config["runway:environment"];
  return catalog
    .filter((e) => e.spec.environments.includes(env))
    .map((e) => resolveTenant(e, env, config["runway:stages"]))
    .filter((t) => t.placement === "shared");
}

/** How the environment's primary cluster holds its tenants, from the stacks of the project. */
function placement(c: PlatformConfig, catalog: CatalogEntry[], stacks: StackFile[] | undefined): Pick<RunwayClusterArgs, "tenants" | "multiRegion"> {
  const topo = stacks ? environmentTopology(stacks, c["runway:environment"]) : undefined;
  if (!topo) return { tenants: sharedTenants(c, catalog) };
  const placed = tenantsOfCluster(topo, topo.primary, environmentTenants(topo, stacks ?? [], catalog));
  if (topo.regional.length === 0) return { tenants: placed.filter((t) => t.workload).map((t) => t.spec) };
  return { tenants: placed.filter((t) => t.workload).map((t) => t.spec), multiRegion: { tenants: placed, clusters: [...topo.clusters].map(([region, cluster]) => ({ region, cluster })) } };
}

/**
 * The shared Runway cluster of one environment: a complete Runway cluster, the shared Gateway, and one Tenant per
 * catalog entry that lists the environment with shared placement. In an environment of several regions it is the
 * primary: it also owns the fleet and the multi-cluster Gateway, and holds the namespace and global route of every
 * service of the environment.
 */
export class SharedCluster extends pulumi.ComponentResource {
  readonly tenantNames: string[];
  /** What each tenant's team gets, by service (RunwayCluster.tenantSummaries; complete once tenantsCreated resolves). */
  readonly tenantSummaries: Record<string, unknown>;
  readonly clusterName: string;
  /** The environment's shared Gateway (RunwayCluster.gateway), whose DNS records the platform stack outputs. */
  readonly gateway: SharedGateway;
  /** Hosts served by the multi-cluster Gateway (RunwayCluster.multiRegionHosts). */
  readonly multiRegionHosts: string[];
  /** Resolves once every tenant is created (RunwayCluster.tenantsCreated); await it. */
  readonly tenantsCreated: Promise<void>;

  constructor(name: string, args: SharedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedCluster", name, {}, opts);
    const c = args.config;
    const env = c["runway:environment"];
    const placed = placement(c, args.catalog, args.stacks);

    const cluster = new RunwayCluster(
      name,
      { ...stackClusterArgs(c, { network: c["runway:network"], cluster: c["runway:cluster"] }, { environment: env, labels: {}, tenants: placed.tenants, gitlabToken: args.gitlabToken, createKvMount: true }), multiRegion: placed.multiRegion },
      { parent: this },
    );
    this.tenantNames = (placed.multiRegion?.tenants.map((t) => t.spec) ?? placed.tenants).map((t) => t.name);
    this.clusterName = cluster.clusterName;
    this.gateway = cluster.gateway;
    this.multiRegionHosts = cluster.multiRegionHosts;
    this.tenantsCreated = cluster.tenantsCreated;
    this.tenantSummaries = cluster.tenantSummaries;
    this.registerOutputs({ tenantNames: this.tenantNames, clusterName: this.clusterName });
  }
}
