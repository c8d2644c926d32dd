/**
 * The per-cluster dashboard: Flux reconciliation, GitLab agent connectivity, node and pod health. The queries that
 * alerts reuse are exported so a dashboard panel and its alert always watch the same series.
 */
import { gcpLabels } from "../naming";
import { checkDnsLabel } from "./checks";
import { arrange } from "./layout";
import { containerRestarts, histogramQuantile, promScope, rate, sel, sumBy, systemScope } from "./promql";
import { GRID_COLUMNS, type Dashboard } from "./types";
import { chart, note, stat } from "./widgets";

export const FLUX_NAMESPACE = "flux-system";
export const GITLAB_AGENT_NAMESPACE = "gitlab-agent";

/** Where the cluster's platform components run. */
export interface ClusterScopeOptions {
  /** Namespace of the GitLab agent. Default `gitlab-agent`. */
  gitlabAgentNamespace?: string;
}

export function checkCluster(cluster: string, environment: string, o: ClusterScopeOptions = {}): void {
  checkDnsLabel("clusterName", cluster, 40);
  checkDnsLabel("environment", environment, 63);
  if (o.gitlabAgentNamespace !== undefined) checkDnsLabel("gitlabAgentNamespace", o.gitlabAgentNamespace, 63);
}

/**
 * Flux resources whose Ready condition is False. `gotk_resource_info` is the resource-state metric of Flux 2.1
 * and later, exported by kube-state-metrics with Flux's custom-resource-state configuration
 * (https://fluxcd.io/flux/monitoring/custom-metrics/); the resource's namespace arrives as `exported_namespace`.
 */
export function fluxNotReady(cluster: string, by: string[] = []): string {
  return sumBy(by, sel("gotk_resource_info", { ...promScope({ cluster }), ready: "False" }));
}

/** Failed reconciliations per second, from the controllers' own controller-runtime metrics (always scraped). */
export function fluxReconcileErrors(cluster: string, by: string[] = []): string {
  return sumBy(by, rate(sel("controller_runtime_reconcile_errors_total", promScope({ cluster, namespace: FLUX_NAMESPACE }))));
}

/**
 * GitLab agent pods that Managed Service for Prometheus scraped successfully. The job label is the name of the
 * ClusterPodMonitoring that scrapes the agent (`runway-gitlab-agent`).
 */
export function agentUp(cluster: string, agentNamespace = GITLAB_AGENT_NAMESPACE, by: string[] = []): string {
  return sumBy(by, sel("up", { ...promScope({ cluster, namespace: agentNamespace }), job: { re: ".*gitlab-agent.*" } }));
}

/** The Cloud Monitoring dashboard of one Runway cluster. */
export function clusterDashboard(cluster: string, environment: string, o: ClusterScopeOptions = {}): Dashboard {
  checkCluster(cluster, environment, o);
  const agentNs = o.gitlabAgentNamespace ?? GITLAB_AGENT_NAMESPACE;
  const flux = promScope({ cluster, namespace: FLUX_NAMESPACE });
  const node = systemScope({ cluster }, "k8s_node");
  const pods = sel("kube_pod_status_phase", promScope({ cluster }));
  const podsNotRunning = sel("kube_pod_status_phase", { ...promScope({ cluster }), phase: { re: "Pending|Failed|Unknown" } });

  const tiles = arrange([
    note(
      "About this dashboard",
      `**Runway cluster \`${cluster}\`**, environment \`${environment}\`. Flux reconciliation, GitLab agent connectivity, ` +
        "node and pod health. What each panel means and what to do when an alert fires: `docs/observability.md` in the Runway repository.",
      4,
    ),
    {
      title: "Flux reconciliation",
      panels: [
        stat("Flux resources not ready", fluxNotReady(cluster), { redAbove: 0, width: 24 }),
        stat("Failed reconciliations/s", fluxReconcileErrors(cluster), { redAbove: 0, width: 24 }),
        chart(
          "Not-ready Flux resources (Ready=False)",
          [{ query: fluxNotReady(cluster, ["customresource_kind", "exported_namespace", "name"]), legend: "${labels.customresource_kind} ${labels.exported_namespace}/${labels.name}" }],
          { yLabel: "resources", plotType: "STACKED_BAR" },
        ),
        chart("Failed reconciliations by controller", [{ query: fluxReconcileErrors(cluster, ["controller"]), legend: "${labels.controller}" }], {
          yLabel: "errors/s",
        }),
        chart(
          "Reconciliation duration p95 by kind",
          [{ query: histogramQuantile(0.95, sel("gotk_reconcile_duration_seconds_bucket", flux), ["kind"]), legend: "${labels.kind}" }],
          { yLabel: "seconds", unit: "s", width: GRID_COLUMNS },
        ),
      ],
    },
    {
      title: "GitLab agent",
      panels: [
        stat("Agent pods up", agentUp(cluster, agentNs), { redBelow: 1, width: 24 }),
        stat("Agent restarts (1h)", containerRestarts({ cluster, namespace: agentNs }), { redAbove: 0, width: 24 }),
        chart("Agent scrape targets up by pod", [{ query: agentUp(cluster, agentNs, ["pod"]), legend: "${labels.pod}" }], { yLabel: "up" }),
        chart("Agent container restarts (1h)", [{ query: containerRestarts({ cluster, namespace: agentNs }, ["pod_name"]), legend: "${labels.pod_name}" }], {
          yLabel: "restarts",
        }),
      ],
    },
    {
      title: "Nodes and pods",
      panels: [
        stat("Nodes reporting", `count(${sel("kubernetes_io:node_cpu_allocatable_utilization", node)})`),
        stat("Pods not running", sumBy([], podsNotRunning), { redAbove: 0 }),
        stat("Container restarts (1h)", containerRestarts({ cluster }), { width: 24 }),
        chart(
          "Node CPU allocatable utilization",
          [{ query: `max by (node_name) (${sel("kubernetes_io:node_cpu_allocatable_utilization", node)})`, legend: "${labels.node_name}" }],
          { yLabel: "fraction of allocatable", unit: "1", limit: 0.9 },
        ),
        chart(
          "Node memory allocatable utilization (non-evictable)",
          [
            {
              query: sumBy(["node_name"], sel("kubernetes_io:node_memory_allocatable_utilization", { ...node, memory_type: "non-evictable" })),
              legend: "${labels.node_name}",
            },
          ],
          { yLabel: "fraction of allocatable", unit: "1", limit: 0.9 },
        ),
        chart("Pods by phase", [{ query: sumBy(["phase"], pods), legend: "${labels.phase}" }], { yLabel: "pods", plotType: "STACKED_AREA" }),
        chart("Pods not running by namespace", [{ query: sumBy(["namespace", "phase"], podsNotRunning), legend: "${labels.namespace} ${labels.phase}" }], {
          yLabel: "pods",
          plotType: "STACKED_BAR",
        }),
        chart("Container restarts by namespace (1h)", [{ query: containerRestarts({ cluster }, ["namespace_name"]), legend: "${labels.namespace_name}" }], {
          yLabel: "restarts",
          width: GRID_COLUMNS,
        }),
      ],
    },
  ]);
  return {
    displayName: `Runway cluster ${cluster} (${environment})`,
    mosaicLayout: { columns: GRID_COLUMNS, tiles },
    labels: gcpLabels({ environment }, { cluster }),
  };
}
