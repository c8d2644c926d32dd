/**
 * Helm is not installed where charts are built, so the emitted templates are proven here: evaluated with Helm's
 * semantics (src/chart/template-eval.ts) and parsed as YAML 1.1 like Helm does, they give exactly the objects the
 * TypeScript renders, for default values, the example values and arbitrary values.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileChart, type CompiledChart } from "../src/chart/build";
import { evaluateTemplate, goNumber, goQuote } from "../src/chart/template-eval";
import { mergeValues, valuesSchema, type ChartValues } from "../src/chart/values";
import { loadManifest, parseManifest } from "../src/manifest/load";
import type { Manifest } from "../src/manifest/schema";
import { renderKubernetes } from "../src/manifest/to-kubernetes";

const example = loadManifest("examples/ai-gateway/.runway/runway.yml");
const exampleOverrides = parse(readFileSync("examples/ai-gateway/values.self-managed.yaml", "utf8"));
const minimal = parseManifest(
  "runway.yml",
  `apiVersion: runway/v1
kind: RunwayService
metadata: { name: svc, owner_email_handle: team, department: eng, department_group: eng-ai, product_category: cat }
spec: { image: "registry.example.com/svc:v1", load_balancing: { internal_load_balancer: { enabled: true, backend_protocol: HTTP2 } } }
`,
);

/** What `helm template` would print for `values`, parsed: one object per non-empty template file. */
function helmRender(chart: CompiledChart, values: unknown): unknown[] {
  const out: unknown[] = [];
  for (const [file, data] of [...chart.files].filter(([p]) => p.startsWith("templates/"))) {
    const text = evaluateTemplate(file, data.toString("utf8"), values);
    const doc = parse(text, { version: "1.1" });
    if (doc !== null && doc !== undefined) out.push(doc);
  }
  return out;
}

function typescriptRender(m: Manifest, chart: CompiledChart, values: ChartValues): unknown[] {
  return renderKubernetes(m, values, { chartVersion: chart.version });
}

function effective(chart: CompiledChart, overrides: unknown): ChartValues {
  return valuesSchema.parse(mergeValues(chart.values, overrides));
}

const tricky = {
  env: {
    BOOL_ON: "on",
    BOOL_YES: "yes",
    NO: "n",
    OCTAL: "0123",
    FLOAT: "1e3",
    SEXAGESIMAL: "1:20",
    COLON: "a: b # c",
    QUOTES: `say "hi" and \\ back`,
    NEWLINE: "line\nbreak",
    TAB: "tab\there",
    UNICODE: "ünïcödé ✓ 𝄞",
    EMPTY: "",
    NULL: "null",
    TILDE: "~",
    BRACES: "{{ not a template }}",
    DASH: "- item",
    CONTROL: "\u0001\u007f\u0085\u2028",
  },
  autoscaling: { minReplicas: 1, maxReplicas: 1000, targetInflightRequests: 999, targetCPUUtilizationPercentage: 100 },
  resources: { requests: { cpu: 0.5, memory: "1Gi" }, limits: { cpu: 2, memory: "1Gi" } },
  serviceAccount: { create: false, name: "platform-sa", annotations: { "iam.gke.io/gcp-service-account": "a@b.iam.gserviceaccount.com", "x/yes": "no" } },
  podMonitoring: { enabled: false },
};

