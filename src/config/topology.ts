/**
 * The regions of an environment, from its stacks: the platform stack's cluster is the primary region (it owns the
 * project, the VPC, the global load balancer and the Vault mount), and each `region` stack adds one regional
 * cluster in the same project and VPC. One stack per region keeps a `pulumi up` to one region's resources, so a
 * region's outage or a change there never blocks or touches the others (docs/architecture.md, "Regions").
 */
import { cidrsOverlap } from "./schema/common";
import type { PlatformConfig, RegionConfig } from "./schema/stack";
import type { Diagnostic } from "./diagnostics";
import type { PlacementContext } from "./placement";
import type { StackFile } from "./stack";
import { diagnosticAt } from "./yaml-source";

/** GKE's limit on cluster names. */
export const MAX_CLUSTER_NAME = 40;

/** Name of an environment's primary cluster (and of its project's VPC): `runway-<environment>`. */
export function platformClusterName(environment: string): string {
  return `runway-${environment}`;
}

/** Name of an environment's cluster in a further region: `runway-<environment>-<region>`. */
export function regionalClusterName(environment: string, region: string): string {
  return `${platformClusterName(environment)}-${region}`;
}

export interface RegionalStack {
  stack: StackFile;
  config: RegionConfig;
  region: string;
  clusterName: string;
}

export interface EnvironmentTopology {
  environment: string;
  /** The platform stack: the primary region's cluster, the project, the VPC and the global routing. */
  platform: StackFile;
  platformConfig: PlatformConfig;
  primary: string;
  /** The environment's `region` stacks, in stack-name order; each region once (validation reports the rest). */
  regional: RegionalStack[];
  /** The primary region first, then each regional stack's. */
  regions: string[];
  /** Cluster name by region. */
  clusters: ReadonlyMap<string, string>;
}

const platformsOf = (stacks: readonly StackFile[], env: string) =>
  stacks.filter((s) => s.config["runway:kind"] === "platform" && s.config["runway:environment"] === env);

const regionStacksOf = (stacks: readonly StackFile[], env: string) =>
  stacks.filter((s) => s.config["runway:kind"] === "region" && s.config["runway:environment"] === env).sort((a, b) => a.name.localeCompare(b.name));

/** The topology of one environment; undefined when no platform stack defines it. */
export function environmentTopology(stacks: readonly StackFile[], environment: string): EnvironmentTopology | undefined {
  const platform = platformsOf(stacks, environment)[0];
  if (!platform || platform.config["runway:kind"] !== "platform") return undefined;
  const platformConfig = platform.config;
  const primary = platformConfig["runway:cluster"].region;
  const clusters = new Map<string, string>([[primary, platformClusterName(environment)]]);
  const regional: RegionalStack[] = [];
  for (const s of regionStacksOf(stacks, environment)) {
    if (s.config["runway:kind"] !== "region") continue;
    const region = s.config["runway:cluster"].region;
    if (clusters.has(region)) continue;
    const clusterName = regionalClusterName(environment, region);
    clusters.set(region, clusterName);
    regional.push({ stack: s, config: s.config, region, clusterName });
  }
  return { environment, platform, platformConfig, primary, regional, regions: [...clusters.keys()], clusters };
}

/** Every environment's regions and every service stack's cluster region, for the catalog's placement checks. */
export function placementContext(stacks: readonly StackFile[]): PlacementContext {
  const environments = new Map<string, { primary: string; regions: string[] }>();
  const serviceStackRegions = new Map<string, string>();
  const derivedServiceStacks = new Set<string>();
  for (const s of stacks) {
    const c = s.config;
    if (c["runway:kind"] === "platform" && !environments.has(c["runway:environment"])) {
      const topo = environmentTopology(stacks, c["runway:environment"]);
      if (topo) environments.set(topo.environment, { primary: topo.primary, regions: topo.regions });
    }
    if (c["runway:kind"] === "service" && c["runway:cluster"]) {
      const key = `${c["runway:service"]}@${c["runway:environment"]}`;
      serviceStackRegions.set(key, c["runway:cluster"].region);
      if (s.derived) derivedServiceStacks.add(key);
    }
  }
  return { environments, serviceStackRegions, derivedServiceStacks };
}

