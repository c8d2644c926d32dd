/**
 * The per-tenant dashboard: request rate, error ratio, latency and saturation of one service in its namespace.
 * Every query is scoped to the tenant's namespace on its cluster, so a tenant's dashboard never shows another
 * tenant's series on the shared cluster.
 */
import { gcpLabels } from "../naming";
import { checkDnsLabel, checkLabelName, checkMetricName, checkRatio } from "./checks";
import { arrange } from "./layout";
import { containerRestarts, histogramQuantile, promScope, rate, sel, sumBy, systemScope, type Scope } from "./promql";
import { GRID_COLUMNS, type Dashboard } from "./types";
import { chart, note, stat } from "./widgets";

/** One service on one cluster. */
export interface TenantScope {
  /** Catalog name of the service. */
  service: string;
  /** Namespace the service runs in (on Runway, the service name). */
  namespace: string;
  /** GKE cluster the namespace is on. */
  cluster: string;
  environment: string;
  /** Region of the cluster, for a service in several regions: shown in titles and set as a label. Default none. */
  region?: string;
}

/** "staging", or "staging, europe-west4" for one region of a service in several. */
export function tenantWhere(t: Pick<TenantScope, "environment" | "region">): string {
  return t.region ? `${t.environment}, ${t.region}` : t.environment;
}

/** GCP labels of a tenant's dashboard and alerts. */
export function tenantGcpLabels(t: TenantScope): Record<string, string> {
  return gcpLabels({ service: t.service, environment: t.environment }, t.region ? { cluster: t.cluster, region: t.region } : { cluster: t.cluster });
}

/**
 * The metrics a service exposes on its scrape endpoint. The defaults are the Prometheus client conventions
 * (`promhttp` in Go, `prometheus_client` in Python): a request counter with the status code in `code` and a latency
 * histogram in seconds.
 */
export interface TenantMetrics {
  /** Counter of handled requests. Default `http_requests_total`. */
  requestsTotal: string;
  /** Label of `requestsTotal` that holds the HTTP status code. Default `code`. */
  statusLabel: string;
  /** Latency histogram in seconds, without the `_bucket` suffix. Default `http_request_duration_seconds`. */
  latencyHistogram: string;
}

export const DEFAULT_TENANT_METRICS: TenantMetrics = {
  requestsTotal: "http_requests_total",
  statusLabel: "code",
  latencyHistogram: "http_request_duration_seconds",
};

/** Default error-ratio alert threshold: 5% of requests answered with a 5xx. */
export const DEFAULT_ERROR_RATIO_THRESHOLD = 0.05;

export function checkTenant(t: TenantScope): void {
  checkDnsLabel("service", t.service, 40);
  checkDnsLabel("namespace", t.namespace, 63);
  checkDnsLabel("clusterName", t.cluster, 40);
  checkDnsLabel("environment", t.environment, 63);
  if (t.region !== undefined) checkDnsLabel("region", t.region, 63);
}

/** Fills the defaults of `metrics` and checks every name. */
export function tenantMetrics(metrics: Partial<TenantMetrics> = {}): TenantMetrics {
  const m = { ...DEFAULT_TENANT_METRICS, ...metrics };
  checkMetricName("metrics.requestsTotal", m.requestsTotal);
  checkLabelName("metrics.statusLabel", m.statusLabel);
  checkMetricName("metrics.latencyHistogram", m.latencyHistogram);
  return m;
}

/** What a service's dashboards and alerts read: its metric names and error-ratio threshold, defaults applied and checked. */
export interface SignalOptions {
  metrics?: Partial<TenantMetrics>;
  errorRatioThreshold?: number;
}

export function tenantSignals(o: SignalOptions = {}): { m: TenantMetrics; threshold: number; percent: string } {
  const m = tenantMetrics(o.metrics);
  const threshold = o.errorRatioThreshold ?? DEFAULT_ERROR_RATIO_THRESHOLD;
  checkRatio("errorRatioThreshold", threshold);
  return { m, threshold, percent: `${+(threshold * 100).toFixed(2)}%` };
}

