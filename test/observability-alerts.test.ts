import { describe, expect, it } from "vitest";
import { type AlertPolicy, clusterAlertPolicies, tenantAlertPolicies, type TenantScope } from "../src/observability";
import { alertPolicyProblems } from "./fixtures/cloud-monitoring";
import { equals, lintPromQL } from "./fixtures/promql-lint";

const CLUSTER = "runway-production";
const CHANNELS = ["projects/runway-ops/notificationChannels/123", "projects/runway-ops/notificationChannels/456"];
const tenant: TenantScope = { service: "ai-gateway", namespace: "ai-gateway", cluster: CLUSTER, environment: "production" };
const cluster = clusterAlertPolicies(CLUSTER, "production", CHANNELS);
const tenants = tenantAlertPolicies(tenant, CHANNELS);
const all = [...cluster, ...tenants];
const byId = (id: string): AlertPolicy => {
  const found = all.find((p) => p.id === id);
  if (!found) throw new Error(`no policy ${id}`);
  return found.policy;
};
const query = (p: AlertPolicy) => p.conditions[0].conditionPrometheusQueryLanguage.query;

describe("alert policies", () => {
  it("cluster alerts cover Flux reconciliation failures and agent disconnects", () => {
    expect(cluster.map((p) => p.id)).toEqual(["flux-reconciliation", "gitlab-agent"]);
  });

  it("cluster alerts route to the configured notification channels", () => {
    for (const { policy } of cluster) expect(policy.notificationChannels).toEqual(CHANNELS);
  });

  it("the tenant error-ratio alert routes to the configured notification channels", () => {
    expect(byId("error-ratio").notificationChannels).toEqual(CHANNELS);
  });

  it("are valid Cloud Monitoring alert policies", () => {
    for (const { id, policy } of all) expect(alertPolicyProblems(JSON.parse(JSON.stringify(policy))), id).toEqual([]);
  });

  it("have plausible PromQL queries", () => {
    for (const { id, policy } of all) expect(lintPromQL(query(policy)).problems, id).toEqual([]);
  });

  it("the Flux alert fires on not-ready resources or failing reconciliations of this cluster, after 15 minutes", () => {
    const p = byId("flux-reconciliation");
    const { selectors } = lintPromQL(query(p));
    expect(selectors.map((s) => [s.metric, equals(s, "cluster")])).toEqual([
      ["gotk_resource_info", CLUSTER],
      ["controller_runtime_reconcile_errors_total", CLUSTER],
    ]);
    expect(equals(selectors[0], "ready")).toBe("False");
    expect(equals(selectors[1], "namespace")).toBe("flux-system");
    expect(query(p)).toMatch(/\) > 0\) or \(.*\) > 0\)$/);
    expect(p.conditions[0].conditionPrometheusQueryLanguage.duration).toBe("900s");
  });

  it("the agent alert fires when no agent is up, including when its series are gone", () => {
    const q = query(byId("gitlab-agent"));
    expect(q).toBe(
      '(sum by (cluster) (up{cluster="runway-production",namespace="gitlab-agent",job=~".*gitlab-agent.*"}) or on() vector(0)) < 1',
    );
  });

  it("the tenant alert fires above the error-ratio threshold, on the tenant's series only", () => {
    const p = byId("error-ratio");
    expect(query(p)).toMatch(/\) > 0\.05$/);
    for (const s of lintPromQL(query(p)).selectors) {
      expect(equals(s, "cluster")).toBe(CLUSTER);
      expect(equals(s, "namespace")).toBe("ai-gateway");
    }
    const stricter = tenantAlertPolicies(tenant, CHANNELS, { errorRatioThreshold: 0.02 })[0].policy;
    expect(query(stricter)).toMatch(/\) > 0\.02$/);
    expect(stricter.displayName).toBe("Runway ai-gateway (production): 5xx ratio above 2%");
  });

  it("every alert carries a markdown runbook naming what it watches and its dashboard", () => {
    for (const { id, policy } of all) {
      expect(policy.documentation.mimeType, id).toBe("text/markdown");
      expect(policy.documentation.content, id).toMatch(/^## /);
      expect(policy.documentation.content, id).toContain("1. ");
      expect(policy.documentation.content, id).toContain("Runway ");
    }
    expect(byId("gitlab-agent").documentation.content).toContain(`Runway cluster ${CLUSTER} (production)`);
    expect(byId("error-ratio").documentation.content).toContain("Runway ai-gateway (production)");
  });

  it("an empty channel list gives policies that notify no one but still open incidents", () => {
    for (const { policy } of clusterAlertPolicies(CLUSTER, "production", [])) {
      expect(policy.notificationChannels).toEqual([]);
      expect(policy.enabled).toBe(true);
    }
  });

  it("rejects a notification channel that is not a full channel name, naming the field and the fix", () => {
    expect(() => clusterAlertPolicies(CLUSTER, "production", ["123"])).toThrow(
      "notificationChannels[0] '123' is not a notification channel name: use projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list --format='value(name)').",
    );
  });

  it("rejects a channel listed twice", () => {
    expect(() => tenantAlertPolicies(tenant, [CHANNELS[0], CHANNELS[0]])).toThrow(`notificationChannels lists '${CHANNELS[0]}' twice: list each channel once.`);
  });

  it("rejects an error-ratio threshold that is not a ratio", () => {
    expect(() => tenantAlertPolicies(tenant, CHANNELS, { errorRatioThreshold: 5 })).toThrow(
      "errorRatioThreshold 5 is not a ratio between 0 and 1 (exclusive): use e.g. 0.05 for 5%.",
    );
  });
});
