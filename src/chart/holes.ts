/**
 * Holes: the places of a rendered Kubernetes object that depend on the install (values, release name). The
 * TypeScript template builds objects with holes; `resolve` fills them (what TypeScript renders) and emit.ts turns
 * them into Helm template text. Each hole kind maps to one fixed Helm construct, and real Helm (the tests run
 * `helm template`) proves both give the same objects:
 *
 * | hole       | Helm construct                                                             |
 * |------------|----------------------------------------------------------------------------|
 * | value      | `{{ .Values.a.b }}` or `{{ .Values.a.b \| quote }}`                        |
 * | concat     | `"{{ .Values.a }}-literal-{{ include "chart.helper" . }}"`                 |
 * | include    | `{{ include "chart.helper" . }}` (optionally `(list . "arg")`, `\| quote`) |
 * | includeMap | `{{- include "chart.helper" . \| nindent N }}` (a mapping's entries)        |
 * | yaml       | `{{- toYaml .Values.a \| nindent N }}`                                     |
 * | with       | `{{- with .Values.a }}` key + `{{- toYaml . \| nindent N }}` `{{- end }}`    |
 * | when       | `{{- if .Values.a }}` … `{{- end }}` (a key, a list item or a document)     |
 * | range      | `{{- range $key, $value := .Values.a }}` … `{{- end }}` (list items)        |
 * | rangeVar   | `{{ $key \| quote }}`, `{{ $value \| quote }}` inside a range               |
 *
 * Helpers (`include`) are named templates of the chart's templates/_helpers.tpl (helpers.ts), each written once in
 * Go template and once in TypeScript.
 */

export type HoleKind = "value" | "concat" | "include" | "includeMap" | "yaml" | "with" | "when" | "range" | "rangeVar";

/** A part of a concat: literal text, a value or a helper. */
export type ConcatPart = string | { path: string } | { helper: string; arg?: string };

export class Hole {
  private constructor(
    readonly kind: HoleKind,
    /** Dotted path under .Values, `$key`/`$value` for rangeVar, the helper name for include. */
    readonly path: string,
    readonly opts: {
      quote?: boolean;
      parts?: readonly ConcatPart[];
      then?: unknown;
      item?: unknown;
      arg?: string;
    } = {},
  ) {}

  static value<T = string>(path: string, quote = false): T {
    return new Hole("value", path, { quote }) as unknown as T;
  }
  static concat(parts: readonly ConcatPart[]): string {
    return new Hole("concat", "", { parts }) as unknown as string;
  }
  /** A helper's text; with `arg`, the helper gets `(list . "arg")`. */
  static include<T = string>(helper: string, o: { arg?: string; quote?: boolean } = {}): T {
    return new Hole("include", helper, o) as unknown as T;
  }
  /** A helper whose text is YAML mapping entries (labels). */
  static includeMap(helper: string): Record<string, string> {
    return new Hole("includeMap", helper) as unknown as Record<string, string>;
  }
  static yaml<T>(path: string): T {
    return new Hole("yaml", path) as unknown as T;
  }
  static with<T>(path: string): T {
    return new Hole("with", path) as unknown as T;
  }
  static when<T>(path: string, then: T): T {
    return new Hole("when", path, { then }) as unknown as T;
  }
  /** List items, one per entry of the map at `path` (sorted by key, as Helm ranges maps), built from `item`. */
  static range<T>(path: string, item: (key: string, value: string) => T): T {
    const k = new Hole("rangeVar", "$key", { quote: true }) as unknown as string;
    const v = new Hole("rangeVar", "$value", { quote: true }) as unknown as string;
    return new Hole("range", path, { item: item(k, v) }) as unknown as T;
  }
}

export function isHole(v: unknown): v is Hole {
  return v instanceof Hole;
}

/** Reads a dotted path of the values. */
export function lookup(values: unknown, path: string): unknown {
  let v: unknown = values;
  for (const seg of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** Go template truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

/** The install a template is rendered for: what Helm passes as `.` (Values, Release, Chart). */
export interface RenderContext {
  values: unknown;
  release: { name: string; namespace: string; service: string };
  chart: { name: string; version: string; appVersion: string };
}

/** TypeScript twins of the chart's named templates. */
export type HelperFunctions = Record<string, (ctx: RenderContext, arg?: string) => unknown>;

/** Marker for "leave this key or item out". */
const OMIT = Symbol("omit");

function helper(ctx: RenderContext, helpers: HelperFunctions, name: string, arg?: string): unknown {
  const f = helpers[name];
  if (!f) throw new Error(`internal: no helper ${name}`);
  return f(ctx, arg);
}

function fill(node: unknown, ctx: RenderContext, helpers: HelperFunctions, scope: Record<string, unknown>): unknown {
  const values = ctx.values;
  if (isHole(node)) {
    switch (node.kind) {
      case "value": {
        const v = lookup(values, node.path);
        return node.opts.quote ? str(v) : v;
      }
      case "rangeVar":
        return str(scope[node.path]);
      case "concat":
        return (node.opts.parts ?? [])
          .map((p) => (typeof p === "string" ? p : "path" in p ? str(lookup(values, p.path)) : str(helper(ctx, helpers, p.helper, p.arg))))
          .join("");
      case "include":
        return str(helper(ctx, helpers, node.path, node.opts.arg));
      case "includeMap":
        return structuredClone(helper(ctx, helpers, node.path));
      case "yaml":
        return structuredClone(lookup(values, node.path));
      case "with": {
        const v = lookup(values, node.path);
        return truthy(v) ? structuredClone(v) : OMIT;
      }
      case "when":
        return truthy(lookup(values, node.path)) ? fill(node.opts.then, ctx, helpers, scope) : OMIT;
      case "range":
        throw new Error("internal: a range hole is only valid as a list item");
    }
  }
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      if (isHole(item) && item.kind === "range") {
        const map = (lookup(values, item.path) ?? {}) as Record<string, unknown>;
        for (const key of Object.keys(map).sort()) out.push(fill(item.opts.item, ctx, helpers, { ...scope, $key: key, $value: map[key] }));
        continue;
      }
      const v = fill(item, ctx, helpers, scope);
      if (v !== OMIT) out.push(v);
    }
    return out;
  }
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (v === undefined) continue;
      const filled = fill(v, ctx, helpers, scope);
      if (filled !== OMIT) out[k] = filled;
    }
    return out;
  }
  return node;
}

/** Fills every hole: the object TypeScript renders. `undefined` when a document-level `when` is off. */
export function resolve<T>(template: T, ctx: RenderContext, helpers: HelperFunctions): T | undefined {
  const v = fill(template, ctx, helpers, {});
  return v === OMIT ? undefined : (v as T);
}
