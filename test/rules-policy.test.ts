/**
 * The policy pack runs the shared rules: its policies are called here with objects shaped like the SDK's
 * ResourceValidationArgs / StackValidationArgs, built from the same fixtures as the rule tests.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { buildPolicies, fromPolicyResource, policyName } from "../policy/policies";
import type { PlannedResource } from "../src/plan/engine";
import { rules } from "../src/rules";
import { fromPlanned, runRule } from "../src/rules/check";
import type { Waiver } from "../src/rules/waivers";
import { CASES } from "./rules-cases";
import { applyCase, compliantResources } from "./rules-fixtures";

class NotApplicable extends Error {}

function policyResource(r: PlannedResource, props: Record<string, unknown> = r.inputs): PolicyResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props,
    opts: { protect: r.protect, ignoreChanges: r.ignoreChanges, deleteBeforeReplace: r.deleteBeforeReplace, aliases: r.aliases, additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, parent: r.parent ?? undefined },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

function resourceArgs(r: PlannedResource, props?: Record<string, unknown>): ResourceValidationArgs {
  const { type, name, urn, opts } = policyResource(r, props);
  return {
    type,
    name,
    urn,
    opts,
    props: props ?? r.inputs,
    isType: () => false,
    asType: () => undefined,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

function stackArgs(rs: PlannedResource[]): StackValidationArgs {
  return { resources: rs.map((r) => policyResource(r)), stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable: (): never => { throw new NotApplicable(); } };
}

type Reported = { message: string; urn?: string }[];

/** Runs one policy over a stack as the SDK would: per resource, or once over the stack. */
async function runPolicy(policy: ResourceValidationPolicy | StackValidationPolicy, stack: PlannedResource[]): Promise<Reported> {
  const reported: Reported = [];
  const report: ReportViolation = (message, urn) => reported.push({ message, urn });
  if ("validateStack" in policy) await policy.validateStack(stackArgs(stack), report);
  else {
    const validate = policy.validateResource;
    for (const r of stack) {
      for (const v of Array.isArray(validate) ? validate : validate ? [validate] : []) {
        try {
          await v(resourceArgs(r), report);
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  return reported;
}

const policies = buildPolicies({ waiversFor: () => [] });
const policyOf = (id: string) => policies[rules.findIndex((r) => r.id === id)];

describe("policy pack", () => {
  it("has one policy per rule, with the rule's severity as enforcement level", () => {
    expect(policies.map((p) => p.name)).toEqual(rules.map(policyName));
    expect(new Set(policies.map((p) => p.name)).size).toBe(rules.length);
    rules.forEach((rule, i) => {
      const p = policies[i];
      expect(p.name).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
      expect(p.enforcementLevel).toBe(rule.severity);
      expect(p.description).toContain(rule.source);
      expect("validateStack" in p).toBe(rule.scope === "stack");
    });
    expect(policyName({ id: "G1", title: "Private nodes" })).toBe("G1-private-nodes");
  });

  it("reports nothing on the compliant fixture stack", async () => {
    for (const p of policies) expect(await runPolicy(p, compliantResources()), p.name).toEqual([]);
  });

  for (const [id, cases] of Object.entries(CASES)) {
    it.each(cases.violating.map((c) => [c.why, c] as const))(`${id} reports what the shared rule finds: %s`, async (_why, c) => {
      const { stack, target } = applyCase(c);
      const rule = rules.find((r) => r.id === id)!;
      const expected = runRule(rule, fromPlanned(target), stack.map(fromPlanned)).filter((f) => !f.unverified);
      const reported = (await runPolicy(policyOf(id), stack)).filter((v) => v.urn === target.urn);
      // The SDK shows neither retainOnDelete (D2 reports itself not applicable) nor replaceOnChanges.
      if (id === "D2" || c.why === "replace on any change") expect(reported).toEqual([]);
      else expect(reported.map((v) => v.message)).toEqual(expected.map((f) => f.message));
    });
  }

  it("honours the stack's waivers, found by the stack name in the URN", async () => {
    const stacks: string[] = [];
    const waived = buildPolicies({
      waiversFor: (stack): Waiver[] => {
        stacks.push(stack);
        return [{ rule: "G1", resource: "main", type: "gcp:container/cluster:Cluster", justification: "Public nodes for the legacy egress path.", origin: "runway:waivers" }];
      },
    });
    const { stack } = applyCase(CASES.G1.violating[0]);
    expect(await runPolicy(waived[rules.findIndex((r) => r.id === "G1")], stack)).toEqual([]);
    expect(await runPolicy(waived[rules.findIndex((r) => r.id === "G2")], stack)).toEqual([]);
    expect([...new Set(stacks)]).toEqual(["test"]);
  });

  it("marks D2 not applicable: policy packs do not see retainOnDelete", async () => {
    const ns = compliantResources().find((r) => r.name === "ai-gateway")!;
    const validate = (policyOf("D2") as ResourceValidationPolicy).validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void;
    expect(() => validate(resourceArgs(ns), () => undefined)).toThrow(/retainOnDelete is not visible to policy packs/);
  });

  it("fails a mandatory policy closed on a value unknown during preview, naming the field, instead of the SDK's advisory downgrade", async () => {
    const proxy = (await import("@pulumi/policy/proxy")) as unknown as { unknownCheckingProxy(v: object): Record<string, unknown>; unknownStringValue: string; unknownBooleanValue: string };
    const cluster = compliantResources().find((r) => r.name === "main")!;
    const props = proxy.unknownCheckingProxy({ ...cluster.inputs, workloadIdentityConfig: { workloadPool: proxy.unknownStringValue } });
    const validate = (policyOf("G4") as ResourceValidationPolicy).validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void;
    const reported: string[] = [];
    validate(resourceArgs(cluster, props), (m) => reported.push(m));
    expect(reported).toEqual([expect.stringMatching(/^cannot verify: workloadIdentityConfig\.workloadPool is unknown until apply; a mandatory control fails closed/)]);
    expect(fromPolicyResource(policyResource(cluster)).options.retainOnDelete).toBeUndefined();
  });

  it("reads a plain false that the program marked secret: policy packs see secrets in plain text", async () => {
    const cluster = compliantResources().find((r) => r.name === "main")!;
    const props = structuredClone(cluster.inputs);
    (props.privateClusterConfig as Record<string, unknown>).enablePrivateNodes = false;
    const reported = await runPolicy(policyOf("G1"), [{ ...cluster, inputs: props }]);
    expect(reported.map((r) => r.message)).toEqual([expect.stringMatching(/^privateClusterConfig\.enablePrivateNodes is false/)]);
  });
});
