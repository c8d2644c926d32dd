import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TenantSpec } from "../../src/config/catalog";
import { helmRelease, ociRepository } from "../../src/flux/objects";
import { serviceAccountId, serviceHost } from "../../src/naming";
import {
  defaultServiceAccountPatch,
  httpRoute,
  limitRange,
  namespaceObject,
  networkPolicies,
  reconcilerRoleBinding,
  reconcilerServiceAccount,
  resourceQuota,
  tenantNames,
  workloadServiceAccount,
} from "../../src/tenancy/objects";
import { TenantObservability } from "../observability/tenant-observability";
import { TenantVaultAccess } from "./tenant-vault-access";

/** Vault wiring of the cluster the tenant lives on (from VaultIntegration). */
export interface TenantVaultArgs {
  /** Vault address the secrets operator connects to. */
  address: string;
  /** Path of the cluster's Kubernetes auth backend. */
  authBackendPath: string;
  /** Accessor of that backend, for templated policies (V5). */
  authBackendAccessor: pulumi.Input<string>;
  /** Base of the per-environment KV v2 mounts, e.g. `runway`; the tenant reads `<mount>/env/<environment>`. */
  mount: string;
  /** Audience of service account tokens presented to Vault (V2). */
  audience: string;
}

/**
 * Helm values of the tenant's release: the catalog's values, plus what the platform provides. Runway charts are
 * strict about their values (values.schema.json), so the platform only sets keys they define: the service account
 * the tenant created, and the environment as RUNWAY_* variables.
 */
export function tenantReleaseValues(t: TenantSpec, host: string): Record<string, unknown> {
  const env = (t.chartValues.env as Record<string, unknown> | undefined) ?? {};
  return {
    ...t.chartValues,
    // Objects keep the service's name whatever release name Flux derives (it shortens names over 53 characters):
    // the tenant's HTTPRoute and network policies refer to them by it.
    fullnameOverride: t.name,
    serviceAccount: { create: false, name: tenantNames(t).workload },
    env: { ...env, RUNWAY_ENVIRONMENT: t.environment, RUNWAY_STAGE: t.stage, RUNWAY_HOST: host },
  };
}

export interface TenantArgs {
  /** The catalog entry resolved for this environment (src/config/catalog.ts resolveTenant). */
  spec: TenantSpec;
  /** Project of the cluster: the workload's GCP service account and the tenant's dashboard live here. */
  project: pulumi.Input<string>;
  /** Workload Identity pool of the cluster, `<project>.svc.id.goog`. */
  workloadPool: pulumi.Input<string>;
  /**
   * Resources the Workload Identity pool waits for: the GKE cluster with Workload Identity (G4) creates it, and
   * GCP rejects a member of it before ("Identity Pool does not exist"). The workload's
   * `roles/iam.workloadIdentityUser` member depends on them. Default none (the pool exists).
   */
  workloadPoolReady?: pulumi.Input<pulumi.Resource>[];
  /**
   * Resources that install the CRDs of the tenant's custom resources: Flux's chart release (OCIRepository,
   * HelmRelease) and External Secrets Operator's (SecretStore, ExternalSecret), i.e. Flux.chartRelease and
   * VaultIntegration.operatorRelease. Those custom resources depend on them, so none is created before its kind
   * exists. Default none (the CRDs exist).
   */
  crdsReady?: pulumi.Input<pulumi.Resource>[];
  /** Name of the cluster (scopes metrics and dashboards). */
  clusterName: string;
  /** DNS domain of the platform: the host is `<name>.<environment>.<domain>`. */
  domain: string;
  /**
   * Range of the cluster region's proxy-only subnet (Network `subnets[].proxyOnly`): an internal tenant admits the
   * internal Gateway's proxies from it. Default none: only Google's load balancer ranges are admitted.
   */
  proxyOnlyCidr?: string;
  /** Vault integration of the cluster; without it the tenant gets no secrets delivery. */
  vault?: TenantVaultArgs;
  /** Cloud Monitoring channels that receive the tenant's alerts. */
  notificationChannels?: string[];
}

/**
 * One satellite service on one cluster: an isolated namespace (K1-K4), the identities Flux and the workload run
 * as (F2, F3, Workload Identity), its Vault access (V1-V5), its release followed by stage tag, its route on the
 * shared Gateway, and its scraping, dashboard and alert.
 *
 * The namespace is protected and retained (D1, D2): removing a catalog entry never deletes the tenant's data; see
 * docs/operations.md for offboarding.
 */
