import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  clusterAlertPolicies,
  clusterDashboard,
  fluxClusterPodMonitoring,
  gitlabAgentClusterPodMonitoring,
  type ClusterPodMonitoring,
  type Dashboard,
  type NamedAlertPolicy,
} from "../../src/observability";
import { monitoringResources, requireKubernetesProvider } from "./shared";

export interface ClusterObservabilityArgs {
  /** GCP project that holds the dashboard and alert policies: the cluster's project (its metrics scope). */
  project: pulumi.Input<string>;
  /**
   * Name of the GKE cluster. Every query is scoped to it (`cluster="<name>"`, `cluster_name` for GKE system
   * metrics), so it must be the name Managed Service for Prometheus reports, i.e. the GKE cluster's own name.
   */
  clusterName: string;
  /** Environment the cluster serves (e.g. `staging`); shown in titles and set as a label. */
  environment: string;
  /**
   * Cloud Monitoring notification channels that receive the cluster's alerts, as
   * `projects/<project>/notificationChannels/<id>`; stack config `runway:observability.notificationChannels`.
   * Default none: incidents open in Cloud Monitoring but notify no one.
   * See https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels
   */
  notificationChannels?: string[];
  /** Namespace of the GitLab agent. Default `gitlab-agent`. */
  gitlabAgentNamespace?: string;
  /** Named port of the GitLab agent's metrics. Default `observability` (the gitlab-agent chart's name). */
  gitlabAgentMetricsPort?: string;
}

/** Everything a cluster's observability consists of, as plain data: what the component registers. */
export interface ClusterObservabilityPlan {
  dashboard: Dashboard;
  alertPolicies: NamedAlertPolicy[];
  /** Child-name suffix and object. */
  podMonitorings: { id: string; object: ClusterPodMonitoring }[];
}

/** Decides the dashboard, alerts and scraping of a cluster; throws on invalid args before anything is built. */
export function planClusterObservability(args: ClusterObservabilityArgs): ClusterObservabilityPlan {
  const scope = { gitlabAgentNamespace: args.gitlabAgentNamespace };
  return {
    dashboard: clusterDashboard(args.clusterName, args.environment, scope),
    alertPolicies: clusterAlertPolicies(args.clusterName, args.environment, args.notificationChannels ?? [], scope),
    podMonitorings: [
      { id: "flux", object: fluxClusterPodMonitoring(args.environment) },
      {
        id: "gitlab-agent",
        object: gitlabAgentClusterPodMonitoring(args.environment, { namespace: args.gitlabAgentNamespace, port: args.gitlabAgentMetricsPort }),
      },
    ],
  };
}

/**
 * Observability of one Runway cluster: its Cloud Monitoring dashboard (Flux reconciliation, GitLab agent
 * connectivity, node and pod health), alert policies for Flux reconciliation failures and agent disconnects, and
 * Managed Service for Prometheus ClusterPodMonitorings for Flux and the agent. Kubernetes children use the caller's
 * Kubernetes provider (pass `providers` in opts); GCP children the caller's GCP provider, if any.
 */
export class ClusterObservability extends pulumi.ComponentResource {
  /** The cluster's dashboard. */
  readonly dashboard: gcp.monitoring.Dashboard;
  /** One policy per cluster alert: Flux reconciliation failing, GitLab agent disconnected. */
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];
  /** ClusterPodMonitorings of Flux and the GitLab agent. */
  readonly podMonitorings: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: ClusterObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super: invalid args register nothing, not even the component.
    const plan = planClusterObservability(args);
    super("runway:observability:ClusterObservability", name, {}, opts);
    requireKubernetesProvider(this, "ClusterObservability");

    ({ dashboard: this.dashboard, alertPolicies: this.alertPolicies } = monitoringResources(this, name, args.project, plan));
    this.podMonitorings = plan.podMonitorings.map(({ id, object }) => new k8s.apiextensions.CustomResource(`${name}-${id}`, object, { parent: this }));

    this.registerOutputs({ dashboard: this.dashboard, alertPolicies: this.alertPolicies, podMonitorings: this.podMonitorings });
  }
}
