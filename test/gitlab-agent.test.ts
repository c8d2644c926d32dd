import * as k8s from "@pulumi/kubernetes";
import { beforeAll, describe, expect, it } from "vitest";
import { GitLabAgent, type GitLabAgentArgs } from "../components/cluster/gitlab-agent";
import { AGENT_CHART, renderAgentConfig, TOKEN_ID_ANNOTATION } from "../src/gitlab/agent-config";
import { SECRET } from "../src/plan/engine";
import { computedOutputs } from "../src/plan/mocks";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const API_TOKEN = "glpat-plain-text-api-token";
const args: GitLabAgentArgs = {
  agentName: "prod",
  projectPath: "platform/agents",
  gitlabUrl: "https://gitlab.example.com",
  kasAddress: "wss://gitlab.example.com/-/kubernetes-agent/",
  apiToken: API_TOKEN,
  tenants: [{ path: "satellites/billing", namespace: "billing", serviceAccount: "billing-deployer" }],
  labels: { environment: "production" },
};
// The agent token the mocks return for the registration, which must never show unmasked.
const AGENT_TOKEN = String(computedOutputs(DYNAMIC, "agent-registration", {}).token);

let plan: Recorded;
beforeAll(async () => {
  plan = await runWithMocks(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new GitLabAgent("agent", args, { providers: { kubernetes: provider } });
  });
});

describe("GitLabAgent", () => {
  it("stores the token in a Secret under key token, masked as a secret", () => {
    const secret = plan.one("kubernetes:core/v1:Secret", "agent-token");
    expect(secret.inputs.stringData).toBe(SECRET);
    expect(secret.inputs.metadata).toMatchObject({ name: "prod-token", namespace: "gitlab-agent" });
    expect(AGENT_TOKEN).toMatch(/^glagent-/);
  });

  it("shows neither the agent token nor the API token anywhere in the plan", () => {
    const text = JSON.stringify(plan);
    expect(text).not.toContain(AGENT_TOKEN);
    expect(text).not.toContain(API_TOKEN);
  });

  it("declares the token an additional secret output of the registration", () => {
    const registration = plan.one(DYNAMIC, "agent-registration");
    expect(registration.additionalSecretOutputs).toEqual(expect.arrayContaining(["token", "apiToken"]));
    expect(registration.inputs.apiToken).toBe(SECRET);
    expect(registration.inputs).toMatchObject({ agentName: "prod", projectPath: "platform/agents", gitlabUrl: "https://gitlab.example.com" });
  });

  it("installs the pinned chart reading the token from the Secret, with no token in its values", () => {
    const release = plan.one("kubernetes:helm.sh/v3:Release", "agent-chart");
    expect(release.inputs).toMatchObject({ chart: "gitlab-agent", version: AGENT_CHART.version, repositoryOpts: { repo: "https://charts.gitlab.io" }, namespace: "gitlab-agent", name: "prod" });
    const values = release.inputs.values as Record<string, Record<string, unknown>>;
    expect(values.config).toEqual({ kasAddress: "wss://gitlab.example.com/-/kubernetes-agent/", secretName: "prod-token" });
    expect(values).toMatchObject({ rbac: { create: true }, serviceAccount: { create: true, name: "prod" }, replicas: 2 });
    expect(JSON.stringify(values)).not.toMatch(/"token"\s*:/);
    expect(JSON.stringify(values)).not.toContain(AGENT_TOKEN);
  });

  it("restarts the agent pods when the token changes", () => {
    const registrationTokenId = String(computedOutputs(DYNAMIC, "agent-registration", {}).tokenId);
    const values = plan.one("kubernetes:helm.sh/v3:Release", "agent-chart").inputs.values as { podAnnotations: Record<string, string> };
    expect(values.podAnnotations[TOKEN_ID_ANNOTATION]).toBe(registrationTokenId);
  });

  it("runs the agent under restricted pod security", () => {
    const ns = plan.one("kubernetes:core/v1:Namespace", "agent-namespace");
    expect(ns.inputs.metadata).toMatchObject({ name: "gitlab-agent", labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" } });
    const values = plan.one("kubernetes:helm.sh/v3:Release", "agent-chart").inputs.values as Record<string, Record<string, unknown>>;
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(values.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("commits the generated config file to the agent project", () => {
    const file = plan.one(DYNAMIC, "agent-config");
    expect(file.inputs).toMatchObject({ filePath: ".gitlab/agents/prod/config.yaml", branch: "main", projectPath: "platform/agents", content: renderAgentConfig("prod", args.tenants) });
    expect(file.inputs.apiToken).toBe(SECRET);
  });

  it("retires replaced tokens only after the Helm release", () => {
    const retirement = plan.one(DYNAMIC, "agent-token-retirement");
    expect(retirement.dependsOn).toContain(plan.one("kubernetes:helm.sh/v3:Release", "agent-chart").urn);
    expect(retirement.inputs.apiToken).toBe(SECRET);
  });

  it("parents every child to the component and gives Kubernetes children the caller's provider", () => {
    const component = plan.one("runway:cluster:GitLabAgent", "agent");
    const provider = plan.one("pulumi:providers:kubernetes", "cluster");
    const children = plan.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => r.name).sort()).toEqual(["agent-chart", "agent-config", "agent-namespace", "agent-registration", "agent-token", "agent-token-retirement"]);
    for (const r of children.filter((c) => c.type.startsWith("kubernetes:"))) expect(r.provider).toBe(provider.urn);
  });

  it("keeps the chart values reviewable in preview, only the token id unknown", async () => {
    const preview = await runWithMocks(() => new GitLabAgent("agent", args), { preview: true });
    const values = preview.one("kubernetes:helm.sh/v3:Release", "agent-chart").inputs.values as Record<string, Record<string, unknown>>;
    expect(values.config).toEqual({ kasAddress: "wss://gitlab.example.com/-/kubernetes-agent/", secretName: "prod-token" });
    expect(values.podAnnotations).toEqual({ [TOKEN_ID_ANNOTATION]: "[unknown]" });
  });

  it("installs the chart only after the token Secret exists", () => {
    expect(plan.one("kubernetes:helm.sh/v3:Release", "agent-chart").dependsOn).toContain(plan.one("kubernetes:core/v1:Secret", "agent-token").urn);
  });

  it("rejects invalid settings with every problem before registering anything", async () => {
    const bad = { ...args, agentName: "Prod", kasAddress: "https://kas", tenants: [{ path: "a/b", namespace: "gitlab-agent", serviceAccount: "x" }] };
    let message = "";
    const failed = await runWithMocks(() => {
      try {
        new GitLabAgent("agent", bad);
      } catch (e) {
        message = (e as Error).message;
      }
    });
    expect(message).toBe(
      `GitLabAgent agent: agentName: "Prod" must be lowercase letters, digits and '-', starting and ending with a letter or digit; ` +
        `kasAddress: "https://kas" must be a wss://, ws://, grpcs:// or grpc:// URL, e.g. wss://kas.gitlab.com or wss://gitlab.example.com/-/kubernetes-agent/; ` +
        `tenants[0].namespace: "gitlab-agent" is the agent's own namespace; give each tenant a service account in its own namespace (GL1)`,
    );
    expect(failed.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});
