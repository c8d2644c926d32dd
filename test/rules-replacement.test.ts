import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { checkPlan } from "../src/rules/check";
import { guardReplacements, makeUrn, parseUrn, resolveAlias } from "../src/rules/replacement";
import { compliantPlan, remove, resource, set, STACK_URN, urnOf } from "./rules-fixtures";

const CLUSTER = "gcp:container/cluster:Cluster";
const COMPONENT_URN = "urn:pulumi:test::runway::runway:gcp:Cluster::main";

function head(change: (resources: PlannedResource[]) => void): Plan {
  const plan = compliantPlan();
  change(plan.resources);
  return plan;
}

const byName = (rs: PlannedResource[], name: string) => rs.find((r) => r.name === name)!;

/** Gives resource `name` a new logical name (and so a new URN), as a rename in code does. */
function rename(rs: PlannedResource[], name: string, to: string, aliases: string[] = []): PlannedResource {
  const r = byName(rs, name);
  r.name = to;
  r.urn = urnOf(r.type, to, r.parent);
  r.aliases = aliases;
  return r;
}

/** Moves resource `name` under a component, as wrapping it in a ComponentResource does. */
function reparent(rs: PlannedResource[], name: string, aliases: string[] = []): PlannedResource {
  const r = byName(rs, name);
  r.parent = COMPONENT_URN;
  r.urn = urnOf(r.type, r.name, COMPONENT_URN);
  r.aliases = aliases;
  rs.push(resource("runway:gcp:Cluster", "main", {}, { custom: false }));
  return r;
}

describe("URNs and aliases", () => {
  it("parses URNs, names with '::' included", () => {
    expect(parseUrn("urn:pulumi:dev::runway::runway:gcp:Cluster$gcp:container/cluster:Cluster::a::b")).toEqual({
      stack: "dev",
      project: "runway",
      qualifiedType: "runway:gcp:Cluster$gcp:container/cluster:Cluster",
      type: "gcp:container/cluster:Cluster",
      name: "a::b",
    });
    expect(parseUrn("not-a-urn")).toBeUndefined();
  });

  it("builds URNs as the engine does: children of the stack carry no parent type", () => {
    expect(makeUrn("test", "runway", STACK_URN, CLUSTER, "main")).toBe(urnOf(CLUSTER, "main"));
    expect(makeUrn("test", "runway", COMPONENT_URN, CLUSTER, "main")).toBe("urn:pulumi:test::runway::runway:gcp:Cluster$gcp:container/cluster:Cluster::main");
    expect(makeUrn("test", "runway", null, CLUSTER, "main")).toBe(urnOf(CLUSTER, "main"));
  });

  it("resolves alias specs against the new resource: missing parts default to its own", () => {
    const now = { urn: urnOf(CLUSTER, "primary", COMPONENT_URN), type: CLUSTER, name: "primary", parent: COMPONENT_URN };
    expect(resolveAlias(urnOf(CLUSTER, "old"), now)).toBe(urnOf(CLUSTER, "old"));
    expect(resolveAlias("name=main", now)).toBe(urnOf(CLUSTER, "main", COMPONENT_URN));
    expect(resolveAlias(`name=main,parent=${STACK_URN}`, now)).toBe(urnOf(CLUSTER, "main"));
    expect(resolveAlias("name=main,noParent", now)).toBe(urnOf(CLUSTER, "main"));
    expect(resolveAlias("type=gcp:container/cluster:OldCluster", now)).toBe(urnOf("gcp:container/cluster:OldCluster", "primary", COMPONENT_URN));
  });

  it("never throws on any alias text", () => {
    const now = { urn: urnOf(CLUSTER, "x"), type: CLUSTER, name: "x", parent: STACK_URN };
    fc.assert(fc.property(fc.string(), (a) => void resolveAlias(a, now)));
  });
});

