/**
 * `pulumi preview` of every example stack, the way the real CLI runs it: Pulumi's config rules, the nodejs
 * language host's arguments and environment, cmd/run loading the TypeScript program, and the gRPC resource monitor.
 * What the program registers there must be what `runway plan --preview` shows.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { listProjectStacks } from "../src/config/project";
import { planStack } from "../src/plan/stack-plan";
import { cliConfig, launchProgram } from "./helpers/language-host";

const ROOT = path.join(__dirname, "..");
// Stack files and the stacks derived from the catalog (duo-workflow-service-production has no file).
const STACKS = listProjectStacks(ROOT);

describe("pulumi preview under the nodejs language host registers what runway plan --preview records", () => {
  it("covers every example stack, derived ones included", () => {
    expect(STACKS.length).toBeGreaterThanOrEqual(5);
    expect(STACKS).toContain("duo-workflow-service-production");
  });

  for (const stack of STACKS) {
    it(stack, async () => {
      const cli = cliConfig(ROOT, stack);
      if ("refused" in cli) throw new Error(`Pulumi refuses ${stack}: ${cli.refused.join("; ")}`);
      const [real, plan] = await Promise.all([launchProgram({ root: ROOT, stack, ...cli, dryRun: true }), planStack(stack, { preview: true })]);
      expect(real.exitCode, real.stderr + real.logs.map((l) => l.message).join("\n")).toBe(0);
      expect(real.logs.filter((l) => l.severity === "error")).toEqual([]);
      // Secrets decrypt to other placeholders here than offline; both are masked, so the records compare whole.
      expect(real.resources).toEqual(plan.resources);
      expect(real.outputs).toEqual(plan.outputs);
    });
  }
});
