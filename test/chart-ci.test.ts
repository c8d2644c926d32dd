/** The CI component for service repositories (templates/runway-chart.yml) and its documentation agree with the CLI. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { registerChartCommands } from "../src/cli/chart";

const text = readFileSync("templates/runway-chart.yml", "utf8");
const [header, body] = parseAllDocuments(text).map((d) => d.toJS());
const inputs = header.spec.inputs as Record<string, { default?: unknown; type?: string; description?: string }>;
const jobs = body as Record<string, { stage?: string; script?: string[]; rules?: { if: string; when?: string }[]; parallel?: { matrix: Record<string, unknown>[] }; needs?: string[] }>;
const docs = readFileSync("docs/service-ci.md", "utf8");

function flagsOf(sub: string): Set<string> {
  const program = new Command();
  registerChartCommands(program);
  const cmd = program.commands.find((c) => c.name() === "chart")?.commands.find((c) => c.name() === sub);
  return new Set(cmd?.options.map((o) => o.long as string));
}

describe("runway-chart CI component", () => {
  it("is a component: a spec with inputs, then the jobs", () => {
    expect(text.split("\n---\n")).toHaveLength(2);
    expect(Object.keys(inputs).length).toBeGreaterThan(5);
    for (const [name, i] of Object.entries(inputs)) expect(i.description, name).toBeTruthy();
  });

  it("uses only declared inputs, and every input", () => {
    const used = new Set([...text.matchAll(/\$\[\[ inputs\.([a-z_]+) \]\]/g)].map((m) => m[1]));
    expect([...used].filter((u) => !(u in inputs))).toEqual([]);
    expect(Object.keys(inputs).filter((i) => !used.has(i))).toEqual([]);
  });

  it("validates the manifest, builds, lints, publishes and promotes", () => {
    expect(Object.keys(jobs).filter((j) => !j.startsWith("."))).toEqual([
      "runway-manifest-validate",
      "runway-chart-build",
      "runway-chart-lint",
      "runway-chart-publish",
      "runway-chart-promote",
    ]);
  });

  it("runs helm lint and helm template only when the image has helm", () => {
    const script = (jobs["runway-chart-lint"].script ?? []).join("\n");
    expect(script).toMatch(/if command -v helm[^\n]*\n\s*helm lint --strict [^\n]*\n\s*helm template [^\n]*--kube-version [^\n]*\n\s*else/);
  });

  it("builds with the commit time as SOURCE_DATE_EPOCH, so digests are reproducible", () => {
    expect((jobs["runway-chart-build"].script ?? []).join("\n")).toContain('export SOURCE_DATE_EPOCH="$(date -d "$CI_COMMIT_TIMESTAMP" +%s)"');
  });

  it("sets the entry stage when publishing, never in the chart", () => {
    expect((jobs["runway-chart-publish"].script ?? []).join("\n")).toContain('${RUNWAY_ENTRY_STAGE:+--stage "$RUNWAY_ENTRY_STAGE"}');
    expect((jobs["runway-chart-build"].script ?? []).join("\n")).not.toContain("--stage");
  });

  it("publishes only on the default branch or a tag", () => {
    expect(jobs["runway-chart-publish"].rules).toEqual([{ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH || $CI_COMMIT_TAG" }]);
  });

  it("offers a manual promote job per stage", () => {
    const promote = jobs["runway-chart-promote"];
    expect(promote.parallel?.matrix).toEqual([{ RUNWAY_STAGE: "$[[ inputs.stages ]]" }]);
    expect(inputs.stages).toMatchObject({ type: "array", default: ["staging", "production"] });
    expect(promote.rules?.[0]).toMatchObject({ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH || $CI_COMMIT_TAG", when: "manual" });
  });

  it("calls runway chart commands only with flags the CLI has", () => {
    const calls = text.match(/runway chart (build|publish|promote)[^\n]*(\n\s{6}\$\{[^\n]*)*/g) ?? [];
    expect(calls.length).toBe(4);
    for (const call of calls) {
      const sub = /runway chart (\w+)/.exec(call)?.[1] as string;
      const flags = new Set([...call.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]));
      const known = flagsOf(sub);
      expect([...flags].filter((f) => !known.has(f)), call).toEqual([]);
    }
  });

  it("docs/service-ci.md shows a three-line include with real inputs, and documents every input", () => {
    const snippet = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? "";
    expect(snippet.trim().split("\n")).toHaveLength(3);
    const include = parse(snippet).include[0];
    expect(include.component).toMatch(/\/runway-chart@/);
    expect(Object.keys(include.inputs).filter((i) => !(i in inputs))).toEqual([]);
    for (const name of Object.keys(inputs)) expect(docs, name).toContain(`\`${name}\``);
  });
});
