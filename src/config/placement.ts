/**
 * Where a catalog entry runs: its regions in each environment, checked against the regions the environment has
 * (its platform stack's cluster region, the primary, and those its `region` stacks add), the service stack of a
 * dedicated placement, and the entry's residency.
 */
import type { CatalogFile } from "./catalog";
import type { Diagnostic } from "./diagnostics";
import { inJurisdiction, type Jurisdiction, jurisdictionName, jurisdictionOf } from "./regions";
import { diagnosticAt } from "./yaml-source";

export interface EnvironmentRegions {
  /** Region of the environment's platform stack's cluster. */
  primary: string;
  /** Every region of the environment: the primary first, then the regions its `region` stacks add. */
  regions: readonly string[];
}

export interface PlacementContext {
  /** Regions of each environment a platform stack defines. */
  environments: ReadonlyMap<string, EnvironmentRegions>;
  /** Region of each service stack's cluster, by `service@environment`. */
  serviceStackRegions: ReadonlyMap<string, string>;
  /** The `service@environment` of those stacks that are derived from the catalog (no stack file). */
  derivedServiceStacks?: ReadonlySet<string>;
}

/** Regions a shared tenant runs in: the ones it lists, else the environment's primary. */
export function effectiveRegions(listed: readonly string[] | undefined, primary: string): string[] {
  return listed ? [...listed] : [primary];
}

function residencyMessage(region: string, j: Jurisdiction, env: string, available: readonly string[]): string {
  const there = jurisdictionOf(region);
  const inside = available.filter((r) => inJurisdiction(r, j));
  return `${region} lies in ${there ? jurisdictionName(there) : "no known jurisdiction"}, outside residency ${jurisdictionName(j)} (spec.residency); ${env}'s regions in ${j}: ${inside.join(", ") || "none"}`;
}

/** Every problem of an entry's regions and residency in the environments it lists. */
export function placementProblems(c: CatalogFile, ctx: PlacementContext): Diagnostic[] {
  const { entry, source } = c;
  const name = entry.metadata.name;
  const residency = entry.spec.residency;
  const out: Diagnostic[] = [];
  const push = (at: (string | number)[], message: string) => out.push(diagnosticAt(source, at, message));

  const lists: { at: (string | number)[]; regions: readonly string[] }[] = [];
  if (entry.spec.regions) lists.push({ at: ["spec", "regions"], regions: entry.spec.regions });
  for (const [env, o] of Object.entries(entry.spec.overrides ?? {})) if (o?.regions) lists.push({ at: ["spec", "overrides", env, "regions"], regions: o.regions });
  for (const l of lists) {
    l.regions.forEach((r, i) => {
      if (l.regions.indexOf(r) !== i) push([...l.at, i], `region ${r} is listed twice`);
    });
  }

  for (const env of new Set(entry.spec.environments)) {
    const topo = ctx.environments.get(env);
    if (!topo) continue; // an unknown environment is reported by entryProblems
    const o = entry.spec.overrides?.[env];
    const listed = o?.regions ?? entry.spec.regions;
    const at: (string | number)[] = o?.regions ? ["spec", "overrides", env, "regions"] : ["spec", "regions"];
    const placement = o?.placement ?? entry.spec.placement;

    if (placement === "dedicated") {
      const stackRegion = ctx.serviceStackRegions.get(`${name}@${env}`);
      const derived = ctx.derivedServiceStacks?.has(`${name}@${env}`) === true;
      // A derived stack's region is the environment's default (runway:dedicated.region, else its cluster's): to put
      // this one cluster elsewhere, commit its text as a hand-written stack file and change the region there.
      const stack = derived ? `the stack derived for it from ${env}'s runway:dedicated defaults` : `stacks/Pulumi.${name}-${env}.yaml`;
      const move = derived ? `commit \`runway stack config ${name}-${env}\` as stacks/Pulumi.${name}-${env}.yaml and set its region there` : "move the cluster";
      if (listed && listed.length > 1) {
        push(at, `${name} is dedicated in ${env}: its own cluster is in one region${stackRegion ? ` (${stackRegion}, ${stack})` : ""}; list one region in overrides.${env}.regions, or use shared placement to run in several`);
      } else if (listed && stackRegion && listed[0] !== stackRegion) {
        push([...at, 0], `${name} is dedicated in ${env} and its cluster is in ${stackRegion} (${stack}); list ${stackRegion} or ${move}`);
      }
      if (residency && stackRegion && !inJurisdiction(stackRegion, residency)) {
        push(["spec", "residency"], `${name} is dedicated in ${env} and its cluster is in ${stackRegion} (${stack}), outside residency ${jurisdictionName(residency)}; ${derived ? `${move} (a region in ${residency})` : `move that cluster to a region in ${residency}`}`);
      }
      continue;
    }

    if (listed) {
      listed.forEach((r, i) => {
        if (residency && !inJurisdiction(r, residency)) push([...at, i], residencyMessage(r, residency, env, topo.regions));
        else if (!topo.regions.includes(r)) {
          push(
            [...at, i],
            `${r} is not a region of ${env} (regions: ${topo.regions.join(", ")}); add a regional stack for it (stacks/Pulumi.platform-${env}-${r}.yaml with runway:kind: region and runway:environment: ${env}) or remove it`,
          );
        }
      });
    } else if (residency && !inJurisdiction(topo.primary, residency)) {
      const inside = topo.regions.filter((r) => inJurisdiction(r, residency));
      push(
        ["spec", "residency"],
        inside.length
          ? `residency ${jurisdictionName(residency)} excludes ${topo.primary}, the primary region of ${env}, where the service runs unless it lists regions; list spec.regions (or overrides.${env}.regions) from ${env}'s regions in ${residency}: ${inside.join(", ")}`
          : `${env} has no region in ${jurisdictionName(residency)} (regions: ${topo.regions.join(", ")}); add a regional stack in a region of ${residency}, or remove ${env} from spec.environments`,
      );
    }

    const regions = effectiveRegions(listed, topo.primary);
    if (entry.spec.exposure?.visibility === "internal" && (regions.length !== 1 || regions[0] !== topo.primary)) {
      push(listed ? at : ["spec", "exposure", "visibility"], `internal services run only in ${env}'s primary region ${topo.primary}, where its internal Gateway is; list only ${topo.primary} for ${env}, or set visibility: external`);
    }
  }
  return out;
}
