/**
 * One service across every region it runs in: the dashboard and alerts "in total" beside each region's own tenant
 * dashboard. Every query is scoped to the service's namespace on exactly its clusters (a `cluster=~` of their
 * names), so the total never mixes in another tenant or a region the service does not run in.
 */
import { gcpLabels } from "../naming";
import { policy, type NamedAlertPolicy } from "./alerts";
import { checkDnsLabel, checkNotificationChannels } from "./checks";
import { arrange } from "./layout";
import { histogramQuantile, rate, sel, sumBy, type Matcher } from "./promql";
import { type SignalOptions, type TenantMetrics, tenantSignals } from "./tenant-dashboard";
import { GRID_COLUMNS, type Dashboard } from "./types";
import { chart, note, stat } from "./widgets";

/** A service and the clusters (one per region) it runs on. */
export interface FleetScope {
  /** Name of the tenant (namespace and scrape job `runway-<service>`). */
  service: string;
  namespace: string;
  environment: string;
  /** The clusters the service runs on, one per region, at least one. */
  clusters: { region: string; cluster: string }[];
}

export function checkFleet(f: FleetScope): void {
  checkDnsLabel("service", f.service, 40);
  checkDnsLabel("namespace", f.namespace, 63);
  checkDnsLabel("environment", f.environment, 63);
  if (f.clusters.length === 0) throw new Error(`clusters of ${f.service} is empty: list the cluster of every region the service runs in.`);
  const seen = new Set<string>();
  for (const c of f.clusters) {
    checkDnsLabel("clusters[].cluster", c.cluster, 40);
    checkDnsLabel("clusters[].region", c.region, 63);
    if (seen.has(c.region)) throw new Error(`clusters of ${f.service} lists region ${c.region} twice: one cluster per region.`);
    seen.add(c.region);
  }
}

/** The scope of every series: the service's namespace on its clusters. */
function everywhere(f: FleetScope): Record<string, Matcher> {
  // Cluster names are DNS labels: no character of them is special in a regular expression but '-', outside brackets.
  return { cluster: { re: f.clusters.map((c) => c.cluster).join("|") }, namespace: f.namespace };
}

function inRegion(f: FleetScope, cluster: string): Record<string, Matcher> {
  return { cluster, namespace: f.namespace };
}

/** Pods of the service answering their scrape in a scope: what "healthy backends" means on these dashboards. */
function podsUp(f: FleetScope, scope: Record<string, Matcher>, by: string[] = []): string {
  return sumBy(by, sel("up", { ...scope, job: `runway-${f.service}` }));
}

export function fleetErrorRatio(f: FleetScope, m: TenantMetrics, by: string[] = []): string {
  const all = sel(m.requestsTotal, everywhere(f));
  const errors = sel(m.requestsTotal, { ...everywhere(f), [m.statusLabel]: { re: "5.." } });
  return `${sumBy(by, rate(errors))} / ${sumBy(by, rate(all))}`;
}

/** Title of the service's dashboard in total. */
export function fleetDashboardName(f: Pick<FleetScope, "service" | "environment">): string {
  return `Runway ${f.service} (${f.environment}, all regions)`;
}

/** The dashboard of one service in total and by region. */
export function fleetDashboard(f: FleetScope, o: SignalOptions = {}): Dashboard {
  checkFleet(f);
  const { m, threshold } = tenantSignals(o);
  const regions = f.clusters.map((c) => `${c.region} (\`${c.cluster}\`)`).join(", ");
  const byCluster = ["cluster"];
  const tiles = arrange([
    note(
      "About this dashboard",
      `**${f.service}** in ${f.environment}, every region it runs in: ${regions}. The global load balancer sends each client to the ` +
        "nearest region whose pods pass its health check; a region with none gets no traffic until they recover. Each region's own " +
        "dashboard has the details. See `docs/observability.md` in the Runway repository.",
      4,
    ),
    {
      title: "Traffic in total",
      panels: [
        stat("Requests/s, all regions", sumBy([], rate(sel(m.requestsTotal, everywhere(f)))), { width: 24 }),
        stat("Error ratio (5xx), all regions", fleetErrorRatio(f, m), { redAbove: threshold, unit: "1", width: 24 }),
        chart("Requests/s by region", [{ query: sumBy(byCluster, rate(sel(m.requestsTotal, everywhere(f)))), legend: "${labels.cluster}" }], {
          yLabel: "requests/s",
          plotType: "STACKED_AREA",
        }),
        chart("Error ratio (5xx) by region", [{ query: fleetErrorRatio(f, m, byCluster), legend: "${labels.cluster}" }], { yLabel: "ratio", unit: "1", limit: threshold }),
      ],
    },
    {
      title: "Regions",
      panels: [
        chart("Pods answering by region", [{ query: podsUp(f, everywhere(f), byCluster), legend: "${labels.cluster}" }], { yLabel: "pods" }),
        chart(
          "Latency p95 by region",
          [{ query: histogramQuantile(0.95, sel(`${m.latencyHistogram}_bucket`, everywhere(f)), byCluster), legend: "${labels.cluster}" }],
          { yLabel: "seconds", unit: "s" },
        ),
        ...f.clusters.map((c) => stat(`Pods answering in ${c.region}`, podsUp(f, inRegion(f, c.cluster)), { redBelow: 1, width: Math.max(6, Math.floor(GRID_COLUMNS / f.clusters.length)) })),
      ],
    },
  ]);
  return {
    displayName: fleetDashboardName(f),
    mosaicLayout: { columns: GRID_COLUMNS, tiles },
    labels: gcpLabels({ service: f.service, environment: f.environment }, { scope: "all-regions" }),
  };
}

