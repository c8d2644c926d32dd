/**
 * The service catalog: one file per satellite service in `services/`, validated alone and across files.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { SERVICE_PORT } from "../manifest/to-kubernetes";
import { reservedNameProblem } from "../naming";
import { egressProblems } from "../net/exposure";
import { valuesProblems } from "../selfhosted/turn-up";
import { secretsProblems } from "../vault/tenant";
import { type CatalogEntry, catalogEntrySchema } from "./schema/catalog";
import { type PlacementContext, placementProblems } from "./placement";
import type { Jurisdiction } from "./regions";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { validateSource } from "./validate";
import { diagnosticAt, displayPath, readYamlFile, type YamlSource } from "./yaml-source";

export { RESERVED_NAMES, reservedNameProblem } from "../naming";

export interface CatalogFile {
  file: string;
  entry: CatalogEntry;
  source: YamlSource;
}

/** Catalog file paths in a directory (`*.yaml`, `*.yml`), sorted. */
export function listCatalogFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new ConfigError([{ file: displayPath(dir), line: 1, column: 1, path: "", message: `catalog directory cannot be read (${(e as NodeJS.ErrnoException).code ?? e}); check --catalog or runway:catalogDir` }]);
  }
  return names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(dir, n));
}

/** Loads one catalog file. */
export function loadCatalogFile(file: string): CatalogFile {
  const source = readYamlFile(file);
  const entry = validateSource(catalogEntrySchema, source);
  return { file: source.file, entry, source };
}

export interface CatalogContext {
  /** Environments defined by platform stacks, with each one's ordered deployment stages. */
  environments: ReadonlyMap<string, readonly string[]>;
  /** `service@environment` pairs provisioned by hand-written service stacks. */
  serviceStacks: ReadonlySet<string>;
  /**
   * Environments whose platform stack sets `runway:dedicated`: a dedicated service there gets a derived service
   * stack (src/config/derived.ts) when no hand-written one exists. Default none.
   */
  dedicatedDefaults?: ReadonlySet<string>;
  /** Regions of each environment and of each service stack's cluster; without it regions are not checked. */
  placement?: PlacementContext;
}

