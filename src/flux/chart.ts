/**
 * The flux2 Helm chart (fluxcd-community) as Runway installs it: pinned version, multi-tenancy lockdown (F1),
 * controller resources and the source-controller's Workload Identity. Pure: no provider imports.
 */
import { k8sLabels, type RunwayLabels } from "../naming";

/**
 * The pinned chart. Chart 2.19.0 ships Flux v2.8.8 (flux-cli v2.8.8, source-controller v1.8.5,
 * kustomize-controller v1.8.5, helm-controller v1.5.5, notification-controller v1.8.4,
 * image-reflector-controller v1.1.2, image-automation-controller v1.1.4), per the chart's values.yaml and
 * `helm.sh/chart: flux2-2.19.0` / `app.kubernetes.io/version: 2.8.8` in its test snapshots.
 */
export const FLUX_CHART = {
  name: "flux2",
  repository: "https://fluxcd-community.github.io/helm-charts",
  version: "2.19.0",
  fluxVersion: "2.8.8",
} as const;

/** Namespace Flux runs in; fixed because the controllers' RBAC and the chart assume it. */
export const FLUX_NAMESPACE = "flux-system";

/** Kubernetes ServiceAccount of source-controller, the one Workload Identity maps to a GCP service account. */
export const SOURCE_CONTROLLER_SA = "source-controller";

/** The chart's value keys, one per controller (image-reflector's key is `imageReflectionController`). */
export const FLUX_CONTROLLERS = [
  "sourceController",
  "kustomizeController",
  "helmController",
  "notificationController",
  "imageReflectionController",
  "imageAutomationController",
] as const;
export type FluxController = (typeof FLUX_CONTROLLERS)[number];

/** Container resources as Kubernetes takes them. */
export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/**
 * Defaults: requests sized for a cluster of a few dozen tenants; a memory limit (OOM is preferable to starving
 * the node) and no CPU limit (throttling slows reconciliation without protecting anyone).
 */
export const DEFAULT_FLUX_RESOURCES: Record<FluxController, Resources> = {
  sourceController: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  kustomizeController: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  helmController: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  notificationController: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
  imageReflectionController: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } },
  imageAutomationController: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } },
};

export interface FluxValuesOptions<E = string> {
  /**
   * Email of the GCP service account source-controller impersonates through Workload Identity; unset: no
   * annotation. Generic so a component can pass a Pulumi output and keep the rest of the values known in preview.
   */
  sourceServiceAccountEmail?: E;
  /** Per-controller resources; each given controller replaces its default entirely. */
  resources?: Partial<Record<FluxController, Resources>>;
}

/** One controller's block in the chart values. */
export interface ControllerValues<E = string> {
  create: boolean;
  resources: Resources;
  container: { additionalArgs: string[] };
  serviceAccount?: { create: boolean; annotations: Record<string, E> };
}

/** The values Runway passes to the flux2 chart. */
export interface FluxChartValues<E = string> {
  installCRDs: boolean;
  multitenancy: { enabled: boolean; defaultServiceAccount: string; privileged: boolean };
  watchAllNamespaces: boolean;
  policies: { create: boolean };
  sourceWatcher: { create: boolean };
  sourceController: ControllerValues<E>;
  kustomizeController: ControllerValues;
  helmController: ControllerValues;
  notificationController: ControllerValues;
  imageReflectionController: ControllerValues;
  imageAutomationController: ControllerValues;
}

/** Extra arguments per controller where the chart has no switch of its own (F1). */
const EXTRA_ARGS: Record<FluxController, string[]> = {
  sourceController: [],
  // F1: the chart's multitenancy switch does not cover remote bases.
  kustomizeController: ["--no-remote-bases=true"],
  helmController: [],
  notificationController: [],
  imageReflectionController: [],
  imageAutomationController: [],
};

