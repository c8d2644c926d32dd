import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { maskValue, SECRET } from "../src/plan/engine";
import { runWithMocks } from "./helpers/pulumi";

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, props, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("runway:test:Box", name, {}, opts);
    new Thing(`${name}-thing`, { secretField: pulumi.secret("hunter2"), plain: "x" }, { parent: this, protect: true });
    this.registerOutputs({});
  }
}

describe("plan engine", () => {
  it("records parent, protect and inputs of each registration", async () => {
    const plan = await runWithMocks(() => new Box("b"));
    const thing = plan.one("test:index:Thing");
    expect(thing.parent).toBe(plan.one("runway:test:Box").urn);
    expect(thing.protect).toBe(true);
    expect(thing.inputs.plain).toBe("x");
  });

  it("URNs carry the parent's whole type chain, and none for children of the stack, as the engine's do", async () => {
    const plan = await runWithMocks(() => new Box("b"));
    expect(plan.one("runway:test:Box").urn).toBe("urn:pulumi:test::runway::runway:test:Box::b");
    expect(plan.one("test:index:Thing").urn).toBe("urn:pulumi:test::runway::runway:test:Box$test:index:Thing::b-thing");
  });

  it("moving a component under another changes its children's URNs, and an alias to the old parent names them", async () => {
    const { diffPlans } = await import("../src/plan/diff");
    class Outer extends pulumi.ComponentResource {
      constructor(name: string, withAlias: boolean) {
        super("runway:test:Outer", name, {});
        new Box("b", { parent: this, aliases: withAlias ? [{ parent: pulumi.rootStackResource }] : [] });
        this.registerOutputs({});
      }
    }
    const before = await runWithMocks(() => new Box("b"));
    const moved = await runWithMocks(() => new Outer("o", false));
    const d = diffPlans(before, moved);
    expect(d.removed.map((r) => r.urn)).toContain("urn:pulumi:test::runway::runway:test:Box$test:index:Thing::b-thing");
    expect(d.added.map((r) => r.urn)).toContain("urn:pulumi:test::runway::runway:test:Outer$runway:test:Box$test:index:Thing::b-thing");
    const aliased = diffPlans(before, await runWithMocks(() => new Outer("o", true)));
    // The child follows its aliased parent, as the engine's inherited aliases do: nothing is removed.
    expect(aliased.renamed.map((r) => r.from).sort()).toEqual(["urn:pulumi:test::runway::runway:test:Box$test:index:Thing::b-thing", "urn:pulumi:test::runway::runway:test:Box::b"]);
    expect(aliased.removed).toEqual([]);
  });

  it("masks secret inputs and secret stack outputs", async () => {
    const plan = await runWithMocks(() => {
      new Box("b");
      return { token: pulumi.secret("s3cr3t") };
    });
    expect(plan.one("test:index:Thing").inputs.secretField).toBe(SECRET);
    expect(plan.outputs.token).toBe(SECRET);
    expect(JSON.stringify(plan)).not.toContain("hunter2");
    expect(JSON.stringify(plan)).not.toContain("s3cr3t");
  });

  it("rejects when the program throws", async () => {
    await expect(runWithMocks(() => { throw new Error("boom"); })).rejects.toThrow("boom");
  });

  it("a resource whose inputs fail to serialize fails the plan", () => {
    const root = path.join(__dirname, "..");
    const out = execFileSync(process.execPath, [path.join(root, "bin", "tsx.cjs"), path.join(__dirname, "fixtures", "serialize-failure.ts")], { encoding: "utf8" });
    expect(out.trim()).toBe('rejected: error serializing property "x": cannot use v');
  });

  it("in preview, computed outputs are unknown while inputs stay known", async () => {
    const { unknownOutputs } = await import("../src/plan/mocks");
    const out = unknownOutputs({ endpoint: "10.0.0.2", masterAuth: { clientCertificateConfig: { issueClientCertificate: false }, clusterCaCertificate: "Q0E=" } }, { masterAuth: { clientCertificateConfig: { issueClientCertificate: false } } });
    expect(out).toEqual({ endpoint: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", masterAuth: { clusterCaCertificate: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } });
  });

  it("masks nested secrets and marks unknowns", () => {
    const sig = "4dabf18193072939515e22adb298388d";
    const v = maskValue({ a: [{ [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "x" }], b: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(v).toEqual({ a: [SECRET], b: "[unknown]" });
  });
});
