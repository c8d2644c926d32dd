import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ClusterObservability, type ClusterObservabilityArgs } from "../components/observability/cluster-observability";
import { TenantObservability, type TenantObservabilityArgs } from "../components/observability/tenant-observability";
import { alertPolicyProblems, dashboardProblems } from "./fixtures/cloud-monitoring";
import { crdProblems } from "./fixtures/gmp-crd";
import { equals, lintPromQL } from "./fixtures/promql-lint";
import { planMocks } from "../src/plan/mocks";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

const CHANNELS = ["projects/runway-ops/notificationChannels/123"];
const DASHBOARD = "gcp:monitoring/dashboard:Dashboard";
const ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";
const CPM = "kubernetes:monitoring.googleapis.com/v1:ClusterPodMonitoring";
const PM = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring";

const clusterArgs: ClusterObservabilityArgs = { project: "runway-staging", clusterName: "runway-staging", environment: "staging", notificationChannels: CHANNELS };
const tenantArgs: TenantObservabilityArgs = { ...clusterArgs, service: "ai-gateway" };

function withCluster(program: (provider: k8s.Provider) => void) {
  return () => program(new k8s.Provider("k8s", { kubeconfig: "{}" }));
}

/** The recorded inputs of a Kubernetes custom resource, without the provider's bookkeeping. */
function object(r: { inputs: Record<string, unknown> }): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = r.inputs;
  return { apiVersion, kind, metadata, spec };
}

/** A recorded AlertPolicy's inputs as the REST body: the component adds only `project`. */
function policyBody(r: { inputs: Record<string, unknown> }): Record<string, unknown> {
  const { project: _project, ...body } = r.inputs;
  return body;
}

describe("ClusterObservability", () => {
  let plan: Recorded;
  beforeAll(async () => {
    plan = await runWithMocks(withCluster((p) => new ClusterObservability("obs", clusterArgs, { providers: [p] })));
  });

  it("registers one dashboard whose dashboardJson parses to a valid dashboard of this cluster", () => {
    const d = plan.one(DASHBOARD, "obs-dashboard");
    expect(d.inputs.project).toBe("runway-staging");
    const json = JSON.parse(d.inputs.dashboardJson as string);
    expect(dashboardProblems(json)).toEqual([]);
    expect(json.displayName).toBe("Runway cluster runway-staging (staging)");
  });

  it("registers an alert policy for Flux reconciliation failures and one for agent disconnects, routed to the channels", () => {
    expect(plan.ofType(ALERT).map((r) => r.name)).toEqual(["obs-flux-reconciliation", "obs-gitlab-agent"]);
    for (const r of plan.ofType(ALERT)) {
      expect(r.inputs.notificationChannels, r.name).toEqual(CHANNELS);
      expect(r.inputs.project, r.name).toBe("runway-staging");
      expect(alertPolicyProblems(policyBody(r)), r.name).toEqual([]);
    }
  });

  it("registers valid ClusterPodMonitorings for Flux and the GitLab agent", () => {
    expect(plan.ofType(CPM).map((r) => r.name)).toEqual(["obs-flux", "obs-gitlab-agent"]);
    for (const r of plan.ofType(CPM)) expect(crdProblems("ClusterPodMonitoring", object(r)), r.name).toEqual([]);
  });

  it("gives its Kubernetes children the caller's provider", () => {
    const provider = plan.one("pulumi:providers:kubernetes");
    for (const r of plan.ofType(CPM)) expect(r.provider, r.name).toBe(provider.urn);
  });

  it("parents every child to itself and names it after itself", () => {
    const component = plan.one("runway:observability:ClusterObservability", "obs");
    const children = plan.resources.filter((r) => r.parent === component.urn);
    expect(children).toHaveLength(5);
    for (const r of children) expect(r.name).toMatch(/^obs-/);
  });

  it("refuses to build without a Kubernetes provider", async () => {
    await expect(runWithMocks(() => new ClusterObservability("obs", clusterArgs))).rejects.toThrow(
      "ClusterObservability creates Kubernetes objects and needs the cluster's Kubernetes provider: pass { providers: [cluster.provider] } in its options (or set it on a parent component).",
    );
  });

  it("takes the Kubernetes provider from a parent component", async () => {
    const parented = await runWithMocks(
      withCluster((p) => {
        const parent = new pulumi.ComponentResource("runway:test:Parent", "parent", {}, { providers: [p] });
        new ClusterObservability("obs", clusterArgs, { parent });
      }),
    );
    const provider = parented.one("pulumi:providers:kubernetes");
    for (const r of parented.ofType(CPM)) expect(r.provider).toBe(provider.urn);
  });

  it("rejects invalid args with the field and the fix before registering anything", async () => {
    const base = planMocks(false);
    const created: string[] = [];
    const mocks = { ...base, newResource: (a: pulumi.runtime.MockResourceArgs) => (created.push(a.type), base.newResource(a)) };
    const program = withCluster((p) => new ClusterObservability("obs", { ...clusterArgs, notificationChannels: ["ops@example.com"] }, { providers: [p] }));
    await expect(runWithMocks(program, { mocks })).rejects.toThrow("notificationChannels[0] 'ops@example.com' is not a notification channel name");
    // Only the stack and the test's own provider: not even the component itself was registered.
    expect(created.sort()).toEqual(["pulumi:providers:kubernetes", "pulumi:pulumi:Stack"]);
  });
});

