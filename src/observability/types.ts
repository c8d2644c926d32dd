/**
 * The subset of Cloud Monitoring's REST resources that Runway generates, typed after the v1 Dashboard reference
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards) and the v3 AlertPolicy reference
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies), plus Google Managed Service for
 * Prometheus scrape objects (https://github.com/GoogleCloudPlatform/prometheus-engine/blob/main/doc/api.md).
 * Field names are the API's JSON names, so `JSON.stringify` of a value is the request body.
 */

/** A protobuf JSON duration in whole seconds, such as "60s". */
export type Duration = `${number}s`;

// ---------------------------------------------------------------- dashboards

/** Width of the mosaic grid: the API accepts 1 to 48 columns; the console lays dashboards out on 48. */
export const GRID_COLUMNS = 48;

export interface Dashboard {
  displayName: string;
  mosaicLayout: MosaicLayout;
  labels?: Record<string, string>;
}

export interface MosaicLayout {
  columns: number;
  tiles: Tile[];
}

export interface Tile {
  xPos: number;
  yPos: number;
  width: number;
  height: number;
  widget: Widget;
}

/** The API's `Widget.content` is a oneof: the type admits exactly one kind per widget. */
export type Widget = { title?: string } & (
  | { xyChart: XyChart; scorecard?: never; text?: never; collapsibleGroup?: never }
  | { scorecard: Scorecard; xyChart?: never; text?: never; collapsibleGroup?: never }
  | { text: Text; xyChart?: never; scorecard?: never; collapsibleGroup?: never }
  | { collapsibleGroup: CollapsibleGroup; xyChart?: never; scorecard?: never; text?: never }
);

export interface XyChart {
  dataSets: DataSet[];
  thresholds?: ChartThreshold[];
  yAxis?: Axis;
  chartOptions?: { mode: "COLOR" | "X_RAY" | "STATS" };
}

export interface DataSet {
  timeSeriesQuery: TimeSeriesQuery;
  plotType: "LINE" | "STACKED_AREA" | "STACKED_BAR" | "HEATMAP";
  legendTemplate?: string;
  minAlignmentPeriod?: Duration;
  targetAxis?: "Y1" | "Y2";
}

/** Runway queries only with PromQL; the API's other sources (filters, MQL) are not generated. */
export interface TimeSeriesQuery {
  prometheusQuery: string;
  unitOverride?: string;
}

export interface Axis {
  label?: string;
  scale?: "LINEAR" | "LOG10";
}

/** A line on a chart. The API refuses `color` and `direction` in an XyChart threshold. */
export interface ChartThreshold {
  label?: string;
  value: number;
  targetAxis?: "Y1" | "Y2";
}

/** A state of a scorecard. The API refuses `targetAxis` in a Scorecard threshold. */
export interface ScorecardThreshold {
  label?: string;
  value: number;
  color: "YELLOW" | "RED";
  direction: "ABOVE" | "BELOW";
}

export interface Scorecard {
  timeSeriesQuery: TimeSeriesQuery;
  thresholds?: ScorecardThreshold[];
  sparkChartView?: { sparkChartType: "SPARK_LINE" | "SPARK_BAR"; minAlignmentPeriod?: Duration };
}

export interface Text {
  content: string;
  format: "MARKDOWN" | "RAW";
}

export interface CollapsibleGroup {
  collapsed: boolean;
}

// ---------------------------------------------------------------- alert policies

export interface AlertPolicy {
  displayName: string;
  combiner: "OR" | "AND" | "AND_WITH_MATCHING_RESOURCE";
  conditions: AlertCondition[];
  /** Full names: `projects/<project>/notificationChannels/<id>`. */
  notificationChannels: string[];
  documentation: { content: string; mimeType: "text/markdown"; subject?: string };
  alertStrategy?: { autoClose?: Duration };
  severity?: "CRITICAL" | "ERROR" | "WARNING";
  userLabels?: Record<string, string>;
  enabled?: boolean;
}

export interface AlertCondition {
  displayName: string;
  conditionPrometheusQueryLanguage: PromQLCondition;
}

export interface PromQLCondition {
  query: string;
  /** How long the expression must hold before the alert fires. */
  duration?: Duration;
  /** A positive multiple of 30s. */
  evaluationInterval?: Duration;
  /** Prometheus label names: letters, digits and '_'. */
  ruleGroup?: string;
  alertRule?: string;
  labels?: Record<string, string>;
}

// ---------------------------------------------------------------- Managed Service for Prometheus

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface RelabelingRule {
  action?: "replace" | "keep" | "drop" | "labeldrop" | "labelkeep";
  sourceLabels?: string[];
  regex?: string;
  targetLabel?: string;
  replacement?: string;
}

export interface ScrapeEndpoint {
  /** Named container port (a name also sets the `container` label). */
  port: string;
  /** Prometheus duration, such as "30s". */
  interval: string;
  path?: string;
  metricRelabeling?: RelabelingRule[];
}

export interface ScrapeSpec {
  selector: LabelSelector;
  endpoints: ScrapeEndpoint[];
}

export interface PodMonitoring {
  apiVersion: "monitoring.googleapis.com/v1";
  kind: "PodMonitoring";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: ScrapeSpec;
}

export interface ClusterPodMonitoring {
  apiVersion: "monitoring.googleapis.com/v1";
  kind: "ClusterPodMonitoring";
  metadata: { name: string; labels: Record<string, string> };
  spec: ScrapeSpec;
}
