import { describe, expect, it } from "vitest";
import { clusterDashboard, gitlabAgentClusterPodMonitoring, type Dashboard, tenantDashboard, type TenantScope } from "../src/observability";
import { dashboardProblems } from "./fixtures/cloud-monitoring";
import { equals, lintPromQL, type Selector } from "./fixtures/promql-lint";

const CLUSTER = "runway-staging";
const tenant: TenantScope = { service: "ai-gateway", namespace: "ai-gateway", cluster: CLUSTER, environment: "staging" };

interface Query {
  panel: string;
  query: string;
}

function queries(d: Dashboard): Query[] {
  return d.mosaicLayout.tiles.flatMap((t) => {
    const panel = t.widget.title ?? "";
    if (t.widget.xyChart) return t.widget.xyChart.dataSets.map((s) => ({ panel, query: s.timeSeriesQuery.prometheusQuery }));
    if (t.widget.scorecard) return [{ panel, query: t.widget.scorecard.timeSeriesQuery.prometheusQuery }];
    return [];
  });
}

function selectors(d: Dashboard): (Selector & { panel: string })[] {
  return queries(d).flatMap((q) => lintPromQL(q.query).selectors.map((s) => ({ ...s, panel: q.panel })));
}

/** Panels with a selector of `metric` that satisfies `where`. */
function panelsWith(d: Dashboard, metric: string, where: (s: Selector) => boolean = () => true): string[] {
  return [...new Set(selectors(d).filter((s) => s.metric === metric && where(s)).map((s) => s.panel))];
}

describe("cluster dashboard", () => {
  const d = clusterDashboard(CLUSTER, "staging");

  it("is a valid Cloud Monitoring dashboard", () => {
    expect(dashboardProblems(JSON.parse(JSON.stringify(d)))).toEqual([]);
  });

  it("shows Flux resources whose Ready condition is False", () => {
    expect(panelsWith(d, "gotk_resource_info", (s) => equals(s, "ready") === "False")).toEqual([
      "Flux resources not ready",
      "Not-ready Flux resources (Ready=False)",
    ]);
  });

  it("shows failed reconciliations of the Flux controllers in flux-system", () => {
    expect(panelsWith(d, "controller_runtime_reconcile_errors_total", (s) => equals(s, "namespace") === "flux-system")).toHaveLength(2);
  });

  it("shows GitLab agent connectivity from the agent's scrape job", () => {
    const job = gitlabAgentClusterPodMonitoring("staging").metadata.name;
    const matchesJob = (s: Selector) => s.matchers.some((m) => m.label === "job" && m.op === "=~" && new RegExp(`^(?:${m.value})$`).test(job));
    expect(panelsWith(d, "up", (s) => equals(s, "namespace") === "gitlab-agent" && matchesJob(s))).toEqual([
      "Agent pods up",
      "Agent scrape targets up by pod",
    ]);
  });

  it("shows node health: count and CPU and memory against allocatable", () => {
    expect(panelsWith(d, "kubernetes_io:node_cpu_allocatable_utilization")).toEqual(["Nodes reporting", "Node CPU allocatable utilization"]);
    expect(panelsWith(d, "kubernetes_io:node_memory_allocatable_utilization")).toEqual(["Node memory allocatable utilization (non-evictable)"]);
  });

  it("shows pod health: phases, pods not running and restarts", () => {
    expect(panelsWith(d, "kube_pod_status_phase")).toEqual(["Pods not running", "Pods by phase", "Pods not running by namespace"]);
    expect(panelsWith(d, "kubernetes_io:container_restart_count")).toContain("Container restarts by namespace (1h)");
  });

  it("has only plausible PromQL, every selector scoped to the cluster", () => {
    for (const q of queries(d)) expect(lintPromQL(q.query).problems, q.panel).toEqual([]);
    for (const s of selectors(d)) expect(equals(s, "cluster") ?? equals(s, "cluster_name"), `${s.panel}: ${s.metric}`).toBe(CLUSTER);
  });

  it("watches the agent in the namespace it is told", () => {
    const custom = clusterDashboard(CLUSTER, "staging", { gitlabAgentNamespace: "agents" });
    expect(panelsWith(custom, "up", (s) => equals(s, "namespace") === "agents")).toHaveLength(2);
  });

  it("lists its panels in reading order", () => {
    expect(d.mosaicLayout.tiles.map((t) => t.widget.title)).toMatchInlineSnapshot(`
      [
        "About this dashboard",
        "Flux reconciliation",
        "Flux resources not ready",
        "Failed reconciliations/s",
        "Not-ready Flux resources (Ready=False)",
        "Failed reconciliations by controller",
        "Reconciliation duration p95 by kind",
        "GitLab agent",
        "Agent pods up",
        "Agent restarts (1h)",
        "Agent scrape targets up by pod",
        "Agent container restarts (1h)",
        "Nodes and pods",
        "Nodes reporting",
        "Pods not running",
        "Container restarts (1h)",
        "Node CPU allocatable utilization",
        "Node memory allocatable utilization (non-evictable)",
        "Pods by phase",
        "Pods not running by namespace",
        "Container restarts by namespace (1h)",
      ]
    `);
  });

  it("rejects a cluster name that is not a DNS label, naming the field and the fix", () => {
    expect(() => clusterDashboard("Runway_Staging", "staging")).toThrow(
      "clusterName 'Runway_Staging' is not a DNS label: use at most 40 lowercase letters, digits and '-', starting with a letter and not ending with '-'.",
    );
  });
});

