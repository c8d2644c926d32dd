/**
 * Google Managed Service for Prometheus scrape configuration: a PodMonitoring in each tenant's namespace, and
 * ClusterPodMonitorings for the platform's Flux controllers and GitLab agent. Collectors set the `cluster`,
 * `namespace` and `job` (the object's name) labels that the dashboards and alerts select on.
 */
import { k8sLabels } from "../naming";
import { checkDnsLabel, checkPodSelector, checkPortName, checkPromDuration, checkUrlPath } from "./checks";
import { FLUX_NAMESPACE, GITLAB_AGENT_NAMESPACE } from "./cluster-dashboard";
import type { ClusterPodMonitoring, LabelSelector, PodMonitoring, RelabelingRule, ScrapeEndpoint } from "./types";

export const GMP_API_VERSION = "monitoring.googleapis.com/v1";
export const SCRAPE_INTERVAL = "30s";

/** Controllers of a Flux installation; each labels its pods `app: <controller>` and serves metrics on `http-prom`. */
export const FLUX_CONTROLLERS = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
  "image-reflector-controller",
  "image-automation-controller",
] as const;

/** The pod label Runway can put on a tenant's pods, as an alternative to the chart's own `app.kubernetes.io/name`. */
export function runwayPodSelector(service: string): Record<string, string> {
  return { "runway.gitlab.com/service": service };
}

export interface TenantScrapeOptions {
  /** Labels of the service's pods. Default `{ "app.kubernetes.io/name": <service> }` (what `helm create` charts set). */
  podSelector?: Record<string, string>;
  /** Named container port that serves metrics. Default `metrics`. */
  port?: string;
  /** HTTP path of the metrics. Default `/metrics` (the collector's default, so left out of the object). */
  path?: string;
  /** Scrape interval as a Prometheus duration. Default `30s`. */
  interval?: string;
}

/**
 * The PodMonitoring of one tenant. A PodMonitoring only ever selects pods in its own namespace, so putting it in
 * the tenant's namespace is what keeps one tenant's scrape configuration off another tenant's pods.
 */
export function tenantPodMonitoring(
  t: { service: string; namespace: string; environment: string },
  o: TenantScrapeOptions = {},
): PodMonitoring {
  checkDnsLabel("service", t.service, 40);
  checkDnsLabel("namespace", t.namespace, 63);
  checkDnsLabel("environment", t.environment, 63);
  const selector = o.podSelector ?? { "app.kubernetes.io/name": t.service };
  checkPodSelector("podSelector", selector);
  const endpoint = scrapeEndpoint(o.port ?? "metrics", o.interval ?? SCRAPE_INTERVAL, o.path);
  return {
    apiVersion: GMP_API_VERSION,
    kind: "PodMonitoring",
    metadata: { name: `runway-${t.service}`, namespace: t.namespace, labels: k8sLabels({ service: t.service, environment: t.environment }) },
    spec: { selector: { matchLabels: { ...selector } }, endpoints: [endpoint] },
  };
}

function scrapeEndpoint(port: string, interval: string, path?: string, metricRelabeling?: RelabelingRule[]): ScrapeEndpoint {
  checkPortName("port", port);
  checkPromDuration("interval", interval);
  if (path !== undefined) checkUrlPath("path", path);
  return { port, interval, ...(path === undefined ? {} : { path }), ...(metricRelabeling ? { metricRelabeling } : {}) };
}

/**
 * A ClusterPodMonitoring selects pods in every namespace, so a tenant could label its own pods like the platform's
 * and feed made-up Flux or agent metrics into the platform's alerts; keeping only samples from the platform
 * namespace closes that.
 */
function onlyNamespace(namespace: string): RelabelingRule[] {
  return [{ action: "keep", sourceLabels: ["namespace"], regex: namespace }];
}

function platformMonitoring(name: string, environment: string, selector: LabelSelector, endpoint: ScrapeEndpoint): ClusterPodMonitoring {
  checkDnsLabel("environment", environment, 63);
  return {
    apiVersion: GMP_API_VERSION,
    kind: "ClusterPodMonitoring",
    metadata: { name, labels: k8sLabels({ environment }) },
    spec: { selector, endpoints: [endpoint] },
  };
}

/** Scraping of the Flux controllers in `flux-system`. */
export function fluxClusterPodMonitoring(environment: string): ClusterPodMonitoring {
  return platformMonitoring(
    "runway-flux",
    environment,
    { matchExpressions: [{ key: "app", operator: "In", values: [...FLUX_CONTROLLERS] }] },
    scrapeEndpoint("http-prom", SCRAPE_INTERVAL, undefined, onlyNamespace(FLUX_NAMESPACE)),
  );
}

/**
 * Scraping of the GitLab agent (agentk). The gitlab-agent chart names its metrics port `observability` and serves
 * it when `config.observability.enabled` is true.
 */
export function gitlabAgentClusterPodMonitoring(environment: string, o: { namespace?: string; port?: string } = {}): ClusterPodMonitoring {
  const namespace = o.namespace ?? GITLAB_AGENT_NAMESPACE;
  checkDnsLabel("gitlabAgentNamespace", namespace, 63);
  return platformMonitoring(
    "runway-gitlab-agent",
    environment,
    { matchLabels: { "app.kubernetes.io/name": "gitlab-agent" } },
    scrapeEndpoint(o.port ?? "observability", SCRAPE_INTERVAL, undefined, onlyNamespace(namespace)),
  );
}
