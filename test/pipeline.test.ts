import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listStacks } from "../src/config/stack";

const ROOT = path.join(__dirname, "..");
type Job = { script?: string[]; rules?: { if?: string; when?: string }[]; resource_group?: string; extends?: string | string[]; parallel?: { matrix: { STACK: string[] }[] }; needs?: string[]; stage?: string };
const ci = parse(readFileSync(path.join(ROOT, ".gitlab-ci.yml"), "utf8")) as Record<string, Job>;
const template = parse(readFileSync(path.join(ROOT, "templates/pulumi-preview.yml"), "utf8")) as Record<string, Job & { id_tokens?: Record<string, unknown> }>;

describe("the repository's pipeline", () => {
  it("the test job runs .ci/run, the README's test command", () => {
    expect(ci.test.script).toEqual(["bash .ci/run"]);
  });

  it("the merge-request note is built offline and posted once per pipeline", () => {
    const script = ci["merge-request-note"].script?.join("\n") ?? "";
    expect(script).toContain("runway ci note --base out/base --head out/head");
    expect(script).toContain("runway ci comment --file out/note.md --marker runway-plan");
    expect(script).not.toMatch(/pulumi (preview|up)/);
  });

  it("previews and deploys authenticate with OIDC, never with keys", () => {
    expect(Object.keys(template[".runway-gcp-auth"].id_tokens ?? {})).toEqual(["GITLAB_OIDC_TOKEN"]);
    expect(readFileSync(path.join(ROOT, "templates/pulumi-preview.yml"), "utf8")).not.toMatch(/GOOGLE_CREDENTIALS|private_key/);
  });

  it("updates of one stack never overlap", () => {
    expect(ci[".deploy"].resource_group).toBe("$STACK");
  });

  it("production deploys are manual", () => {
    expect(ci["deploy-production"].rules?.[0].when).toBe("manual");
  });

  it("every stack is deployed by exactly one job", () => {
    const deployed = ["deploy-staging", "deploy-production"].flatMap((j) => ci[j].parallel?.matrix.flatMap((m) => m.STACK) ?? []);
    const expected = listStacks(path.join(ROOT, "stacks")).filter((s) => !s.includes("selfhosted"));
    expect(deployed.sort()).toEqual(expected.sort());
  });
});