/** The flux2 chart values with the multi-tenancy lockdown (F1). */
export function fluxChartValues<E = string>(opts: FluxValuesOptions<E> = {}): FluxChartValues<E> {
  const controller = (c: FluxController): ControllerValues => ({
    create: true,
    resources: opts.resources?.[c] ?? DEFAULT_FLUX_RESOURCES[c],
    container: { additionalArgs: [...EXTRA_ARGS[c]] },
  });
  const annotations: Record<string, E> = {};
  if (opts.sourceServiceAccountEmail) annotations["iam.gke.io/gcp-service-account"] = opts.sourceServiceAccountEmail;
  return {
    installCRDs: true,
    // F1: the chart's own switch adds --no-cross-namespace-refs=true to the five controllers that take it and
    // --default-service-account to kustomize- and helm-controller. `privileged` keeps cluster-admin for the two
    // reconcilers: the platform Kustomization runs as kustomize-controller; tenants cannot name that account
    // because of --no-cross-namespace-refs and the F2 builders.
    multitenancy: { enabled: true, defaultServiceAccount: "default", privileged: true },
    watchAllNamespaces: true,
    policies: { create: true },
    sourceWatcher: { create: false },
    sourceController: { ...controller("sourceController"), serviceAccount: { create: true, annotations } },
    kustomizeController: controller("kustomizeController"),
    helmController: controller("helmController"),
    notificationController: controller("notificationController"),
    imageReflectionController: controller("imageReflectionController"),
    imageAutomationController: controller("imageAutomationController"),
  };
}

/**
 * The lockdown-relevant container arguments each controller ends up with, computed from the values the way the
 * chart's templates (2.19.0, `templates/<controller>.yaml`) render them: `multitenancy.enabled` adds
 * `--no-cross-namespace-refs=true` to every controller but source-controller and `--default-service-account=<sa>`
 * to kustomize- and helm-controller; `container.additionalArgs` is appended as given.
 */
export function renderedControllerArgs<E>(values: FluxChartValues<E>): Record<FluxController, string[]> {
  const out = {} as Record<FluxController, string[]>;
  for (const c of FLUX_CONTROLLERS) {
    const args: string[] = [];
    if (values.multitenancy.enabled && c !== "sourceController") args.push("--no-cross-namespace-refs=true");
    if (values.multitenancy.enabled && (c === "kustomizeController" || c === "helmController")) {
      args.push(`--default-service-account=${values.multitenancy.defaultServiceAccount || "default"}`);
    }
    args.push(...values[c].container.additionalArgs);
    out[c] = values[c].create ? args : [];
  }
  return out;
}

/**
 * Arguments of a `helm.v3.Release` for a platform chart: fixed release name, pinned version, atomic installs that
 * roll back on failure, bounded history. Generic over Pulumi inputs so this module stays provider-free.
 */
export function platformReleaseArgs<N, V>(release: string, chart: { name: string; repository: string }, version: string, namespace: N, values: V) {
  return { name: release, chart: chart.name, version, repositoryOpts: { repo: chart.repository }, namespace, values, atomic: true, cleanupOnFail: true, maxHistory: 5 };
}

/** Pod Security Standards version the platform namespaces pin (K1). */
export const PSS_VERSION = "v1.33";

/**
 * Labels of a platform namespace (flux-system, the secrets operator's): Runway labels plus Pod Security
 * Standards `restricted` enforced at a pinned version, with warn and audit (K1). The Flux and ESO controllers run
 * as non-root with all capabilities dropped and the RuntimeDefault seccomp profile, so they pass.
 */
export function platformNamespaceLabels(labels: RunwayLabels = {}): Record<string, string> {
  const out: Record<string, string> = k8sLabels(labels);
  for (const mode of ["enforce", "warn", "audit"]) {
    out[`pod-security.kubernetes.io/${mode}`] = "restricted";
    out[`pod-security.kubernetes.io/${mode}-version`] = PSS_VERSION;
  }
  return out;
}