describe("TenantObservability", () => {
  let plan: Recorded;
  beforeAll(async () => {
    plan = await runWithMocks(
      withCluster((p) => {
        const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "ai-gateway" } }, { provider: p });
        new TenantObservability("ai-gateway-obs", tenantArgs, { providers: [p], dependsOn: [ns] });
      }),
    );
  });

  it("registers its PodMonitoring in the tenant's namespace, selecting the tenant's pods", () => {
    const pm = plan.one(PM, "ai-gateway-obs-scrape");
    expect(crdProblems("PodMonitoring", object(pm))).toEqual([]);
    expect(pm.inputs.metadata).toMatchObject({ namespace: "ai-gateway" });
    expect(pm.inputs.spec).toMatchObject({ selector: { matchLabels: { "app.kubernetes.io/name": "ai-gateway" } } });
  });

  it("creates the PodMonitoring after the namespace it is told to depend on", () => {
    expect(plan.one(PM).dependsOn).toContain(plan.one("kubernetes:core/v1:Namespace").urn);
  });

  it("registers a dashboard whose dashboardJson parses to a valid dashboard scoped to the tenant", () => {
    const json = JSON.parse(plan.one(DASHBOARD, "ai-gateway-obs-dashboard").inputs.dashboardJson as string);
    expect(dashboardProblems(json)).toEqual([]);
    const queries: string[] = json.mosaicLayout.tiles.flatMap((t: { widget: Record<string, { dataSets?: { timeSeriesQuery: { prometheusQuery: string } }[] }> }) =>
      (t.widget.xyChart?.dataSets ?? []).map((s) => s.timeSeriesQuery.prometheusQuery),
    );
    expect(queries.length).toBeGreaterThan(0);
    for (const s of queries.flatMap((q) => lintPromQL(q).selectors)) expect(equals(s, "namespace") ?? equals(s, "namespace_name")).toBe("ai-gateway");
  });

  it("registers the error-ratio alert routed to the channels", () => {
    const alert = plan.one(ALERT, "ai-gateway-obs-error-ratio");
    expect(alert.inputs.notificationChannels).toEqual(CHANNELS);
    expect(alertPolicyProblems(policyBody(alert))).toEqual([]);
  });

  it("parents every child to itself and gives the PodMonitoring the caller's provider", () => {
    const component = plan.one("runway:observability:TenantObservability");
    expect(plan.resources.filter((r) => r.parent === component.urn).map((r) => r.type).sort()).toEqual([ALERT, DASHBOARD, PM]);
    expect(plan.one(PM).provider).toBe(plan.one("pulumi:providers:kubernetes").urn);
  });

  it("rejects an empty pod selector before registering anything", async () => {
    await expect(
      runWithMocks(withCluster((p) => new TenantObservability("t", { ...tenantArgs, podSelector: {} }, { providers: [p] }))),
    ).rejects.toThrow("podSelector is empty and would select every pod in the namespace");
  });
});

describe("pure observability modules", () => {
  it("import no Pulumi package, so they are tested without an engine", () => {
    const dir = join(__dirname, "../src/observability");
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), "utf8"), f).not.toMatch(/from "@pulumi\//);
  });
});
