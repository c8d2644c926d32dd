import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FLUX_CHART, FLUX_NAMESPACE, fluxChartValues, platformNamespaceLabels, platformReleaseArgs, type FluxController, type Resources } from "../../src/flux/chart";
import { planFluxInstall, type PlatformSource } from "../../src/flux/install";
import { k8sLabels, type RunwayLabels } from "../../src/naming";

export interface FluxArgs {
  /**
   * GCP project that hosts the cluster: its Workload Identity pool (`<project>.svc.id.goog`) and the Flux service
   * account live there. Required when `workloadIdentity` is true.
   */
  project?: string;
  /** Name of the cluster (1-40 characters); the Flux GCP service account is named after it (`flux-<cluster>`). */
  clusterName: string;
  /**
   * Map source-controller to a GCP service account through GKE Workload Identity so it pulls charts and artifacts
   * from Artifact Registry without static credentials. No default: true on GKE, false on any other cluster.
   * See https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
   */
  workloadIdentity: boolean;
  /** Install Flux with the flux2 chart. Default true. False reuses a Flux already on the cluster: only the platform source is created. */
  installFlux?: boolean;
  /** flux2 chart version. Default FLUX_CHART.version (Flux FLUX_CHART.fluxVersion). Excludes `installFlux: false`. */
  chartVersion?: string;
  /** Project of the Artifact Registry repositories Flux reads. Default `project`. */
  artifactRegistryProject?: string;
  /** The platform's own cluster-level configuration: an OCI artifact reconciled as kustomize-controller (F1). */
  platformSource: PlatformSource;
  /** Per-controller resources; each given controller replaces its default (DEFAULT_FLUX_RESOURCES). */
  resources?: Partial<Record<FluxController, Resources>>;
  /** Labels of the Kubernetes objects (environment, owner). */
  labels?: RunwayLabels;
  /**
   * Resources the Workload Identity pool `<project>.svc.id.goog` waits for: the GKE cluster with Workload Identity
   * (G4) creates the pool, and GCP rejects a member of it before ("Identity Pool does not exist"). The
   * source-controller's `roles/iam.workloadIdentityUser` member depends on them. Default none (the pool exists).
   */
  workloadPoolReady?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Flux on one cluster: the flux2 chart with the multi-tenancy lockdown (F1), source-controller's Workload
 * Identity, and the platform source (OCIRepository + Kustomization in flux-system). Kubernetes children use the
 * caller's Kubernetes provider (pass `providers` in opts).
 */
export class Flux extends pulumi.ComponentResource {
  /** Namespace Flux runs in. */
  readonly namespace: string;
  /** Whether this component installed Flux (false: an existing Flux is reused). */
  readonly installed: boolean;
  /** Installed chart version; undefined when Flux is reused. */
  readonly chartVersion: string | undefined;
  /** Flux version of the installed chart; undefined when reused or when chartVersion overrides the pin. */
  readonly fluxVersion: string | undefined;
  /** Email of the GCP service account source-controller acts as; undefined without Workload Identity. */
  readonly sourceServiceAccountEmail: pulumi.Output<string> | undefined;
  /** Name of the platform OCIRepository and Kustomization in flux-system. */
  readonly platformSourceName: string;
  /**
   * The flux2 chart's Helm release, which installs Flux's CRDs (OCIRepository, HelmRelease, Kustomization):
   * tenants' Flux objects depend on it. Undefined when an existing Flux is reused.
   */
  readonly chartRelease: k8s.helm.v3.Release | undefined;

  constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:cluster:Flux", name, {}, opts);
    const labels = k8sLabels(args.labels ?? {});
    const plan = planFluxInstall({ ...args, labels });

    const crdReady: pulumi.Resource[] = [];
    let chartRelease: k8s.helm.v3.Release | undefined;
    let email: pulumi.Output<string> | undefined;
    if (plan.install) {
      if (plan.workloadIdentity) {
        const wi = plan.workloadIdentity;
        const sa = new gcp.serviceaccount.Account(
          `${name}-source`,
          { project: wi.project, accountId: wi.accountId, displayName: `Flux source-controller of ${args.clusterName}` },
          { parent: this },
        );
        new gcp.projects.IAMMember(
          `${name}-source-ar-reader`,
          { project: args.artifactRegistryProject ?? wi.project, role: "roles/artifactregistry.reader", member: sa.member },
          { parent: this },
        );
        // Granted on the service account itself, never project-wide (I2).
        new gcp.serviceaccount.IAMMember(
          `${name}-source-wi`,
          { serviceAccountId: sa.name, role: "roles/iam.workloadIdentityUser", member: wi.member },
          { parent: this, dependsOn: args.workloadPoolReady },
        );
        email = sa.email;
      }
      const ns = new k8s.core.v1.Namespace(
        `${name}-namespace`,
        { metadata: { name: FLUX_NAMESPACE, labels: platformNamespaceLabels(args.labels ?? {}) } },
        { parent: this },
      );
      // Only the annotation waits for the service account: the lockdown stays checkable in preview.
      const values = fluxChartValues({ sourceServiceAccountEmail: email, resources: args.resources });
      chartRelease = new k8s.helm.v3.Release(`${name}-chart`, platformReleaseArgs("flux", FLUX_CHART, plan.chartVersion ?? FLUX_CHART.version, ns.metadata.name, values), { parent: this });
      crdReady.push(chartRelease);
    }

    const source = new k8s.apiextensions.CustomResource(`${name}-platform-source`, plan.platformSource, { parent: this, dependsOn: crdReady });
    new k8s.apiextensions.CustomResource(`${name}-platform`, plan.platformKustomization, { parent: this, dependsOn: [source, ...crdReady] });

    this.namespace = FLUX_NAMESPACE;
    this.installed = plan.install;
    this.chartVersion = plan.chartVersion;
    this.fluxVersion = plan.fluxVersion;
    this.sourceServiceAccountEmail = email;
    this.platformSourceName = plan.platformSource.metadata.name;
    this.chartRelease = chartRelease;
    this.registerOutputs({
      namespace: this.namespace,
      installed: this.installed,
      chartVersion: this.chartVersion,
      fluxVersion: this.fluxVersion,
      sourceServiceAccountEmail: this.sourceServiceAccountEmail,
      platformSourceName: this.platformSourceName,
      chartRelease: this.chartRelease,
    });
  }
}