describe("emitted Helm templates", () => {
  const chart = compileChart(example, { version: "1.2.3", gitlabRelease: "17.9" });
  const minimalChart = compileChart(minimal, { version: "0.1.0" });

  it("evaluated with default values, equal the objects TypeScript renders", () => {
    expect(helmRender(chart, chart.values)).toEqual(typescriptRender(example, chart, chart.values));
    expect(helmRender(minimalChart, minimalChart.values)).toEqual(typescriptRender(minimal, minimalChart, minimalChart.values));
  });

  it("evaluated with the example values, equal the objects TypeScript renders", () => {
    const values = effective(chart, exampleOverrides);
    const helm = helmRender(chart, values);
    expect(helm).toEqual(typescriptRender(example, chart, values));
    expect(helm.map((o) => (o as { kind: string }).kind)).toContain("HTTPRoute");
  });

  it("evaluated with values YAML would misread, equal the objects TypeScript renders", () => {
    const values = effective(chart, tricky);
    expect(helmRender(chart, values)).toEqual(typescriptRender(example, chart, values));
  });

  it("evaluated with arbitrary env, replica and secret values, equal the objects TypeScript renders", () => {
    const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
    fc.assert(
      fc.property(
        fc.dictionary(envName, fc.string({ unit: "binary", maxLength: 30 }), { maxKeys: 6 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        fc.boolean(),
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9./-]{0,20}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
        (env, replicas, inflight, secrets, route, annotations) => {
          const values = effective(chart, {
            env,
            autoscaling: { minReplicas: replicas, maxReplicas: replicas, targetInflightRequests: inflight },
            externalSecrets: { enabled: secrets },
            route: { enabled: route, hosts: ["svc.example.com"] },
            serviceAccount: { annotations },
          });
          expect(helmRender(chart, values)).toEqual(typescriptRender(example, chart, values));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("use only the fixed set of Helm constructs", () => {
    const allowed = [
      /^\{\{ \.Values(\.[A-Za-z_]\w*)+( \| quote)? \}\}$/,
      /^\{\{ \$(key|value) \| quote \}\}$/,
      /^\{\{- toYaml (\.Values(\.[A-Za-z_]\w*)+|\.) \| nindent [0-9]+ \}\}$/,
      /^\{\{- (if|with) \.Values(\.[A-Za-z_]\w*)+ \}\}$/,
      /^\{\{- range \$key, \$value := \.Values(\.[A-Za-z_]\w*)+ \}\}$/,
      /^\{\{- end \}\}$/,
    ];
    const actions = [...chart.files, ...minimalChart.files]
      .filter(([p]) => p.startsWith("templates/"))
      .flatMap(([, d]) => d.toString("utf8").match(/\{\{.*?\}\}/g) ?? []);
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((a) => !allowed.some((r) => r.test(a)))).toEqual([]);
  });

  it("template only the overridable parts: image, replicas, resources, env, secrets, hosts and toggles", () => {
    const paths = new Set(
      [...chart.files]
        .filter(([p]) => p.startsWith("templates/"))
        .flatMap(([, d]) => [...d.toString("utf8").matchAll(/\.Values\.([A-Za-z]+)/g)].map((m) => m[1])),
    );
    expect([...paths].sort()).toEqual(["autoscaling", "env", "externalSecrets", "image", "podMonitoring", "resources", "route", "serviceAccount"]);
  });
});

describe("template evaluator", () => {
  it("prints numbers as Go's %v prints Helm's float64 values", () => {
    expect([1, 70, 123456, 1000000, 1234567, 0.5, 0.0001, 0.00001, -3].map(goNumber)).toEqual([
      "1", "70", "123456", "1e+06", "1.234567e+06", "0.5", "0.0001", "1e-05", "-3",
    ]);
  });

  it("quotes as Go's %q does", () => {
    expect(goQuote('a"b\\c\n\t\u0001é✓\u00a0\u2028')).toBe('"a\\"b\\\\c\\n\\t\\x01é✓\\u00a0\\u2028"');
  });

  it("trims whitespace around {{- and -}}", () => {
    expect(evaluateTemplate("t", "a \n  {{- .Values.x -}} \n b", { x: 1 })).toBe("a1b");
  });

  it("prints a missing value as empty, as Helm does", () => {
    expect(evaluateTemplate("t", "k: {{ .Values.missing }}|{{ .Values.missing | quote }}", {})).toBe('k: |');
  });

  it("ranges over a map in key order", () => {
    expect(evaluateTemplate("t", "{{- range $key, $value := .Values.m }}[{{ $key | quote }}={{ $value | quote }}]{{- end }}", { m: { b: "2", a: "1" } })).toBe(
      '["a"="1"]["b"="2"]',
    );
  });

  it("fails on a field of a missing value, as Go templates do", () => {
    expect(() => evaluateTemplate("t.yaml", "{{ .Values.a.b }}", {})).toThrow("t.yaml: nil pointer evaluating .b");
  });

  it.each(["{{ include \"x\" . }}", "{{ printf \"%s\" .Values.a }}", "{{ if .Values.a }}x{{ else }}y{{ end }}", "{{ .Values.a | default 1 }}"])(
    "rejects a construct the compiler never emits: %s",
    (t) => {
      expect(() => evaluateTemplate("t.yaml", t, { a: 1 })).toThrow(/^t\.yaml: unsupported/);
    },
  );
});
