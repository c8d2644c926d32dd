/** Charts on disk and rendered by real Helm, for the chart tests. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { compileChart, type BuildOptions, type CompiledChart } from "../../src/chart/build";
import { mergeValues, type ChartValues } from "../../src/chart/values";
import { loadManifest } from "../../src/manifest/load";
import type { Manifest } from "../../src/manifest/schema";
import { renderKubernetes, type KubeObject } from "../../src/manifest/to-kubernetes";
import { helm, helmOk } from "./helm";

/** The Kubernetes version the charts require at least (Chart.yaml kubeVersion), and the newest Helm 4 knows. */
export const KUBE_VERSIONS = ["1.30.0", "1.35.0"];

const FIXTURES = path.join(__dirname, "..", "fixtures", "manifests");

/** The six manifests every chart property is checked on, plus the AI Gateway example. */
export const MANIFESTS: Record<string, string> = {
  ...Object.fromEntries(readdirSync(FIXTURES).map((f) => [f.replace(/\.yml$/, ""), path.join(FIXTURES, f)])),
  "ai-gateway": path.join(__dirname, "..", "..", "examples", "ai-gateway", ".runway", "runway.yml"),
};

export function manifest(name: keyof typeof MANIFESTS | string): Manifest {
  return loadManifest(MANIFESTS[name]);
}

let scratch: string | undefined;
/** A temp directory for this test process (made again when a test file removed it on its way out). */
export function tmp(): string {
  if (scratch === undefined || !existsSync(scratch)) scratch = mkdtempSync(path.join(tmpdir(), "runway-chart-test-"));
  return scratch;
}

/** Writes the chart's directory; returns its path. */
export function writeChart(chart: CompiledChart, dir = mkdtempSync(path.join(tmp(), "chart-"))): string {
  const root = path.join(dir, chart.name);
  for (const [p, data] of chart.files) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), data);
  }
  return root;
}

export function compiled(m: Manifest, o: BuildOptions = { version: "1.2.3" }): CompiledChart {
  return compileChart(m, o);
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: unknown;
  kubeVersion?: string;
}

function valuesArgs(values: unknown): string[] {
  if (values === undefined) return [];
  const file = path.join(mkdtempSync(path.join(tmp(), "values-")), "values.yaml");
  // JSON is YAML that YAML 1.1 (Helm) and 1.2 read the same way.
  writeFileSync(file, JSON.stringify(values));
  return ["--values", file];
}

function templateArgs(chartDir: string, o: RenderOptions): string[] {
  return [
    "template",
    o.release ?? "rel",
    chartDir,
    "--namespace",
    o.namespace ?? "ns",
    "--kube-version",
    o.kubeVersion ?? KUBE_VERSIONS[0],
    ...valuesArgs(o.values),
  ];
}

const rendered = new Map<string, string>();

/** `helm template`, parsed as the API server reads YAML (1.1): one object per document. Same inputs run helm once. */
export async function helmTemplate(chartDir: string, o: RenderOptions = {}): Promise<KubeObject[]> {
  const key = JSON.stringify([chartDir, o.release, o.namespace, o.kubeVersion, o.values]);
  const out = rendered.get(key) ?? (await helmOk(templateArgs(chartDir, o)));
  rendered.set(key, out);
  return parseAllDocuments(out, { version: "1.1" })
    .map((d) => d.toJS() as KubeObject | null)
    .filter((x): x is KubeObject => x !== null && x !== undefined);
}

/** `helm template` expected to fail: its stderr. */
export async function helmTemplateError(chartDir: string, o: RenderOptions = {}): Promise<string> {
  const r = await helm(templateArgs(chartDir, o));
  if (r.status === 0) throw new Error("helm template succeeded");
  return r.stderr;
}

/**
 * What TypeScript renders for the same release and overrides (values coalesced as Helm does). The values are not
 * checked first: the render's own `validate` must refuse what Helm's does.
 */
export function typescriptRender(m: Manifest, chart: CompiledChart, o: RenderOptions = {}): KubeObject[] {
  const values = mergeValues(chart.values, o.values ?? {}) as ChartValues;
  return renderKubernetes(m, values, {
    chartVersion: chart.version,
    appVersion: chart.appVersion,
    release: { name: o.release ?? "rel", namespace: o.namespace ?? "ns" },
  });
}

/** Objects in a stable order, for comparing renders. */
export function byKindAndName(objs: KubeObject[]): KubeObject[] {
  return [...objs].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}
