import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { platformNamespaceLabels, platformReleaseArgs } from "../../src/flux/chart";
import { k8sLabels, type RunwayLabels } from "../../src/naming";
import { ESO_CHART, esoChartValues, type EsoValuesOptions } from "../../src/vault/eso";
import { clusterCaPem, kubernetesHost, planVaultIntegration, reviewerJwt } from "../../src/vault/integration";

export interface VaultIntegrationArgs {
  /** Name of the cluster; the auth backend is `kubernetes-<clusterName>` unless `authBackendPath` is given. */
  clusterName: string;
  /** Environment the cluster serves: its KV v2 mount is `<kvMount>/env/<environment>`; labels. */
  environment: string;
  /** API server endpoint: bare IP or host (GKE `endpoint`) or an https URL. Vault must be able to reach it. */
  endpoint: pulumi.Input<string>;
  /** Cluster CA, PEM or base64 of PEM (GKE `masterAuth.clusterCaCertificate`). */
  clusterCaCertificate: pulumi.Input<string>;
  /** Path of the Kubernetes auth backend. Default `kubernetes-<clusterName>`. */
  authBackendPath?: string;
  /**
   * Base of the per-environment KV v2 mounts. Default `runway` (config `runway:vault.kvMount`). The environment's
   * mount is `<kvMount>/env/<environment>`, e.g. `runway/env/staging`, so secrets keep Runway's path
   * `runway/env/<env>/service/<name>/<path>`.
   */
  kvMount?: string;
  /**
   * Create the environment's KV v2 mount `<kvMount>/env/<environment>` (protected: it holds data). Default false:
   * exactly one stack per environment owns it, the environment's platform stack; dedicated clusters only read.
   */
  createKvMount?: boolean;
  /** Install External Secrets Operator in `runway-secrets`. Default true. */
  installOperator?: boolean;
  /** external-secrets chart version. Default ESO_CHART.version. Excludes `installOperator: false`. */
  operatorChartVersion?: string;
  /** Resources of the operator's controller. */
  operatorResources?: EsoValuesOptions["resources"];
  /** Labels of the Kubernetes objects (owner). */
  labels?: RunwayLabels;
}

/**
 * Vault for one cluster: a Kubernetes auth backend that checks tokens against this cluster's API, optionally the
 * environment's KV v2 mount, and External Secrets Operator, which logs in as each tenant's own service account
 * (see TenantVaultAccess). Kubernetes and Vault children use the caller's providers (pass `providers` in opts).
 */
export class VaultIntegration extends pulumi.ComponentResource {
  /** Path of the cluster's Kubernetes auth backend. */
  readonly authBackendPath: string;
  /** Accessor of that backend, for templated policies (V5). */
  readonly authBackendAccessor: pulumi.Output<string>;
  /** Base of the per-environment KV v2 mounts, e.g. `runway`. */
  readonly kvMount: string;
  /** This environment's KV v2 mount, `<kvMount>/env/<environment>`. */
  readonly kvMountPath: string;
  /** Namespace of the secrets operator and the token reviewer. */
  readonly operatorNamespace: string;
  /** Installed external-secrets chart version; undefined when the operator is not installed here. */
  readonly operatorChartVersion: string | undefined;
  /**
   * The operator's Helm release, which installs the SecretStore and ExternalSecret CRDs: tenants' objects of those
   * kinds depend on it. Undefined when the operator is not installed here.
   */
  readonly operatorRelease: k8s.helm.v3.Release | undefined;

  constructor(name: string, args: VaultIntegrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:cluster:VaultIntegration", name, {}, opts);
    const plan = planVaultIntegration(args);
    const labels = k8sLabels({ ...args.labels, environment: args.environment });

    const backend = new vault.AuthBackend(
      `${name}-auth`,
      { type: "kubernetes", path: plan.authBackendPath, description: `Runway: service accounts of cluster ${args.clusterName}` },
      { parent: this },
    );

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: plan.namespace, labels: platformNamespaceLabels({ ...args.labels, environment: args.environment }) } },
      { parent: this },
    );
    // Vault calls TokenReview with this account's token. A dedicated reviewer is needed because tenant tokens carry
    // the Vault audience (V2), which the API server does not accept as a bearer credential.
    const reviewer = new k8s.core.v1.ServiceAccount(
      `${name}-token-reviewer`,
      { metadata: { name: plan.reviewer.serviceAccount, namespace: ns.metadata.name, labels }, automountServiceAccountToken: false },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-token-reviewer`,
      {
        metadata: { name: plan.reviewer.clusterRoleBinding, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: [{ kind: "ServiceAccount", name: reviewer.metadata.name, namespace: plan.namespace }],
      },
      { parent: this },
    );
    // The provider waits until the token controller fills the Secret (pulumi-kubernetes #2048); its data is secret.
    const token = new k8s.core.v1.Secret(
      `${name}-token-reviewer`,
      {
        metadata: { name: plan.reviewer.secret, namespace: ns.metadata.name, labels, annotations: { "kubernetes.io/service-account.name": reviewer.metadata.name } },
        type: "kubernetes.io/service-account-token",
      },
      { parent: this },
    );

    new vault.kubernetes.AuthBackendConfig(
      `${name}-auth`,
      {
        backend: backend.path,
        kubernetesHost: pulumi.output(args.endpoint).apply(kubernetesHost),
        kubernetesCaCert: pulumi.output(args.clusterCaCertificate).apply(clusterCaPem),
        tokenReviewerJwt: pulumi.secret(token.data.apply(reviewerJwt)),
        // Vault docs: issuer validation is deprecated and off by default since Vault 1.9; TokenReview is authoritative.
        disableIssValidation: true,
        // Vault runs outside this cluster: never fall back to the pod identity of wherever Vault runs.
        disableLocalCaJwt: true,
      },
      { parent: this },
    );

    if (plan.createKvMount) {
      new vault.Mount(
        `${name}-kv`,
        { path: plan.kvMountPath, type: "kv", options: { version: "2" }, description: `Runway service secrets of ${args.environment} (KV v2), owned by the ${args.environment} platform stack` },
        // D1 spirit: the mount holds every service's secrets; removing it from code must not delete them.
        { parent: this, protect: true },
      );
    }

    let operatorRelease: k8s.helm.v3.Release | undefined;
    if (plan.installOperator) {
      operatorRelease = new k8s.helm.v3.Release(
        `${name}-operator`,
        platformReleaseArgs("external-secrets", ESO_CHART, plan.operatorChartVersion ?? ESO_CHART.version, ns.metadata.name, esoChartValues({ resources: args.operatorResources })),
        { parent: this },
      );
    }

    this.authBackendPath = plan.authBackendPath;
    this.authBackendAccessor = backend.accessor;
    this.kvMount = plan.kvMount;
    this.kvMountPath = plan.kvMountPath;
    this.operatorNamespace = plan.namespace;
    this.operatorChartVersion = plan.operatorChartVersion;
    this.operatorRelease = operatorRelease;
    this.registerOutputs({
      authBackendPath: this.authBackendPath,
      authBackendAccessor: this.authBackendAccessor,
      kvMount: this.kvMount,
      kvMountPath: this.kvMountPath,
      operatorNamespace: this.operatorNamespace,
      operatorChartVersion: this.operatorChartVersion,
      operatorRelease: this.operatorRelease,
    });
  }
}
