import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { checkPlan } from "../src/rules/check";
import { forceNewValue, guardReplacements, makeUrn, parseUrn, resolveAlias } from "../src/rules/replacement";
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
  it("reads list paths of the replace-on table item by item", () => {
    expect(forceNewValue({ a: [{ b: 1 }, { b: 2, c: 3 }] }, "a[].b")).toEqual([1, 2]);
    expect(forceNewValue({ a: "[unknown]" }, "a[].b")).toBe("[unknown]");
    expect(forceNewValue({ a: { b: 1 } }, "a.b")).toBe(1);
  });

  it("finds nothing between a plan and itself", () => {
    expect(guardReplacements(compliantPlan(), compliantPlan())).toEqual([]);
  });

  it("fails a deleted stateful resource (D4) and names the fix", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => remove(rs, "main")));
    expect(found).toEqual([
      expect.objectContaining({ rule: "D4", name: "main", urn: urnOf(CLUSTER, "main"), message: expect.stringMatching(/not in this one, so merging deletes it; keep it, add aliases/) }),
    ]);
  });

  it("a removed protected tenant namespace is retained, not deleted, and still fails: offboarding retires instead", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => remove(rs, "ai-gateway")));
    expect(found).toEqual([
      expect.objectContaining({ rule: "D4", name: "ai-gateway", urn: urnOf("kubernetes:core/v1:Namespace", "ai-gateway"), message: expect.stringMatching(/^is retained \(it leaves the stack and stays in the cloud with its data\), but it is protected.*spec\.lifecycle: retired/) }),
    ]);
    expect(found[0].message).not.toContain("deletes it");
  });

  it("a removed retained resource that is not protected leaves the stack without a finding (it stays in the cloud)", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => remove(rs, "backups")))).toEqual([]);
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

  it("fails closed on a replacement-forcing input it cannot see, naming the field", () => {
    const headPlan = head((rs) => set(byName(rs, "main-general").inputs, "cluster", "[unknown]"));
    expect(guardReplacements(compliantPlan(), headPlan)).toEqual([
      expect.objectContaining({ rule: "D4", unverified: true, message: expect.stringMatching(/^cannot verify: cluster is unknown until apply in one of the plans, and a change would replace the resource/) }),
    ]);
    expect(checkPlan(headPlan, { base: compliantPlan() }).violations).toEqual([expect.objectContaining({ rule: "D4", severity: "mandatory", name: "main-general" })]);
  });

  it.each([
    ["the cluster's control-plane range", "main", "privateClusterConfig.masterIpv4CidrBlock", "172.16.0.16/28"],
    ["the cluster's network", "main", "network", "projects/runway-test-1/global/networks/other"],
    ["the cluster's inline node pools", "main", "nodePools", [{ name: "extra" }]],
    ["the node pool's node config", "main-general", "nodeConfig.machineType", "e2-standard-8"],
    ["a KMS key's purpose", "gke-secrets", "purpose", "ASYMMETRIC_SIGN"],
    ["a bucket's location", "backups", "location", "EU"],
    ["a PersistentVolumeClaim's storage class", "ai-gateway-cache", "spec.storageClassName", "premium-rwo"],
  ])("fails a change of %s, an input the provider replaces on (D4)", (_what, name, path, value) => {
    const found = guardReplacements(compliantPlan(), head((rs) => set(byName(rs, name).inputs, path, value)));
    expect(found.map((f) => `${f.rule} ${f.name}`)).toEqual([`D4 ${name}`]);
    expect(found[0].message).toMatch(/which replaces the resource \(delete and create\)/);
  });

  it("fails a Vault mount's path change: the provider remounts, moving every secret", () => {
    const found = guardReplacements(compliantPlan(), head((rs) => set(byName(rs, "vault-kv").inputs, "path", "runway/env/test2")));
    expect(found).toEqual([expect.objectContaining({ rule: "D4", name: "vault-kv", message: 'path changes from "runway/env/test" to "runway/env/test2", which moves the resource and everything stored under it (the provider remounts it); keep path as it was' })]);
  });

  it("passes a computed replace-on input that the head leaves to the provider", () => {
    expect(guardReplacements(compliantPlan(), head((rs) => set(byName(rs, "main").inputs, "location", undefined)))).toEqual([]);
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
    const headPlan = head((rs) => remove(rs, "main"));
    expect(checkPlan(headPlan, { base: compliantPlan() }).violations.map((v) => `${v.severity} ${v.rule} ${v.name}`)).toContain("mandatory D4 main");
    const waived = checkPlan(headPlan, { base: compliantPlan(), waivers: [{ rule: "D4", resource: urnOf(CLUSTER, "main"), justification: "Cluster replaced by the regional one (INFRA-42).", origin: "runway:waivers" }] });
    expect(waived.violations.filter((v) => v.rule === "D4")).toEqual([]);
    expect(waived.waivers[0].waived).toHaveLength(1);
  });
});

