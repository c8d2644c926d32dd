/**
 * The whole configuration of a Runway checkout: every stack file and the catalog, validated together.
 */
import * as path from "node:path";
import { environmentMountPath } from "../vault/integration";
import { gatewayProblems } from "../platform/gateway";
import { environmentTenants, tenantsOfCluster } from "../platform/regional";
import { dedicatedEnvironment, dedicatedTenantProblems, dedicatedTenantSpec } from "./dedicated";
import { environmentTopology, placementContext, regionStackProblems } from "./topology";
import { type CatalogContext, type CatalogFile, loadCatalog, resolveTenant, type TenantSpec } from "./catalog";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { projectFileProblems, readProjectFile } from "./pulumi-project";
import { listStacks, loadStackFile, type StackFile, stackFileName } from "./stack";
import { diagnosticAt } from "./yaml-source";

export interface ProjectPaths {
  /** Project root (where Pulumi.yaml is). */
  root: string;
  /** Replaces every stack's runway:catalogDir. */
  catalogDir?: string;
}

export const STACKS_DIR = "stacks";

export function stacksDir(root: string): string {
  return path.join(root, STACKS_DIR);
}

/** Environments and service stacks that catalog entries may refer to. */
export function catalogContext(stacks: readonly StackFile[]): CatalogContext {
  const environments = new Map<string, readonly string[]>();
  const serviceStacks = new Set<string>();
  for (const s of stacks) {
    const c = s.config;
    if (c["runway:kind"] === "platform") environments.set(c["runway:environment"], c["runway:stages"]);
    if (c["runway:kind"] === "service") serviceStacks.add(`${c["runway:service"]}@${c["runway:environment"]}`);
  }
  return { environments, serviceStacks, placement: placementContext(stacks) };
}

/** Loads every stack file; collects every file's problems (and Pulumi.yaml's) before throwing. */
export function loadAllStacks(root: string): StackFile[] {
  const project = readProjectFile(root);
  const diagnostics: Diagnostic[] = project ? projectFileProblems(project) : [];
  const stacks: StackFile[] = [];
  for (const name of listStacks(stacksDir(root))) {
    try {
      stacks.push(loadStackFile(stackFileName(stacksDir(root), name)));
    } catch (e) {
      if (e instanceof ConfigError) diagnostics.push(...e.diagnostics);
      else throw e;
    }
  }
  if (diagnostics.length) throw new ConfigError(diagnostics);
  return stacks;
}

export function catalogDirOf(root: string, stack: StackFile, override?: string): string {
  const dir = override ?? ("runway:catalogDir" in stack.config ? stack.config["runway:catalogDir"] : "services");
  return path.resolve(root, dir);
}

/** Longest `<service>-<environment>` a dedicated cluster may be named: its regional resources append `-gateway-<region>` within GCP's 63-character names. */
export const MAX_DEDICATED_NAME = 31;

/**
 * Checks of a service stack against its catalog entry: the entry exists and lists the environment, and the stack
 * has a cluster exactly when the service is dedicated there.
 */
export function serviceStackProblems(stack: StackFile, catalog: readonly CatalogFile[], catalogDir: string): Diagnostic[] {
  const c = stack.config;
  if (c["runway:kind"] !== "service") return [];
  const name = c["runway:service"];
  const env = c["runway:environment"];
  const found = catalog.find((f) => f.entry.metadata.name === name);
  if (!found) return [diagnosticAt(stack.source, ["config", "runway:service"], `no catalog entry named '${name}'; add ${path.join(catalogDir, `${name}.yaml`)} or fix the name`)];
  if (!found.entry.spec.environments.includes(env)) {
    return [diagnosticAt(stack.source, ["config", "runway:environment"], `${found.file} does not list environment '${env}' in spec.environments`)];
  }
  const placement = found.entry.spec.overrides?.[env]?.placement ?? found.entry.spec.placement;
  const out: Diagnostic[] = [];
  if (placement === "dedicated") {
    for (const key of ["runway:network", "runway:cluster"] as const) {
      if (!c[key]) out.push(diagnosticAt(stack.source, ["config"], `${name} is dedicated in ${env} (${found.file}): add ${key} for its own cluster`));
    }
    const clusterName = `${name}-${env}`;
    if (clusterName.length > MAX_DEDICATED_NAME) {
      out.push(diagnosticAt(stack.source, ["config", "runway:service"], `the dedicated cluster's name '${clusterName}' is longer than ${MAX_DEDICATED_NAME} characters (GCP names its regional resources after it); use a shorter service or environment name`));
    }
  } else if (c["runway:cluster"]) {
    out.push(diagnosticAt(stack.source, ["config", "runway:cluster"], `${name} is shared in ${env}: remove runway:cluster (and runway:network), or set placement: dedicated for ${env} in ${found.file}`, true));
  }
  return out;
}

/**
 * Platform stacks that would create the same Vault KV mount as `stack`: each platform stack owns its environment's
 * mount `<kvMount>/env/<environment>` on its Vault, so two with the same Vault address, kvMount and environment
 * fail on the second apply ("path is already in use").
 */
