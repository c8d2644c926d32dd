/**
 * `runway describe SERVICE [--env E] [--format text|markdown|json]`: what a service gets in each environment it
 * lists (src/tenancy/summary.ts), from the catalog and the stacks, offline. The same summary is the `tenants`
 * output of the stack that hosts it. Exit 0, 1 for an unknown service or environment or bad configuration.
 */
import { type CatalogFile, loadCatalogFile, listCatalogFiles, resolveTenant } from "../config/catalog";
import { catalogDirOf, loadProjectStacks } from "../config/project";
import type { StackFile } from "../config/stack";
import { environmentTopology } from "../config/topology";
import { isGlobal, tenantRegions } from "../platform/regional";
import { projectRoot } from "../paths";
import { type TenantCluster, tenantSummary, type TenantSummary, summaryLines } from "../tenancy/summary";
import { describeJson } from "./describe-json";
import { InputError } from "./errors";
import type { Io } from "./io";

/** The cluster that hosts a tenant: the environment's shared cluster, or the service's own. */
export function hostingCluster(stacks: readonly StackFile[], service: string, environment: string, placement: "shared" | "dedicated"): TenantCluster | undefined {
  const s =
    placement === "shared"
      ? stacks.find((x) => x.config["runway:kind"] === "platform" && x.config["runway:environment"] === environment)
      : stacks.find((x) => x.config["runway:kind"] === "service" && x.config["runway:service"] === service && x.config["runway:environment"] === environment);
  const c = s?.config;
  if (!s || !c || (c["runway:kind"] !== "platform" && c["runway:kind"] !== "service")) return undefined;
  const vault = c["runway:vault"];
  return {
    stack: s.name,
    // The compositions' names: runway-<environment> for the shared cluster, <service>-<environment> for a dedicated one.
    name: placement === "shared" ? `runway-${environment}` : `${service}-${environment}`,
    project: c["runway:gcp"].projectId,
    domain: c["runway:domain"],
    ...(vault ? { vault: { address: vault.address, kvMount: vault.kvMount } } : {}),
  };
}

export function describeService(root: string, service: string, env?: string): TenantSummary[] | string {
  const project = loadProjectStacks(root);
  const platforms = project.files.filter((s) => s.config["runway:kind"] === "platform");
  const dirs = [...new Set(platforms.map((p) => catalogDirOf(root, p)))];
  let entry: CatalogFile | undefined;
  const known: string[] = [];
  for (const dir of dirs) {
    for (const f of listCatalogFiles(dir)) {
      const c = loadCatalogFile(f);
      known.push(c.entry.metadata.name);
      if (c.entry.metadata.name === service) entry ??= c;
    }
  }
  if (!entry) return `no service '${service}' in the catalog (services: ${known.sort().join(", ") || "none"})`;
  const envs = entry.entry.spec.environments;
  if (env !== undefined && !envs.includes(env)) return `${service} does not run in ${env} (spec.environments: ${envs.join(", ")})`;
  const out: TenantSummary[] = [];
  for (const e of env === undefined ? envs : [env]) {
    const platform = platforms.find((p) => p.config["runway:kind"] === "platform" && p.config["runway:environment"] === e);
    if (!platform || platform.config["runway:kind"] !== "platform") return `no platform stack defines environment '${e}'`;
    const t = resolveTenant(entry.entry, e, platform.config["runway:stages"]);
    const cluster = hostingCluster(project.all, service, e, t.placement);
    if (!cluster) return `${service} is dedicated in ${e} but has no service stack; runway validate says why`;
    // Served through the multi-cluster Gateway: its dashboard and alerts span its regions, as the platform stack's.
    const topo = t.placement === "shared" ? environmentTopology(project.all, e) : undefined;
    const fleet = topo && isGlobal(t, topo.primary) ? [...topo.clusters].filter(([r]) => tenantRegions(t, topo.primary).includes(r)).map(([region, c]) => ({ region, cluster: c })) : undefined;
    out.push(tenantSummary(t, cluster, fleet));
  }
  return out;
}

export function describeCommand(io: Io, service: string, opts: { env?: string; format?: string }): number {
  const result = describeService(projectRoot(), service, opts.env);
  if (typeof result === "string") {
    throw new InputError(result);
  }
  if (opts.format === "json") {
    io.out(JSON.stringify(describeJson(service, result), null, 2));
    return 0;
  }
  const markdown = opts.format === "markdown";
  result.forEach((s, i) => {
    if (i > 0) io.out("");
    for (const l of summaryLines(s, markdown)) io.out(l);
  });
  return 0;
}
