import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { inBatches } from "../src/batches";
import { runWithMocks } from "./helpers/pulumi";

class Thing extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, { n: name }, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, args: { a?: string; b?: string }) {
    super("runway:test:Box", name, {}, {});
    if (args.a && args.b) throw new Error("a and b are mutually exclusive. Choose one.");
    new Thing(`${name}-thing`, { parent: this });
    this.registerOutputs({});
  }
}

describe("plan engine runtime settings", () => {
  it("puts the process's stack-trace settings back after a run, failed or not", async () => {
    const before = { limit: Error.stackTraceLimit, prepare: Error.prepareStackTrace };
    await runWithMocks(() => new Box("ok", {}));
    await expect(runWithMocks(() => new Box("bad", { a: "1", b: "2" }))).rejects.toThrow();
    expect({ limit: Error.stackTraceLimit, prepare: Error.prepareStackTrace }).toEqual(before);
  });

  it("an error raised by the program keeps its exact message", async () => {
    const failed = await runWithMocks(() => new Box("bad", { a: "1", b: "2" })).catch((e: Error) => e);
    expect((failed as Error).message).toBe("a and b are mutually exclusive. Choose one.");
    expect(String((failed as Error).stack)).toMatch(/^Error: a and b are mutually exclusive\. Choose one\./);
  });

  it("records resources a program creates on later turns of the event loop, even when it does not await them", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    const plan = await runWithMocks(() => {
      void inBatches(names, 1, (n) => new Thing(n));
    });
    expect(plan.ofType("test:index:Thing").map((r) => r.name)).toEqual(names);
  });

  it("an error in a later batch that nobody awaits still fails the run with its message", async () => {
    const run = runWithMocks(() => {
      void inBatches([1, 2, 3], 1, (n) => {
        if (n === 3) throw new Error("tenant 3 is broken");
        new Thing(`t${n}`);
      });
    });
    await expect(run).rejects.toThrow("tenant 3 is broken");
  });
});
