/**
 * A service's dashboard and alerts across its regions, and the one admin grant the fleet needs.
 */
import { describe, expect, it } from "vitest";
import { isPrescribedAgentGrant, projectIamProblem } from "../src/gcp/project";
import { type Dashboard, type FleetScope, fleetAlertPolicies, fleetDashboard, tenantDashboard } from "../src/observability";
import { gatewayControllerMember } from "../src/platform/fleet";
import { iamRules } from "../src/rules/iam";
import { alertPolicyProblems, dashboardProblems } from "./fixtures/cloud-monitoring";
import { equals, lintPromQL, type Selector } from "./fixtures/promql-lint";

const FLEET: FleetScope = {
  service: "ai-gateway",
  namespace: "ai-gateway",
  environment: "staging",
  clusters: [
    { region: "us-east1", cluster: "runway-staging" },
    { region: "europe-west4", cluster: "runway-staging-europe-west4" },
    { region: "asia-northeast1", cluster: "runway-staging-asia-northeast1" },
  ],
};
const ALL = "runway-staging|runway-staging-europe-west4|runway-staging-asia-northeast1";

function dashboardQueries(d: Dashboard): string[] {
  return d.mosaicLayout.tiles.flatMap((t) => {
    if (t.widget.xyChart) return t.widget.xyChart.dataSets.map((s) => s.timeSeriesQuery.prometheusQuery);
    if (t.widget.scorecard) return [t.widget.scorecard.timeSeriesQuery.prometheusQuery];
    return [];
  });
}

function clusterMatcher(s: Selector): string | undefined {
  return s.matchers.find((m) => m.label === "cluster")?.value;
}

describe("a service's dashboard across its regions", () => {
  const d = fleetDashboard(FLEET);

  it("is a valid Cloud Monitoring dashboard", () => {
    expect(dashboardProblems(JSON.parse(JSON.stringify(d)))).toEqual([]);
  });

  it("has only plausible PromQL, every selector scoped to the service's namespace on exactly its clusters", () => {
    for (const q of dashboardQueries(d)) {
      const { problems, selectors } = lintPromQL(q);
      expect(problems, q).toEqual([]);
      for (const s of selectors) {
        expect(equals(s, "namespace"), q).toBe("ai-gateway");
        const c = clusterMatcher(s);
        expect([ALL, ...FLEET.clusters.map((x) => x.cluster)], q).toContain(c);
      }
    }
  });

  it("shows every region's pods answering, one scorecard per region, red below one", () => {
    const cards = d.mosaicLayout.tiles.filter((t) => t.widget.scorecard && t.widget.title?.startsWith("Pods answering in"));
    expect(cards.map((t) => t.widget.title)).toEqual(["Pods answering in us-east1", "Pods answering in europe-west4", "Pods answering in asia-northeast1"]);
    for (const t of cards) expect(t.widget.scorecard?.thresholds).toEqual([{ label: "too low", value: 1, color: "RED", direction: "BELOW" }]);
  });

  it("refuses a region listed twice and an empty list", () => {
    expect(() => fleetDashboard({ ...FLEET, clusters: [...FLEET.clusters, { region: "us-east1", cluster: "other" }] })).toThrow("clusters of ai-gateway lists region us-east1 twice: one cluster per region.");
    expect(() => fleetDashboard({ ...FLEET, clusters: [] })).toThrow("clusters of ai-gateway is empty");
  });
});

describe("a service's alerts across its regions", () => {
  const channels = ["projects/gl-runway-staging/notificationChannels/1234567890"];
  const policies = fleetAlertPolicies(FLEET, channels);

  it("are valid alert policies with plausible PromQL on exactly the service's clusters", () => {
    for (const { id, policy } of policies) {
      expect(alertPolicyProblems(JSON.parse(JSON.stringify(policy))), id).toEqual([]);
      const { problems, selectors } = lintPromQL(policy.conditions[0].conditionPrometheusQueryLanguage.query);
      expect(problems, id).toEqual([]);
      for (const s of selectors) expect(equals(s, "namespace"), id).toBe("ai-gateway");
    }
  });

  it("warn per region when a region has no pod answering (its traffic has failed over) and page when none answers anywhere", () => {
    const byId = Object.fromEntries(policies.map((p) => [p.id, p.policy]));
    expect(Object.keys(byId).sort()).toEqual(["asia-northeast1-no-backends", "error-ratio-all-regions", "europe-west4-no-backends", "no-backends", "us-east1-no-backends"]);
    expect(byId["europe-west4-no-backends"].severity).toBe("WARNING");
    expect(byId["europe-west4-no-backends"].conditions[0].conditionPrometheusQueryLanguage.query).toBe(
      '(sum(up{cluster="runway-staging-europe-west4",namespace="ai-gateway",job="runway-ai-gateway"}) or on() vector(0)) < 1',
    );
    expect(byId["no-backends"].severity).toBe("CRITICAL");
    expect(byId["no-backends"].conditions[0].conditionPrometheusQueryLanguage.query).toBe(
      `(sum(up{cluster=~"${ALL}",namespace="ai-gateway",job="runway-ai-gateway"}) or on() vector(0)) < 1`,
    );
    for (const p of Object.values(byId)) expect(p.notificationChannels).toEqual(channels);
  });

  it("a region's own tenant dashboard names the region", () => {
    expect(tenantDashboard({ service: "ai-gateway", namespace: "ai-gateway", cluster: "runway-staging-europe-west4", environment: "staging", region: "europe-west4" }).displayName).toBe("Runway ai-gateway (staging, europe-west4)");
  });
});

describe("I4 and the multi-cluster Gateway controller", () => {
  const agent = gatewayControllerMember("123456789012");
  const i4 = iamRules.find((r) => r.id === "I4");
  const grant = (role: string, member: string) => ({ type: "gcp:projects/iAMMember:IAMMember", name: "g", urn: "urn:pulumi:s::runway::gcp:projects/iAMMember:IAMMember::g", inputs: { project: "p", role, member }, options: {} });

  it("admits exactly the controller agent's prescribed roles/container.admin", () => {
    expect(isPrescribedAgentGrant("roles/container.admin", agent)).toBe(true);
    expect(projectIamProblem("roles/container.admin", agent)).toBeUndefined();
    expect(i4?.check(grant("roles/container.admin", agent), { resources: [] })).toEqual([]);
  });

  it("still refuses any other admin role for that agent, and the same role for any other service account", () => {
    for (const [role, member] of [
      ["roles/iam.securityAdmin", agent],
      ["roles/container.admin", "serviceAccount:service-123456789012@gcp-sa-cloudbuild.iam.gserviceaccount.com"],
      ["roles/container.admin", "serviceAccount:deployer@gl-runway-staging.iam.gserviceaccount.com"],
    ]) {
      expect(projectIamProblem(role, member), `${role} ${member}`).toMatch(/\(I4\)/);
      expect(i4?.check(grant(role, member), { resources: [] }), `${role} ${member}`).toHaveLength(1);
    }
    // Only the whole address counts: a look-alike with the agent's address as a prefix is no exception.
    expect(isPrescribedAgentGrant("roles/container.admin", `${agent}.evil.example`)).toBe(false);
  });
});
