/**
 * Objects with holes to Helm template text. A small block-style YAML writer: literals are written so that YAML 1.1
 * (what Helm parses with) and YAML 1.2 read them the same, and each hole becomes its one Helm construct (holes.ts).
 * Helper names are scoped by the chart name (`<chart>.fullname`), as `helm create` does, so a parent chart's
 * helpers never shadow them.
 */
import { type ConcatPart, Hole, isHole } from "./holes";

const YAML11_SPECIAL = /^(y|yes|n|no|true|false|on|off|null|~)$/i;

/** A literal scalar, plain when unambiguous, else double-quoted (JSON strings are valid YAML). */
export function scalar(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new Error(`internal: only integers are written to templates, got ${v}`);
    return String(v);
  }
  if (typeof v !== "string") throw new Error(`internal: cannot write ${typeof v} as a scalar`);
  // Template text is parsed by Go's text/template first: a literal "{{" would be taken for an action.
  if (v.includes("{{") || v.includes("}}")) throw new Error(`internal: literal ${JSON.stringify(v)} contains template delimiters`);
  if (/^[A-Za-z/][A-Za-z0-9._/-]*$/.test(v) && !YAML11_SPECIAL.test(v)) return v;
  return JSON.stringify(v);
}

function valueRef(path: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) throw new Error(`internal: bad values path ${path}`);
  return `.Values.${path}`;
}

/** Writes one chart's templates: helper names are `<chart>.<helper>`. */
class Emitter {
  constructor(private readonly chart: string) {}

  private include(helper: string, arg?: string): string {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(helper)) throw new Error(`internal: bad helper name ${helper}`);
    if (arg !== undefined && !/^[A-Za-z0-9._/-]+$/.test(arg)) throw new Error(`internal: helper argument ${JSON.stringify(arg)} needs escaping`);
    return `include "${this.chart}.${helper}" ${arg === undefined ? "." : `(list . "${arg}")`}`;
  }

  private part(p: ConcatPart): string {
    if (typeof p !== "string") return "path" in p ? `{{ ${valueRef(p.path)} }}` : `{{ ${this.include(p.helper, p.arg)} }}`;
    if (!/^[A-Za-z0-9._/:@-]*$/.test(p)) throw new Error(`internal: concat literal ${JSON.stringify(p)} needs escaping`);
    return p;
  }

  /** The inline text of a scalar hole. */
  private inlineHole(h: Hole): string {
    switch (h.kind) {
      case "value":
        return h.opts.quote ? `{{ ${valueRef(h.path)} | quote }}` : `{{ ${valueRef(h.path)} }}`;
      case "rangeVar":
        return `{{ ${h.path} | quote }}`;
      case "include":
        return h.opts.quote ? `{{ ${this.include(h.path, h.opts.arg)} | quote }}` : `{{ ${this.include(h.path, h.opts.arg)} }}`;
      case "concat":
        return `"${(h.opts.parts ?? []).map((p) => this.part(p)).join("")}"`;
      default:
        throw new Error(`internal: ${h.kind} hole cannot be written inline`);
    }
  }

  private isInline(v: unknown): boolean {
    if (isHole(v)) return v.kind === "value" || v.kind === "rangeVar" || v.kind === "concat" || v.kind === "include";
    return v === null || typeof v !== "object";
  }

  private entry(key: string, value: unknown, indent: number, out: string[]): void {
    const p = pad(indent);
    const k = scalar(key);
    if (isHole(value)) {
      switch (value.kind) {
        case "yaml":
          out.push(`${p}${k}:`, `${p}  {{- toYaml ${valueRef(value.path)} | nindent ${indent + 2} }}`);
          return;
        case "includeMap":
          out.push(`${p}${k}:`, `${p}  {{- ${this.include(value.path)} | nindent ${indent + 2} }}`);
          return;
        case "with":
          out.push(`${p}{{- with ${valueRef(value.path)} }}`, `${p}${k}:`, `${p}  {{- toYaml . | nindent ${indent + 2} }}`, `${p}{{- end }}`);
          return;
        case "when":
          out.push(`${p}{{- if ${valueRef(value.path)} }}`);
          this.entry(key, value.opts.then, indent, out);
          out.push(`${p}{{- end }}`);
          return;
        case "range":
          throw new Error(`internal: range hole under key ${key} must be a list item`);
        default:
          out.push(`${p}${k}: ${this.inlineHole(value)}`);
          return;
      }
    }
    const empty = isEmptyCollection(value);
    const block = typeof value === "string" ? blockScalar(value, indent + 2) : undefined;
    if (empty) out.push(`${p}${k}: ${empty}`);
    else if (block) out.push(`${p}${k}: ${block[0]}`, ...block.slice(1));
    else if (this.isInline(value)) out.push(`${p}${k}: ${scalar(value)}`);
    else if (Array.isArray(value)) {
      out.push(`${p}${k}:`);
      this.sequence(value, indent + 2, out);
    } else {
      out.push(`${p}${k}:`);
      this.mapping(value as Record<string, unknown>, indent + 2, out);
    }
  }

  mapping(obj: Record<string, unknown>, indent: number, out: string[]): void {
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) this.entry(k, v, indent, out);
    }
  }

  private item(item: unknown, indent: number, out: string[]): void {
    const p = pad(indent);
    if (isHole(item)) {
      if (item.kind === "when") {
        out.push(`${p}{{- if ${valueRef(item.path)} }}`);
        this.item(item.opts.then, indent, out);
        out.push(`${p}{{- end }}`);
        return;
      }
      if (item.kind === "range") {
        out.push(`${p}{{- range $key, $value := ${valueRef(item.path)} }}`);
        this.item(item.opts.item, indent, out);
        out.push(`${p}{{- end }}`);
        return;
      }
      if (this.isInline(item)) {
        out.push(`${p}- ${this.inlineHole(item)}`);
        return;
      }
      throw new Error(`internal: ${item.kind} hole cannot be a list item`);
    }
    const empty = isEmptyCollection(item);
    if (empty) out.push(`${p}- ${empty}`);
    else if (this.isInline(item)) out.push(`${p}- ${scalar(item)}`);
    else if (Array.isArray(item)) throw new Error("internal: nested lists are not written");
    else {
      const lines: string[] = [];
      this.mapping(item as Record<string, unknown>, indent + 2, lines);
      // A directive cannot share the line with "- ": its "{{-" would eat the dash's space.
      if (lines[0].trimStart().startsWith("{{")) out.push(`${p}-`, ...lines);
      else out.push(`${p}- ${lines[0].slice(indent + 2)}`, ...lines.slice(1));
    }
  }

  sequence(arr: readonly unknown[], indent: number, out: string[]): void {
    for (const item of arr) this.item(item, indent, out);
  }

  /** The text of one template file. A document-level `when` wraps the whole file; `checks` are helpers run first. */
  template(object: unknown, checks: readonly string[] = []): string {
    const out: string[] = checks.map((c) => `{{- ${this.include(c)} }}`);
    if (isHole(object) && object.kind === "when") {
      out.push(`{{- if ${valueRef(object.path)} }}`);
      this.mapping(object.opts.then as Record<string, unknown>, 0, out);
      out.push("{{- end }}");
    } else {
      this.mapping(object as Record<string, unknown>, 0, out);
    }
    return `${out.join("\n")}\n`;
  }
}