describe("replacement guard", () => {
  it("finds nothing between a plan and itself", () => {
    expect(guardReplacements(compliantPlan(), compliantPlan())).toEqual([]);
  });

  it("fails a deleted tenant namespace (D4) and names the fix", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => remove(rs, "ai-gateway")));
    expect(found).toEqual([
      expect.objectContaining({ rule: "D4", name: "ai-gateway", urn: urnOf("kubernetes:core/v1:Namespace", "ai-gateway"), message: expect.stringMatching(/not in this one, so merging deletes it; keep it, add aliases/) }),
    ]);
  });

  it("ignores deleted resources that hold no state", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => remove(rs, "ai-gateway-default-deny")))).toEqual([]);
  });

  it("fails a rename without an alias (D5) and names the old URN", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => rename(rs, "main", "primary")));
    expect(found).toEqual([expect.objectContaining({ rule: "D5", name: "main", message: expect.stringContaining(`add aliases: ["${urnOf(CLUSTER, "main")}"]`) })]);
  });

  it("passes a rename that carries the old URN as an alias", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => rename(rs, "main", "primary", [urnOf(CLUSTER, "main")])))).toEqual([]);
  });

  it("passes a rename with an alias spec naming the old name", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => rename(rs, "main", "primary", ["name=main"])))).toEqual([]);
  });

  it("fails a move into a component without an alias, and passes it with one", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => reparent(rs, "main"))).map((f) => f.rule)).toEqual(["D5"]);
    expect(guardReplacements(compliantPlan(), head((rs) => reparent(rs, "main", [`parent=${STACK_URN}`])))).toEqual([]);
  });

  it("fails a change of an input that forces replacement (D4)", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => set(byName(rs, "main").inputs, "location", "europe-west4")));
    expect(found).toEqual([expect.objectContaining({ rule: "D4", name: "main", message: 'location changes from "us-east1" to "europe-west4", which replaces the resource (delete and create); keep location as it was' })]);
  });

  it("fails a renamed namespace and a renamed bucket through their inputs", () => {
    const found = guardReplacements(
      compliantPlan(),
      head((rs) => {
        set(byName(rs, "ai-gateway").inputs, "metadata.name", "ai-gateway-2");
        set(byName(rs, "backups").inputs, "name", "backups-2");
      }),
    );
    expect(found.map((f) => `${f.rule} ${f.name} ${f.message.split(" ")[0]}`)).toEqual(["D4 backups name", "D4 ai-gateway metadata.name"]);
  });

  it("passes changes of inputs that update in place", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => set(byName(rs, "main").inputs, "releaseChannel.channel", "STABLE")))).toEqual([]);
  });

  it("reports an unknown replacement-forcing input as advisory", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => set(byName(rs, "main-general").inputs, "cluster", "[unknown]")));
    expect(found).toEqual([expect.objectContaining({ rule: "D4", unverified: true, message: 'cannot verify until apply: cluster is "[unknown]" in one of the plans' })]);
  });

  it("fails a Kubernetes provider that changes identity (D6)", () => {
    const k8s = (rs: PlannedResource[]) => byName(rs, "main-k8s").inputs;
    expect(guardReplacements(compliantPlan(), head((rs) => set(k8s(rs), "kubeconfig", "apiVersion: v1\nkind: Config\n# new token\n")))).toEqual([]);
    expect(guardReplacements(compliantPlan(), head((rs) => set(k8s(rs), "clusterIdentifier", "other"))).map((f) => f.rule)).toEqual(["D6"]);
    const base = head((rs) => set(k8s(rs), "clusterIdentifier", undefined));
    const changed = head((rs) => (set(k8s(rs), "clusterIdentifier", undefined), set(k8s(rs), "kubeconfig", "apiVersion: v1\nkind: Config\n# proxy-url\n")));
    expect(guardReplacements(base, changed)).toEqual([expect.objectContaining({ rule: "D6", message: expect.stringMatching(/^kubeconfig changes, which replaces the provider/) })]);
  });

  it("is part of checkPlan with a base, and a D4 waiver allows an intended deletion", () => {
    const headPlan = head((rs) => remove(rs, "backups"));
    expect(checkPlan(headPlan, { base: compliantPlan() }).violations.map((v) => `${v.severity} ${v.rule} ${v.name}`)).toContain("mandatory D4 backups");
    const waived = checkPlan(headPlan, { base: compliantPlan(), waivers: [{ rule: "D4", resource: "backups", justification: "Backups moved to the shared bucket (INFRA-42).", origin: "runway:waivers" }] });
    expect(waived.violations.filter((v) => v.rule === "D4")).toEqual([]);
    expect(waived.waivers[0].waived).toHaveLength(1);
  });
});