export class Tenant extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly host: string;
  /** The workload's GCP service account; none for a retired tenant. */
  readonly gcpServiceAccountEmail: pulumi.Output<string> | undefined;
  /** Resource id of the tenant's Cloud Monitoring dashboard (`projects/<p>/dashboards/<id>`); none when retired. */
  readonly dashboardId: pulumi.Output<string> | undefined;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:tenancy:Tenant", name, {}, opts);
    const t = args.spec;
    const names = tenantNames(t);
    this.namespace = names.namespace;
    this.host = serviceHost(t.name, t.environment, args.domain);

    const ns = new k8s.core.v1.Namespace(name, { metadata: namespaceObject(t).metadata }, { parent: this, protect: true, retainOnDelete: true });
    const inNs = { parent: this, dependsOn: [ns] };
    // Custom resources also wait for the releases that install their CRDs.
    const crdsReady = args.crdsReady ?? [];

    // Isolation stays as long as the namespace does, retired or not: its data stays fenced and within quota.
    new k8s.core.v1.ServiceAccountPatch(`${name}-default-sa`, defaultServiceAccountPatch(t) as k8s.core.v1.ServiceAccountPatchArgs, inNs);
    new k8s.core.v1.ResourceQuota(`${name}-quota`, resourceQuota(t) as k8s.core.v1.ResourceQuotaArgs, inNs);
    new k8s.core.v1.LimitRange(`${name}-limits`, limitRange(t) as k8s.core.v1.LimitRangeArgs, inNs);
    for (const np of networkPolicies(t, { proxyOnlyCidr: args.proxyOnlyCidr })) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${np.metadata.name}`, np as unknown as k8s.networking.v1.NetworkPolicyArgs, inNs);
    }
    if (t.lifecycle === "retired") {
      // Offboarded: the workload, its identities, Vault access, route and observability are removed; the namespace
      // (protected, retained) and the data in it are kept until the Runway team deletes it.
      this.gcpServiceAccountEmail = undefined;
      this.dashboardId = undefined;
      this.registerOutputs({ namespace: this.namespace, host: this.host });
      return;
    }

    const gsa = new gcp.serviceaccount.Account(
      `${name}-workload`,
      { project: args.project, accountId: serviceAccountId("rw", t.name), displayName: `Runway workload ${t.name} (${t.environment})` },
      { parent: this },
    );
    new gcp.serviceaccount.IAMMember(
      `${name}-workload-identity`,
      {
        serviceAccountId: gsa.name,
        role: "roles/iam.workloadIdentityUser",
        member: pulumi.interpolate`serviceAccount:${args.workloadPool}[${names.namespace}/${names.workload}]`,
      },
      { parent: this, dependsOn: args.workloadPoolReady },
    );
    this.gcpServiceAccountEmail = gsa.email;

    const reconciler = new k8s.core.v1.ServiceAccount(`${name}-reconciler`, reconcilerServiceAccount(t) as k8s.core.v1.ServiceAccountArgs, inNs);
    const workloadSa = workloadServiceAccount(t);
    new k8s.core.v1.ServiceAccount(
      `${name}-workload`,
      { ...(workloadSa as k8s.core.v1.ServiceAccountArgs), metadata: { ...workloadSa.metadata, annotations: { "iam.gke.io/gcp-service-account": gsa.email } } },
      inNs,
    );
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-reconciler`, reconcilerRoleBinding(t) as k8s.rbac.v1.RoleBindingArgs, inNs);

    if (args.vault) {
      new TenantVaultAccess(
        `${name}-vault`,
        {
          authBackendPath: args.vault.authBackendPath,
          authBackendAccessor: args.vault.authBackendAccessor,
          mount: args.vault.mount,
          environment: t.environment,
          service: t.name,
          namespace: names.namespace,
          serviceAccounts: [names.workload],
          secrets: t.secrets,
          vaultAddress: args.vault.address,
          audience: args.vault.audience,
          crdsReady,
        },
        inNs,
      );
    }

    // The release follows its stage's tag: promotion moves the tag in the registry, never a change here.
    const source = ociRepository({ name: t.name, namespace: names.namespace, url: t.chartRepository, tag: t.stage, helmChart: true });
    const sourceCr = new k8s.apiextensions.CustomResource(`${name}-source`, source, { parent: this, dependsOn: [ns, ...crdsReady] });
    const release = helmRelease({
      name: t.name,
      namespace: names.namespace,
      chartSource: t.name,
      serviceAccountName: names.reconciler,
      values: tenantReleaseValues(t, this.host),
    });
    new k8s.apiextensions.CustomResource(`${name}-release`, release, { parent: this, dependsOn: [ns, sourceCr, reconciler, binding, ...crdsReady] });

    const route = httpRoute(t, this.host);
    // The HTTPRoute kind is not installed by a release: it comes with GKE's Gateway API, a setting of the cluster,
    // and the cluster's Kubernetes provider already waits for the cluster.
    if (route) new k8s.apiextensions.CustomResource(`${name}-route`, route, inNs);

    const observability = new TenantObservability(
      `${name}-observability`,
      { project: args.project, clusterName: args.clusterName, environment: t.environment, service: t.name, namespace: names.namespace, notificationChannels: args.notificationChannels },
      inNs,
    );

    this.dashboardId = observability.dashboard.id;
    this.registerOutputs({ namespace: this.namespace, host: this.host, gcpServiceAccountEmail: this.gcpServiceAccountEmail, dashboardId: this.dashboardId });
  }
}