/**
 * Alerts of one service in total: the error ratio over every region; a region without pods answering (its traffic
 * has failed over to the others, which now carry it); and no region answering at all.
 */
export function fleetAlertPolicies(
  f: FleetScope,
  notificationChannels: readonly string[],
  o: SignalOptions = {},
): NamedAlertPolicy[] {
  checkFleet(f);
  checkNotificationChannels(notificationChannels);
  const { m, threshold, percent } = tenantSignals(o);
  const labels = gcpLabels({ service: f.service, environment: f.environment }, { scope: "all-regions" });
  const dashboard = fleetDashboardName(f);
  const base = { evaluationInterval: "60s" as const, ruleGroup: "runway_fleet", labels: { service: f.service, namespace: f.namespace } };
  const regionDown = (c: { region: string; cluster: string }): NamedAlertPolicy => ({
    id: `${c.region}-no-backends`,
    policy: policy({
      displayName: `Runway ${f.service} (${f.environment}): no pod answering in ${c.region}`,
      conditionName: `No pod of ${f.service} answering in ${c.region}`,
      condition: { ...base, query: `(${podsUp(f, inRegion(f, c.cluster))} or on() vector(0)) < 1`, duration: "300s", alertRule: "FleetRegionWithoutBackends" },
      severity: "WARNING",
      labels: { ...labels, region: c.region },
      channels: notificationChannels,
      runbook: [
        `## ${f.service}: no pod answering in ${c.region} (${f.environment})`,
        `No pod of \`${f.service}\` on \`${c.cluster}\` has answered its scrape for 5 minutes. The global load balancer's health check fails there too, so ` +
          `clients that ${c.region} served now go to the nearest other region: the service is up, with more latency for them and more load elsewhere.`,
        `1. \`kubectl --context <${c.cluster}> -n ${f.namespace} get pods\` and \`flux get helmreleases -n ${f.namespace}\`: a failed release, a crash loop, a quota?`,
        `2. Check the other regions' saturation on *${dashboard}*: they carry ${c.region}'s traffic until it recovers.`,
        `3. The cluster itself: its *Runway cluster ${c.cluster}* dashboard (Flux, agent, nodes).`,
        `4. The owning team is in \`services/${f.service}.yaml\`.`,
      ].join("\n\n"),
    }),
  });
  return [
    {
      id: "error-ratio-all-regions",
      policy: policy({
        displayName: `Runway ${f.service} (${f.environment}, all regions): 5xx ratio above ${percent}`,
        conditionName: `5xx responses above ${percent} of all regions' requests`,
        condition: { ...base, query: `(${fleetErrorRatio(f, m)}) > ${threshold}`, duration: "600s", alertRule: "FleetErrorRatioHigh" },
        severity: "ERROR",
        labels,
        channels: notificationChannels,
        runbook: [
          `## ${f.service}: more than ${percent} of requests fail across regions (${f.environment})`,
          `Over every region together, more than ${percent} of the requests to \`${f.service}\` have answered 5xx for 10 minutes.`,
          `1. *${dashboard}*, *Error ratio by region*: one region or all? One region: follow that region's tenant alert and dashboard. All: a release or a shared dependency.`,
          `2. \`flux get helmreleases -n ${f.namespace}\` on each cluster shows the chart version; roll back by moving the stage's tag back.`,
          `3. The owning team is in \`services/${f.service}.yaml\`.`,
        ].join("\n\n"),
      }),
    },
    ...f.clusters.map(regionDown),
    {
      id: "no-backends",
      policy: policy({
        displayName: `Runway ${f.service} (${f.environment}): no pod answering in any region`,
        conditionName: `No pod of ${f.service} answering anywhere`,
        condition: { ...base, query: `(${podsUp(f, everywhere(f))} or on() vector(0)) < 1`, duration: "120s", alertRule: "FleetWithoutBackends" },
        severity: "CRITICAL",
        labels,
        channels: notificationChannels,
        runbook: [
          `## ${f.service} is down in every region (${f.environment})`,
          `No pod of \`${f.service}\` has answered in any of its regions for 2 minutes; with no healthy backend left, the global load balancer answers 502/503 to every client.`,
          `1. A release everywhere at once? \`flux get helmreleases -n ${f.namespace}\` on each cluster; roll back by moving the stage's tag back.`,
          `2. A dependency every region shares (LLM provider, Vault, the GitLab instance)? Read the pods' logs.`,
          `3. The owning team is in \`services/${f.service}.yaml\`; page them.`,
        ].join("\n\n"),
      }),
    },
  ];
}
