import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { type Dashboard, fleetAlertPolicies, fleetDashboard, type NamedAlertPolicy, type TenantMetrics } from "../../src/observability";
import { monitoringResources } from "./shared";

export interface FleetObservabilityArgs {
  /** GCP project that holds the dashboard and alert policies: the environment's project, where every region's metrics are. */
  project: pulumi.Input<string>;
  /** Environment (e.g. `production`); shown in titles and set as a label. */
  environment: string;
  /** Name of the tenant (its scrape job is `runway-<service>`). */
  service: string;
  /** Namespace the service runs in, the same in every region. */
  namespace: string;
  /** The clusters the service runs on, one per region; every query is scoped to exactly these. */
  clusters: { region: string; cluster: string }[];
  /** Notification channels that receive the alerts, as `projects/<project>/notificationChannels/<id>`. Default none. */
  notificationChannels?: string[];
  /** Names of the service's request counter, status label and latency histogram. Default the Prometheus client conventions. */
  metrics?: Partial<TenantMetrics>;
  /** Fraction of 5xx responses over every region above which the error-ratio alert fires after 10 minutes. Default 0.05. */
  errorRatioThreshold?: number;
}

/** Decides the dashboard and alerts of a service across its regions; throws on invalid args before anything is built. */
export function planFleetObservability(args: FleetObservabilityArgs): { dashboard: Dashboard; alertPolicies: NamedAlertPolicy[] } {
  const scope = { service: args.service, namespace: args.namespace, environment: args.environment, clusters: args.clusters };
  const signals = { metrics: args.metrics, errorRatioThreshold: args.errorRatioThreshold };
  return { dashboard: fleetDashboard(scope, signals), alertPolicies: fleetAlertPolicies(scope, args.notificationChannels ?? [], signals) };
}

/**
 * A service in every region it runs in, in total: its dashboard (traffic, error ratio, latency and pods by region)
 * and its alerts (error ratio over all regions, a region without pods answering, no region answering). Each region's
 * own TenantObservability has the details; this is the view the global load balancer's clients get.
 */
export class FleetObservability extends pulumi.ComponentResource {
  readonly dashboard: gcp.monitoring.Dashboard;
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];

  constructor(name: string, args: FleetObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super: invalid args register nothing, not even the component.
    const plan = planFleetObservability(args);
    super("runway:observability:FleetObservability", name, {}, opts);
    ({ dashboard: this.dashboard, alertPolicies: this.alertPolicies } = monitoringResources(this, name, args.project, plan));
    this.registerOutputs({ dashboard: this.dashboard, alertPolicies: this.alertPolicies });
  }
}
