import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { affectedStacks, moduleMap, previewPipeline } from "../src/affected";
import { loadProjectStacks } from "../src/config/project";

const ROOT = path.join(__dirname, "..");
const stacks = loadProjectStacks(ROOT).all;
const affected = (files: string[], base: Record<string, string> = {}) =>
  affectedStacks({ root: ROOT, stacks, changedFiles: files, baseText: (f) => base[f] }).stacks;

describe("runway affected", () => {
  it("a catalog file affects the platform and regional stacks of its environments, its service stacks and the Dedicated tenants that run it", () => {
    expect(affected(["services/ai-gateway.yaml"])).toEqual([
      "platform-staging",
      "platform-staging-asia-northeast1",
      "platform-staging-europe-west4",
      "platform-production",
      "ai-gateway-production",
      "dedicated-globex",
      "dedicated-acme",
    ]);
  });

  it("a catalog file listing one environment affects only that environment's clusters", () => {
    expect(affected(["services/glgo.yaml"])).toEqual(["platform-staging", "platform-staging-asia-northeast1", "platform-staging-europe-west4"]);
  });

  it("a removed environment still affects the stack that onboarded it", () => {
    const before = "metadata:\n  name: glgo\nspec:\n  environments: [staging, production]\n";
    expect(affected(["services/glgo.yaml"], { "services/glgo.yaml": before })).toEqual(["platform-staging", "platform-staging-asia-northeast1", "platform-staging-europe-west4", "platform-production"]);
  });

  it("a stack file affects only its stack when no other stack reads it", () => {
    expect(affected(["stacks/Pulumi.ai-gateway-production.yaml"])).toEqual(["ai-gateway-production"]);
  });

  it("a platform stack file affects its regions, and a regional stack file its platform stack", () => {
    expect(affected(["stacks/Pulumi.platform-staging.yaml"])).toEqual(["platform-staging", "platform-staging-asia-northeast1", "platform-staging-europe-west4"]);
    expect(affected(["stacks/Pulumi.platform-staging-europe-west4.yaml"])).toEqual(["platform-staging", "platform-staging-europe-west4"]);
  });

  it("a namespace-isolated Dedicated tenant's stack file affects its host environment's clusters", () => {
    expect(affected(["stacks/Pulumi.dedicated-globex.yaml"])).toEqual(["platform-production", "dedicated-globex"]);
  });

  it("a component affects the stack kinds that use it", () => {
    expect(affected(["components/platform/selfhosted-turn-up.ts"])).toEqual(["ai-gateway-selfhosted"]);
    expect(affected(["components/platform/shared-cluster.ts"])).toEqual(["platform-staging", "platform-production"]);
  });

  it("a shared module affects every stack", () => {
    const every = [
      "platform-staging",
      "platform-staging-asia-northeast1",
      "platform-staging-europe-west4",
      "platform-production",
      "ai-gateway-production",
      "dedicated-globex",
      "duo-workflow-service-production",
      "dedicated-acme",
      "ai-gateway-selfhosted",
    ];
    expect(affected(["src/config/catalog.ts"])).toEqual(every);
    expect(affected(["package-lock.json"])).toEqual(every);
  });

  it("lists staging before production, each environment's platform stack before its regional and service stacks, Dedicated instances of their own last", () => {
    const order = affected(["package-lock.json"]);
    expect(order.slice(0, 5)).toEqual(["platform-staging", "platform-staging-asia-northeast1", "platform-staging-europe-west4", "platform-production", "ai-gateway-production"]);
    expect(order.slice(-2)).toEqual(["dedicated-acme", "ai-gateway-selfhosted"]);
  });

  it("docs, tests and CLI-only modules affect no stack", () => {
    expect(affected(["docs/onboarding.md", "test/cli.test.ts", "src/cli/diff.ts", "README.md"])).toEqual([]);
  });

  it("the module map sees the program's own modules as common", () => {
    const m = moduleMap(ROOT);
    expect(m.common.has("src/program.ts")).toBe(true);
    expect(m.common.has("src/cli/main.ts")).toBe(false);
  });

  it("the preview pipeline has one matrix entry per stack, each in its own resource group", () => {
    const yml = previewPipeline(["platform-staging", "ai-gateway-production"]);
    expect(yml).toContain("          - platform-staging\n          - ai-gateway-production");
    expect(yml).toContain("resource_group: $STACK");
  });
});
