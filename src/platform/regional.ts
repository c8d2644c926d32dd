/**
 * Which tenants each cluster of an environment holds, and how. A tenant runs in the regions its entry lists
 * (default: the primary). A tenant that runs anywhere but exactly the primary region is global: its host is served
 * by the environment's multi-cluster Gateway, whose route lives on the primary (config) cluster. The primary cluster
 * therefore holds every tenant's namespace, with the workload only where the tenant runs there.
 */
import { resolveTenant, type TenantSpec } from "../config/catalog";
import type { CatalogEntry } from "../config/schema/catalog";
import { hostedInstances } from "../config/dedicated";
import { effectiveRegions } from "../config/placement";
import type { StackFile } from "../config/stack";
import type { EnvironmentTopology } from "../config/topology";
import { serviceAccountId } from "../naming";

/** One tenant on one cluster. */
export interface ClusterTenant {
  spec: TenantSpec;
  /** The service runs on this cluster (namespace, identity, release, secrets, per-region observability). */
  workload: boolean;
  /** Route the host through the multi-cluster Gateway (on the primary cluster only). */
  global: boolean;
  /** Export the service to the fleet (MCS ServiceExport): its pods here are backends of the global route. */
  exportToFleet: boolean;
}

/** The regions a tenant runs in. */
export function tenantRegions(t: Pick<TenantSpec, "regions">, primary: string): string[] {
  return effectiveRegions(t.regions, primary);
}

/** Whether a tenant is served through the multi-cluster Gateway: it runs anywhere but exactly the primary. */
export function isGlobal(t: Pick<TenantSpec, "regions">, primary: string): boolean {
  const r = tenantRegions(t, primary);
  return r.length !== 1 || r[0] !== primary;
}

/** Every tenant of an environment: its shared catalog entries, then the Dedicated customers' instances it hosts. */
export function environmentTenants(topo: EnvironmentTopology, stacks: readonly StackFile[], catalog: readonly CatalogEntry[]): TenantSpec[] {
  const env = topo.environment;
  const shared = catalog
    .filter((e) => e.spec.environments.includes(env))
    .map((e) => resolveShared(e, env, topo.platformConfig["runway:stages"]))
    .filter((t): t is TenantSpec => t !== undefined);
  return [...shared, ...hostedInstances(env, stacks, catalog)];
}

function resolveShared(e: CatalogEntry, env: string, stages: readonly string[]): TenantSpec | undefined {
  const t = resolveTenant(e, env, stages);
  return t.placement === "shared" ? t : undefined;
}

/** What the cluster of `region` holds of the environment's tenants, in their order. */
export function tenantsOfCluster(topo: EnvironmentTopology, region: string, tenants: readonly TenantSpec[]): ClusterTenant[] {
  const primary = topo.primary;
  const out: ClusterTenant[] = [];
  for (const spec of tenants) {
    const runsHere = tenantRegions(spec, primary).includes(region);
    const global = isGlobal(spec, primary);
    if (region === primary) out.push({ spec, workload: runsHere, global, exportToFleet: global && runsHere });
    else if (runsHere) out.push({ spec, workload: true, global: false, exportToFleet: true });
  }
  return out;
}

/**
 * The email of a tenant's workload identity when this cluster does not create it: a Dedicated customer's account in
 * its own project, or, on a regional cluster, the account the primary cluster created in the environment's project
 * (every cluster of the project shares its Workload Identity pool, so one account serves every region).
 */
export function sharedWorkloadAccount(t: Pick<TenantSpec, "name" | "app" | "identityProject">, project: string): string {
  const home = t.identityProject ?? project;
  return `${serviceAccountId("rw", t.identityProject ? (t.app ?? t.name) : t.name)}@${home}.iam.gserviceaccount.com`;
}
