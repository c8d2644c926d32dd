/**
 * GitLab Dedicated tenants (`runway:kind: dedicated-tenant`): a customer's own instance of chosen satellite services,
 * pinned to the customer's GitLab release. With cluster isolation the customer gets its own project, VPC and GKE
 * cluster; with namespace isolation its own project holds its services' identities and the services run as
 * namespaces on a shared cluster of a host environment (docs/dedicated.md).
 */
import { chartTag } from "../selfhosted/turn-up";
import { type CatalogFile, resolveTenant, type TenantSpec } from "./catalog";
import type { Diagnostic } from "./diagnostics";
import { inJurisdiction, jurisdictionName } from "./regions";
import type { CatalogEntry } from "./schema/catalog";
import type { DedicatedTenantConfig } from "./schema/stack";
import type { StackFile } from "./stack";
import { environmentTopology } from "./topology";
import { diagnosticAt } from "./yaml-source";

/** Longest name of a service instance on a shared cluster (`<tenant>-<service>`): a service name's limit. */
export const MAX_INSTANCE_NAME = 40;

/** The environment a customer's own cluster serves: `dedicated-<tenant>`, which also names the cluster. */
export function dedicatedEnvironment(tenant: string): string {
  return `dedicated-${tenant}`;
}

/** Name of a customer's service on a shared cluster (namespace, release, Vault role): `<tenant>-<service>`. */
export function instanceName(tenant: string, service: string): string {
  return `${tenant}-${service}`;
}

/** Where a customer's services run: the cluster's region, and for namespace isolation the host environment. */
export function dedicatedPlacement(c: DedicatedTenantConfig, stacks: readonly StackFile[]): { region: string; hostEnvironment?: string } | undefined {
  if (c["runway:isolation"] === "cluster") return c["runway:cluster"] ? { region: c["runway:cluster"].region } : undefined;
  const host = c["runway:host"];
  if (!host) return undefined;
  const region = host.region ?? environmentTopology(stacks, host.environment)?.primary;
  return region ? { region, hostEnvironment: host.environment } : undefined;
}

/**
 * One catalog entry as a customer's instance. The release follows the customer's GitLab release tag, the service
 * gets the customer's GitLab URL, and the service's own CI gets no access (its releases arrive through the tag).
 * Namespace isolation names the instance `<tenant>-<service>` on the host environment and keeps its workload
 * identity in the customer's project.
 */
export function dedicatedTenantSpec(entry: CatalogEntry, c: DedicatedTenantConfig, hostRegion?: { environment: string; region: string; primary: string }): TenantSpec {
  const tag = chartTag(c["runway:gitlabRelease"]);
  const tenant = c["runway:tenant"];
  const environment = hostRegion ? hostRegion.environment : dedicatedEnvironment(tenant);
  const base = resolveTenant(entry, environment, [tag]);
  const env = (base.chartValues.env as Record<string, unknown> | undefined) ?? {};
  const spec: TenantSpec = {
    ...base,
    // A customer's instance follows its GitLab release, whatever the entry says for GitLab.com's environments.
    stage: tag,
    placement: "shared",
    gitlabProject: undefined,
    chartValues: { ...base.chartValues, env: { ...env, RUNWAY_GITLAB_URL: c["runway:gitlabUrl"] } },
    regions: undefined,
  };
  if (!hostRegion) return spec;
  return {
    ...spec,
    name: instanceName(tenant, entry.metadata.name),
    app: entry.metadata.name,
    identityProject: c["runway:gcp"].projectId,
    regions: hostRegion.region === hostRegion.primary ? undefined : [hostRegion.region],
  };
}

/** Namespace-isolated customer instances that an environment's clusters host, in stack order. */
export function hostedInstances(environment: string, stacks: readonly StackFile[], catalog: readonly CatalogEntry[]): TenantSpec[] {
  const topo = environmentTopology(stacks, environment);
  if (!topo) return [];
  const out: TenantSpec[] = [];
  for (const s of stacks) {
    const c = s.config;
    if (c["runway:kind"] !== "dedicated-tenant" || c["runway:isolation"] !== "namespace" || c["runway:host"]?.environment !== environment) continue;
    const region = c["runway:host"].region ?? topo.primary;
    for (const name of c["runway:services"]) {
      const entry = catalog.find((e) => e.metadata.name === name);
      if (entry) out.push(dedicatedTenantSpec(entry, c, { environment, region, primary: topo.primary }));
    }
  }
  return out;
}