/**
 * A multi-line literal as a YAML literal block (`|`, or `|-` without a final newline), so a script in a ConfigMap
 * stays readable in the chart: the indicator line, then each line indented. Undefined when the text is not one
 * (a single line, leading blank on the first line, several final newlines, control characters other than tab):
 * those are written as a double-quoted scalar. YAML 1.1 and 1.2 read literal blocks the same way.
 */
export function blockScalar(v: string, indent: number): string[] | undefined {
  const body = v.endsWith("\n") ? v.slice(0, -1) : v;
  const lines = body.split("\n");
  if (lines.length < 2 || lines[lines.length - 1] === "" || /^[ \t]/.test(body) || /[^\t\n\x20-\x7e]/.test(body)) return undefined;
  // A line of blanks only would lose them.
  if (lines.some((l) => l !== "" && l.trim() === "")) return undefined;
  // Go templates take only "{{" for an action; a lone "}}" is text.
  if (body.includes("{{")) throw new Error("internal: literal block contains a template delimiter");
  return [v.endsWith("\n") ? "|" : "|-", ...lines.map((l) => (l === "" ? "" : `${pad(indent)}${l}`))];
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (v !== null && typeof v === "object" && !isHole(v) && !Array.isArray(v) && Object.keys(v).length === 0) return "{}";
  return undefined;
}

function pad(n: number): string {
  return " ".repeat(n);
}

/** The text of one template file of chart `chart`. */
export function emitTemplate(object: unknown, chart: string, checks: readonly string[] = []): string {
  return new Emitter(chart).template(object, checks);
}
