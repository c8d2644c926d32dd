/**
 * D5: renaming a GkeCluster component with an alias keeps every resource under it, so nothing is replaced.
 *
 * Children inherit their parent's aliases, with the parent's name prefix of their own name renamed. The engine
 * does this at every depth (pulumi/pulumi pkg/resource/deploy/step_generator.go, `generateAliases` and
 * `inheritedChildAlias`), but the mock runtime has no engine: `inheritedAliases` below applies the same rule to
 * the recorded alias specs. It is checked against the SDK's own implementation of the rule (used when alias
 * specs are off: sdk/nodejs/resource.ts `allAliases`, one level deep only) on every direct child.
 */
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { beforeAll, describe, expect, it } from "vitest";
import { GkeCluster } from "../components/gcp/gke-cluster";
import { clusterArgs, clusterConfig } from "./helpers/gcp";
import { type PlannedResource, type Recorded, runWithMocks } from "./helpers/pulumi";

/**
 * A resource's identity as the engine builds its URN: the chain of (type, name) from the stack down. Compared as
 * paths because the mock monitor spells URNs slightly differently from the engine.
 */
type Path = string;
const step = (type: string, name: string) => `${type}::${name}`;

function pathsOf(plan: Recorded): Map<string, Path> {
  const out = new Map<string, Path>();
  const visit = (r: PlannedResource, parent: Path) => {
    const path = `${parent} > ${step(r.type, r.name)}`;
    out.set(r.urn, path);
    for (const child of plan.resources.filter((x) => x.parent === r.urn)) visit(child, path);
  };
  visit(plan.one("pulumi:pulumi:Stack"), "");
  return out;
}

/**
 * Alias paths of every resource, as the engine generates them: its own alias specs, and for each alias of its
 * parent the inherited alias of its name and of each of its own aliases.
 */
function inheritedAliases(plan: Recorded): Map<string, Path[]> {
  const paths = pathsOf(plan);
  const out = new Map<string, Path[]>();
  const visit = (r: PlannedResource) => {
    const parentPath = r.parent ? (paths.get(r.parent) as Path) : "";
    const specs = r.aliases.map((spec) => Object.fromEntries(spec.split(",").map((kv) => kv.split("="))) as Record<string, string | undefined>);
    const own = specs.map((s) => ({ type: s.type ?? r.type, name: s.name ?? r.name, under: s.parent ? paths.get(s.parent) : "noParent" in s ? "" : parentPath }));
    const parentName = r.parent ? plan.byUrn(r.parent).name : "";
    const inherited = (r.parent ? (out.get(r.parent) ?? []) : []).flatMap((alias) => {
      const aliasName = alias.slice(alias.lastIndexOf("::") + 2);
      return [{ type: r.type, name: r.name }, ...own].map(({ type, name }) => {
        const renamed = name.startsWith(parentName) ? aliasName + name.slice(parentName.length) : name;
        return `${alias} > ${step(type, renamed)}`;
      });
    });
    out.set(r.urn, [...own.map((a) => `${a.under} > ${step(a.type, a.name)}`), ...inherited]);
    for (const child of plan.resources.filter((x) => x.parent === r.urn)) visit(child);
  };
  visit(plan.one("pulumi:pulumi:Stack"));
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- protobuf request objects of the SDK have no public types */
/** Makes the SDK compute alias URNs itself and records the `aliasURNs` it sends with each registration. */
function tapSdkAliasUrns(into: Map<string, string[]>): void {
  // getStore is internal to the SDK: absent from its type declarations, present at run time.
  const store = (runtimeState as unknown as { getStore(): { supportsAliasSpecs: boolean; settings: { monitor: any } } }).getStore();
  store.supportsAliasSpecs = false;
  const monitor = store.settings.monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
    register(req, (err: any, resp: any) => {
      if (!err) into.set(resp.getUrn(), req.getAliasurnsList());
      callback(err, resp);
    });
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let before: Recorded;
let after: Recorded;
let aliases: Map<string, Path[]>;
let oldPaths: Map<Path, string>;
const sdkAliases = new Map<string, string[]>();

beforeAll(async () => {
  const config = clusterConfig({ nodePools: [{ name: "general" }, { name: "batch" }] });
  before = await runWithMocks(() => {
    new GkeCluster("prod", clusterArgs(config));
  });
  // clusterName keeps the GCP names of the old component: the cluster and everything named after it.
  const renamed = () => new GkeCluster("production", clusterArgs(config, { clusterName: "prod" }), { aliases: [{ name: "prod" }] });
  after = await runWithMocks(renamed);
  aliases = inheritedAliases(after);
  oldPaths = new Map([...pathsOf(before)].map(([urn, path]) => [path, urn]));
  await runWithMocks(() => {
    tapSdkAliasUrns(sdkAliases);
    renamed();
  });
});

const owned = (p: Recorded) => p.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
/** URNs of the old plan that a resource of the new plan is an alias of. */
const oldUrnOf = (urn: string) => (aliases.get(urn) ?? []).flatMap((a) => oldPaths.get(a) ?? []);

describe("renaming GkeCluster", () => {
  it("renames every resource it owns and carries the caller's alias on the component", () => {
    expect(owned(after).every((r) => r.name.startsWith("production"))).toBe(true);
    expect(owned(after)).toHaveLength(owned(before).length);
    expect(after.one("runway:gcp:GkeCluster").aliases).toEqual([`name=prod,parent=${after.one("pulumi:pulumi:Stack").urn}`]);
  });

  it("inherits aliases on direct children exactly as the Pulumi SDK computes them", () => {
    const root = after.one("runway:gcp:GkeCluster").urn;
    const children = after.resources.filter((r) => r.parent === root);
    expect(children.length).toBeGreaterThan(10);
    for (const c of children) {
      // The SDK sends `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`: compare the last step.
      const sdk = (sdkAliases.get(c.urn) ?? []).map((u) => step(u.split("::")[2].split("$").pop() as string, u.split("::")[3]));
      const model = (aliases.get(c.urn) ?? []).map((p) => p.slice(p.lastIndexOf(" > ") + 3));
      expect(new Set(sdk), c.name).toEqual(new Set(model));
    }
  });

  it("maps every resource, node pools and the Kubernetes provider included, onto its old URN", () => {
    for (const r of owned(after)) expect(oldUrnOf(r.urn), r.urn).toHaveLength(1);
    expect(new Set(owned(after).flatMap((r) => oldUrnOf(r.urn)))).toEqual(new Set(owned(before).map((r) => r.urn)));
    expect(owned(after).map((r) => r.type)).toEqual(expect.arrayContaining(["pulumi:providers:kubernetes", "gcp:container/nodePool:NodePool"]));
  });

  it("leaves every aliased resource with the same type, inputs and protection, so nothing is replaced", () => {
    for (const r of owned(after)) {
      const old = before.byUrn(oldUrnOf(r.urn)[0]);
      expect(r.type).toBe(old.type);
      expect(r.inputs, r.name).toEqual(old.inputs);
      expect(r.protect).toBe(old.protect);
    }
  });
});
