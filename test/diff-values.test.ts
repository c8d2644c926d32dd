/**
 * `runway diff --diff`: old => new per changed path, the changed lines of multi-line values, secrets masked on
 * both sides; and the JSON diff.
 */
import { describe, expect, it } from "vitest";
import { diffPlans } from "../src/plan/diff";
import { diffJson } from "../src/plan/diff-json";
import { renderDiffMarkdown, renderDiffText, valueView } from "../src/plan/diff-render";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { diffLines, hunks } from "../src/plan/line-diff";

function resource(name: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource {
  return {
    urn: `urn:pulumi:s::runway::kubernetes:core/v1:ConfigMap::${name}`,
    type: "kubernetes:core/v1:ConfigMap",
    name,
    parent: null,
    provider: null,
    protect: false,
    dependsOn: [],
    inputs,
    custom: true,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
    ...extra,
  };
}
const plan = (...resources: PlannedResource[]): Plan => ({ stack: "s", resources, outputs: {} });

const config = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n";
const base = plan(resource("cm", { data: { replicas: "2", file: config, token: "[secret]", gone: "x" } }));
const head = plan(resource("cm", { data: { replicas: "3", file: config.replace("d: 4", "d: 40"), token: "[secret]", added: true } }, { protect: true }));

describe("diff --diff", () => {
  it("shows old => new for each changed path, (none) for a value that appears or goes", () => {
    const text = renderDiffText([diffPlans(base, head)], { values: true });
    expect(text.split("\n")).toEqual([
      "stack s: 0 to add, 1 to change, 0 to remove, 0 renamed",
      "  ~ kubernetes:core/v1:ConfigMap cm",
      "      data.added: (none) => true",
      "      data.file:",
      "          b: 2",
      "          c: 3",
      "        - d: 4",
      "        + d: 40",
      "          e: 5",
      "          f: 6",
      "      data.gone: \"x\" => (none)",
      "      data.replicas: \"2\" => \"3\"",
      "      options.protect: false => true",
    ]);
  });

  it("without --diff lists the changed paths only", () => {
    expect(renderDiffText([diffPlans(base, head)]).split("\n")[1]).toBe("  ~ kubernetes:core/v1:ConfigMap cm: data.added, data.file, data.gone, data.replicas, options.protect");
  });

  it("masks a value that is secret on either side, on both sides", () => {
    const before = plan(resource("cm", { password: "hunter2" }));
    const after = plan(resource("cm", { password: "[secret]" }));
    const text = renderDiffText([diffPlans(before, after)], { values: true });
    expect(text).toContain("password: [secret] => [secret]");
    expect(text).not.toContain("hunter2");
    expect(JSON.stringify(diffJson([diffPlans(before, after)]))).not.toContain("hunter2");
  });

  it("markdown puts the changed lines in a diff block whose fence outlasts backticks in values", () => {
    const before = plan(resource("cm", { doc: "```\nx\n```\n" }));
    const after = plan(resource("cm", { doc: "```\ny\n```\n" }));
    const md = renderDiffMarkdown([diffPlans(before, after)], { values: true });
    expect(md).toContain("````diff\n! kubernetes:core/v1:ConfigMap cm\n!     doc:\n          ```\n-         x\n+         y\n          ```\n````");
  });

  it("JSON carries every change with its values", () => {
    const json = diffJson([diffPlans(base, head)]);
    expect(json.schemaVersion).toBe(1);
    expect(json.stacks[0].changed[0].changes).toContainEqual({ path: "data.replicas", old: "2", new: "3" });
    expect(json.stacks[0].changed[0].changes).toContainEqual({ path: "data.gone", old: "x" });
  });
});

describe("line diff", () => {
  it("keeps unchanged lines and marks what was removed and added", () => {
    expect(diffLines(["a", "b", "c"], ["a", "x", "c", "d"]).map((l) => `${l.op}${l.text}`)).toEqual([" a", "-b", "+x", " c", "+d"]);
  });

  it("shows two lines of context and folds the rest", () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = a.map((l) => (l === "l10" ? "L10" : l));
    const shown = hunks(diffLines(a, b)).map((l) => (l === "…" ? l : `${l.op}${l.text}`));
    expect(shown).toEqual([" l8", " l9", "-l10", "+L10", " l11", " l12"]);
  });

  it("a large object reads as lines of its JSON", () => {
    const v = valueView({ path: "spec", old: { a: "x".repeat(80), b: 1 }, new: { a: "x".repeat(80), b: 2 } });
    expect(v.kind).toBe("lines");
  });
});
