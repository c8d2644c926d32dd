import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { listStacks } from "../src/config/stack";
import { type Plan, SECRET } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";

const STACKS = listStacks(path.join(__dirname, "..", "stacks"));
const plans: Plan[] = [];

beforeAll(async () => {
  for (const s of STACKS) plans.push(await planStack(s));
}, 120_000);

describe("secrets stay secret in every example stack's plan", () => {
  it("no config secret appears in a plan or its outputs", () => {
    for (const p of plans) expect(JSON.stringify(p), p.stack).not.toContain("offline-secret-");
  });

  it("no GitLab agent token appears in a plan", () => {
    for (const p of plans) expect(JSON.stringify(p), p.stack).not.toMatch(/glagent-[0-9a-f]{8}/);
  });

  it("every Kubernetes Secret's data is masked", () => {
    let seen = 0;
    for (const p of plans) {
      for (const r of p.resources.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
        const inputs = r.inputs as { data?: unknown; stringData?: unknown };
        const masked = (v: unknown) => v === undefined || v === SECRET || (typeof v === "object" && v !== null && Object.values(v).every((x) => x === SECRET));
        expect(masked(inputs.stringData) && masked(inputs.data), `${p.stack} ${r.name}`).toBe(true);
        expect(inputs.stringData !== undefined || inputs.data !== undefined || r.name.includes("token-reviewer"), `${p.stack} ${r.name} has data`).toBe(true);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("the agent registration declares its token a secret output", () => {
    const registrations = plans.flatMap((p) => p.resources.filter((r) => r.name.endsWith("-agent-registration")));
    expect(registrations.length).toBeGreaterThan(0);
    for (const r of registrations) expect(r.additionalSecretOutputs).toContain("token");
  });

  it("no stack output holds a secret in plain text", () => {
    for (const p of plans) expect(JSON.stringify(p.outputs)).not.toMatch(/offline-secret-|glagent-|token-[0-9a-f]{16}/);
  });
});