/** Problems of one entry that need no other file, plus those that need the stacks. */
export function entryProblems(c: CatalogFile, ctx: CatalogContext): Diagnostic[] {
  const { entry, source } = c;
  const out: Diagnostic[] = [];
  const name = entry.metadata.name;
  const base = path.basename(c.file).replace(/\.ya?ml$/, "");
  const reserved = reservedNameProblem(name);
  if (reserved) out.push(diagnosticAt(source, ["metadata", "name"], reserved));
  else if (base !== name) out.push(diagnosticAt(source, ["metadata", "name"], `file name must match the service name: rename the file to ${name}.yaml or the service to ${base}`));
  const envs = entry.spec.environments;
  envs.forEach((env, i) => {
    if (envs.indexOf(env) !== i) out.push(diagnosticAt(source, ["spec", "environments", i], `environment '${env}' is listed twice`));
    else if (!ctx.environments.has(env)) {
      const known = [...ctx.environments.keys()].sort().join(", ") || "none";
      out.push(diagnosticAt(source, ["spec", "environments", i], `no platform stack defines environment '${env}' (defined: ${known})`));
    }
  });
  const stageProblem = (stage: string | undefined, env: string, at: (string | number)[]) => {
    const stages = ctx.environments.get(env);
    if (stage !== undefined && stages && !stages.includes(stage)) out.push(diagnosticAt(source, at, `'${stage}' is not a stage of ${env} (stages: ${stages.join(", ")})`));
  };
  for (const env of envs) {
    if (entry.spec.overrides?.[env]?.stage !== undefined) stageProblem(entry.spec.overrides[env]?.stage, env, ["spec", "overrides", env, "stage"]);
    else stageProblem(entry.spec.stage, env, ["spec", "stage"]);
  }
  for (const env of Object.keys(entry.spec.overrides ?? {})) {
    if (!envs.includes(env)) out.push(diagnosticAt(source, ["spec", "overrides", env], `overrides an environment the service does not list in spec.environments`, true));
  }
  for (const env of envs) {
    const placement = entry.spec.overrides?.[env]?.placement ?? entry.spec.placement;
    if (placement === "dedicated" && !ctx.serviceStacks.has(`${name}@${env}`) && !ctx.dedicatedDefaults?.has(env) && ctx.environments.has(env)) {
      out.push(
        diagnosticAt(
          source,
          placementPath(entry, env),
          `dedicated in ${env}, but the platform stack of ${env} sets no runway:dedicated (the defaults and address pool a dedicated service's project and cluster are derived from): ask the Runway team to add them (docs/operations.md#dedicated-services), or add a hand-written stacks/Pulumi.${name}-${env}.yaml with runway:kind: service`,
        ),
      );
    }
  }
  for (const p of secretsProblems(entry.spec.secrets ?? [])) out.push(diagnosticAt(source, ["spec", "secrets", p.index, p.field], p.message));
  for (const p of valuesProblems(entry.spec.chart.values ?? {})) out.push(diagnosticAt(source, ["spec", "chart", "values", ...p.path], p.message));
  const cidrs = (entry.spec.egress ?? []).filter((e) => e.cidr !== undefined);
  for (const p of egressProblems(cidrs.map((e) => e.cidr as string))) {
    out.push(diagnosticAt(source, p.index === undefined ? ["spec", "egress"] : ["spec", "egress", (entry.spec.egress ?? []).indexOf(cidrs[p.index]), "cidr"], `${p.message} (K2)`));
  }
  if (ctx.placement) out.push(...placementProblems(c, ctx.placement));
  (entry.spec.egress ?? []).forEach((rule, i) => {
    if (rule.namespace !== undefined) {
      const what = rule.namespace === name ? "its own namespace is always reachable" : `'${rule.namespace}' is another tenant's namespace; reach other services through their Gateway host`;
      out.push(diagnosticAt(source, ["spec", "egress", i, "namespace"], `egress may not name a namespace: ${what}`));
    } else if (rule.cidr === undefined) {
      out.push(diagnosticAt(source, ["spec", "egress", i], "an egress rule needs a cidr"));
    }
  });
  (entry.spec.secrets ?? []).forEach((s, i) => {
    if (s.path.split("/").some((seg) => seg === ".." || seg === ".") || s.path.startsWith("runway/") || s.path.includes("/service/")) {
      out.push(diagnosticAt(source, ["spec", "secrets", i, "path"], `Vault paths are relative to runway/env/<environment>/service/${name}/; another tenant's path cannot be referenced`));
    }
  });
  return out;
}

/** Where an entry sets its placement in an environment: the override when there is one. */
export function placementPath(entry: CatalogEntry, env: string): string[] {
  return entry.spec.overrides?.[env]?.placement ? ["spec", "overrides", env, "placement"] : ["spec", "placement"];
}

/** Placement of an entry in an environment. */
export function placementIn(entry: Pick<CatalogEntry, "spec">, env: string): "shared" | "dedicated" {
  return entry.spec.overrides?.[env]?.placement ?? entry.spec.placement;
}

/**
 * Loads a catalog directory and validates it whole: every file's own errors, then duplicate names and references
 * to environments and stacks. Throws ConfigError with every problem found.
 */
export function loadCatalog(dir: string, ctx: CatalogContext): CatalogFile[] {
  const diagnostics: Diagnostic[] = [];
  const files: CatalogFile[] = [];
  for (const f of listCatalogFiles(dir)) {
    try {
      files.push(loadCatalogFile(f));
    } catch (e) {
      if (e instanceof ConfigError) diagnostics.push(...e.diagnostics);
      else throw e;
    }
  }
  const seen = new Map<string, CatalogFile>();
  const projects = new Map<string, CatalogFile>();
  for (const c of files) {
    const project = c.entry.spec.gitlabProject;
    if (project !== undefined) {
      const prev = projects.get(project);
      // The agent's ci_access maps a project to one impersonated service account.
      if (prev) diagnostics.push(diagnosticAt(c.source, ["spec", "gitlabProject"], `project '${project}' already deploys ${prev.entry.metadata.name} (${prev.file}); each service needs its own GitLab project`));
      else projects.set(project, c);
    }
    diagnostics.push(...entryProblems(c, ctx));
    const prev = seen.get(c.entry.metadata.name);
    if (prev) {
      diagnostics.push(diagnosticAt(c.source, ["metadata", "name"], `service name '${c.entry.metadata.name}' is already used by ${prev.file}`));
    } else {
      seen.set(c.entry.metadata.name, c);
    }
  }
  if (diagnostics.length) throw new ConfigError(diagnostics);
  return files;
}

