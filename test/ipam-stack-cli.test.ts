/**
 * `runway ipam record`, `runway stack prepare` and `runway describe`: recording allocations so they never move
 * (also against a branch that moved meanwhile), preparing a derived stack for the Pulumi CLI, and what a team gets.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeService } from "../src/cli/describe";
import { summaryLines, type TenantSummary } from "../src/tenancy/summary";
import { ipamRecordCommand } from "../src/cli/ipam";
import { stackPrepareCommand } from "../src/cli/stack";
import { guarded } from "../src/cli/errors";
import { loadProjectStacks } from "../src/config/project";
import { GitLabClient } from "../src/gitlab/api";
import { loadLedger } from "../src/ipam/ledger";
import { FakeGitLab } from "./fakes/gitlab-server";
import { catalogEntry, projectWith, ROOT } from "./helpers/project";
import { runCli } from "./helpers/cli";

const entry = (name: string) => catalogEntry(name, "  environments: [production]\n  placement: dedicated\n");

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe("runway ipam record", () => {
  it("records provisional allocations in the environment's ledger; the next run has nothing to record", async () => {
    const root = projectWith({ "services/code-review.yaml": entry("code-review") });
    expect(loadProjectStacks(root).derived.find((s) => s.name === "code-review-production")?.derived?.recorded).toBe(false);
    const c = capture();
    expect(await ipamRecordCommand(c.io, {}, {}, { root })).toBe(0);
    expect(c.out).toEqual(["ipam/production.yaml: recorded code-review"]);
    expect(loadLedger(root, "production").allocations.get("code-review")).toMatchObject({ slot: 1, nodes: "10.42.64.0/20" });
    expect(loadLedger(root, "production").allocations.get("duo-workflow-service")?.slot).toBe(0);
    const again = capture();
    expect(await ipamRecordCommand(again.io, {}, {}, { root })).toBe(0);
    expect(again.out).toEqual(["nothing to record: every dedicated service's addresses are recorded"]);
  });

  it("a recorded allocation stays when a service that sorts first is added later", async () => {
    const root = projectWith({ "services/code-review.yaml": entry("code-review") });
    await ipamRecordCommand(capture().io, {}, {}, { root });
    const before = loadLedger(root, "production").allocations.get("code-review");
    const later = projectWith({ "services/code-review.yaml": entry("code-review"), "services/aaa-search.yaml": entry("aaa-search"), "ipam/production.yaml": readFileSync(path.join(root, "ipam", "production.yaml"), "utf8") });
    const stacks = loadProjectStacks(later);
    expect(stacks.allocations.get("production")?.allocations.get("code-review")).toEqual(before);
    expect(stacks.allocations.get("production")?.allocations.get("aaa-search")?.slot).toBe(2);
  });

  describe("--commit BRANCH", () => {
    let gl: FakeGitLab;
    const TOKEN = "glpat-runway-ipam";
    const LEDGER = readFileSync(path.join(ROOT, "ipam", "production.yaml"), "utf8");
    beforeEach(async () => {
      gl = await FakeGitLab.start();
      gl.addProject("gitlab-com/runway", { id: 7 });
      gl.addUser(TOKEN, "runway-bot", { "gitlab-com/runway": "maintainer" });
      gl.commitFile(7, "ipam/production.yaml", LEDGER);
    });
    afterEach(() => gl.close());
    const env = () => ({ CI_API_V4_URL: `${gl.url}/api/v4`, CI_PROJECT_ID: "7", RUNWAY_GITLAB_TOKEN: TOKEN });
    const client = () => new GitLabClient({ url: gl.url, auth: { privateToken: TOKEN }, retry: { maxAttempts: 1 } });

    it("commits the ledger to the branch, made against the branch's file", async () => {
      const root = projectWith({ "services/code-review.yaml": entry("code-review") });
      const c = capture();
      expect(await ipamRecordCommand(c.io, { commit: "main" }, env(), { root, client: client() })).toBe(0);
      expect(c.out).toEqual(["ipam/production.yaml: recorded on main"]);
      expect(gl.file(7, "ipam/production.yaml")).toBe(readFileSync(path.join(root, "ipam", "production.yaml"), "utf8"));
      expect(gl.file(7, "ipam/production.yaml")).toContain("code-review:\n    slot: 1");
    });

    it("allocates against what another pipeline recorded meanwhile: no slot is given twice", async () => {
      // Another pipeline recorded search in slot 1 after this pipeline's commit was made.
      gl.commitFile(7, "ipam/production.yaml", LEDGER.replace("allocations:\n", "allocations:\n  search:\n    slot: 1\n    region: us-east1\n    nodes: 10.42.64.0/20\n    services: 10.42.80.0/20\n    proxyOnly: 10.42.96.0/23\n    pods: 10.164.0.0/14\n"));
      const root = projectWith({ "services/code-review.yaml": entry("code-review") });
      expect(await ipamRecordCommand(capture().io, { commit: "main" }, env(), { root, client: client() })).toBe(0);
      const recorded = gl.file(7, "ipam/production.yaml") ?? "";
      expect(recorded).toContain("search:\n    slot: 1");
      expect(recorded).toContain("code-review:\n    slot: 2");
    });

    it("without the CI variables it says what it needs", async () => {
      const root = projectWith({ "services/code-review.yaml": entry("code-review") });
      const c = capture();
      expect(await guarded(c.io, "ipam record", () => ipamRecordCommand(c.io, { commit: "main" }, {}, { root }))).toBe(1);
      expect(c.err).toEqual(["runway: ipam record: --commit needs CI_API_V4_URL, CI_PROJECT_ID, RUNWAY_GITLAB_TOKEN: a GitLab CI job of this project, and a project access token (api scope) allowed to push to main"]);
    });
  });
});

describe("runway stack prepare", () => {
  it("writes a derived stack's file for the Pulumi CLI and prints its secrets provider", () => {
    const root = projectWith({});
    const c = capture();
    expect(stackPrepareCommand(c.io, "duo-workflow-service-production", {}, root)).toBe(0);
    expect(c.out).toEqual(["gcpkms://projects/gl-runway-ops/locations/global/keyRings/pulumi/cryptoKeys/stack-secrets"]);
    const file = path.join(root, "stacks", "Pulumi.duo-workflow-service-production.yaml");
    expect(readFileSync(file, "utf8")).toBe(loadProjectStacks(ROOT).derived.find((s) => s.name === "duo-workflow-service-production")?.text);
  });

  it("refuses a deploy of a stack whose addresses are still provisional", async () => {
    const root = projectWith({ "services/code-review.yaml": entry("code-review") });
    const c = capture();
    expect(await guarded(c.io, "stack prepare", () => stackPrepareCommand(c.io, "code-review-production", { requireRecorded: true }, root))).toBe(1);
    expect(c.err[0]).toMatch(/^runway: stack prepare: code-review-production's addresses are provisional, not recorded in .*ipam\/production\.yaml: run `runway ipam record`/);
    expect(existsSync(path.join(root, "stacks", "Pulumi.code-review-production.yaml"))).toBe(false);
  });

  it("leaves a stack file as it is", () => {
    const root = projectWith({});
    const before = readFileSync(path.join(root, "stacks", "Pulumi.platform-staging.yaml"), "utf8");
    expect(stackPrepareCommand(capture().io, "platform-staging", { requireRecorded: true }, root)).toBe(0);
    expect(readFileSync(path.join(root, "stacks", "Pulumi.platform-staging.yaml"), "utf8")).toBe(before);
  });

  it("an unknown stack is an error naming the stacks there are", async () => {
    const r = await runCli("stack", "prepare", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toContain("no stack 'nope': no stacks/Pulumi.nope.yaml and no catalog entry derives it");
  });
});

describe("runway describe", () => {
  it("tells a dedicated service's team its host, service accounts, Vault path and how to write a secret, dashboard, alerts and Flux objects", async () => {
    const r = await runCli("describe", "duo-workflow-service", "--env", "production");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("duo-workflow-service in production: dedicated on cluster duo-workflow-service-production (project gl-duo-workflow-service-prod, stack duo-workflow-service-production)");
    for (const expected of [
      "url:                  https://duo-workflow-service.production.runway.gitlab.net (external)",
      "Kubernetes SA:        duo-workflow-service (your pods), flux-reconciler (Flux applies your release as it)",
      "GCP SA:               rw-duo-workflow-service@gl-duo-workflow-service-prod.iam.gserviceaccount.com",
      "write a secret:       VAULT_ADDR=https://vault.ops.gke.gitlab.net vault kv put -mount=runway/env/production service/duo-workflow-service/app <key>=<value>",
      "secret:               Kubernetes Secret workflow-secrets from runway/env/production/service/duo-workflow-service/app",
      "how secrets work:     docs/cluster-addons.md#adding-a-secret-service-teams",
      'dashboard:            "Runway duo-workflow-service (production)": https://console.cloud.google.com/monitoring/dashboards?project=gl-duo-workflow-service-prod',
      'alert:                "Runway duo-workflow-service (production): 5xx ratio above 5%"',
      "Flux:                 HelmRelease duo-workflow-service/duo-workflow-service",
      "watch:                flux get helmreleases duo-workflow-service -n duo-workflow-service",
    ]) {
      expect(lines.some((l) => l.trim().startsWith(expected)), expected).toBe(true);
    }
  });

  it("prints the same summary the hosting stack exports as its tenants output", async () => {
    const { planStack } = await import("../src/plan/stack-plan");
    const plan = await planStack("platform-staging");
    const exported = (plan.outputs.tenants as Record<string, Record<string, unknown>>)["ai-gateway"];
    const [described] = describeService(ROOT, "ai-gateway", "staging") as unknown as Record<string, unknown>[];
    // The stack output links the dashboard itself; describe, offline, the project's dashboard list.
    expect({ ...exported, dashboard: undefined }).toEqual({ ...described, dashboard: undefined });
    expect((exported.dashboard as { title: string }).title).toBe((described.dashboard as { title: string }).title);
  }, 60_000);

  it("names the regions of a service that runs in several, served under one host", () => {
    const lines = summaryLines((describeService(ROOT, "ai-gateway", "staging") as TenantSummary[])[0]);
    expect(lines).toContain("  regions:              us-east1, europe-west4, asia-northeast1: one host, served from the nearest healthy region (docs/regions.md)");
    expect(summaryLines((describeService(ROOT, "glgo", "staging") as TenantSummary[])[0]).some((l) => l.includes("regions:"))).toBe(false);
  });

  it("an unknown service or environment is an error, exit 1", async () => {
    expect((await runCli("describe", "nope")).err).toBe("runway: describe: no service 'nope' in the catalog (services: ai-gateway, duo-workflow-service, glgo)");
    const r = await runCli("describe", "glgo", "--env", "production");
    expect(r).toMatchObject({ code: 1, err: "runway: describe: glgo does not run in production (spec.environments: staging)" });
  });
});
