/**
 * Decisions of the `Flux` component as plain values: what it creates for a cluster, the Workload Identity
 * member of source-controller and the platform source. Pure: no provider imports.
 */
import { serviceAccountId } from "../naming";
import { FLUX_CHART, FLUX_NAMESPACE, SOURCE_CONTROLLER_SA } from "./chart";
import { kustomization, ociRepository, type FluxObject, type KustomizationSpec, type OciRepositorySpec } from "./objects";

/** Name of the OCIRepository and Kustomization that carry the platform's own cluster configuration. */
export const PLATFORM_SOURCE_NAME = "runway-platform";

/** The platform's cluster-level configuration, pushed as an OCI artifact (`flux push artifact`). */
export interface PlatformSource {
  /** `oci://host/path` of the artifact. */
  url: string;
  /** Tag to follow, e.g. the environment name or a stage. */
  tag: string;
  /** Path inside the artifact. Default `./`. */
  path?: string;
  /** How often to check the tag and reconcile. Default `5m`. */
  interval?: string;
}

export interface FluxInstallInput {
  clusterName: string;
  project?: string;
  workloadIdentity: boolean;
  installFlux?: boolean;
  chartVersion?: string;
  platformSource: PlatformSource;
  labels?: Record<string, string>;
}

export interface FluxInstallPlan {
  install: boolean;
  chartVersion?: string;
  /** Flux version of the pinned chart; unknown when chartVersion overrides it. */
  fluxVersion?: string;
  workloadIdentity?: { project: string; accountId: string; member: string };
  platformSource: FluxObject<"OCIRepository", OciRepositorySpec>;
  platformKustomization: FluxObject<"Kustomization", KustomizationSpec>;
}

const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
const CLUSTER_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** `serviceAccount:<project>.svc.id.goog[flux-system/source-controller]`: the KSA that may act as the Flux GSA. */
export function sourceControllerMember(project: string): string {
  return `serviceAccount:${project}.svc.id.goog[${FLUX_NAMESPACE}/${SOURCE_CONTROLLER_SA}]`;
}

/** Validates the component's arguments and decides what it creates. Throws with the field, value and fix. */
export function planFluxInstall(a: FluxInstallInput): FluxInstallPlan {
  if (typeof a.clusterName !== "string" || !CLUSTER_NAME.test(a.clusterName)) {
    throw new Error(`clusterName '${String(a.clusterName)}' must be a GKE cluster name: 1-40 lowercase letters, digits and '-', starting with a letter`);
  }
  if (typeof a.workloadIdentity !== "boolean") {
    throw new Error("workloadIdentity must be true (GKE with Workload Identity) or false (any other cluster); it has no default.");
  }
  const install = a.installFlux ?? true;
  if (a.chartVersion !== undefined && !SEMVER.test(a.chartVersion)) {
    throw new Error(`chartVersion '${a.chartVersion}' is not an exact chart version: pin one such as ${FLUX_CHART.version}`);
  }
  if (!install && a.chartVersion !== undefined) {
    throw new Error("chartVersion and installFlux: false are mutually exclusive: an existing Flux is reused as it is. Choose one.");
  }
  if (install && a.workloadIdentity && !a.project) {
    throw new Error("workloadIdentity needs project: set project to the GCP project that hosts the cluster, or set workloadIdentity: false.");
  }
  if (!a.platformSource) throw new Error("platformSource is required: give the oci:// URL and tag of the platform's cluster configuration.");
  const interval = a.platformSource.interval ?? "5m";
  const platformSource = ociRepository({
    name: PLATFORM_SOURCE_NAME,
    namespace: FLUX_NAMESPACE,
    labels: a.labels,
    url: a.platformSource.url,
    tag: a.platformSource.tag,
    interval,
  });
  // F1: the platform Kustomization is the one object that runs as kustomize-controller (cluster-admin).
  const platformKustomization = kustomization({
    name: PLATFORM_SOURCE_NAME,
    namespace: FLUX_NAMESPACE,
    labels: a.labels,
    sourceName: PLATFORM_SOURCE_NAME,
    serviceAccountName: "kustomize-controller",
    path: a.platformSource.path,
    interval,
  });
  const plan: FluxInstallPlan = { install, platformSource, platformKustomization };
  if (install) {
    plan.chartVersion = a.chartVersion ?? FLUX_CHART.version;
    if (plan.chartVersion === FLUX_CHART.version) plan.fluxVersion = FLUX_CHART.fluxVersion;
    if (a.workloadIdentity && a.project) {
      plan.workloadIdentity = { project: a.project, accountId: serviceAccountId("flux", a.clusterName), member: sourceControllerMember(a.project) };
    }
  }
  return plan;
}
