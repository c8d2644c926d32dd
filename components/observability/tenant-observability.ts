import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  tenantAlertPolicies,
  tenantDashboard,
  tenantPodMonitoring,
  type Dashboard,
  type NamedAlertPolicy,
  type PodMonitoring,
  type TenantMetrics,
} from "../../src/observability";
import { monitoringResources, requireKubernetesProvider } from "./shared";

export interface TenantObservabilityArgs {
  /** GCP project that holds the dashboard and alert policy: the project of the cluster the tenant runs on. */
  project: pulumi.Input<string>;
  /** Name of the GKE cluster the tenant runs on; every query is scoped to it. */
  clusterName: string;
  /** Environment (e.g. `production`); shown in titles and set as a label. */
  environment: string;
  /** Catalog name of the service (`metadata.name` of its `services/` entry). */
  service: string;
  /** Namespace the service runs in. Default the service name, as Runway names tenant namespaces. */
  namespace?: string;
  /** Region of the cluster, for a service in several regions: named in the dashboard's and alert's titles. Default none. */
  region?: string;
  /**
   * Notification channels that receive the tenant's alert, as `projects/<project>/notificationChannels/<id>`.
   * Default none: incidents open in Cloud Monitoring but notify no one.
   */
  notificationChannels?: string[];
  /**
   * Labels of the service's pods that the PodMonitoring selects. Default `{ "app.kubernetes.io/name": <service> }`;
   * `runwayPodSelector(service)` selects Runway's own pod label instead. Must not be empty.
   */
  podSelector?: Record<string, string>;
  /** Named container port that serves metrics. Default `metrics`. */
  metricsPort?: string;
  /** HTTP path of the metrics. Default `/metrics`. */
  metricsPath?: string;
  /** Scrape interval as a Prometheus duration. Default `30s`. */
  scrapeInterval?: string;
  /** Names of the service's request counter, status label and latency histogram. Default the Prometheus client conventions (DEFAULT_TENANT_METRICS). */
  metrics?: Partial<TenantMetrics>;
  /** Fraction of 5xx responses above which the error-ratio alert fires after 10 minutes. Default 0.05. */
  errorRatioThreshold?: number;
}

export interface TenantObservabilityPlan {
  podMonitoring: PodMonitoring;
  dashboard: Dashboard;
  alertPolicies: NamedAlertPolicy[];
}

/** Decides the scraping, dashboard and alert of a tenant; throws on invalid args before anything is built. */
export function planTenantObservability(args: TenantObservabilityArgs): TenantObservabilityPlan {
  const tenant = { service: args.service, namespace: args.namespace ?? args.service, cluster: args.clusterName, environment: args.environment, region: args.region };
  const signals = { metrics: args.metrics, errorRatioThreshold: args.errorRatioThreshold };
  return {
    podMonitoring: tenantPodMonitoring(tenant, { podSelector: args.podSelector, port: args.metricsPort, path: args.metricsPath, interval: args.scrapeInterval }),
    dashboard: tenantDashboard(tenant, signals),
    alertPolicies: tenantAlertPolicies(tenant, args.notificationChannels ?? [], signals),
  };
}

/**
 * Observability of one tenant (one service on one cluster): a PodMonitoring in the tenant's namespace, its Cloud
 * Monitoring dashboard (request rate, error ratio, latency, saturation) and its error-ratio alert. The namespace
 * must exist first: pass it in `dependsOn`, which this component hands to its PodMonitoring.
 */
export class TenantObservability extends pulumi.ComponentResource {
  /** The tenant's PodMonitoring, in its namespace. */
  readonly podMonitoring: k8s.apiextensions.CustomResource;
  /** The tenant's dashboard. */
  readonly dashboard: gcp.monitoring.Dashboard;
  /** The tenant's alert policies (the error ratio). */
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];

  constructor(name: string, args: TenantObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super: invalid args register nothing, not even the component.
    const plan = planTenantObservability(args);
    super("runway:observability:TenantObservability", name, {}, opts);
    requireKubernetesProvider(this, "TenantObservability");

    // The caller's dependsOn (the tenant namespace) is given to the PodMonitoring itself, so its own registration
    // records the dependency instead of relying on the parent's.
    this.podMonitoring = new k8s.apiextensions.CustomResource(`${name}-scrape`, plan.podMonitoring, { parent: this, dependsOn: opts?.dependsOn });
    ({ dashboard: this.dashboard, alertPolicies: this.alertPolicies } = monitoringResources(this, name, args.project, plan));

    this.registerOutputs({ podMonitoring: this.podMonitoring, dashboard: this.dashboard, alertPolicies: this.alertPolicies });
  }
}
