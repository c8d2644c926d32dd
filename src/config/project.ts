/**
 * The whole configuration of a Runway checkout: every stack file and the catalog, validated together.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { clusterRangeProblems, type ClusterRange } from "../net/exposure";
import { environmentMountPath } from "../vault/integration";
import { gatewayProblems } from "../platform/gateway";
import { allocate, type AllocationResult, type TakenRange } from "../ipam/slots";
import { type Ledger, loadLedger } from "../ipam/ledger";
import { type CatalogContext, type CatalogFile, listCatalogFiles, loadCatalog, loadCatalogFile, placementIn, resolveTenant, type TenantSpec } from "./catalog";
import { buildDerivedStack, derivedDiagnostic, relocateDerived, serviceStackName } from "./derived";
import { projectProblems } from "./cross-stack";
import { environmentTenants, tenantsOfCluster } from "../platform/regional";
import { dedicatedEnvironment, dedicatedTenantProblems, dedicatedTenantSpec } from "./dedicated";
import { environmentTopology, placementContext, regionStackProblems } from "./topology";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { projectFileProblems, readProjectFile } from "./pulumi-project";
import { listStacks, loadStackFile, type StackFile, stackFileName, stackRanges } from "./stack";
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
  const dedicatedDefaults = new Set<string>();
  for (const s of stacks) {
    const c = s.config;
    if (c["runway:kind"] === "platform") {
      environments.set(c["runway:environment"], c["runway:stages"]);
      if (c["runway:dedicated"]) dedicatedDefaults.add(c["runway:environment"]);
    }
    if (c["runway:kind"] === "service" && !s.derived) serviceStacks.add(`${c["runway:service"]}@${c["runway:environment"]}`);
  }
  return { environments, serviceStacks, dedicatedDefaults, placement: placementContext(stacks) };
}

/** The stacks of a project: its stack files and the stacks derived from the catalog, with the address plan. */
export interface ProjectStacks {
  files: StackFile[];
  derived: StackFile[];
  /** Files and derived stacks, by name. */
  all: StackFile[];
  /** The address ledger of each environment with dedicated defaults. */
  ledgers: Map<string, Ledger>;
  /** Each such environment's allocations, recorded and provisional. */
  allocations: Map<string, AllocationResult>;
}

/** Catalog entries of a directory that are valid on their own; the catalog's own validation reports the rest. */
function readableEntries(dir: string): CatalogFile[] {
  let files: string[] = [];
  try {
    files = listCatalogFiles(dir);
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      return [loadCatalogFile(f)];
    } catch (e) {
      if (e instanceof ConfigError) return [];
      throw e;
    }
  });
}

/**
 * The stacks derived from the catalog, next to the stack files `files`: one per service that is dedicated in an
 * environment whose platform stack sets runway:dedicated and has no hand-written service stack there. Problems
 * (an unreadable ledger, a full address pool, a derived stack that does not validate) are collected in `diagnostics`.
 */
