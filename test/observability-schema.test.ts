/**
 * The validators the other observability tests rely on must reject what the API rejects; these tests keep them
 * from passing everything.
 */
import { describe, expect, it } from "vitest";
import { alertPolicyProblems, dashboardProblems } from "./fixtures/cloud-monitoring";
import { crdProblems } from "./fixtures/gmp-crd";
import { lintPromQL } from "./fixtures/promql-lint";

const chart = { title: "c", xyChart: { dataSets: [{ timeSeriesQuery: { prometheusQuery: "up" } }] } };
const dash = (tiles: unknown[], columns = 48) => ({ displayName: "d", mosaicLayout: { columns, tiles } });
const tile = (xPos: number, yPos: number, width: number, height: number, widget: unknown = chart) => ({ xPos, yPos, width, height, widget });
const policy = (promql: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  displayName: "p",
  combiner: "OR",
  conditions: [{ displayName: "c", conditionPrometheusQueryLanguage: { query: "up == 0", ...promql } }],
  documentation: { content: "run", mimeType: "text/markdown" },
  ...extra,
});

describe("dashboard validator", () => {
  it("accepts a minimal valid mosaic dashboard", () => {
    expect(dashboardProblems(dash([tile(0, 0, 24, 8)]))).toEqual([]);
  });

  it("rejects a tile that ends beyond the grid's columns", () => {
    expect(dashboardProblems(dash([tile(30, 0, 24, 8)]))).toEqual(["tile 0 (c) ends at column 54, beyond 48"]);
  });

  it("rejects overlapping tiles", () => {
    expect(dashboardProblems(dash([tile(0, 0, 24, 8), tile(12, 4, 24, 8)]))).toEqual(["tile 0 (c) overlaps tile 1 (c)"]);
  });

  it("accepts a collapsible group over the tiles it contains, and rejects one that cuts a tile", () => {
    const group = { title: "g", collapsibleGroup: { collapsed: false } };
    expect(dashboardProblems(dash([tile(0, 0, 48, 8, group), tile(0, 0, 24, 8)]))).toEqual([]);
    expect(dashboardProblems(dash([tile(0, 0, 48, 4, group), tile(0, 0, 24, 8)]))).toEqual(["tile 0 (g) overlaps tile 1 (c)"]);
  });

  it("rejects a widget with two kinds or none", () => {
    const two = { ...chart, text: { content: "x" } };
    expect(dashboardProblems(dash([tile(0, 0, 8, 8, two)])).join()).toContain("widget must set exactly one of");
    expect(dashboardProblems(dash([tile(0, 0, 8, 8, { title: "empty" })])).join()).toContain("sets none");
  });

  it("rejects a data set without a query", () => {
    const noQuery = { xyChart: { dataSets: [{ timeSeriesQuery: {} }] } };
    expect(dashboardProblems(dash([tile(0, 0, 8, 8, noQuery)])).join()).toContain("timeSeriesQuery must set exactly one of");
  });

  it("rejects color and direction on a chart threshold, as the API does", () => {
    const colored = { xyChart: { ...chart.xyChart, thresholds: [{ value: 1, color: "RED" }] } };
    expect(dashboardProblems(dash([tile(0, 0, 8, 8, colored)])).join()).toContain("Unrecognized key");
  });

  it("rejects more than 48 columns and misspelled fields", () => {
    expect(dashboardProblems(dash([], 49)).join()).toContain("mosaicLayout.columns");
    expect(dashboardProblems({ displayName: "d", mosaicLayout: { columns: 48, tilez: [] } }).join()).toContain("Unrecognized key");
  });
});

describe("alert policy validator", () => {
  it("accepts a minimal PromQL policy", () => {
    expect(alertPolicyProblems(policy({ duration: "60s", evaluationInterval: "30s" }))).toEqual([]);
  });

  it("rejects durations that are not seconds such as 60s", () => {
    expect(alertPolicyProblems(policy({ duration: "1m" })).join()).toContain("must be a duration such as 60s");
  });

  it("rejects an evaluation interval that is not a multiple of 30s", () => {
    expect(alertPolicyProblems(policy({ evaluationInterval: "45s" })).join()).toContain("positive multiple of 30s");
  });

  it("rejects documentation that is not text/markdown", () => {
    expect(alertPolicyProblems(policy({}, { documentation: { content: "x", mimeType: "text/plain" } }))).not.toEqual([]);
  });

  it("rejects a rule group that is not a Prometheus label name", () => {
    expect(alertPolicyProblems(policy({ ruleGroup: "runway-cluster" })).join()).toContain("valid Prometheus label name");
  });

  it("rejects a notification channel that is not a full resource name", () => {
    expect(alertPolicyProblems(policy({}, { notificationChannels: ["123"] }))).not.toEqual([]);
  });
});

describe("Managed Service for Prometheus CRD validator", () => {
  const pm = {
    apiVersion: "monitoring.googleapis.com/v1",
    kind: "PodMonitoring",
    metadata: { name: "m", namespace: "n" },
    spec: { selector: { matchLabels: { app: "a" } }, endpoints: [{ port: "metrics", interval: "30s" }] },
  };

  it("accepts a minimal PodMonitoring", () => {
    expect(crdProblems("PodMonitoring", pm)).toEqual([]);
  });

  it("rejects a PodMonitoring without endpoints", () => {
    expect(crdProblems("PodMonitoring", { ...pm, spec: { selector: {}, endpoints: [] } })).toEqual(["/spec/endpoints must NOT have fewer than 1 items"]);
  });

  it("rejects an interval that is not a Prometheus duration and an unknown field", () => {
    const bad = { ...pm, spec: { ...pm.spec, endpoints: [{ port: "metrics", interval: "30 seconds", intervall: "30s" }] } };
    expect(crdProblems("PodMonitoring", bad)).toEqual([
      "/spec/endpoints/0 must NOT have additional properties",
      '/spec/endpoints/0/interval must match format "duration"',
    ]);
  });

  it("rejects a namespace on a cluster-scoped ClusterPodMonitoring", () => {
    expect(crdProblems("ClusterPodMonitoring", { ...pm, kind: "ClusterPodMonitoring" })).toEqual([
      "metadata.namespace is not allowed for a cluster-scoped kind",
    ]);
  });
});

describe("PromQL reader", () => {
  it("lists selectors with their matchers", () => {
    const { problems, selectors } = lintPromQL('sum by (code) (rate(http_requests_total{cluster="c",code=~"5.."}[5m]))');
    expect(problems).toEqual([]);
    expect(selectors).toEqual([
      { metric: "http_requests_total", matchers: [{ label: "cluster", op: "=", value: "c" }, { label: "code", op: "=~", value: "5.." }] },
    ]);
  });

  it("reports unbalanced brackets, bad ranges and unknown functions", () => {
    expect(lintPromQL('sum(rate(up{a="b"}[5 minutes])').problems).toEqual(["range [5 minutes] is not a duration such as 5m", "unclosed '('"]);
    expect(lintPromQL("summ(up)").problems).toEqual(["unknown function summ"]);
  });
});
