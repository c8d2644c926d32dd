import * as pulumi from "@pulumi/pulumi";
import { resolveTenant } from "../../src/config/catalog";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { ServiceConfig } from "../../src/config/schema/stack";
import { tenantNames } from "../../src/tenancy/objects";
import { ServiceProject } from "../gcp/service-project";
import { Tenant } from "../tenancy/tenant";
import { RunwayCluster } from "./runway-cluster";
import { SharedGateway } from "./shared-gateway";

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

  constructor(name: string, args: DedicatedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    const tenant = resolveTenant(args.entry, c["runway:environment"], c["runway:stages"]);
    const problems = dedicatedServiceProblems(c, tenant.placement);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:platform:DedicatedService", name, {}, opts);
    const labels = { service: tenant.name, owner: tenant.owner };
    const notificationChannels = c["runway:observability"].notificationChannels;

    if (tenant.placement === "dedicated" && c["runway:cluster"] && c["runway:network"]) {
      const names = tenantNames(tenant);
      const cluster = new RunwayCluster(
        name,
        {
          environment: tenant.environment,
          labels,
          gcp: c["runway:gcp"],
          network: c["runway:network"],
          cluster: c["runway:cluster"],
          gitlab: c["runway:gitlab"],
          gitlabToken: args.gitlabToken,
          vault: c["runway:vault"],
          notificationChannels,
          agentTenants: tenant.gitlabProject ? [{ path: tenant.gitlabProject, namespace: names.namespace, serviceAccount: names.reconciler }] : [],
        },
        { parent: this },
      );
      const onCluster = { parent: this, providers: cluster.providers };
      new SharedGateway(`${name}-gateway`, { project: cluster.project.projectId, region: c["runway:cluster"].region, environment: tenant.environment, domain: c["runway:domain"] }, onCluster);
      new Tenant(
        tenant.name,
        {
          spec: tenant,
          project: cluster.project.projectId,
          workloadPool: cluster.cluster.workloadPool,
          clusterName: cluster.clusterName,
          domain: c["runway:domain"],
          vault: cluster.tenantVault,
          notificationChannels,
        },
        onCluster,
      );
      this.projectId = cluster.project.projectId;
      this.hasCluster = true;
    } else {
      const g = c["runway:gcp"];
      const project = new ServiceProject(
        name,
        {
          projectId: g.projectId,
          folderId: g.folderId,
          billingAccount: g.billingAccount,
          labels: { ...labels, environment: tenant.environment },
          extraLabels: g.labels,
          apis: g.apis,
          budget: g.budget,
          sharedVpcHostProject: g.sharedVpcHostProject,
          contacts: g.contacts ?? tenant.contacts,
        },
        { parent: this },
      );
      this.projectId = project.projectId;
      this.hasCluster = false;
    }
    this.registerOutputs({ projectId: this.projectId, hasCluster: this.hasCluster });
  }
}
