import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listProjectStacks, loadProjectStacks } from "../src/config/project";
import { deployPipeline, deployWaves } from "../src/pipeline";
import { validateCommand } from "../src/cli/validate";
import { catalogEntry, catalogWith, projectWith } from "./helpers/project";
import { platformConfigSchema } from "../src/config/schema/stack";

const gitlabDefaults = platformConfigSchema.shape["runway:gitlab"].parse({ agentProject: "g/p", ciGroup: "g" });

const ROOT = path.join(__dirname, "..");
type Job = { trigger?: unknown; script?: string[]; rules?: { if?: string; when?: string }[]; resource_group?: string; extends?: string | string[]; parallel?: { matrix: { STACK: string[] }[] }; needs?: string[]; stage?: string };
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

  it("names no stack: the deploy pipeline is generated from the stacks", () => {
    const text = readFileSync(path.join(ROOT, ".gitlab-ci.yml"), "utf8");
    for (const stack of listProjectStacks(ROOT)) expect(text, stack).not.toContain(stack);
    expect(ci.deploy.trigger).toEqual({ include: [{ artifact: "out/deploy.yml", job: "ipam" }], strategy: "depend" });
  });

  it("the default branch records new address allocations before it writes and runs the deploy pipeline", () => {
    const script = ci.ipam.script?.join("\n") ?? "";
    expect(script.indexOf('runway ipam record --commit "$CI_DEFAULT_BRANCH"')).toBeGreaterThan(-1);
    expect(script.indexOf("runway ipam record")).toBeLessThan(script.indexOf("--deploy-pipeline out/deploy.yml"));
    expect(ci.ipam.resource_group).toBe("runway-ipam");
    expect(ci.deploy.needs).toEqual(["ipam"]);
  });

  it("every job prepares its stack, creating it on first use with the secrets provider its file names", () => {
    for (const job of [".runway-pulumi-preview", ".runway-pulumi-up"]) {
      const script = template[job].script ?? [];
      expect(script[0], job).toMatch(/^SECRETS_PROVIDER="\$\(npx runway stack prepare "\$STACK"( --require-recorded)?\)"$/);
      expect(script[1], job).toBe('pulumi stack select --create "$STACK" ${SECRETS_PROVIDER:+--secrets-provider "$SECRETS_PROVIDER"}');
    }
    expect(template[".runway-pulumi-up"].script?.[0]).toContain("--require-recorded");
  });
});

type Generated = Record<string, Job & { when?: string; needs?: unknown[] }>;
const generated = (stacks = loadProjectStacks(ROOT).all, deploy = stacks.map((s) => s.name)) => parse(deployPipeline(deployWaves(stacks), new Set(deploy), "ipam")) as Generated;

describe("the generated deploy pipeline", () => {
  it("deploys every stack except self-hosted ones, each by exactly one job, one update per stack at a time", () => {
    const jobs = Object.entries(generated()).filter(([n]) => n.startsWith("deploy-"));
    const deployed = jobs.flatMap(([, j]) => j.parallel?.matrix.flatMap((m) => m.STACK) ?? []);
    expect(deployed.sort()).toEqual(listProjectStacks(ROOT).filter((s) => !s.includes("selfhosted")).sort());
    for (const [name, j] of jobs) expect(j.resource_group, name).toBe("$STACK");
  });

  it("deploys staging before production, each environment's platform stack before its regional and service stacks", () => {
    const g = generated();
    expect(Object.keys(g).filter((n) => n.startsWith("deploy-"))).toEqual([
      "deploy-staging-platform",
      "deploy-staging-services",
      "deploy-production-platform",
      "deploy-production-services",
      "deploy-dedicated-acme-services",
    ]);
    expect(g["deploy-staging-services"].parallel?.matrix[0].STACK).toEqual(["platform-staging-asia-northeast1", "platform-staging-europe-west4"]);
    expect(g["deploy-production-platform"].needs).toContain("deploy-staging-services");
    expect(g["deploy-production-services"].needs).toContain("deploy-production-platform");
  });

  it("deploys a Dedicated customer's own cluster after every environment, and one hosted in an environment with it", () => {
    const g = generated();
    expect(g["deploy-dedicated-acme-services"].needs).toContain("deploy-production-services");
    expect(g["deploy-production-services"].parallel?.matrix[0].STACK).toContain("dedicated-globex");
  });

  it("production waits for someone to start it, as its platform stack says (runway:deploy.manual)", () => {
    const g = generated();
    expect(g["deploy-production-platform"].when).toBe("manual");
    expect(g["deploy-staging-platform"].when).toBeUndefined();
  });

  it("every job takes the ledgers the parent pipeline recorded", () => {
    for (const [name, j] of Object.entries(generated()).filter(([n]) => n.startsWith("deploy-"))) {
      expect(j.needs?.[0], name).toEqual({ pipeline: "$PARENT_PIPELINE_ID", job: "ipam" });
    }
  });

  it("a new dedicated catalog entry's derived stack is deployed, after its environment's platform stack, with no change to .gitlab-ci.yml", () => {
    const dir = catalogWith({ "code-review.yaml": catalogEntry("code-review", "  environments: [staging, production]\n  placement: dedicated\n") });
    const g = generated(loadProjectStacks(ROOT, { catalogDir: dir }).all);
    expect(g["deploy-staging-services"].parallel?.matrix[0].STACK).toEqual(["code-review-staging", "platform-staging-asia-northeast1", "platform-staging-europe-west4"]);
    expect(g["deploy-staging-services"].needs).toContain("deploy-staging-platform");
    expect(g["deploy-production-services"].parallel?.matrix[0].STACK).toEqual(["ai-gateway-production", "code-review-production", "dedicated-globex", "duo-workflow-service-production"]);
  });

  it("only the affected stacks are deployed, and an environment with none is skipped", () => {
    const g = generated(undefined, ["platform-production"]);
    expect(Object.keys(g).filter((n) => n.startsWith("deploy-"))).toEqual(["deploy-production-platform"]);
    expect(g["deploy-production-platform"].needs).toEqual([{ pipeline: "$PARENT_PIPELINE_ID", job: "ipam" }]);
  });
});

describe("the deploy order of environments", () => {
  it("a cycle in runway:deploy.after fails validation at the line that closes it", () => {
    const staging = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"), "utf8") + "  runway:deploy:\n    after: [production]\n";
    const errors: string[] = [];
    validateCommand({ out: () => undefined, err: (l) => errors.push(l) }, [], projectWith({ "stacks/Pulumi.platform-staging.yaml": staging }));
    expect(errors).toContainEqual(expect.stringMatching(/Pulumi\.platform-staging\.yaml:\d+:\d+: config\.runway:deploy\.after\[0\]: production already deploys after staging, so neither could start/));
  });
});
