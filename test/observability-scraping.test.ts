import { describe, expect, it } from "vitest";
import {
  fluxClusterPodMonitoring,
  FLUX_CONTROLLERS,
  gitlabAgentClusterPodMonitoring,
  runwayPodSelector,
  tenantPodMonitoring,
} from "../src/observability";
import { crdProblems } from "./fixtures/gmp-crd";

const tenant = { service: "ai-gateway", namespace: "ai-gateway", environment: "staging" };
const PROTECTED = ["project_id", "location", "cluster", "namespace", "job", "instance", "top_level_controller", "top_level_controller_type", "__address__"];

describe("tenant PodMonitoring", () => {
  const pm = tenantPodMonitoring(tenant);

  it("selects the tenant's pods in its own namespace only", () => {
    expect(pm.kind).toBe("PodMonitoring");
    expect(pm.metadata.namespace).toBe("ai-gateway");
    expect(pm.spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "ai-gateway" } });
  });

  it("scrapes the pods' metrics port every 30s", () => {
    expect(pm.spec.endpoints).toEqual([{ port: "metrics", interval: "30s" }]);
  });

  it("is valid against the published PodMonitoring CRD schema", () => {
    expect(crdProblems("PodMonitoring", pm)).toEqual([]);
  });

  it("with Runway's pod label, another port, path and interval, is still valid", () => {
    const custom = tenantPodMonitoring(tenant, { podSelector: runwayPodSelector("ai-gateway"), port: "http-metrics", path: "/-/metrics", interval: "1m" });
    expect(custom.spec.selector.matchLabels).toEqual({ "runway.gitlab.com/service": "ai-gateway" });
    expect(crdProblems("PodMonitoring", custom)).toEqual([]);
  });

  it("carries Runway's labels", () => {
    expect(pm.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "runway",
      "runway.gitlab.com/service": "ai-gateway",
      "runway.gitlab.com/environment": "staging",
    });
  });

  it("rejects an empty pod selector, which would scrape every pod of the namespace", () => {
    expect(() => tenantPodMonitoring(tenant, { podSelector: {} })).toThrow(
      'podSelector is empty and would select every pod in the namespace: name at least one label, e.g. { "app.kubernetes.io/name": "<service>" }.',
    );
  });

  it("rejects a port that is not a container port name", () => {
    expect(() => tenantPodMonitoring(tenant, { port: "Metrics_Port" })).toThrow(
      "port 'Metrics_Port' is not a container port name: use at most 15 lowercase letters, digits and '-', with at least one letter.",
    );
  });
});

describe("platform ClusterPodMonitorings", () => {
  const flux = fluxClusterPodMonitoring("staging");
  const agent = gitlabAgentClusterPodMonitoring("staging");

  it("are valid against the published ClusterPodMonitoring CRD schema", () => {
    expect(crdProblems("ClusterPodMonitoring", flux)).toEqual([]);
    expect(crdProblems("ClusterPodMonitoring", agent)).toEqual([]);
  });

  it("scrape every Flux controller on http-prom and keep only samples from flux-system", () => {
    expect(flux.spec.selector.matchExpressions).toEqual([{ key: "app", operator: "In", values: [...FLUX_CONTROLLERS] }]);
    expect(flux.spec.endpoints).toEqual([
      { port: "http-prom", interval: "30s", metricRelabeling: [{ action: "keep", sourceLabels: ["namespace"], regex: "flux-system" }] },
    ]);
  });

  it("scrape the GitLab agent on its observability port and keep only samples from its namespace", () => {
    expect(agent.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "gitlab-agent" });
    expect(agent.spec.endpoints[0].port).toBe("observability");
    expect(agent.spec.endpoints[0].metricRelabeling).toEqual([{ action: "keep", sourceLabels: ["namespace"], regex: "gitlab-agent" }]);
    expect(gitlabAgentClusterPodMonitoring("staging", { namespace: "agents" }).spec.endpoints[0].metricRelabeling?.[0].regex).toBe("agents");
  });

  it("never relabel onto a protected target label or set a timeout (the CRD's CEL rules)", () => {
    for (const o of [flux, agent, tenantPodMonitoring(tenant)]) {
      for (const e of o.spec.endpoints) {
        expect(e).not.toHaveProperty("timeout");
        for (const r of e.metricRelabeling ?? []) expect(PROTECTED).not.toContain(r.targetLabel);
      }
    }
  });
});
