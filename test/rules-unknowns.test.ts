import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SECRET as PLAN_SECRET, UNKNOWN as PLAN_UNKNOWN } from "../src/plan/engine";
import { rules } from "../src/rules";
import { findViolations, fromPlanned, runRule } from "../src/rules/check";
import { type CheckedResource, SECRET, UNKNOWN } from "../src/rules/rule";
import { compliantResources, STACK } from "./rules-fixtures";

type Path = (string | number)[];

/** Every value position in an input tree, objects and arrays included, leaves last. */
function positions(v: unknown, path: Path = []): Path[] {
  if (Array.isArray(v)) return [...v.flatMap((x, i) => positions(x, [...path, i])), ...(path.length ? [path] : [])];
  if (v !== null && typeof v === "object") return [...Object.entries(v).flatMap(([k, x]) => positions(x, [...path, k])), ...(path.length ? [path] : [])];
  return [path];
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let cur = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1]] = value;
}

describe("rules with unknown and secret values", () => {
  it("use the plan engine's markers", () => {
    expect(SECRET).toBe(PLAN_SECRET);
    expect(UNKNOWN).toBe(PLAN_UNKNOWN);
  });

  for (const marker of [UNKNOWN, SECRET]) {
    it(`never fail a mandatory rule when any one input of the compliant stack is ${marker}: they report advisory "cannot verify"`, () => {
      const base = compliantResources();
      let checked = 0;
      for (let i = 0; i < base.length; i++) {
        for (const path of positions(base[i].inputs)) {
          const stack = structuredClone(base);
          setAt(stack[i].inputs, path, marker);
          const found = findViolations(STACK, stack.map(fromPlanned));
          const decided = found.filter((v) => !v.unverified);
          expect(decided, `${base[i].name}.${path.join(".")} = ${marker}`).toEqual([]);
          for (const v of found) {
            expect(v.severity).toBe("advisory");
            expect(v.message).toMatch(/^cannot verify/);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(200);
    });
  }

  it("report a needed unknown value as advisory, naming the field", () => {
    const stack = compliantResources();
    const cluster = stack.find((r) => r.name === "main")!;
    cluster.inputs.workloadIdentityConfig = UNKNOWN;
    const found = findViolations(STACK, stack.map(fromPlanned));
    expect(found).toEqual([
      expect.objectContaining({ rule: "G4", severity: "advisory", unverified: true, message: "cannot verify until apply: workloadIdentityConfig.workloadPool is unknown" }),
    ]);
  });

  const marker = fc.constantFrom(UNKNOWN, SECRET);
  const value = fc.oneof({ depthSize: "small" }, fc.jsonValue({ maxDepth: 4 }), marker);
  const inputs = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("metadata", "spec", "nodeConfig", "values", "subjects", "members", "member", "role", "policy", "content")), value, { maxKeys: 8 });
  const options = fc.record({ protect: fc.option(fc.boolean(), { nil: undefined }), retainOnDelete: fc.option(fc.boolean(), { nil: undefined }), deleteBeforeReplace: fc.option(fc.boolean(), { nil: undefined }) });

  it("never throw, whatever the inputs", () => {
    fc.assert(
      fc.property(fc.constantFrom(...rules), inputs, options, fc.array(inputs, { maxLength: 3 }), (rule, props, opts, others) => {
        for (const type of rule.appliesTo) {
          const res: CheckedResource = { type, name: "r", urn: `urn:pulumi:s::p::${type}::r`, inputs: props, options: opts };
          const context = [res, ...rule.appliesTo.flatMap((t) => others.map((o, i) => ({ type: t, name: `o${i}`, urn: `urn:pulumi:s::p::${t}::o${i}`, inputs: o, options: {} })))];
          for (const f of runRule(rule, res, context)) expect(f.message).not.toMatch(/^rule .* failed on this resource/);
        }
      }),
      { numRuns: 400 },
    );
  });
});
