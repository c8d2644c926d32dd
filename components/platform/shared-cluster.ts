import * as pulumi from "@pulumi/pulumi";
import { resolveTenant } from "../../src/config/catalog";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { PlatformConfig } from "../../src/config/schema/stack";
import { RunwayCluster, stackClusterArgs } from "./runway-cluster";
import type { SharedGateway } from "./shared-gateway";

export interface SharedClusterArgs {
  /** The platform stack's validated config. */
  config: PlatformConfig;
  /** Catalog entries; those listing this environment with shared placement become tenants. */
  catalog: CatalogEntry[];
  /** GitLab API token that registers the agent (secret). */
  gitlabToken?: pulumi.Input<string>;
}

/** The catalog entries this environment's shared cluster onboards, resolved, in catalog order. */
export function sharedTenants(config: PlatformConfig, catalog: CatalogEntry[]) {
  const env = config["runway:environment"];
  return catalog
    .filter((e) => e.spec.environments.includes(env))
    .map((e) => resolveTenant(e, env, config["runway:stages"]))
    .filter((t) => t.placement === "shared");
}

/**
 * The shared Runway cluster of one environment: a complete Runway cluster, the shared Gateway, and one Tenant per
 * catalog entry that lists the environment with shared placement.
 */
export class SharedCluster extends pulumi.ComponentResource {
  readonly tenantNames: string[];
  /** What each tenant's team gets, by service (RunwayCluster.tenantSummaries; complete once tenantsCreated resolves). */
  readonly tenantSummaries: Record<string, unknown>;
  readonly clusterName: string;
  /** The environment's shared Gateway (RunwayCluster.gateway), whose DNS records the platform stack outputs. */
  readonly gateway: SharedGateway;
  /** Resolves once every tenant is created (RunwayCluster.tenantsCreated); await it. */
  readonly tenantsCreated: Promise<void>;

  constructor(name: string, args: SharedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedCluster", name, {}, opts);
    const c = args.config;
    const env = c["runway:environment"];
    const tenants = sharedTenants(c, args.catalog);

    const cluster = new RunwayCluster(
      name,
      stackClusterArgs(c, { network: c["runway:network"], cluster: c["runway:cluster"] }, { environment: env, labels: {}, tenants, gitlabToken: args.gitlabToken, createKvMount: true }),
      { parent: this },
    );
    this.tenantNames = tenants.map((t) => t.name);
    this.clusterName = cluster.clusterName;
    this.gateway = cluster.gateway;
    this.tenantsCreated = cluster.tenantsCreated;
    this.tenantSummaries = cluster.tenantSummaries;
    this.registerOutputs({ tenantNames: this.tenantNames, clusterName: this.clusterName });
  }
}
