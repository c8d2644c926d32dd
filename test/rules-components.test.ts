/**
 * The guardrails against what Runway really builds: the components together pass every rule, and every example
 * stack passes `runway check --all`.
 */
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { Flux } from "../components/cluster/flux";
import { GitLabAgent } from "../components/cluster/gitlab-agent";
import { VaultIntegration } from "../components/cluster/vault-integration";
import { GkeCluster } from "../components/gcp/gke-cluster";
import { Tenant } from "../components/tenancy/tenant";
import { checkAction } from "../src/cli/check";
import { resolveTenant } from "../src/config/catalog";
import { recordProgram } from "../src/plan/engine";
import { MOCK_CA } from "../src/plan/mocks";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan, formatReport } from "../src/rules/check";
import { clusterArgs, clusterConfig } from "./helpers/gcp";

const spec = resolveTenant(
  {
    apiVersion: "runway/v1",
    kind: "SatelliteService",
    metadata: { name: "ai-gateway", owner: "gitlab-org/ai" },
    spec: { chart: { repository: "oci://registry.gitlab.com/runway/charts/ai-gateway" }, gitlabProject: "satellites/ai-gateway", placement: "shared", environments: ["production"], secrets: [{ name: "llm-credentials", path: "llm" }] },
  },
  "production",
  ["production-canary", "production"],
);

function platform(): void {
  new GkeCluster("gke", clusterArgs(clusterConfig({ nodePools: [{ name: "general" }, { name: "batch", spot: true }] })));
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  new Flux("flux", { project: "runway-test", clusterName: "runway-test", workloadIdentity: true, platformSource: { url: "oci://us-docker.pkg.dev/runway-test/platform/config", tag: "production" } }, { providers: [provider] });
  new GitLabAgent(
    "agent",
    {
      agentName: "prod",
      projectPath: "platform/agents",
      gitlabUrl: "https://gitlab.example.com",
      kasAddress: "wss://gitlab.example.com/-/kubernetes-agent/",
      apiToken: "glpat-test",
      tenants: [{ path: "satellites/ai-gateway", namespace: "ai-gateway", serviceAccount: "ai-gateway-deployer" }],
    },
    { providers: { kubernetes: provider } },
  );
  new VaultIntegration("vault", { clusterName: "runway-test", environment: "production", endpoint: "10.12.0.2", clusterCaCertificate: MOCK_CA, createKvMount: true }, { providers: [provider] });
  new Tenant(
    "ai-gateway",
    {
      spec,
      project: "runway-test",
      workloadPool: "runway-test.svc.id.goog",
      clusterName: "runway-test",
      domain: "runway.gitlab.net",
      vault: { address: "https://vault.example.com", authBackendPath: "kubernetes-runway-test", authBackendAccessor: "auth_kubernetes_1234", mount: "runway", audience: "vault" },
    },
    { providers: [provider] },
  );
}

describe("guardrails on Runway's components", () => {
  it("a cluster with Flux, the agent, Vault and a tenant passes every rule", async () => {
    const report = checkPlan(await recordProgram(platform, { stack: "components" }));
    expect(formatReport([report]).filter((l) => !l.startsWith("SUMMARY"))).toEqual([]);
  });

  it("under preview, the only findings are values unknown until apply, each naming its field; mandatory ones fail closed", async () => {
    const report = checkPlan(await recordProgram(platform, { stack: "components", preview: true }));
    expect(report.violations.length).toBeGreaterThan(0);
    for (const v of report.violations) {
      expect(v.message).toMatch(/^cannot verify: \S.* is unknown until apply/);
      expect(v.unverified).toBe(true);
    }
    expect(report.violations.filter((v) => v.severity === "mandatory").map((v) => v.rule)).not.toEqual([]);
  });

  it("every example stack passes runway check --all", async () => {
    const out: string[] = [];
    const code = await checkAction({ all: true }, { planStack }, { out: (t) => out.push(t), err: (t) => out.push(t) });
    // Advisory findings and waivers may come and go with the example stacks; nothing else may.
    expect(out.filter((l) => !/^(ADVISORY|WAIVER) /.test(l))).toEqual([expect.stringMatching(/^SUMMARY .*: PASSED$/)]);
    expect(code).toBe(0);
  });
});
