import { describe, expect, it } from "vitest";
import { findViolations, fromPlanned, runRule } from "../src/rules/check";
import { rules } from "../src/rules";
import { CASES } from "./rules-cases";
import { applyCase, compliantResources, STACK } from "./rules-fixtures";

const byId = new Map(rules.map((r) => [r.id, r]));

describe("rule fixtures", () => {
  it.each(rules.map((r) => r.id))("%s has compliant and violating fixtures", (id) => {
    expect(CASES[id]?.compliant.length ?? 0, `add compliant cases for ${id} to test/rules-cases.ts`).toBeGreaterThan(0);
    expect(CASES[id]?.violating.length ?? 0, `add violating cases for ${id} to test/rules-cases.ts`).toBeGreaterThan(0);
  });

  it("has no fixtures for rules that do not exist", () => {
    expect(Object.keys(CASES).filter((id) => !byId.has(id))).toEqual([]);
  });

  it("rule ids are unique and every rule names a source and a rationale", () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.source.length, r.id).toBeGreaterThan(3);
      expect(r.rationale, r.id).not.toMatch(/\n/);
      expect(r.appliesTo.length, r.id).toBeGreaterThan(0);
    }
  });
});

describe("the compliant fixture stack", () => {
  it("passes every rule without a finding, not even an unverified one", () => {
    const resources = compliantResources().map(fromPlanned);
    expect(findViolations(STACK, resources)).toEqual([]);
  });
});

for (const [id, cases] of Object.entries(CASES)) {
  const rule = byId.get(id);
  describe(`rule ${id}`, () => {
    it.each(cases.compliant.map((c) => [c.why, c] as const))("passes: %s", (_why, c) => {
      const { stack, target } = applyCase(c);
      const resources = stack.map(fromPlanned);
      expect(rule, `no rule ${id}`).toBeDefined();
      expect(rule!.appliesTo).toContain(target.type);
      expect(runRule(rule!, fromPlanned(target), resources)).toEqual([]);
    });

    it.each(cases.violating.map((c) => [c.why, c] as const))("fails: %s", (_why, c) => {
      const { stack, target } = applyCase(c);
      const found = findViolations(STACK, stack.map(fromPlanned));
      const mine = found.filter((v) => v.rule === id && v.urn === target.urn);
      expect(mine.length, `expected ${id} on ${target.name}; got ${JSON.stringify(found)}`).toBeGreaterThan(0);
      for (const v of mine) {
        expect(v.unverified).toBe(false);
        expect(v.severity).toBe(rule!.severity);
      }
      if (c.message) expect(mine.map((v) => v.message).join("\n")).toMatch(c.message);
      // Breaking one control fails that rule only (plus the ones the case names).
      expect([...new Set(found.map((v) => v.rule))].filter((r) => r !== id && !(c.also ?? []).includes(r))).toEqual([]);
    });
  });
}
