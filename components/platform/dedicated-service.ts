import * as pulumi from "@pulumi/pulumi";
import { resolveTenant } from "../../src/config/catalog";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { ServiceConfig } from "../../src/config/schema/stack";
import { stackProjectSettings } from "../../src/gcp/project";
import { ServiceProject } from "../gcp/service-project";
import { RunwayCluster, stackClusterArgs } from "./runway-cluster";
import type { SharedGateway } from "./shared-gateway";

export interface DedicatedServiceArgs {
  /** The service stack's validated config. */
  config: ServiceConfig;
  /** The service's catalog entry. */
  entry: CatalogEntry;
  /** GitLab API token that registers the cluster's agent (secret). */
  gitlabToken?: pulumi.Input<string>;
}

/** Throws when the stack and the catalog disagree on whether this environment gets its own cluster. */
export function dedicatedServiceProblems(config: ServiceConfig, placement: "shared" | "dedicated"): string[] {
  const name = config["runway:service"];
  const env = config["runway:environment"];
  if (placement === "dedicated" && (!config["runway:cluster"] || !config["runway:network"])) {
    return [`${name} is dedicated in ${env}: the service stack needs runway:network and runway:cluster`];
  }
  if (placement === "shared" && config["runway:cluster"]) {
    return [`${name} is shared in ${env}: remove runway:cluster from the service stack, or set placement: dedicated in services/${name}.yaml`];
  }
  return [];
}

/**
 * A service's own GCP project and, when the service is dedicated in this environment, its own complete Runway
 * cluster with the same tenant block as on the shared cluster.
 */
export class DedicatedService extends pulumi.ComponentResource {
  readonly projectId: pulumi.Output<string>;
  readonly hasCluster: boolean;
  /** What the service's team gets on its own cluster (RunwayCluster.tenantSummaries); empty without a cluster. */
  readonly tenantSummaries: Record<string, unknown> = {};
  /** The dedicated cluster's Gateway (its certificates' DNS authorization records and external address). */
  readonly gateway?: SharedGateway;
  /** Resolves once the cluster's tenant is created. */
  readonly tenantsCreated: Promise<void> = Promise.resolve();

  constructor(name: string, args: DedicatedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    const tenant = resolveTenant(args.entry, c["runway:environment"], c["runway:stages"]);
    const problems = dedicatedServiceProblems(c, tenant.placement);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:platform:DedicatedService", name, {}, opts);
    const labels = { service: tenant.name, owner: tenant.owner };

    if (tenant.placement === "dedicated" && c["runway:cluster"] && c["runway:network"]) {
      const infra = { network: c["runway:network"], cluster: c["runway:cluster"] };
      const cluster = new RunwayCluster(name, stackClusterArgs(c, infra, { environment: tenant.environment, labels, tenants: [tenant], gitlabToken: args.gitlabToken }), { parent: this });
      this.projectId = cluster.project.projectId;
      this.hasCluster = true;
      this.tenantSummaries = cluster.tenantSummaries;
      this.gateway = cluster.gateway;
      this.tenantsCreated = cluster.tenantsCreated;
    } else {
      const g = c["runway:gcp"];
      const project = new ServiceProject(
        name,
        { ...stackProjectSettings(g, { ...labels, environment: tenant.environment }), contacts: g.contacts ?? tenant.contacts },
        { parent: this },
      );
      this.projectId = project.projectId;
      this.hasCluster = false;
    }
    this.registerOutputs({ projectId: this.projectId, hasCluster: this.hasCluster });
  }
}
