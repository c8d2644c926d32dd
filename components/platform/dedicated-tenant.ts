import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { TenantSpec } from "../../src/config/catalog";
import { dedicatedEnvironment } from "../../src/config/dedicated";
import type { DedicatedTenantConfig } from "../../src/config/schema/stack";
import { serviceAccountId, serviceHost } from "../../src/naming";
import { tenantNames } from "../../src/tenancy/objects";
import { workloadPoolFor } from "../../src/gcp/cluster";
import { stackProjectSettings } from "../../src/gcp/project";
import { ServiceProject } from "../gcp/service-project";
import { DEFAULT_PLATFORM_SOURCE } from "./cluster-core";
import { RunwayCluster } from "./runway-cluster";
import type { SharedGateway } from "./shared-gateway";

/** The platform configuration tag every Dedicated customer's own cluster follows. */
export const DEDICATED_PLATFORM_TAG = "dedicated";

export interface DedicatedTenantArgs {
  /** The dedicated-tenant stack's validated config. */
  config: DedicatedTenantConfig;
  /** The customer's services, resolved as its instances (dedicatedTenantSpec). */
  services: TenantSpec[];
  /** GitLab API token that registers the customer cluster's agent (secret); cluster isolation. */
  gitlabToken?: pulumi.Input<string>;
  /**
   * Namespace isolation: the host environment's project (whose Workload Identity pool the instances' Kubernetes
   * service accounts are in) and domain. Required with `runway:isolation: namespace`.
   */
  host?: { projectId: string; domain: string };
}

/**
 * A GitLab Dedicated customer's instance of its satellite services, managed by GitLab. Cluster isolation: the
 * customer's own project, VPC and hardened GKE cluster with every add-on, its own Vault mount and hosts, and one
 * tenant per service pinned to the customer's GitLab release. Namespace isolation: the customer's own project holds
 * each service's workload identity; the host environment's stacks run the services as namespaces on their cluster.
 */
export class DedicatedTenant extends pulumi.ComponentResource {
  readonly projectId: pulumi.Output<string>;
  /** The services' hosts. */
  readonly hosts: string[];
  /** Cluster isolation: the customer's Gateways (DNS authorization records to publish, external address). */
  readonly gateway: SharedGateway | undefined;
  /** Cluster isolation: what each service's team gets, by service (filled once tenantsCreated resolves). */
  readonly tenantSummaries: Record<string, unknown> | undefined;
  /** Resolves once every service of the customer's own cluster is created; at once for namespace isolation. */
  readonly tenantsCreated: Promise<void>;

  constructor(name: string, args: DedicatedTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    const environment = dedicatedEnvironment(c["runway:tenant"]);
    const cluster = c["runway:isolation"] === "cluster" ? { network: c["runway:network"], cluster: c["runway:cluster"], gitlab: c["runway:gitlab"], domain: c["runway:domain"] } : undefined;
    if (cluster && (!cluster.network || !cluster.cluster || !cluster.gitlab || !cluster.domain)) {
      throw new Error(`DedicatedTenant ${name}: cluster isolation needs runway:network, runway:cluster, runway:gitlab and runway:domain`);
    }
    if (!cluster && !args.host) throw new Error(`DedicatedTenant ${name}: namespace isolation needs the host environment's project and domain`);
    super("runway:platform:DedicatedTenant", name, {}, opts);
    const labels = { environment };
    // A retired service (spec.lifecycle: retired) has no route, so no host to publish, and no identity acts for it.
    const active = args.services.filter((t) => t.lifecycle === "active");

    if (cluster?.network && cluster.cluster && cluster.gitlab && cluster.domain) {
      const own = new RunwayCluster(
        name,
        {
          environment,
          labels: {},
          gcp: c["runway:gcp"],
          network: cluster.network,
          cluster: cluster.cluster,
          gitlab: cluster.gitlab,
          gitlabToken: args.gitlabToken,
          vault: c["runway:vault"],
          createKvMount: true,
          notificationChannels: c["runway:observability"].notificationChannels,
          domain: cluster.domain,
          tenants: args.services,
          platformSource: { url: DEFAULT_PLATFORM_SOURCE, tag: DEDICATED_PLATFORM_TAG },
        },
        { parent: this },
      );
      this.projectId = own.project.projectId;
      this.gateway = own.gateway;
      this.tenantSummaries = own.tenantSummaries;
      this.tenantsCreated = own.tenantsCreated;
      this.hosts = active.map((t) => serviceHost(t.name, t.environment, cluster.domain as string));
    } else {
      // The host environment's stack creates the namespaces and reports them in its own tenants output.
      this.tenantSummaries = undefined;
      this.tenantsCreated = Promise.resolve();
      const host = args.host as { projectId: string; domain: string };
      const g = c["runway:gcp"];
      const project = new ServiceProject(
        name,
        { ...stackProjectSettings(g, labels), runtimeServiceAccount: false },
        { parent: this },
      );
      const inProject = { parent: this, dependsOn: [project] };
      for (const t of active) {
        const names = tenantNames(t);
        const app = t.app ?? t.name;
        // The instance's pods on the host cluster act as this account, so what the service does in Google Cloud is the customer's.
        const gsa = new gcp.serviceaccount.Account(
          `${name}-${app}`,
          { project: project.projectId, accountId: serviceAccountId("rw", app), displayName: `Runway ${app} of Dedicated tenant ${c["runway:tenant"]}` },
          inProject,
        );
        new gcp.serviceaccount.IAMMember(
          `${name}-${app}-workload-identity`,
          { serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser", member: `serviceAccount:${workloadPoolFor(host.projectId)}[${names.namespace}/${names.workload}]` },
          { parent: this },
        );
      }
      this.projectId = project.projectId;
      this.gateway = undefined;
      this.hosts = active.map((t) => serviceHost(t.name, t.environment, host.domain));
    }
    this.registerOutputs({ projectId: this.projectId, hosts: this.hosts });
  }
}