/**
 * Plans with the URNs the engine gives (whole parent-type chains, pulumi/pulumi resource/urn.go NewURN), written
 * out independently of makeUrn. `stackPrefixed` writes children of the stack as `pulumi:pulumi:Stack$<type>`, as
 * Pulumi's mock monitor does.
 */
describe("replacement guard on the fleet's and the global Gateway's stateful resources", () => {
  const MEMBERSHIP = "gcp:gkehub/membership:Membership";
  const ADDRESS = "gcp:compute/globalAddress:GlobalAddress";
  const withFleet = (change: (rs: PlannedResource[]) => void = () => {}): Plan =>
    head((rs) => {
      rs.push(
        resource(MEMBERSHIP, "fleet-us-east1", {
          project: "runway-test-1",
          membershipId: "runway-test",
          location: "us-east1",
          endpoint: { gkeCluster: { resourceLink: "//container.googleapis.com/projects/runway-test-1/locations/us-east1/clusters/runway-test" } },
        }),
        resource(ADDRESS, "gateway-multi-region", { project: "runway-test-1", name: "gateway-multi-region", labels: { "managed-by": "runway" } }),
        resource("gcp:gkehub/feature:Feature", "fleet-gateway", { project: "runway-test-1", name: "multiclusteringress", location: "global", spec: { multiclusteringress: { configMembership: "projects/runway-test-1/locations/us-east1/memberships/runway-test" } } }),
        resource("gcp:dns/managedZone:ManagedZone", "zone", { project: "runway-test-1", name: "test", dnsName: "test.runway.gitlab.net." }),
        resource("gcp:certificatemanager/certificateMap:CertificateMap", "gateway-certs", { project: "runway-test-1", name: "gateway" }),
      );
      change(rs);
    });

  it("fails a deleted fleet membership, Gateway feature, global address, zone and certificate map (D4)", () => {
    const found = guardReplacements(withFleet(), withFleet((rs) => ["fleet-us-east1", "gateway-multi-region", "fleet-gateway", "zone", "gateway-certs"].forEach((n) => remove(rs, n))));
    expect(found.map((f) => `${f.rule} ${f.name}`).sort()).toEqual(["D4 fleet-gateway", "D4 fleet-us-east1", "D4 gateway-certs", "D4 gateway-multi-region", "D4 zone"]);
  });

  it("fails a membership moved to another cluster and a renamed address, by the provider's replace-on fields (D4)", () => {
    const found = guardReplacements(
      withFleet(),
      withFleet((rs) => {
        set(byName(rs, "fleet-us-east1").inputs, "endpoint.gkeCluster.resourceLink", "//container.googleapis.com/projects/other/locations/us-east1/clusters/other");
        set(byName(rs, "gateway-multi-region").inputs, "name", "gateway-multi-region-2");
      }),
    );
    expect(found.map((f) => `${f.rule} ${f.name} ${f.message.split(" ")[0]}`).sort()).toEqual(["D4 fleet-us-east1 endpoint", "D4 gateway-multi-region name"]);
  });

  it("passes in-place changes: an address's labels, the Gateway feature's config membership", () => {
    const found = guardReplacements(
      withFleet(),
      withFleet((rs) => {
        set(byName(rs, "gateway-multi-region").inputs, "labels", { "managed-by": "runway", team: "runway" });
        set(byName(rs, "fleet-gateway").inputs, "spec.multiclusteringress.configMembership", "projects/runway-test-1/locations/europe-west4/memberships/runway-test-europe-west4");
      }),
    );
    expect(found).toEqual([]);
  });
});

