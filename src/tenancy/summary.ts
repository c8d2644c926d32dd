/**
 * "What you get": everything a service team needs after onboarding, per environment, as plain data. The same
 * summary is a stack output of the stack that hosts the tenant, the "what you get" section of the merge-request
 * note, and what `runway describe` prints. Pure: computed from the tenant and its cluster, no provider.
 */
import type { TenantSpec } from "../config/catalog";
import { serviceHost } from "../naming";
import { fleetAlertPolicies, fleetDashboardName, tenantAlertPolicies, tenantDashboard } from "../observability";
import { sharedWorkloadAccount } from "../platform/regional";
import { environmentMountPath } from "../vault/integration";
import { tenantNames } from "./objects";

/** Where the service teams' Vault instructions live. */
export const VAULT_DOCS = "docs/cluster-addons.md#adding-a-secret-service-teams";

/** The cluster a tenant runs on. */
export interface TenantCluster {
  /** Stack that creates it (and whose outputs hold this summary). */
  stack: string;
  /** GKE cluster name, e.g. `runway-staging` or `ai-gateway-production`. */
  name: string;
  /** GCP project of the cluster: the workload's GCP service account and the dashboard live there. */
  project: string;
  domain: string;
  /** Vault of the cluster, when it delivers secrets. */
  vault?: { address: string; kvMount: string };
}

export interface TenantSummary {
  service: string;
  environment: string;
  lifecycle: "active" | "retired";
  placement: "shared" | "dedicated";
  stack: string;
  cluster: string;
  project: string;
  namespace: string;
  /** The chart tag the release follows. */
  stage?: string;
  /** `https://<host>` where the service is routed; absent for `visibility: none` and retired services. */
  url?: string;
  visibility?: "external" | "internal" | "none";
  /** Regions the service runs in, when it lists them (one host, served from every one of them). */
  regions?: string[];
  /** The workload's service account and the one Flux applies the release as. */
  kubernetesServiceAccounts?: { workload: string; reconciler: string };
  /** GCP service account the workload's Kubernetes service account maps to (Workload Identity). */
  gcpServiceAccount?: string;
  vault?: {
    address: string;
    /** KV v2 mount of the environment. */
    mount: string;
    /** The service's prefix in the mount. */
    prefix: string;
    /** Writes a secret at `<prefix>/<path>`. */
    writeCommand: string;
    secrets: { name: string; path: string }[];
    docs: string;
  };
  dashboard?: { title: string; url: string };
  alerts?: string[];
  /** Flux objects in the namespace, and how to watch them. */
  flux?: { objects: { kind: string; name: string; namespace: string }[]; watch: string[] };
}

/** Cloud Monitoring's dashboard list of a project; the stack output holds the dashboard's own link. */
export function dashboardListUrl(project: string): string {
  return `https://console.cloud.google.com/monitoring/dashboards?project=${project}`;
}

/** The console link of a dashboard from its resource id, `projects/<p>/dashboards/<id>`. */
export function dashboardUrl(dashboardId: string, project: string): string {
  return `https://console.cloud.google.com/monitoring/dashboards/builder/${dashboardId.split("/").pop()}?project=${project}`;
}

/**
 * What a tenant's team gets on cluster `c`. `fleet`: the cluster of each region the tenant runs in, for a tenant the
 * multi-cluster Gateway serves (src/platform/regional.ts isGlobal); its dashboard and alerts are then the ones in
 * total and each region's own, whose titles name the region.
 */
