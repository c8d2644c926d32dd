import * as pulumi from "@pulumi/pulumi";
import { resolveTenant } from "../../src/config/catalog";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { PlatformConfig } from "../../src/config/schema/stack";
import { tenantNames } from "../../src/tenancy/objects";
import { Tenant } from "../tenancy/tenant";
import { RunwayCluster } from "./runway-cluster";
import { SharedGateway } from "./shared-gateway";

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
  readonly clusterName: string;

  constructor(name: string, args: SharedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedCluster", name, {}, opts);
    const c = args.config;
    const env = c["runway:environment"];
    const tenants = sharedTenants(c, args.catalog);

    const cluster = new RunwayCluster(
      name,
      {
        environment: env,
        labels: {},
        gcp: c["runway:gcp"],
        network: c["runway:network"],
        cluster: c["runway:cluster"],
        gitlab: c["runway:gitlab"],
        gitlabToken: args.gitlabToken,
        vault: c["runway:vault"],
        createKvMount: true,
        notificationChannels: c["runway:observability"].notificationChannels,
        agentTenants: tenants.flatMap((t) => (t.gitlabProject ? [{ path: t.gitlabProject, namespace: tenantNames(t).namespace, serviceAccount: tenantNames(t).reconciler }] : [])),
      },
      { parent: this },
    );
    const onCluster = { parent: this, providers: cluster.providers };
    new SharedGateway(`${name}-gateway`, { project: cluster.project.projectId, region: c["runway:cluster"].region, environment: env, domain: c["runway:domain"] }, onCluster);

    for (const t of tenants) {
      new Tenant(
        t.name,
        {
          spec: t,
          project: cluster.project.projectId,
          workloadPool: cluster.cluster.workloadPool,
          clusterName: cluster.clusterName,
          domain: c["runway:domain"],
          vault: cluster.tenantVault,
          notificationChannels: c["runway:observability"].notificationChannels,
        },
        onCluster,
      );
    }
    this.tenantNames = tenants.map((t) => t.name);
    this.clusterName = cluster.clusterName;
    this.registerOutputs({ tenantNames: this.tenantNames, clusterName: this.clusterName });
  }
}
