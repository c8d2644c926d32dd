/**
 * Copy-paste leftovers across stacks (src/config/cross-stack.ts): each fails `runway validate` at the copied
 * value's file and line, and names the other stack that holds it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { validateCommand } from "../src/cli/validate";
import { ROOT, projectWith } from "./helpers/project";

const STAGING = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"), "utf8");
const AI_PRODUCTION = readFileSync(path.join(ROOT, "stacks", "Pulumi.ai-gateway-production.yaml"), "utf8");
const AI_ENTRY = readFileSync(path.join(ROOT, "services", "ai-gateway.yaml"), "utf8");

function validate(root: string): { code: number; errors: string[] } {
  const errors: string[] = [];
  const code = validateCommand({ out: () => undefined, err: (l) => errors.push(l) }, [], root);
  return { code, errors: errors.slice(0, -1) };
}

/** 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

/** A new environment's platform stack copied from staging with only its name, environment and stages changed. */
const preprodCopy = STAGING.replace("runway:environment: staging", "runway:environment: preprod").replace("runway:stages: [staging]", "runway:stages: [preprod]");

/** A preprod platform stack done right: its own project, ranges, channel and pool. */
const preprod = preprodCopy
  .replace("projectId: gl-runway-staging", "projectId: gl-runway-preprod")
  .replace(/10\.10\./g, "10.13.")
  .replace("10.64.0.0/14", "10.224.0.0/14")
  .replace("10.68.0.0/20", "10.228.0.0/20")
  .replace("projects/gl-runway-staging/notificationChannels/1234567890", "projects/gl-runway-preprod/notificationChannels/555")
  .replace("gl-{service}-stg", "gl-{service}-pre")
  .replace("primary: 10.40.0.0/15", "primary: 10.44.0.0/15")
  .replace("pods: 10.128.0.0/11", "pods: 10.192.0.0/11");

describe("a new environment's platform stack copied from staging", () => {
  const root = projectWith({ "stacks/Pulumi.platform-preprod.yaml": preprodCopy });
  const { code, errors } = validate(root);
  const at = (needle: string) => `Pulumi.platform-preprod.yaml:${lineOf(preprodCopy, needle)}:`;
  const ofStaging = (needle: string) => `stack platform-staging (${path.join(root, "stacks", "Pulumi.platform-staging.yaml")}:${lineOf(STAGING, needle)})`;
  const mine = (needle: string) => errors.filter((e) => e.includes(at(needle)));

  it("fails validation", () => {
    expect(code).toBe(1);
  });

  it("the kept project id fails at its line and names the stack whose project it is", () => {
    expect(mine("projectId: gl-runway-staging")).toEqual([
      expect.stringContaining(`runway:gcp.projectId: gl-runway-staging is also the project of ${ofStaging("projectId:")}, environment staging; each stack creates its own project`),
    ]);
  });

  it("each kept IP range fails at its line and names the stack that has it", () => {
    for (const [field, cidr] of [["cidr:", "10.10.0.0/20"], ["pods:", "10.64.0.0/14"], ["services:", "10.68.0.0/20"], ["proxyOnly:", "10.10.16.0/23"]]) {
      expect(mine(`${field} ${cidr}`).join("\n"), field).toContain(`${cidr} overlaps ${cidr} of ${ofStaging(`${field} ${cidr}`)}`);
    }
  });

  it("the kept notification channel fails at its line and names the stack that has it", () => {
    const channel = "projects/gl-runway-staging/notificationChannels/1234567890";
    expect(mine(channel).join("\n")).toContain(`${channel} is also a channel of ${ofStaging(channel)}, environment staging`);
  });

  it("the kept address pool for dedicated services fails, naming the other environment's pool", () => {
    expect(mine("primary: 10.40.0.0/15").join("\n")).toContain(`10.40.0.0/15 overlaps 10.40.0.0/15 of the address pool of staging (${ofStaging("primary: 10.40.0.0/15")})`);
  });

  it("a copy that keeps the environment's name too is a second platform stack of staging", () => {
    const copy = STAGING.replace("projectId: gl-runway-staging", "projectId: gl-runway-preprod");
    const r = validate(projectWith({ "stacks/Pulumi.platform-preprod.yaml": copy }));
    expect(r.errors.join("\n")).toContain(`Pulumi.platform-preprod.yaml:${lineOf(copy, "runway:environment:")}:23: config.runway:environment: environment staging is already defined by stack platform-staging`);
  });

  it("the same stack with its own values passes", () => {
    expect(validate(projectWith({ "stacks/Pulumi.platform-preprod.yaml": preprod }))).toEqual({ code: 0, errors: [] });
  });
});

