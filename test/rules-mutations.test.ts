/**
 * Mutation tests on real plans: each example stack is planned once as `runway plan` does, one control is broken in
 * a copy of the plan, and exactly the rule guarding that control must fail, as mandatory. A review found each of
 * these mutations passing `runway check`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";

const STACKS = ["platform-staging", "ai-gateway-selfhosted"] as const;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  for (const s of STACKS) plans.set(s, await planStack(s));
}, 120_000);

/** A copy of a stack's plan with `change` applied to its resources. */
function mutated(stack: (typeof STACKS)[number], change: (rs: PlannedResource[]) => void): Plan {
  const plan = structuredClone(plans.get(stack)!);
  change(plan.resources);
  return plan;
}

/** The mandatory findings of a plan, as `<rule> <resource name>`. */
function mandatory(plan: Plan): string[] {
  return [...new Set(checkPlan(plan).violations.filter((v) => v.severity === "mandatory").map((v) => `${v.rule} ${v.name}`))];
}

/** The one resource of the plan that `pred` selects. */
function only(rs: readonly PlannedResource[], pred: (r: PlannedResource) => boolean): PlannedResource {
  const found = rs.filter(pred);
  expect(found.map((r) => r.urn)).toHaveLength(1);
  return found[0];
}

const ofType = (type: string) => (r: PlannedResource) => r.type === type;

describe("mutations of the example stacks' plans", () => {
  it.each(STACKS)("%s passes as planned", (stack) => {
    expect(mandatory(plans.get(stack)!)).toEqual([]);
  });

  it("G2: authorized networks 0.0.0.0/1 and 128.0.0.0/1 (the whole internet together) fail", () => {
    const plan = mutated("platform-staging", (rs) => {
      const cluster = only(rs, ofType("gcp:container/cluster:Cluster"));
      (cluster.inputs.masterAuthorizedNetworksConfig as { cidrBlocks: unknown[] }).cidrBlocks = [{ cidrBlock: "0.0.0.0/1" }, { cidrBlock: "128.0.0.0/1" }];
    });
    expect(mandatory(plan)).toEqual(["G2 runway-staging"]);
  });
});