describe("replacement guard on engine-style URNs", () => {
  const RUNWAY = "runway:platform:RunwayCluster";
  const GKE = "runway:gcp:GkeCluster";
  const RING = "gcp:kms/keyRing:KeyRing";

  function under(parent: PlannedResource | null, type: string, name: string, opts: { stackPrefixed?: boolean; aliases?: string[] } = {}): PlannedResource {
    const chain = parent ? `${parent.urn.split("::")[2]}$${type}` : opts.stackPrefixed ? `pulumi:pulumi:Stack$${type}` : type;
    // The cloud name stays whatever the Pulumi name: a rename in code is a move, not a new identity.
    return resource(type, name, { name: "runway-test" }, { urn: `urn:pulumi:test::runway::${chain}::${name}`, parent: parent?.urn ?? STACK_URN, custom: !type.startsWith("runway:"), aliases: opts.aliases ?? [] });
  }

  /** The GKE component `gke` with a cluster and a key ring, under the RunwayCluster component `main` or the stack. */
  function plan(opts: { nested: boolean; gkeName?: string; gkeAliases?: string[]; clusterAliases?: string[]; stackPrefixed?: boolean }): Plan {
    const runway = under(null, RUNWAY, "main", opts);
    const gkeName = opts.gkeName ?? "gke";
    const gke = under(opts.nested ? runway : null, GKE, gkeName, { ...opts, aliases: opts.gkeAliases });
    const cluster = under(gke, CLUSTER, gkeName, { aliases: opts.clusterAliases });
    const ring = under(gke, RING, `${gkeName}-keys`);
    return { stack: "test", resources: [runway, gke, cluster, ring], outputs: {} };
  }

  it("builds and parses URNs with the whole parent chain", () => {
    const gke = "urn:pulumi:test::runway::runway:platform:RunwayCluster$runway:gcp:GkeCluster::gke";
    expect(parseUrn(`urn:pulumi:test::runway::runway:platform:RunwayCluster$runway:gcp:GkeCluster$${CLUSTER}::gke`)).toMatchObject({ qualifiedType: `${RUNWAY}$${GKE}$${CLUSTER}`, type: CLUSTER });
    expect(makeUrn("test", "runway", gke, CLUSTER, "gke")).toBe(`urn:pulumi:test::runway::runway:platform:RunwayCluster$runway:gcp:GkeCluster$${CLUSTER}::gke`);
    // A parent written with the stack's type gives the engine's URN all the same.
    expect(makeUrn("test", "runway", "urn:pulumi:test::runway::pulumi:pulumi:Stack$runway:platform:RunwayCluster::main", CLUSTER, "c")).toBe(`urn:pulumi:test::runway::${RUNWAY}$${CLUSTER}::c`);
  });

  it("resolves alias specs over whole chains: parent= takes the parent's chain, noParent and the stack none", () => {
    const now = { urn: `urn:pulumi:test::runway::${RUNWAY}$${GKE}$${CLUSTER}::gke`, type: CLUSTER, name: "gke", parent: `urn:pulumi:test::runway::${RUNWAY}$${GKE}::gke` };
    expect(resolveAlias(`parent=urn:pulumi:test::runway::${RUNWAY}::main`, now)).toBe(`urn:pulumi:test::runway::${RUNWAY}$${CLUSTER}::gke`);
    expect(resolveAlias("name=old", now)).toBe(`urn:pulumi:test::runway::${RUNWAY}$${GKE}$${CLUSTER}::old`);
    expect(resolveAlias("noParent", now)).toBe(`urn:pulumi:test::runway::${CLUSTER}::gke`);
    expect(resolveAlias(`parent=${STACK_URN}`, now)).toBe(`urn:pulumi:test::runway::${CLUSTER}::gke`);
    expect(resolveAlias(`urn:pulumi:test::runway::pulumi:pulumi:Stack$${CLUSTER}::gke`, now)).toBe(`urn:pulumi:test::runway::${CLUSTER}::gke`);
  });

  it("finds nothing between a plan and itself, in either form of the stack's children", () => {
    for (const stackPrefixed of [false, true]) expect(guardReplacements(plan({ nested: true, stackPrefixed }), plan({ nested: true, stackPrefixed }))).toEqual([]);
    expect(guardReplacements(plan({ nested: true, stackPrefixed: true }), plan({ nested: true }))).toEqual([]);
  });

  it("fails a component moved into another without an alias: its stateful children move too (D5)", () => {
    const found = guardReplacements(plan({ nested: false }), plan({ nested: true }));
    expect(found.map((f) => `${f.rule} ${f.name}`)).toEqual(["D5 gke", "D5 gke-keys"]);
    expect(found[0].message).toBe(
      `moves to urn:pulumi:test::runway::${RUNWAY}$${GKE}$${CLUSTER}::gke without an alias, so Pulumi would delete it and create a new one; add aliases: ["urn:pulumi:test::runway::${GKE}$${CLUSTER}::gke"] to its options, or keep its name and parent`,
    );
  });

  it("passes a component moved with a { parent: <old parent> } alias: its children inherit it, as in the engine", () => {
    expect(guardReplacements(plan({ nested: false }), plan({ nested: true, gkeAliases: [`parent=${STACK_URN}`] }))).toEqual([]);
    expect(guardReplacements(plan({ nested: false, stackPrefixed: true }), plan({ nested: true, stackPrefixed: true, gkeAliases: [`parent=${STACK_URN}`] }))).toEqual([]);
    expect(guardReplacements(plan({ nested: false }), plan({ nested: true, gkeAliases: ["noParent"] }))).toEqual([]);
  });

  it("passes a renamed component with a { name } alias: children named after it follow its old name", () => {
    expect(guardReplacements(plan({ nested: true }), plan({ nested: true, gkeName: "primary" })).map((f) => `${f.rule} ${f.name}`)).toEqual(["D5 gke", "D5 gke-keys"]);
    expect(guardReplacements(plan({ nested: true }), plan({ nested: true, gkeName: "primary", gkeAliases: ["name=gke"] }))).toEqual([]);
  });

  it("passes a resource moved under a new parent that carries { parent: <old parent> } itself", () => {
    const base = plan({ nested: true });
    const head = plan({ nested: true });
    // The cluster leaves the GKE component for the RunwayCluster component.
    const cluster = head.resources[2];
    cluster.parent = head.resources[0].urn;
    cluster.urn = `urn:pulumi:test::runway::${RUNWAY}$${CLUSTER}::gke`;
    expect(guardReplacements(base, head).map((f) => `${f.rule} ${f.name}`)).toEqual(["D5 gke"]);
    cluster.aliases = [`parent=${base.resources[1].urn}`];
    expect(guardReplacements(base, head)).toEqual([]);
  });

  it("a stack-prefixed plan: a move from the stack into a component fails D5 without alias and passes with { parent: <stack> }", () => {
    const base = plan({ nested: false, stackPrefixed: true });
    const cluster = base.resources[2];
    cluster.parent = STACK_URN;
    cluster.urn = `urn:pulumi:test::runway::pulumi:pulumi:Stack$${CLUSTER}::gke`;
    const moved = (aliases: string[]) => {
      const head = plan({ nested: false, stackPrefixed: true });
      head.resources[2].aliases = aliases;
      return head;
    };
    expect(guardReplacements(base, moved([])).map((f) => `${f.rule} ${f.name}`)).toEqual(["D5 gke"]);
    expect(guardReplacements(base, moved([`parent=${STACK_URN}`]))).toEqual([]);
  });
});