/** The address ranges a stack places in its VPC, with the config path of each. */
function vpcRanges(s: StackFile): { path: (string | number)[]; cidr: string }[] {
  const c = s.config;
  if (c["runway:kind"] !== "platform" && c["runway:kind"] !== "region") return [];
  const out: { path: (string | number)[]; cidr: string }[] = [];
  c["runway:network"].subnets.forEach((sn, i) => {
    for (const k of ["cidr", "pods", "services", "proxyOnly"] as const) {
      const v = sn[k];
      if (v !== undefined) out.push({ path: ["config", "runway:network", "subnets", i, k], cidr: v });
    }
  });
  out.push({ path: ["config", "runway:cluster", "masterIpv4CidrBlock"], cidr: c["runway:cluster"].masterIpv4CidrBlock });
  return out;
}

/**
 * Checks of a `region` stack against its environment: a platform stack defines the environment, the region is new to
 * it, the VPC has no subnet there yet, every range is disjoint from the rest of the VPC, the catalog is the same, and
 * the cluster's name fits GKE.
 */
export function regionStackProblems(stack: StackFile, stacks: readonly StackFile[]): Diagnostic[] {
  const c = stack.config;
  if (c["runway:kind"] !== "region") return [];
  const env = c["runway:environment"];
  const region = c["runway:cluster"].region;
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string) => out.push(diagnosticAt(stack.source, path, message));
  const platforms = platformsOf(stacks, env);
  if (platforms.length === 0) {
    const known = [...new Set(stacks.filter((s) => s.config["runway:kind"] === "platform").map((s) => (s.config as PlatformConfig)["runway:environment"]))].sort();
    at(["config", "runway:environment"], `no platform stack defines environment '${env}' (defined: ${known.join(", ") || "none"}); a regional stack adds a region to an environment whose platform stack exists`);
    return out;
  }
  if (platforms.length > 1) {
    at(["config", "runway:environment"], `environment '${env}' has ${platforms.length} platform stacks (${platforms.map((p) => p.name).join(", ")}); a regional stack needs exactly one, which owns the project and VPC`);
    return out;
  }
  const platform = platforms[0];
  const pc = platform.config as PlatformConfig;
  if (region === pc["runway:cluster"].region) {
    at(["config", "runway:cluster", "region"], `${region} is ${env}'s primary region (${platform.name}); a regional stack adds another region`);
  }
  const twin = regionStacksOf(stacks, env).find((s) => s.name !== stack.name && (s.config as RegionConfig)["runway:cluster"].region === region);
  if (twin) at(["config", "runway:cluster", "region"], `${region} is already a region of ${env} (${twin.name}); one stack per region`);
  const own = pc["runway:network"].subnets.findIndex((s) => s.region === region);
  if (own >= 0) {
    at(["config", "runway:network", "subnets", 0, "region"], `${platform.name} already has a subnet in ${region} (runway:network.subnets[${own}]) with the name this stack's subnet takes; remove it there, or choose another region`);
  }
  const others = [platform, ...regionStacksOf(stacks, env).filter((s) => s.name !== stack.name)];
  for (const mine of vpcRanges(stack)) {
    for (const o of others) {
      const clash = vpcRanges(o).find((r) => cidrsOverlap(r.cidr, mine.cidr));
      if (clash) at(mine.path, `${mine.cidr} overlaps ${clash.cidr} of ${o.name} (${clash.path.slice(1).join(".")}); the environment's clusters share one VPC, so choose a disjoint range`);
    }
  }
  if (c["runway:catalogDir"] !== pc["runway:catalogDir"]) {
    at(["config", "runway:catalogDir"], `the catalog is '${c["runway:catalogDir"]}' but ${platform.name} uses '${pc["runway:catalogDir"]}'; a regional cluster onboards the environment's catalog`);
  }
  const name = regionalClusterName(env, region);
  if (name.length > MAX_CLUSTER_NAME) {
    at(["config", "runway:cluster", "region"], `the regional cluster's name '${name}' is longer than ${MAX_CLUSTER_NAME} characters (GKE's limit); use a shorter environment name`);
  }
  return out;
}