export function deriveStacks(root: string, files: readonly StackFile[], diagnostics: Diagnostic[], paths: Omit<ProjectPaths, "root"> = {}): Omit<ProjectStacks, "files" | "all"> {
  const derived: StackFile[] = [];
  const ledgers = new Map<string, Ledger>();
  const allocations = new Map<string, AllocationResult>();
  const handWritten = catalogContext(files).serviceStacks;
  const names = new Set(files.map((f) => f.name));
  const platforms = files.filter((s) => s.config["runway:kind"] === "platform" && s.config["runway:dedicated"]);
  const envs = platforms.map((p) => p.config["runway:kind"] === "platform" && p.config["runway:environment"]);
  for (const p of platforms) {
    const env = p.config["runway:kind"] === "platform" ? p.config["runway:environment"] : "";
    try {
      ledgers.set(env, loadLedger(root, env));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      diagnostics.push(...e.diagnostics);
    }
  }
  const entriesByDir = new Map<string, CatalogFile[]>();
  for (const p of platforms) {
    const c = p.config;
    if (c["runway:kind"] !== "platform" || !c["runway:dedicated"]) continue;
    const env = c["runway:environment"];
    const ledger = ledgers.get(env);
    // Two platform stacks for one environment are reported by the cross-stack checks; derive from the first.
    if (!ledger || envs.indexOf(env) !== platforms.indexOf(p)) continue;
    const dir = catalogDirOf(root, p, paths.catalogDir);
    if (!entriesByDir.has(dir)) entriesByDir.set(dir, readableEntries(dir));
    const entries = (entriesByDir.get(dir) ?? []).filter(
      (f) => f.entry.spec.environments.includes(env) && placementIn(f.entry, env) === "dedicated" && !handWritten.has(`${f.entry.metadata.name}@${env}`),
    );
    const taken: TakenRange[] = [
      ...files.flatMap((s) => stackRanges(s).map((r) => ({ cidr: r.cidr, owner: s.name }))),
      ...[...ledgers.values()].filter((l) => l.environment !== env).flatMap((l) => [...l.allocations].flatMap(([svc, a]) => [a.nodes, a.services, a.proxyOnly, a.pods].map((cidr) => ({ cidr, owner: `${svc} (${l.environment})` })))),
    ];
    const region = c["runway:dedicated"].region ?? c["runway:cluster"].region;
    const result = allocate({ pool: c["runway:dedicated"].addressPool, region, recorded: ledger.allocations, taken, services: entries.map((f) => f.entry.metadata.name) });
    allocations.set(env, result);
    for (const f of entries) {
      const name = serviceStackName(f.entry.metadata.name, env);
      const allocation = result.allocations.get(f.entry.metadata.name);
      if (!allocation) {
        diagnostics.push(derivedDiagnostic(f, env, name, `no free slot is left in the address pool of ${env} (runway:dedicated.addressPool of ${p.source.file}); the Runway team widens the pool`));
        continue;
      }
      if (names.has(name)) continue; // a stack file already has the name; the cross-stack checks say why it is not this service's
      try {
        derived.push(
          buildDerivedStack(root, name, { platform: p, entry: f, allocation, catalogDir: c["runway:catalogDir"] }, { platform: p.name, ledgerFile: ledger.file, recorded: ledger.allocations.has(f.entry.metadata.name) }),
        );
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        diagnostics.push(...e.diagnostics);
      }
    }
  }
  return { derived, ledgers, allocations };
}

