import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listStacks } from "../src/config/stack";
import { platformConfigSchema } from "../src/config/schema/stack";

const gitlabDefaults = platformConfigSchema.shape["runway:gitlab"].parse({ agentProject: "g/p", ciGroup: "g" });

const ROOT = path.join(__dirname, "..");
type Job = { script?: string[]; rules?: { if?: string; when?: string }[]; resource_group?: string; extends?: string | string[]; parallel?: { matrix: { STACK: string[] }[] }; needs?: string[]; stage?: string };
const ci = parse(readFileSync(path.join(ROOT, ".gitlab-ci.yml"), "utf8")) as Record<string, Job>;
const template = parse(readFileSync(path.join(ROOT, "templates/pulumi-preview.yml"), "utf8")) as Record<string, Job & { id_tokens?: Record<string, unknown> }>;

describe("the repository's pipeline", () => {
  it("the test job runs .ci/run, the README's test command", () => {
    expect(ci.test.script).toEqual(["bash .ci/run"]);
  });

  it("the merge-request note is built offline, by the target branch's code, and posted once per pipeline", () => {
    const job = ci["merge-request-note"];
    const script = job.script?.join("\n") ?? "";
    expect(job.extends).toBe(".trusted-target");
    expect(script.split("\n")[1]).toBe("cd /tmp/trusted");
    expect(script).toContain('runway ci note --base "$CI_PROJECT_DIR/out/base" $base_opt --head "$CI_PROJECT_DIR/out/head"');
    // A missing base is an error unless the job says otherwise, which it does only when the target left no plans.
    expect(script).toContain('base_opt=""; [ -d "$CI_PROJECT_DIR/out/base" ] || base_opt="--base-missing-ok"');
    expect(script).toContain('runway ci comment --file "$CI_PROJECT_DIR/out/note.md" --marker runway-plan');
    expect(script).not.toMatch(/pulumi (preview|up)/);
  });

  it("the merge request's waivers apply to its own check: its stack files are read by the trusted code", () => {
    expect(ci["merge-request-note"].script?.[0]).toBe('cp "$CI_PROJECT_DIR"/stacks/Pulumi.*.yaml /tmp/trusted/stacks/');
  });

  it("jobs that run the merge request's code never see the note-posting token", () => {
    for (const name of ["test", "validate", "plan", "affected", "plan-target"]) {
      expect((ci[name] as { variables?: Record<string, string> }).variables?.RUNWAY_GITLAB_TOKEN, name).toBe("");
    }
  });

  it("the CI job's OIDC audience is the one the Workload Identity provider allows", () => {
    const audience = (template[".runway-gcp-auth"] as { variables?: Record<string, string> }).variables?.RUNWAY_OIDC_AUDIENCE;
    expect(audience).toBe(gitlabDefaults.oidcAudience);
    expect(template[".runway-gcp-auth"].id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: "$RUNWAY_OIDC_AUDIENCE" } });
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