describe("tenant dashboard", () => {
  const d = tenantDashboard(tenant);

  it("is a valid Cloud Monitoring dashboard", () => {
    expect(dashboardProblems(JSON.parse(JSON.stringify(d)))).toEqual([]);
  });

  it("shows the request rate", () => {
    expect(queries(d).filter((q) => q.panel.startsWith("Request")).map((q) => q.query)).toEqual([
      'sum(rate(http_requests_total{cluster="runway-staging",namespace="ai-gateway"}[5m]))',
      'sum by (code) (rate(http_requests_total{cluster="runway-staging",namespace="ai-gateway"}[5m]))',
    ]);
  });

  it("shows the ratio of 5xx responses to all responses", () => {
    const ratio = queries(d).filter((q) => q.panel === "Error ratio (5xx)");
    expect(ratio).toHaveLength(2);
    expect(ratio[0].query).toBe(
      'sum(rate(http_requests_total{cluster="runway-staging",namespace="ai-gateway",code=~"5.."}[5m])) / ' +
        'sum(rate(http_requests_total{cluster="runway-staging",namespace="ai-gateway"}[5m]))',
    );
  });

  it("shows latency p50, p95 and p99 from the latency histogram", () => {
    const latency = queries(d).filter((q) => q.panel === "Latency p50 / p95 / p99");
    expect(latency.map((q) => /^histogram_quantile\(([0-9.]+), sum by \(le\) \(rate\(http_request_duration_seconds_bucket\{/.exec(q.query)?.[1])).toEqual([
      "0.5",
      "0.95",
      "0.99",
    ]);
  });

  it("shows CPU and memory saturation against the containers' limits", () => {
    expect(panelsWith(d, "kubernetes_io:container_cpu_limit_utilization")).toEqual(["CPU usage / limit by pod"]);
    expect(panelsWith(d, "kubernetes_io:container_memory_limit_utilization")).toEqual(["Memory usage / limit by pod (non-evictable)"]);
  });

  it("scopes every selector to the tenant's namespace on its cluster", () => {
    for (const q of queries(d)) expect(lintPromQL(q.query).problems, q.panel).toEqual([]);
    for (const s of selectors(d)) {
      expect(equals(s, "cluster") ?? equals(s, "cluster_name"), `${s.panel}: ${s.metric}`).toBe(CLUSTER);
      expect(equals(s, "namespace") ?? equals(s, "namespace_name"), `${s.panel}: ${s.metric}`).toBe("ai-gateway");
    }
  });

  it("uses the service's own metric names when it gives them", () => {
    const custom = tenantDashboard(tenant, { metrics: { requestsTotal: "grpc_server_handled_total", statusLabel: "grpc_code", latencyHistogram: "grpc_server_handling_seconds" } });
    const metrics = new Set(selectors(custom).map((s) => s.metric));
    expect(metrics).toContain("grpc_server_handled_total");
    expect(metrics).toContain("grpc_server_handling_seconds_bucket");
    expect(metrics).not.toContain("http_requests_total");
  });

  it("rejects a metric name Prometheus would not accept, naming the field and the fix", () => {
    expect(() => tenantDashboard(tenant, { metrics: { requestsTotal: "http-requests" } })).toThrow(
      "metrics.requestsTotal 'http-requests' is not a Prometheus metric name: use letters, digits, '_' and ':', not starting with a digit.",
    );
  });
});