describe("a dedicated service stack copied from production into preprod", () => {
  const copy = AI_PRODUCTION.replace("runway:environment: production", "runway:environment: preprod")
    .replace("projectId: gl-ai-gateway-prod", "projectId: gl-ai-gateway-pre")
    .replace(/10\.30\./g, "10.32.")
    .replace(/10\.31\./g, "10.33.")
    .replace("10.80.0.0/14", "10.232.0.0/14")
    .replace("10.84.0.0/20", "10.236.0.0/20")
    .replace("10.88.0.0/14", "10.240.0.0/14")
    .replace("10.92.0.0/20", "10.244.0.0/20");
  const entry = AI_ENTRY.replace("environments: [staging, production]", "environments: [staging, preprod, production]").replace("  overrides:\n", "  overrides:\n    preprod:\n      placement: dedicated\n      regions: [us-east1]\n");
  const files = { "stacks/Pulumi.platform-preprod.yaml": preprod, "services/ai-gateway.yaml": entry };

  it("keeps production's stages: fails at runway:stages, naming production's stack and preprod's stages", () => {
    const root = projectWith({ ...files, "stacks/Pulumi.ai-gateway-preprod.yaml": copy });
    const { code, errors } = validate(root);
    expect(code).toBe(1);
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `Pulumi\\.ai-gateway-preprod\\.yaml:${lineOf(copy, "runway:stages:")}:\\d+: config\\.runway:stages: \\[production-canary, production\\] \\(the stages of stack ai-gateway-production \\(.*Pulumi\\.ai-gateway-production\\.yaml:${lineOf(AI_PRODUCTION, "runway:stages:")}\\), environment production\\) are not the stages of preprod, \\[preprod\\] in stack platform-preprod`,
        ),
      ),
    ]);
  });

  it("keeps the service name of the stack it was copied from: the name and the values disagree", () => {
    const other = copy.replace("runway:stages: [production-canary, production]", "runway:stages: [preprod]");
    const { errors } = validate(projectWith({ ...files, "stacks/Pulumi.duo-workflow-service-preprod.yaml": other }));
    expect(errors.join("\n")).toContain(
      "config.runway:service: a service stack is named <service>-<environment>, but this one says runway:service: ai-gateway and runway:environment: preprod (ai-gateway-preprod); fix the values or rename the file",
    );
  });

  it("with its own stages it passes", () => {
    const fixed = copy.replace("runway:stages: [production-canary, production]", "runway:stages: [preprod]");
    expect(validate(projectWith({ ...files, "stacks/Pulumi.ai-gateway-preprod.yaml": fixed }))).toEqual({ code: 0, errors: [] });
  });
});

describe("other values that belong to another environment", () => {
  it("a Vault mount other than the environment's own fails, naming the platform stack that creates the environment's", () => {
    const moved = AI_PRODUCTION.replace("address: https://vault.ops.gke.gitlab.net", "address: https://vault.ops.gke.gitlab.net\n    kvMount: runway-staging");
    const { errors } = validate(projectWith({ "stacks/Pulumi.ai-gateway-production.yaml": moved }));
    expect(errors.join("\n")).toMatch(/config\.runway:vault: this stack's tenant reads the KV mount runway-staging\/env\/production .* but production's mount is runway\/env\/production .*created by stack platform-production/);
  });

  it("a value copied verbatim that names the other environment fails, naming the stack it came from", () => {
    const labelled = (text: string, env: string) => text.replace("    region: us-east1\n    budget:", `    region: us-east1\n    labels:\n      alerts: runway-${env}-alerts\n    budget:`);
    const production = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-production.yaml"), "utf8");
    const { errors } = validate(projectWith({ "stacks/Pulumi.platform-staging.yaml": labelled(STAGING, "staging"), "stacks/Pulumi.platform-production.yaml": labelled(production, "staging") }));
    expect(errors).toEqual([expect.stringMatching(/Pulumi\.platform-production\.yaml:\d+:\d+: config\.runway:gcp\.labels\.alerts: 'runway-staging-alerts' is copied verbatim from stack platform-staging \(.*:\d+\), environment staging; set production's own value/)]);
  });
});

it("the example project passes", () => {
  expect(validate(ROOT)).toEqual({ code: 0, errors: [] });
});

describe("a Dedicated customer's stack copied from another customer's", () => {
  const ACME = readFileSync(path.join(ROOT, "stacks", "Pulumi.dedicated-acme.yaml"), "utf8");
  const copy = ACME.replace("runway:tenant: acme", "runway:tenant: initech")
    .replace("projectId: gl-dedicated-acme", "projectId: gl-dedicated-initech")
    .replace("projects/gl-dedicated-acme/", "projects/gl-dedicated-initech/")
    .replace(/10\.40\./g, "10.50.")
    .replace("10.112.0.0/14", "10.200.0.0/14")
    .replace("10.116.0.0/20", "10.204.0.0/20");

  it("keeps the other customer's GitLab URL: fails at runway:gitlabUrl, naming the customer whose instance it is", () => {
    const root = projectWith({ "stacks/Pulumi.dedicated-initech.yaml": copy });
    const { code, errors } = validate(root);
    expect(code).toBe(1);
    expect(errors.filter((e) => e.startsWith(path.join(root, "stacks", "Pulumi.dedicated-initech.yaml")))).toEqual([
      `${path.join(root, "stacks", "Pulumi.dedicated-initech.yaml")}:${lineOf(copy, "runway:gitlabUrl:")}:21: config.runway:gitlabUrl: https://acme.gitlab-dedicated.com is also the GitLab of stack dedicated-acme (${path.join(root, "stacks", "Pulumi.dedicated-acme.yaml")}:${lineOf(ACME, "runway:gitlabUrl:")}), tenant acme; a customer's services talk to its own GitLab instance: set this customer's URL`,
    ]);
  });

  it("with its own GitLab URL it passes", () => {
    const own = copy.replace("https://acme.gitlab-dedicated.com", "https://initech.gitlab-dedicated.com");
    expect(validate(projectWith({ "stacks/Pulumi.dedicated-initech.yaml": own }))).toEqual({ code: 0, errors: [] });
  });
});
