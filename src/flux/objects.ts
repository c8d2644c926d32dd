/**
 * Builders for the Flux objects Runway generates (OCIRepository, HelmRelease, Kustomization), for Flux v2.8
 * (see FLUX_CHART). Every reconciler object names its service account and references sources in its own
 * namespace only (F2); there is no way to ask for targetNamespace or storageNamespace. Pure: no provider imports.
 */

export const OCI_REPOSITORY_API = "source.toolkit.fluxcd.io/v1";
export const HELM_RELEASE_API = "helm.toolkit.fluxcd.io/v2";
export const KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/v1";

/** Media type of a Helm chart layer in an OCI artifact. */
export const HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Kubernetes custom object as plain data. */
export interface FluxObject<K extends string, S> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const OCI_URL = /^oci:\/\/[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/;
/** OCI tags: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests */
const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Throws unless `value` is a DNS-1123 subdomain (object and service account names). */
export function assertName(field: string, value: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new Error(`${field} '${String(value)}' is not a Kubernetes name: use lowercase letters, digits, '-' and '.', e.g. ai-gateway`);
  }
}

/** Throws unless `value` is a DNS-1123 label (namespaces). */
export function assertNamespace(field: string, value: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new Error(`${field} '${String(value)}' is not a namespace name: use 1-63 lowercase letters, digits and '-', e.g. ai-gateway`);
  }
}

function assertDuration(field: string, value: string): void {
  if (!DURATION.test(value)) throw new Error(`${field} '${value}' is not a duration: use Go duration syntax such as 5m or 1h`);
}

/** Throws unless `url` is an `oci://host/path` URL. */
export function assertOciUrl(field: string, url: string): void {
  if (typeof url !== "string" || !OCI_URL.test(url)) {
    throw new Error(`${field} '${String(url)}' is not an OCI repository URL: use oci://host/path, e.g. oci://us-docker.pkg.dev/project/repo/chart`);
  }
}

/**
 * The OCIRepository `provider`: `gcp` for Artifact Registry (`*-docker.pkg.dev`, `*.gcr.io`), so source-controller
 * authenticates with its Workload Identity instead of static credentials; `generic` (anonymous or secretRef) elsewhere.
 */