export function tenantSummary(t: TenantSpec, c: TenantCluster, fleet?: { region: string; cluster: string }[]): TenantSummary {
  const n = tenantNames(t);
  const base = { service: t.name, environment: t.environment, lifecycle: t.lifecycle, placement: t.placement, stack: c.stack, cluster: c.name, project: c.project, namespace: n.namespace };
  if (t.lifecycle === "retired") return base;
  const scope = { service: t.name, namespace: n.namespace, cluster: c.name, environment: t.environment };
  const host = serviceHost(t.name, t.environment, c.domain);
  const mount = c.vault ? environmentMountPath(c.vault.kvMount, t.environment) : undefined;
  const prefix = `service/${t.name}`;
  return {
    ...base,
    stage: t.stage,
    ...(t.exposure.visibility !== "none" ? { url: `https://${host}` } : {}),
    visibility: t.exposure.visibility,
    ...(t.regions?.length ? { regions: [...t.regions] } : {}),
    kubernetesServiceAccounts: { workload: n.workload, reconciler: n.reconciler },
    // A Dedicated customer's instance acts as its account in the customer's project, not as one of the cluster's.
    gcpServiceAccount: sharedWorkloadAccount(t, c.project),
    ...(c.vault && mount
      ? {
          vault: {
            address: c.vault.address,
            mount,
            prefix,
            writeCommand: `VAULT_ADDR=${c.vault.address} vault kv put -mount=${mount} ${prefix}/${t.secrets[0]?.path ?? "<path>"} <key>=<value>`,
            secrets: t.secrets.map((s) => ({ name: s.name, path: `${prefix}/${s.path}` })),
            docs: VAULT_DOCS,
          },
        }
      : {}),
    dashboard: { title: fleet ? fleetDashboardName(scope) : tenantDashboard(scope).displayName, url: dashboardListUrl(c.project) },
    alerts: fleet
      ? [...fleetAlertPolicies({ ...scope, clusters: fleet }, []), ...fleet.flatMap((r) => tenantAlertPolicies({ ...scope, cluster: r.cluster, region: r.region }, []))].map((p) => p.policy.displayName)
      : tenantAlertPolicies(scope, []).map((p) => p.policy.displayName),
    flux: {
      objects: [
        { kind: "OCIRepository", name: t.name, namespace: n.namespace },
        { kind: "HelmRelease", name: t.name, namespace: n.namespace },
      ],
      watch: [`flux get sources oci ${t.name} -n ${n.namespace}`, `flux get helmreleases ${t.name} -n ${n.namespace}`, `kubectl -n ${n.namespace} get pods`],
    },
  };
}

/** The summary as text lines, for `runway describe` and the merge-request note (markdown). */
export function summaryLines(s: TenantSummary, markdown = false): string[] {
  const code = (v: string) => (markdown ? `\`${v}\`` : v);
  const head = `${s.service} in ${s.environment}: ${s.placement} on cluster ${s.cluster} (project ${s.project}, stack ${s.stack})`;
  const item = (label: string, value: string) => (markdown ? `- **${label}:** ${value}` : `  ${`${label}:`.padEnd(22)}${value}`);
  if (s.lifecycle === "retired") {
    return [markdown ? `**${head}**` : head, item("lifecycle", "retired: workload removed"), item("kept", `namespace ${code(s.namespace)} and the data in it (protected); the Runway team deletes it when you confirm (docs/operations.md#offboarding)`)];
  }
  const lines = [markdown ? `**${head}**` : head];
  lines.push(item("url", s.url ? `${s.url} (${s.visibility})` : "none (exposure.visibility: none)"));
  if (s.regions && s.regions.length > 1) lines.push(item("regions", `${s.regions.join(", ")}: one host, served from the nearest healthy region (docs/regions.md)`));
  else if (s.regions) lines.push(item("region", s.regions[0]));
  lines.push(item("namespace", code(s.namespace)));
  lines.push(item("stage", `${code(s.stage as string)} (the chart tag your release follows)`));
  const ksa = s.kubernetesServiceAccounts as { workload: string; reconciler: string };
  lines.push(item("Kubernetes SA", `${code(ksa.workload)} (your pods), ${code(ksa.reconciler)} (Flux applies your release as it)`));
  lines.push(item("GCP SA", `${code(s.gcpServiceAccount as string)} (Workload Identity of ${ksa.workload}; grant it what your service needs)`));
  if (s.vault) {
    lines.push(item("Vault", `${code(`${s.vault.mount}/${s.vault.prefix}/`)} on ${s.vault.address}`));
    lines.push(item("write a secret", code(s.vault.writeCommand)));
    for (const sec of s.vault.secrets) lines.push(item("secret", `Kubernetes Secret ${code(sec.name)} from ${code(`${s.vault.mount}/${sec.path}`)}`));
    lines.push(item("how secrets work", s.vault.docs));
  } else {
    lines.push(item("Vault", "none: this cluster has no Vault integration"));
  }
  if (s.dashboard) lines.push(item("dashboard", `"${s.dashboard.title}": ${s.dashboard.url}`));
  for (const a of s.alerts ?? []) lines.push(item("alert", `"${a}"`));
  for (const o of s.flux?.objects ?? []) lines.push(item("Flux", `${o.kind} ${code(`${o.namespace}/${o.name}`)}`));
  for (const w of s.flux?.watch ?? []) lines.push(item("watch", code(w)));
  return lines;
}
