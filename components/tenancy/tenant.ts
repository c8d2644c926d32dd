import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TenantSpec } from "../../src/config/catalog";
import { helmRelease, ociRepository } from "../../src/flux/objects";
import { serviceExport } from "../../src/platform/fleet";
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
import { FleetObservability } from "../observability/fleet-observability";
import { TenantObservability } from "../observability/tenant-observability";
import { GlobalRoute } from "./global-route";
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
  /**
   * false: the service does not run on this cluster, which only holds its namespace with the namespace's isolation
   * (K1–K4) and, with `global`, its route on the multi-cluster Gateway: the primary cluster of a service that runs
   * only in other regions. Default true.
   */
  workload?: boolean;
  /**
   * Email of the workload's GCP service account when this cluster does not create one: the account the primary
   * cluster created in the environment's project (every cluster of the project shares its Workload Identity pool),
   * or a Dedicated customer's in its own project. Default: create `rw-<name>` in `project`.
   */
  workloadServiceAccount?: string;
  /**
   * Export the service to the fleet (a multi-cluster Services ServiceExport), so its pods here are backends of its
   * global route. `ready` are the resources that install the ServiceExport kind: the fleet membership and feature.
   */
  exportToFleet?: { ready: pulumi.Input<pulumi.Resource>[] };
  /**
   * Serve the host through the multi-cluster Gateway (on the primary cluster only), with the load balancer's health
   * check and the service's dashboard and alerts across `clusters`, one per region it runs in. `ready`: the
   * multi-cluster Gateway.
   */
  global?: { clusters: { region: string; cluster: string }[]; ready: pulumi.Input<pulumi.Resource>[] };
  /** Region of the cluster, in an environment of several regions: named in the tenant's dashboard and alerts. */
  region?: string;
  /** false: no route on this cluster's own Gateways, which it has none of (a regional cluster). Default true. */
  route?: boolean;
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
  /** The workload's GCP service account (created here, or the one `workloadServiceAccount` names); none for a retired tenant. */
  readonly gcpServiceAccountEmail: pulumi.Output<string> | undefined;
  /**
   * Resource id of the tenant's Cloud Monitoring dashboard on this cluster (`projects/<p>/dashboards/<id>`); none
   * when retired or when the service does not run here.
   */
  readonly dashboardId: pulumi.Output<string> | undefined;
  /** Resource id of the dashboard across regions, for a tenant served through the multi-cluster Gateway (`global`). */
  readonly fleetDashboardId: pulumi.Output<string> | undefined;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:tenancy:Tenant", name, {}, opts);
    const t = args.spec;
    const names = tenantNames(t);
    this.namespace = names.namespace;
    this.host = serviceHost(t.name, t.environment, args.domain);

    const ns = new k8s.core.v1.Namespace(name, { metadata: namespaceObject(t).metadata }, { parent: this, protect: true, retainOnDelete: true });
    const inNs = { parent: this, dependsOn: [ns] };

    // K1–K4 in every namespace of a tenant, whether or not the service runs on this cluster, and retired or not:
    // its data stays fenced and within quota as long as the namespace does.
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
      this.fleetDashboardId = undefined;
      this.registerOutputs({ namespace: this.namespace, host: this.host });
      return;
    }

    // The identity lives with the tenant's home cluster even where the service does not run: every cluster of the
    // project shares its Workload Identity pool, so the other regions' pods use this account.
    this.gcpServiceAccountEmail = args.workloadServiceAccount !== undefined ? pulumi.output(args.workloadServiceAccount) : this.identity(name, args);
    this.dashboardId = args.workload !== false ? this.workload(name, args, ns, this.gcpServiceAccountEmail) : undefined;

    if (args.global) {
      if (t.exposure.visibility === "external") new GlobalRoute(`${name}-global`, { spec: t, host: this.host, ready: [ns, ...args.global.ready] }, { parent: this });
      const fleet = new FleetObservability(
        `${name}-all-regions`,
        { project: args.project, environment: t.environment, service: t.name, namespace: names.namespace, clusters: args.global.clusters, notificationChannels: args.notificationChannels },
        { parent: this },
      );
      this.fleetDashboardId = fleet.dashboard.id;
    } else {
      this.fleetDashboardId = undefined;
    }

    this.registerOutputs({ namespace: this.namespace, host: this.host, gcpServiceAccountEmail: this.gcpServiceAccountEmail, dashboardId: this.dashboardId });
  }

  /** The workload's GCP service account `rw-<name>` and the Workload Identity binding of its Kubernetes one. */
  private identity(name: string, args: TenantArgs): pulumi.Output<string> {
    const t = args.spec;
    const names = tenantNames(t);
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
    return gsa.email;
  }

  /** The service itself on this cluster: service accounts, Vault access, source and release, route, fleet export, observability. */
  /** Returns the id of the service's dashboard on this cluster. */
  private workload(name: string, args: TenantArgs, ns: k8s.core.v1.Namespace, email: pulumi.Output<string>): pulumi.Output<string> {
    const t = args.spec;
    const names = tenantNames(t);
    const inNs = { parent: this, dependsOn: [ns] };
    // Custom resources also wait for the releases that install their CRDs.
    const crdsReady = args.crdsReady ?? [];

    const reconciler = new k8s.core.v1.ServiceAccount(`${name}-reconciler`, reconcilerServiceAccount(t) as k8s.core.v1.ServiceAccountArgs, inNs);
    const workloadSa = workloadServiceAccount(t);
    new k8s.core.v1.ServiceAccount(
      `${name}-workload`,
      { ...(workloadSa as k8s.core.v1.ServiceAccountArgs), metadata: { ...workloadSa.metadata, annotations: { "iam.gke.io/gcp-service-account": email } } },
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
    // and the cluster's Kubernetes provider already waits for the cluster. A cluster without Gateways (a regional
    // cluster, whose services are reached through the primary's multi-cluster Gateway) gets none.
    if (route && args.route !== false) new k8s.apiextensions.CustomResource(`${name}-route`, route, inNs);
    if (args.exportToFleet && t.exposure.visibility !== "none") {
      new k8s.apiextensions.CustomResource(`${name}-export`, serviceExport(t), { parent: this, dependsOn: [ns, ...args.exportToFleet.ready] });
    }

    const observability = new TenantObservability(
      `${name}-observability`,
      {
        project: args.project,
        clusterName: args.clusterName,
        environment: t.environment,
        service: t.name,
        namespace: names.namespace,
        notificationChannels: args.notificationChannels,
        region: args.region,
        ...(t.app ? { podSelector: { "app.kubernetes.io/name": t.app } } : {}),
      },
      inNs,
    );

    return observability.dashboard.id;
  }
}