function scope(t: TenantScope): Scope {
  return { cluster: t.cluster, namespace: t.namespace };
}

/** Requests per second of the tenant, optionally broken down by labels. */
export function requestRate(t: TenantScope, m: TenantMetrics, by: string[] = []): string {
  return sumBy(by, rate(sel(m.requestsTotal, promScope(scope(t)))));
}

/** Fraction of the tenant's requests answered with a 5xx status over the last 5 minutes. */
export function errorRatio(t: TenantScope, m: TenantMetrics): string {
  const errors = sumBy([], rate(sel(m.requestsTotal, { ...promScope(scope(t)), [m.statusLabel]: { re: "5.." } })));
  return `${errors} / ${requestRate(t, m)}`;
}

export function latencyQuantile(t: TenantScope, m: TenantMetrics, q: number): string {
  return histogramQuantile(q, sel(`${m.latencyHistogram}_bucket`, promScope(scope(t))));
}

/** The Cloud Monitoring dashboard of one tenant. */
export function tenantDashboard(
  t: TenantScope,
  o: { metrics?: Partial<TenantMetrics>; errorRatioThreshold?: number } = {},
): Dashboard {
  checkTenant(t);
  const { m, threshold } = tenantSignals(o);
  const containers = systemScope(scope(t), "k8s_container");
  const cpu = sel("kubernetes_io:container_cpu_limit_utilization", containers);
  const memory = sel("kubernetes_io:container_memory_limit_utilization", { ...containers, memory_type: "non-evictable" });

  const tiles = arrange([
    note(
      "About this dashboard",
      `**${t.service}** in namespace \`${t.namespace}\` on cluster \`${t.cluster}\` (${tenantWhere(t)}). ` +
        `Traffic and latency come from the service's own \`${m.requestsTotal}\` and \`${m.latencyHistogram}\`; ` +
        "saturation from GKE system metrics. See `docs/observability.md` in the Runway repository.",
      4,
    ),
    {
      title: "Traffic",
      panels: [
        stat("Requests/s", requestRate(t, m), { width: 24 }),
        stat("Error ratio (5xx)", errorRatio(t, m), { redAbove: threshold, unit: "1", width: 24 }),
        chart("Request rate by status code", [{ query: requestRate(t, m, [m.statusLabel]), legend: `\${labels.${m.statusLabel}}` }], {
          yLabel: "requests/s",
          plotType: "STACKED_AREA",
        }),
        chart("Error ratio (5xx)", [{ query: errorRatio(t, m), legend: "5xx / all" }], { yLabel: "ratio", unit: "1", limit: threshold }),
      ],
    },
    {
      title: "Latency",
      panels: [
        chart(
          "Latency p50 / p95 / p99",
          [0.5, 0.95, 0.99].map((q) => ({ query: latencyQuantile(t, m, q), legend: `p${Math.round(q * 100)}` })),
          { yLabel: "seconds", unit: "s", width: GRID_COLUMNS },
        ),
      ],
    },
    {
      title: "Saturation",
      panels: [
        chart("CPU usage / limit by pod", [{ query: `max by (pod_name) (${cpu})`, legend: "${labels.pod_name}" }], {
          yLabel: "fraction of limit",
          unit: "1",
          limit: 0.9,
        }),
        chart("Memory usage / limit by pod (non-evictable)", [{ query: `max by (pod_name) (${memory})`, legend: "${labels.pod_name}" }], {
          yLabel: "fraction of limit",
          unit: "1",
          limit: 0.9,
        }),
        chart("Container restarts (1h)", [{ query: containerRestarts(scope(t), ["pod_name"]), legend: "${labels.pod_name}" }], {
          yLabel: "restarts",
          width: GRID_COLUMNS,
          height: 12,
        }),
      ],
    },
  ]);
  return {
    displayName: `Runway ${t.service} (${tenantWhere(t)})`,
    mosaicLayout: { columns: GRID_COLUMNS, tiles },
    labels: tenantGcpLabels(t),
  };
}