export function ociProvider(url: string): "gcp" | "generic" {
  const host = url.replace(/^oci:\/\//, "").split("/")[0].split(":")[0];
  return /(^|-)docker\.pkg\.dev$/.test(host) || /(^|\.)gcr\.io$/.test(host) ? "gcp" : "generic";
}

export interface OciRepositoryArgs extends ObjectMeta {
  /** `oci://host/path` of the artifact or chart. */
  url: string;
  /** Tag to follow (a deployment stage or a GitLab-release tag); moving the tag in the registry promotes. */
  tag: string;
  /** How often to check the tag. Default `5m`. */
  interval?: string;
  /** Registry auth provider. Default: from the URL, see ociProvider. */
  provider?: "gcp" | "generic";
  /** The artifact is a Helm chart: select its chart layer so a HelmRelease `chartRef` can use it. Default false. */
  helmChart?: boolean;
}

export interface OciRepositorySpec {
  url: string;
  ref: { tag: string };
  interval: string;
  provider: "gcp" | "generic";
  layerSelector?: { mediaType: string; operation: "copy" | "extract" };
}

export function ociRepository(a: OciRepositoryArgs): FluxObject<"OCIRepository", OciRepositorySpec> {
  assertName("OCIRepository name", a.name);
  assertNamespace("OCIRepository namespace", a.namespace);
  assertOciUrl("OCIRepository url", a.url);
  if (!OCI_TAG.test(a.tag ?? "")) throw new Error(`OCIRepository tag '${String(a.tag)}' is not an OCI tag: use letters, digits, '.', '_' and '-', e.g. stable`);
  const interval = a.interval ?? "5m";
  assertDuration("OCIRepository interval", interval);
  const spec: OciRepositorySpec = { url: a.url, ref: { tag: a.tag }, interval, provider: a.provider ?? ociProvider(a.url) };
  if (a.helmChart) spec.layerSelector = { mediaType: HELM_CHART_MEDIA_TYPE, operation: "copy" };
  return { apiVersion: OCI_REPOSITORY_API, kind: "OCIRepository", metadata: objectMeta(a), spec };
}

export interface HelmReleaseArgs extends ObjectMeta {
  /** Name of the OCIRepository (in the same namespace) that holds the chart. */
  chartSource: string;
  /** Service account the release is applied as (F2). Required: there is no cluster-admin fallback. */
  serviceAccountName: string;
  /** Reconcile interval. Default `10m`. */
  interval?: string;
  /** Helm values. */
  values?: Record<string, unknown>;
  /** Install retries before giving up. Default 3. */
  installRetries?: number;
  /** Upgrade retries; after the last failure the release is rolled back. Default 3. */
  upgradeRetries?: number;
}

export interface HelmReleaseSpec {
  interval: string;
  chartRef: { kind: "OCIRepository"; name: string; namespace: string };
  serviceAccountName: string;
  install: { remediation: { retries: number } };
  upgrade: { cleanupOnFail: boolean; remediation: { retries: number; remediateLastFailure: boolean; strategy: "rollback" } };
  driftDetection: { mode: "enabled" };
  values?: Record<string, unknown>;
}

export function helmRelease(a: HelmReleaseArgs): FluxObject<"HelmRelease", HelmReleaseSpec> {
  const interval = checkReconciler("HelmRelease", a, ["chartSource", a.chartSource]);
  const installRetries = retries("installRetries", a.installRetries);
  const upgradeRetries = retries("upgradeRetries", a.upgradeRetries);
  const spec: HelmReleaseSpec = {
    interval,
    // F2: the chart source is always in the release's own namespace.
    chartRef: { kind: "OCIRepository", name: a.chartSource, namespace: a.namespace },
    serviceAccountName: a.serviceAccountName,
    install: { remediation: { retries: installRetries } },
    upgrade: { cleanupOnFail: true, remediation: { retries: upgradeRetries, remediateLastFailure: true, strategy: "rollback" } },
    driftDetection: { mode: "enabled" },
  };
  if (a.values && Object.keys(a.values).length > 0) spec.values = a.values;
  return { apiVersion: HELM_RELEASE_API, kind: "HelmRelease", metadata: objectMeta(a), spec };
}

export interface KustomizationArgs extends ObjectMeta {
  /** Name of the OCIRepository (in the same namespace) that holds the manifests. */
  sourceName: string;
  /** Service account the manifests are applied as (F1, F2). */
  serviceAccountName: string;
  /** Path inside the artifact. Default `./`. */
  path?: string;
  /** Reconcile interval. Default `10m`. */
  interval?: string;
  /** Delete objects removed from the source. Default true. */
  prune?: boolean;
}

export interface KustomizationSpec {
  interval: string;
  path: string;
  prune: boolean;
  sourceRef: { kind: "OCIRepository"; name: string; namespace: string };
  serviceAccountName: string;
}

export function kustomization(a: KustomizationArgs): FluxObject<"Kustomization", KustomizationSpec> {
  const interval = checkReconciler("Kustomization", a, ["sourceName", a.sourceName]);
  const path = a.path ?? "./";
  if (path.split("/").includes("..")) throw new Error(`Kustomization path '${path}' leaves the artifact: use a path inside it such as ./clusters/staging`);
  return {
    apiVersion: KUSTOMIZATION_API,
    kind: "Kustomization",
    metadata: objectMeta(a),
    spec: {
      interval,
      path,
      prune: a.prune ?? true,
      // F2: the source is always in the Kustomization's own namespace.
      sourceRef: { kind: "OCIRepository", name: a.sourceName, namespace: a.namespace },
      serviceAccountName: a.serviceAccountName,
    },
  };
}

/** Validates what HelmRelease and Kustomization share and returns the interval (default 10m). */
function checkReconciler(kind: string, a: ObjectMeta & { serviceAccountName: string; interval?: string }, source: [string, string]): string {
  assertName(`${kind} name`, a.name);
  assertNamespace(`${kind} namespace`, a.namespace);
  assertName(`${kind} ${source[0]}`, source[1]);
  assertName(`${kind} serviceAccountName`, a.serviceAccountName);
  const interval = a.interval ?? "10m";
  assertDuration(`${kind} interval`, interval);
  return interval;
}

/** Metadata as written: labels only when there are some. */
export function objectMeta(a: ObjectMeta): ObjectMeta {
  const m: ObjectMeta = { name: a.name, namespace: a.namespace };
  if (a.labels && Object.keys(a.labels).length > 0) m.labels = { ...a.labels };
  return m;
}

function retries(field: string, v: number | undefined): number {
  const n = v ?? 3;
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new Error(`HelmRelease ${field} ${String(v)} must be an integer from 0 to 10`);
  return n;
}