/** Keys each isolation needs and keys it refuses (checked on the stack alone). */
export function isolationProblems(c: DedicatedTenantConfig): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  if (c["runway:isolation"] === "cluster") {
    for (const key of ["runway:network", "runway:cluster", "runway:gitlab", "runway:gitlabToken", "runway:domain"] as const) {
      if (c[key] === undefined) out.push({ path: ["config"], message: `cluster isolation builds the customer's own cluster: add ${key}` });
    }
    if (c["runway:host"]) out.push({ path: ["config", "runway:host"], message: "runway:host is for namespace isolation; remove it, or set runway:isolation: namespace" });
  } else {
    if (!c["runway:host"]) out.push({ path: ["config"], message: "namespace isolation runs the customer's services on a shared cluster: add runway:host with its environment (and region)" });
    for (const key of ["runway:network", "runway:cluster", "runway:gitlabToken", "runway:domain", "runway:gitlab"] as const) {
      if (c[key] !== undefined) out.push({ path: ["config", key], message: `${key} is for cluster isolation; remove it, or set runway:isolation: cluster` });
    }
  }
  const seen = new Set<string>();
  c["runway:services"].forEach((s, i) => {
    if (seen.has(s)) out.push({ path: ["config", "runway:services", i], message: `service '${s}' is listed twice` });
    seen.add(s);
  });
  return out;
}

/**
 * Checks of a Dedicated tenant against the other stacks and the catalog: its services exist, it runs in a region its
 * residency and every service's residency allow, its tenant id and names are its own, and a namespace-isolated
 * customer's host environment has the region.
 */
export function dedicatedTenantProblems(stack: StackFile, stacks: readonly StackFile[], catalog: readonly CatalogFile[]): Diagnostic[] {
  const c = stack.config;
  if (c["runway:kind"] !== "dedicated-tenant") return [];
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string) => out.push(diagnosticAt(stack.source, path, message));
  const tenant = c["runway:tenant"];

  const twin = stacks.find((s) => s.name !== stack.name && s.config["runway:kind"] === "dedicated-tenant" && s.config["runway:tenant"] === tenant);
  if (twin) at(["config", "runway:tenant"], `tenant '${tenant}' already has a stack (${twin.name}); one stack per Dedicated customer`);
  const env = dedicatedEnvironment(tenant);
  if (stacks.some((s) => s.config["runway:kind"] === "platform" && s.config["runway:environment"] === env)) {
    at(["config", "runway:tenant"], `a platform stack defines environment '${env}', the name this customer's instance takes; choose another tenant id`);
  }

  const host = c["runway:isolation"] === "namespace" ? c["runway:host"] : undefined;
  const topo = host ? environmentTopology(stacks, host.environment) : undefined;
  if (host && !topo) {
    at(["config", "runway:host", "environment"], `no platform stack defines environment '${host.environment}'; host the customer on an existing environment`);
    return out;
  }
  if (host && topo && host.region !== undefined && !topo.regions.includes(host.region)) {
    at(["config", "runway:host", "region"], `${host.region} is not a region of ${host.environment} (regions: ${topo.regions.join(", ")})`);
    return out;
  }
  const placement = dedicatedPlacement(c, stacks);
  const region = placement?.region;
  const regionAt = host ? (host.region ? ["config", "runway:host", "region"] : ["config", "runway:host"]) : ["config", "runway:cluster", "region"];
  const residency = c["runway:residency"];
  if (region && residency && !inJurisdiction(region, residency)) {
    at(regionAt, `${region} is outside the customer's residency ${jurisdictionName(residency)} (runway:residency); choose a region in ${residency}`);
  }

  c["runway:services"].forEach((name, i) => {
    const found = catalog.find((f) => f.entry.metadata.name === name);
    if (!found) {
      at(["config", "runway:services", i], `no catalog entry named '${name}'; add services/${name}.yaml or fix the name`);
      return;
    }
    const e = found.entry;
    if (region && e.spec.residency && !inJurisdiction(region, e.spec.residency)) {
      at(["config", "runway:services", i], `${name} has residency ${jurisdictionName(e.spec.residency)} (${found.file}), but this customer runs in ${region}; choose a region in ${e.spec.residency}`);
    }
    if (topo && e.spec.exposure?.visibility === "internal" && region !== topo.primary) {
      at(["config", "runway:services", i], `${name} is internal, and internal services run only in ${topo.environment}'s primary region ${topo.primary}; host the customer there`);
    }
    if (host) {
      const instance = instanceName(tenant, name);
      if (instance.length > MAX_INSTANCE_NAME) at(["config", "runway:services", i], `the instance name '${instance}' is longer than ${MAX_INSTANCE_NAME} characters; use a shorter tenant id`);
      const clash = catalog.find((f) => f.entry.metadata.name === instance);
      if (clash) at(["config", "runway:services", i], `the instance name '${instance}' is taken by the catalog entry ${clash.file}; use another tenant id`);
    }
  });
  return out;
}
