import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GitLabAgentRegistration } from "../components/cluster/gitlab-agent-registration";
import { SelfHostedTurnUp } from "../components/platform/selfhosted-turn-up";
import { runWithMocks } from "./helpers/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { listProjectStacks } from "../src/config/project";
import { type Plan, SECRET } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";

// Derived stacks too: they carry the platform stack's GitLab token ciphertext.
const STACKS = listProjectStacks(path.join(__dirname, ".."));
const plans: Plan[] = [];

beforeAll(async () => {
  for (const s of STACKS) plans.push(await planStack(s));
}, 120_000);

describe("secrets stay secret in every example stack's plan", () => {
  it("no config secret appears in a plan or its outputs", () => {
    for (const p of plans) expect(JSON.stringify(p), p.stack).not.toContain("offline-secret-");
  });

  it("no GitLab agent token appears in a plan", () => {
    for (const p of plans) expect(JSON.stringify(p), p.stack).not.toMatch(/glagent-[0-9a-f]{8}/);
  });

  it("every Kubernetes Secret's data is masked", () => {
    let seen = 0;
    for (const p of plans) {
      for (const r of p.resources.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
        const inputs = r.inputs as { data?: unknown; stringData?: unknown };
        const masked = (v: unknown) => v === undefined || v === SECRET || (typeof v === "object" && v !== null && Object.values(v).every((x) => x === SECRET));
        expect(masked(inputs.stringData) && masked(inputs.data), `${p.stack} ${r.name}`).toBe(true);
        expect(inputs.stringData !== undefined || inputs.data !== undefined || r.name.includes("token-reviewer"), `${p.stack} ${r.name} has data`).toBe(true);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("the agent registration declares its token a secret output", () => {
    const registrations = plans.flatMap((p) => p.resources.filter((r) => r.name.endsWith("-agent-registration")));
    expect(registrations.length).toBeGreaterThan(0);
    for (const r of registrations) expect(r.additionalSecretOutputs).toContain("token");
  });

  it("no stack output holds a secret in plain text", () => {
    for (const p of plans) expect(JSON.stringify(p.outputs)).not.toMatch(/offline-secret-|glagent-/);
  });
});

describe("secret values are Pulumi secrets in the program", () => {
  it("the GitLab API token from config, the agent token and the turn-up tokens are secret outputs", async () => {
    const verdicts: Record<string, boolean> = {};
    await runWithMocks(
      async () => {
        const apiToken = new pulumi.Config("runway").requireSecret("gitlabToken");
        const registration = new GitLabAgentRegistration("agent", { gitlabUrl: "https://gitlab.example.com", projectPath: "g/p", agentName: "runway-test", apiToken });
        const turnUp = new SelfHostedTurnUp(
          "ai-gateway",
          {
            service: "ai-gateway",
            chart: "oci://registry.gitlab.com/runway/charts/ai-gateway",
            gitlabRelease: "17.9",
            gitlabUrl: "https://gitlab.example.com",
            egress: [{ cidr: "10.0.0.0/8", ports: [443], gitlab: true }],
            kubeApiServer: [{ cidr: "172.16.0.2/32", ports: [443] }],
          },
          { providers: [new k8s.Provider("customer", { kubeconfig: "{}" })] },
        );
        verdicts.apiToken = await pulumi.isSecret(apiToken);
        verdicts.agentToken = await pulumi.isSecret(registration.token);
        verdicts.registrationToken = turnUp.registrationToken !== undefined && (await pulumi.isSecret(turnUp.registrationToken));
        verdicts.accessToken = turnUp.accessToken !== undefined && (await pulumi.isSecret(turnUp.accessToken));
      },
      { config: { "runway:gitlabToken": "glpat-test" }, secretKeys: ["runway:gitlabToken"] },
    );
    expect(verdicts).toEqual({ apiToken: true, agentToken: true, registrationToken: true, accessToken: true });
  });
});
