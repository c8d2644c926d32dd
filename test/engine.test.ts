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
