/**
 * PromQL building blocks. Every series selector Runway writes goes through `sel`, so label values are always
 * quoted and escaped and a query can be scoped by construction.
 */

/** A label matcher: a plain string is equality; the others are the PromQL `!=`, `=~` and `!~` operators. */
export type Matcher = string | { ne: string } | { re: string } | { nre: string };

/** A double-quoted PromQL string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function matcher(label: string, m: Matcher): string {
  if (typeof m === "string") return `${label}=${quote(m)}`;
  if ("ne" in m) return `${label}!=${quote(m.ne)}`;
  if ("re" in m) return `${label}=~${quote(m.re)}`;
  return `${label}!~${quote(m.nre)}`;
}

/** A series selector, e.g. `sel("up", { cluster: "c", job: { re: ".*agent.*" } })` gives `up{cluster="c",job=~".*agent.*"}`. */
export function sel(metric: string, labels: Record<string, Matcher>): string {
  const ms = Object.entries(labels).map(([k, v]) => matcher(k, v));
  return `${metric}{${ms.join(",")}}`;
}

/**
 * The labels that scope a query to one cluster (and optionally one namespace). Series collected by Managed Service
 * for Prometheus carry `cluster` and `namespace`; GKE system metrics (`kubernetes_io:*`) carry the monitored
 * resource's `cluster_name` and `namespace_name` instead.
 */
export interface Scope {
  cluster: string;
  namespace?: string;
}

export function promScope(s: Scope): Record<string, Matcher> {
  return s.namespace === undefined ? { cluster: s.cluster } : { cluster: s.cluster, namespace: s.namespace };
}

export function systemScope(s: Scope, monitoredResource: "k8s_node" | "k8s_container"): Record<string, Matcher> {
  const out: Record<string, Matcher> = { monitored_resource: monitoredResource, cluster_name: s.cluster };
  if (s.namespace !== undefined) out.namespace_name = s.namespace;
  return out;
}

/** `sum by (labels) (expr)`, or `sum(expr)` without labels. */
export function sumBy(labels: string[], expr: string): string {
  return labels.length ? `sum by (${labels.join(", ")}) (${expr})` : `sum(${expr})`;
}

export function rate(selector: string, window = "5m"): string {
  return `rate(${selector}[${window}])`;
}

/** A quantile of a Prometheus histogram (`<name>_bucket` series), e.g. p95 latency. */
export function histogramQuantile(q: number, bucketSelector: string, by: string[] = [], window = "5m"): string {
  return `histogram_quantile(${q}, ${sumBy(["le", ...by], rate(bucketSelector, window))})`;
}

/** Container restarts over the last hour, from GKE system metrics (always collected). */
export function containerRestarts(s: Scope, by: string[] = []): string {
  return sumBy(by, `increase(${sel("kubernetes_io:container_restart_count", systemScope(s, "k8s_container"))}[1h])`);
}