/** What one catalog entry asks for in one environment, with every default applied. */
export interface TenantSpec {
  name: string;
  owner: string;
  /** GitLab project whose CI jobs may act in the namespace through the agent, when the entry names one. */
  gitlabProject?: string;
  environment: string;
  placement: "shared" | "dedicated";
  /** `retired`: only the namespace and its isolation objects remain (the workload is removed). */
  lifecycle: "active" | "retired";
  stage: string;
  chartRepository: string;
  chartValues: Record<string, unknown>;
  quota: { cpu: string; memory: string; pods: number };
  /**
   * `port`: the Service port the route sends to; `targetPort`: the port the pods listen on (network policy);
   * `healthCheckPath`: what the global load balancer checks, when the entry sets it (default `/`).
   */
  exposure: { visibility: "external" | "internal" | "none"; port: number; targetPort: number; service: string; healthCheckPath?: string };
  /** Regions the service runs in here, when the entry lists them; undefined: the environment's primary region. */
  regions?: string[];
  /** Jurisdiction the service's workloads are pinned to (spec.residency). */
  residency?: Jurisdiction;
  /**
   * Name the service's chart gives its objects and pods (`app.kubernetes.io/name`), when the tenant is named
   * otherwise: a Dedicated customer's instance on a shared cluster. Default: `name`.
   */
  app?: string;
  /**
   * Project that holds the workload's GCP service account `rw-<app>`, when not the cluster's: a Dedicated
   * customer's own project (its stack creates the account). Default: the cluster's project.
   */
  identityProject?: string;
  egress: { cidr: string; ports: number[] }[];
  secrets: { name: string; path: string }[];
  contacts: string[];
}

export const DEFAULT_QUOTA = { cpu: "4", memory: "8Gi", pods: 30 } as const;

/**
 * Resolves an entry for one environment. `stages` are the environment's ordered stages; the release follows the
 * last (most stable) one unless the entry picks another.
 */
/** A catalog entry as code may build it: `spec.lifecycle` may be left out (default active). */
export type EntryLike = Omit<CatalogEntry, "spec"> & { spec: Omit<CatalogEntry["spec"], "lifecycle"> & Partial<Pick<CatalogEntry["spec"], "lifecycle">> };

export function resolveTenant(entry: EntryLike, environment: string, stages: readonly string[]): TenantSpec {
  const o = entry.spec.overrides?.[environment];
  const name = entry.metadata.name;
  const stage = o?.stage ?? entry.spec.stage ?? stages[stages.length - 1];
  const r = { ...entry.spec.resources, ...o?.resources };
  // Runway-built charts expose every Service on SERVICE_PORT, whatever their container port.
  const port = entry.spec.exposure?.port ?? SERVICE_PORT;
  return {
    name,
    owner: entry.metadata.owner,
    gitlabProject: entry.spec.gitlabProject,
    environment,
    placement: o?.placement ?? entry.spec.placement,
    lifecycle: o?.lifecycle ?? entry.spec.lifecycle ?? "active",
    stage,
    chartRepository: entry.spec.chart.repository,
    chartValues: entry.spec.chart.values ?? {},
    quota: { cpu: r.cpu ?? DEFAULT_QUOTA.cpu, memory: r.memory ?? DEFAULT_QUOTA.memory, pods: r.pods ?? DEFAULT_QUOTA.pods },
    exposure: {
      visibility: entry.spec.exposure?.visibility ?? "external",
      port,
      targetPort: entry.spec.exposure?.targetPort ?? port,
      service: entry.spec.exposure?.service ?? name,
      healthCheckPath: entry.spec.exposure?.healthCheckPath,
    },
    regions: o?.regions ?? entry.spec.regions,
    residency: entry.spec.residency,
    egress: (entry.spec.egress ?? []).filter((e) => e.cidr !== undefined).map((e) => ({ cidr: e.cidr as string, ports: e.ports })),
    secrets: entry.spec.secrets ?? [],
    contacts: entry.metadata.contacts ?? [],
  };
}