export function kvMountConflicts(stack: StackFile, stacks: readonly StackFile[]): Diagnostic[] {
  const mountOf = (s: StackFile) => {
    const c = s.config;
    // A Dedicated customer's own cluster owns its instance's mount, as a platform stack owns its environment's.
    const env = c["runway:kind"] === "platform" ? c["runway:environment"] : c["runway:kind"] === "dedicated-tenant" && c["runway:isolation"] === "cluster" ? dedicatedEnvironment(c["runway:tenant"]) : undefined;
    if (env === undefined || !("runway:vault" in c) || !c["runway:vault"]) return undefined;
    const v = c["runway:vault"];
    return { address: v.address.replace(/\/+$/, "").toLowerCase(), path: environmentMountPath(v.kvMount, env) };
  };
  const own = mountOf(stack);
  if (!own) return [];
  return stacks
    .filter((o) => o.name !== stack.name)
    .filter((o) => {
      const m = mountOf(o);
      return m !== undefined && m.address === own.address && m.path === own.path;
    })
    .map((o) =>
      diagnosticAt(
        stack.source,
        ["config", "runway:environment"],
        `${stack.config["runway:kind"] === "platform" && o.config["runway:kind"] === "platform" ? "platform stacks" : "stacks"} ${stack.name} and ${o.name} would both create the Vault KV mount ${own.path} on ${own.address}: give each platform stack its own environment, or a different runway:vault.address or kvMount`,
      ),
    );
}

/**
 * The services whose workload runs on a stack's cluster, resolved for it: an environment cluster's shared tenants and
 * hosted Dedicated instances in its region, a dedicated service stack's own service, or a Dedicated customer's
 * services on its own cluster. `stacks` are every stack of the project (a regional cluster's tenants come from its
 * environment's platform stack).
 */
export function clusterTenants(stack: StackFile, catalog: readonly CatalogFile[], stacks: readonly StackFile[] = [stack]): TenantSpec[] {
  const c = stack.config;
  switch (c["runway:kind"]) {
    case "selfhosted":
      return [];
    case "dedicated-tenant": {
      if (c["runway:isolation"] !== "cluster") return [];
      const entries = c["runway:services"].map((n) => catalog.find((f) => f.entry.metadata.name === n)?.entry).filter((e) => e !== undefined);
      return entries.map((e) => dedicatedTenantSpec(e, c));
    }
    case "platform":
    case "region": {
      const topo = environmentTopology([stack, ...stacks.filter((s) => s.name !== stack.name)], c["runway:environment"]);
      if (!topo) return [];
      return tenantsOfCluster(topo, c["runway:cluster"].region, environmentTenants(topo, stacks, catalog.map((f) => f.entry)))
        .filter((t) => t.workload)
        .map((t) => t.spec);
    }
    case "service": {
      const env = c["runway:environment"];
      return catalog
        .map((f) => f.entry)
        .filter((e) => e.spec.environments.includes(env) && e.metadata.name === c["runway:service"])
        .map((e) => resolveTenant(e, env, c["runway:stages"]))
        .filter((t) => t.placement === "dedicated");
    }
  }
}

/**
 * Checks of a stack that need other stacks or the catalog: Vault mounts shared by two platform stacks, and tenants
 * the cluster's Gateways cannot serve.
 */
export function crossStackProblems(stack: StackFile, stacks: readonly StackFile[], catalog: readonly CatalogFile[]): Diagnostic[] {
  const out = [...kvMountConflicts(stack, stacks), ...regionStackProblems(stack, stacks), ...dedicatedTenantProblems(stack, stacks, catalog)];
  const c = stack.config;
  if (c["runway:kind"] !== "selfhosted" && c["runway:cluster"] && c["runway:network"]) {
    const region = c["runway:cluster"].region;
    const proxyOnly = c["runway:network"].subnets.find((s) => s.region === region)?.proxyOnly;
    for (const message of gatewayProblems(clusterTenants(stack, catalog, stacks), region, proxyOnly)) {
      out.push(diagnosticAt(stack.source, ["config", "runway:network", "subnets"], message));
    }
  }
  return out;
}

/** What a stack's program needs: its validated config and, for kinds that onboard services, the catalog. */
export interface StackContext {
  stack: StackFile;
  /** Every stack of the project (to resolve environments and service stacks). */
  allStacks: StackFile[];
  catalog: CatalogFile[];
}

/**
 * Loads and validates one stack file and the catalog it uses. Throws ConfigError naming every problem; nothing is
 * registered before this returns.
 */
export function loadStackContext(root: string, stackName: string, paths: Omit<ProjectPaths, "root"> = {}): StackContext {
  return stackContextOf(root, loadStackFile(stackFileName(stacksDir(root), stackName)), paths);
}

/**
 * Validates a stack's config (from its file, or as Pulumi passed it to the program) against the other stack files
 * and the catalog it uses. Throws ConfigError naming every problem.
 */
export function stackContextOf(root: string, stack: StackFile, paths: Omit<ProjectPaths, "root"> = {}): StackContext {
  let others: StackFile[] = [];
  const diagnostics: Diagnostic[] = [];
  try {
    others = loadAllStacks(root);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    diagnostics.push(...e.diagnostics);
  }
  const allStacks = [stack, ...others.filter((s) => s.name !== stack.name)];
  let catalog: CatalogFile[] = [];
  if (stack.config["runway:kind"] !== "selfhosted") {
    try {
      catalog = loadCatalog(catalogDirOf(root, stack, paths.catalogDir), catalogContext(allStacks));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      diagnostics.push(...e.diagnostics);
    }
  }
  if (diagnostics.length === 0) diagnostics.push(...serviceStackProblems(stack, catalog, paths.catalogDir ?? "services"));
  if (diagnostics.length === 0) diagnostics.push(...crossStackProblems(stack, allStacks, catalog));
  if (diagnostics.length) throw new ConfigError(diagnostics);
  return { stack, allStacks, catalog };
}
