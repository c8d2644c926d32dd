import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ruleCatalog, rules, ruleTableMarkdown } from "../src/rules";

const CHECKLIST = "/work/shared/context/security-checklist.md";

/** The checklist's control ids as of this writing, for checkouts without the shared context. */
const KNOWN_IDS = [
  ...Array.from({ length: 23 }, (_, i) => `G${i + 1}`),
  "P1", "P2", "I1", "I2", "I3", "I4", "S1", "S2", "S3", "S4", "S5",
  "F1", "F2", "F3", "K1", "K2", "K3", "K4", "V1", "V2", "V3", "V4", "V5", "GL1",
  "D1", "D2", "D3", "D4", "D5", "D6",
];

/** Control ids from the checklist's tables: `| G1 | ...`, and `| S1–S5 | ...` for a range. */
export function checklistIds(markdown: string): string[] {
  const ids: string[] = [];
  for (const m of markdown.matchAll(/^\| ([A-Z]+)(\d+)(?:[–-]([A-Z]+)(\d+))? \|/gm)) {
    const [, prefix, from, , to] = m;
    for (let n = Number(from); n <= Number(to ?? from); n++) ids.push(`${prefix}${n}`);
  }
  return ids;
}

const ids = existsSync(CHECKLIST) ? checklistIds(readFileSync(CHECKLIST, "utf8")) : KNOWN_IDS;
const catalog = ruleCatalog();

describe("coverage of the security checklist", () => {
  it("parses the checklist's control ids", () => {
    expect(checklistIds("| G1 | x |\n| S1–S5 | y |\n| GL1 | z |\n| # | Control |")).toEqual(["G1", "S1", "S2", "S3", "S4", "S5", "GL1"]);
    expect(ids.length).toBeGreaterThanOrEqual(KNOWN_IDS.length);
  });

  it.each(ids)("control %s has a rule", (id) => {
    const covering = catalog.filter((r) => r.id === id || r.id.startsWith(`${id}-`));
    expect(covering.map((r) => r.id), `no rule covers checklist control ${id}`).not.toEqual([]);
  });

  it("every rule id is a checklist id or a suffixed one", () => {
    for (const r of catalog) expect(ids, r.id).toContain(r.id.replace(/-.*$/, ""));
  });
});

describe("docs/ci.md", () => {
  const doc = readFileSync(path.join(__dirname, "..", "docs", "ci.md"), "utf8");

  it.each(catalog.map((r) => r.id))("mentions rule %s", (id) => {
    expect(doc).toMatch(new RegExp(`\\| ${id} \\|`));
  });

  it.each(catalog.map((r) => r.id))("says what rule %s catches and what it cannot see", (id) => {
    const section = doc.slice(doc.indexOf("### What each rule catches, and what it cannot see"), doc.indexOf("### Values a rule cannot see"));
    expect(section).toMatch(new RegExp(`^\\| ${id} \\| [^|]+\\| [^|]+\\|$`, "m"));
  });

  it("names the rules that run as stack policies", () => {
    const stackRules = rules.filter((r) => r.scope === "stack").map((r) => r.id);
    expect(doc).toContain(`read other resources (${stackRules.join(", ")}) run as stack policies`);
  });

  it("carries the generated rule table (regenerate with `runway check --rules`)", () => {
    expect(doc).toContain(ruleTableMarkdown());
  });
});