/** Stack files and derived stacks of a project; throws ConfigError naming every problem found on the way. */
export function loadProjectStacks(root: string, paths: Omit<ProjectPaths, "root"> = {}): ProjectStacks {
  const diagnostics: Diagnostic[] = [];
  const files = loadAllStacks(root);
  const rest = deriveStacks(root, files, diagnostics, paths);
  if (diagnostics.length) throw new ConfigError(diagnostics);
  return { files, ...rest, all: [...files, ...rest.derived].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Names of every stack of the project, derived ones included; the stack files' names alone when the rest cannot be read. */
export function listProjectStacks(root: string, paths: Omit<ProjectPaths, "root"> = {}): string[] {
  try {
    return loadProjectStacks(root, paths).all.map((s) => s.name);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return listStacks(stacksDir(root));
  }
}

/** One stack of the project by name: its file, or the stack derived from the catalog. */
export function loadProjectStack(root: string, name: string, paths: Omit<ProjectPaths, "root"> = {}): StackFile {
  if (listStacks(stacksDir(root)).includes(name)) return loadStackFile(stackFileName(stacksDir(root), name));
  const found = loadProjectStacks(root, paths).derived.find((s) => s.name === name);
  if (!found) throw new ConfigError([{ file: "", line: 0, column: 0, path: "", message: `no stack '${name}': no stacks/Pulumi.${name}.yaml and no catalog entry derives it (stacks: ${listProjectStacks(root, paths).join(", ")})` }]);
  return found;
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
 * Checks of a stack that need other stacks or the catalog: tenant egress, regional stacks against their environment,
 * Dedicated tenants against their host, and tenants the cluster's Gateways cannot serve.
 */
export function crossStackProblems(stack: StackFile, stacks: readonly StackFile[], catalog: readonly CatalogFile[]): Diagnostic[] {
  // Two platform stacks of one environment (and so one Vault mount, kvMountConflicts) are among projectProblems.
  const out = [...tenantEgressProblems(stack, catalog, stacks), ...regionStackProblems(stack, stacks), ...dedicatedTenantProblems(stack, stacks, catalog)];
  const c = stack.config;
  if (c["runway:kind"] !== "selfhosted" && c["runway:cluster"] && c["runway:network"]) {
    const region = c["runway:cluster"].region;
    const proxyOnly = c["runway:network"].subnets.find((s) => s.region === region)?.proxyOnly;
    // A retired tenant has no route, so it needs no Gateway.
    for (const message of gatewayProblems(clusterTenants(stack, catalog, stacks).filter((t) => t.lifecycle === "active"), region, proxyOnly)) {
      out.push(diagnosticAt(stack.source, ["config", "runway:network", "subnets"], message));
    }
  }
  return out;
}

/** The ranges of a stack's own network and cluster, which its tenants may not address directly (K2). */
export function stackClusterRanges(stack: StackFile): ClusterRange[] {
  const c = stack.config;
  if (c["runway:kind"] === "selfhosted") return [];
  const out: ClusterRange[] = (c["runway:network"]?.subnets ?? []).flatMap((s) => [
    { label: `node subnet of ${s.region}`, cidr: s.cidr },
    { label: `pods range of ${s.region}`, cidr: s.pods },
    { label: `services range of ${s.region}`, cidr: s.services },
  ]);
  if (c["runway:cluster"]) out.push({ label: "control plane range", cidr: c["runway:cluster"].masterIpv4CidrBlock });
  return out;
}

/** Egress of the stack's tenants into the stack's own ranges, reported at the catalog entry (the rule is K2-egress's). */
function tenantEgressProblems(stack: StackFile, catalog: readonly CatalogFile[], stacks: readonly StackFile[]): Diagnostic[] {
  const ranges = stackClusterRanges(stack);
  if (ranges.length === 0) return [];
  // A regional cluster's tenants come from its environment's platform stack: hence every stack.
  return clusterTenants(stack, catalog, stacks).flatMap((t) => {
    const file = catalog.find((f) => f.entry.metadata.name === t.name);
    const egress = file?.entry.spec.egress ?? [];
    const cidrs = egress.filter((e) => e.cidr !== undefined);
    if (!file) return [];
    return clusterRangeProblems(cidrs.map((e) => e.cidr as string), ranges).map((p) =>
      diagnosticAt(file.source, ["spec", "egress", egress.indexOf(cidrs[p.index ?? 0]), "cidr"], `${p.message} (stack ${stack.name}; K2)`),
    );
  });
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
export function stackContextOf(root: string, given: StackFile, paths: Omit<ProjectPaths, "root"> = {}): StackContext {
  let stack = given;
  let project: ProjectStacks | undefined;
  const diagnostics: Diagnostic[] = [];
  // Stacks derive from the catalog this stack uses (the --catalog override too).
  const catalogDir = stack.config["runway:kind"] === "selfhosted" ? paths.catalogDir : catalogDirOf(root, stack, paths.catalogDir);
  try {
    project = loadProjectStacks(root, { catalogDir });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    diagnostics.push(...e.diagnostics);
  }
  // A derived stack run by the program (its config from Pulumi) keeps its origin, for messages.
  const derived = project?.derived.find((s) => s.name === stack.name);
  if (derived && !stack.derived && !existsSync(stackFileName(stacksDir(root), stack.name))) stack = { ...stack, derived: derived.derived };
  const allStacks = [stack, ...(project?.all ?? []).filter((s) => s.name !== stack.name)];
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
  if (diagnostics.length === 0) {
    diagnostics.push(...crossStackProblems(stack, allStacks, catalog));
    diagnostics.push(...projectProblems(allStacks, project?.ledgers ?? new Map()).filter((p) => p.stack === stack.name).map((p) => p.diagnostic));
  }
  if (diagnostics.length) throw new ConfigError(relocateDerived(diagnostics, allStacks));
  return { stack, allStacks, catalog };
}
