import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SECRET as PLAN_SECRET, UNKNOWN as PLAN_UNKNOWN } from "../src/plan/engine";
import { rules } from "../src/rules";
import { findViolations, fromPlanned, runRule } from "../src/rules/check";
import { type CheckedResource, SECRET, UNKNOWN } from "../src/rules/rule";
import { CASES } from "./rules-cases";
import { applyCase, compliantResources, set, STACK } from "./rules-fixtures";

const byId = new Map(rules.map((r) => [r.id, r]));

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
    it(`fail closed when any one input of the compliant stack is ${marker}: each finding names what it cannot see, with the rule's own severity`, () => {
      const base = compliantResources();
      let checked = 0;
      for (let i = 0; i < base.length; i++) {
        for (const path of positions(base[i].inputs)) {
          const stack = structuredClone(base);
          setAt(stack[i].inputs, path, marker);
          for (const v of findViolations(STACK, stack.map(fromPlanned))) {
            const where = `${base[i].name}.${path.join(".")} = ${marker}: ${v.rule} ${v.message}`;
            expect(v.unverified, where).toBe(true);
            expect(v.severity, where).toBe(byId.get(v.rule)!.severity);
            expect(v.message, where).toMatch(marker === SECRET ? /^cannot verify: .+ is a Pulumi secret, hidden from the check/ : /^cannot verify: .+ is unknown until apply/);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(200);
    });
  }

  const fieldCases = Object.entries(CASES).flatMap(([id, cases]) => cases.violating.filter((c) => c.field !== undefined).map((c) => [id, c.why, c] as const));

  it.each(fieldCases.flatMap(([id, why, c]) => [UNKNOWN, SECRET].map((m) => [id, why, m, c] as const)))(
    "%s fails closed when the field a violation changes is hidden instead (%s, %s)",
    (id, _why, marker, c) => {
      const { stack, target } = applyCase({ ...c, change: (r, s) => (c.change?.(r, s), set(r.inputs, c.field!, marker)) });
      const mine = findViolations(STACK, stack.map(fromPlanned)).filter((v) => v.rule === id && v.urn === target.urn);
      expect(mine.length, `${id} passed with ${c.field} = ${marker}`).toBeGreaterThan(0);
      for (const v of mine) expect(v.severity).toBe(byId.get(id)!.severity);
      // Either it cannot see the field, or (a secret basic-auth user is still set) the hidden value itself fails.
      expect(mine.map((v) => v.message).join("\n")).toMatch(/^cannot verify: |is set; remove it/);
    },
  );

  it("a secret enablePrivateNodes fails G1 as mandatory, naming the field and the fix", () => {
    const stack = compliantResources();
    set(stack.find((r) => r.name === "main")!.inputs, "privateClusterConfig.enablePrivateNodes", SECRET);
    expect(findViolations(STACK, stack.map(fromPlanned))).toEqual([
      expect.objectContaining({
        rule: "G1",
        severity: "mandatory",
        unverified: true,
        message:
          "cannot verify: privateClusterConfig.enablePrivateNodes is a Pulumi secret, hidden from the check; a mandatory control fails closed on a value it cannot see: pass it as a plain value (it is configuration, not a credential)",
      }),
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
