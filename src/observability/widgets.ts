/**
 * Widget constructors with the sizes Runway uses: charts half the grid wide, scorecards a quarter, notes full width.
 */
import type { Panel } from "./layout";
import type { DataSet, ScorecardThreshold } from "./types";

/** One line (or area) of a chart. `legend` is a legend template such as "${labels.code}". */
export interface Series {
  query: string;
  legend?: string;
}

export interface ChartOptions {
  /** Y axis label, e.g. "requests/s". */
  yLabel?: string;
  /** Unit override for every series, e.g. "1" for ratios or "s" for seconds. */
  unit?: string;
  /** A threshold line at this value, e.g. the alert threshold. */
  limit?: number;
  plotType?: DataSet["plotType"];
  width?: number;
  height?: number;
}

function red(direction: "ABOVE" | "BELOW", value: number): ScorecardThreshold[] {
  return [{ label: direction === "ABOVE" ? "too high" : "too low", value, color: "RED", direction }];
}

/** A time-series chart of one or more PromQL queries. */
export function chart(title: string, series: Series[], o: ChartOptions = {}): Panel {
  const dataSets: DataSet[] = series.map((s) => ({
    timeSeriesQuery: o.unit === undefined ? { prometheusQuery: s.query } : { prometheusQuery: s.query, unitOverride: o.unit },
    plotType: o.plotType ?? "LINE",
    ...(s.legend === undefined ? {} : { legendTemplate: s.legend }),
    targetAxis: "Y1",
  }));
  return {
    width: o.width ?? 24,
    height: o.height ?? 16,
    widget: {
      title,
      xyChart: {
        dataSets,
        ...(o.limit === undefined ? {} : { thresholds: [{ label: "limit", value: o.limit, targetAxis: "Y1" as const }] }),
        yAxis: o.yLabel === undefined ? { scale: "LINEAR" } : { label: o.yLabel, scale: "LINEAR" },
        chartOptions: { mode: "COLOR" },
      },
    },
  };
}

export interface StatOptions {
  /** Red when the value is above this. */
  redAbove?: number;
  /** Red when the value is below this (e.g. fewer than one agent up); excludes redAbove. */
  redBelow?: number;
  unit?: string;
  width?: number;
}

/** The latest value of a query with a spark line. */
export function stat(title: string, query: string, o: StatOptions = {}): Panel {
  const thresholds = o.redAbove !== undefined ? red("ABOVE", o.redAbove) : o.redBelow !== undefined ? red("BELOW", o.redBelow) : undefined;
  return {
    width: o.width ?? 12,
    height: 8,
    widget: {
      title,
      scorecard: {
        timeSeriesQuery: o.unit === undefined ? { prometheusQuery: query } : { prometheusQuery: query, unitOverride: o.unit },
        sparkChartView: { sparkChartType: "SPARK_LINE" },
        ...(thresholds === undefined ? {} : { thresholds }),
      },
    },
  };
}

/** A markdown note across the full width. */
export function note(title: string, markdown: string, height = 6): Panel {
  return { width: 48, height, widget: { title, text: { content: markdown, format: "MARKDOWN" } } };
}
