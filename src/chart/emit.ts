/**
 * Objects with holes to Helm template text. A small block-style YAML writer: literals are written so that YAML 1.1
 * (what Helm parses with) and YAML 1.2 read them the same, and each hole becomes its one Helm construct (holes.ts).
 */
import { Hole, isHole } from "./holes";

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

/** The inline text of a scalar hole. */
function inlineHole(h: Hole): string {
  switch (h.kind) {
    case "value":
      return h.opts.quote ? `{{ ${valueRef(h.path)} | quote }}` : `{{ ${valueRef(h.path)} }}`;
    case "rangeVar":
      return `{{ ${h.path} | quote }}`;
    case "concat": {
      const parts = (h.opts.parts ?? []).map((p) => {
        if (typeof p !== "string") return `{{ ${valueRef(p.path)} }}`;
        if (!/^[A-Za-z0-9._/:@-]*$/.test(p)) throw new Error(`internal: concat literal ${JSON.stringify(p)} needs escaping`);
        return p;
      });
      return `"${parts.join("")}"`;
    }
    default:
      throw new Error(`internal: ${h.kind} hole cannot be written inline`);
  }
}

function isInline(v: unknown): boolean {
  if (isHole(v)) return v.kind === "value" || v.kind === "rangeVar" || v.kind === "concat";
  return v === null || typeof v !== "object";
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (v !== null && typeof v === "object" && !isHole(v) && !Array.isArray(v) && Object.keys(v).length === 0) return "{}";
  return undefined;
}

function pad(n: number): string {
  return " ".repeat(n);
}

function emitEntry(key: string, value: unknown, indent: number, out: string[]): void {
  const p = pad(indent);
  const k = scalar(key);
  if (isHole(value)) {
    switch (value.kind) {
      case "yaml":
        out.push(`${p}${k}:`, `${p}  {{- toYaml ${valueRef(value.path)} | nindent ${indent + 2} }}`);
        return;
      case "with":
        out.push(`${p}{{- with ${valueRef(value.path)} }}`, `${p}${k}:`, `${p}  {{- toYaml . | nindent ${indent + 2} }}`, `${p}{{- end }}`);
        return;
      case "when":
        out.push(`${p}{{- if ${valueRef(value.path)} }}`);
        emitEntry(key, value.opts.then, indent, out);
        out.push(`${p}{{- end }}`);
        return;
      case "range":
        throw new Error(`internal: range hole under key ${key} must be a list item`);
      default:
        out.push(`${p}${k}: ${inlineHole(value)}`);
        return;
    }
  }
  const empty = isEmptyCollection(value);
  if (empty) out.push(`${p}${k}: ${empty}`);
  else if (isInline(value)) out.push(`${p}${k}: ${scalar(value)}`);
  else if (Array.isArray(value)) {
    out.push(`${p}${k}:`);
    emitSequence(value, indent + 2, out);
  } else {
    out.push(`${p}${k}:`);
    emitMapping(value as Record<string, unknown>, indent + 2, out);
  }
}

export function emitMapping(obj: Record<string, unknown>, indent: number, out: string[]): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined) emitEntry(k, v, indent, out);
  }
}

function emitItem(item: unknown, indent: number, out: string[]): void {
  const p = pad(indent);
  if (isHole(item)) {
    if (item.kind === "when") {
      out.push(`${p}{{- if ${valueRef(item.path)} }}`);
      emitItem(item.opts.then, indent, out);
      out.push(`${p}{{- end }}`);
      return;
    }
    if (item.kind === "range") {
      out.push(`${p}{{- range $key, $value := ${valueRef(item.path)} }}`);
      emitItem(item.opts.item, indent, out);
      out.push(`${p}{{- end }}`);
      return;
    }
    if (isInline(item)) {
      out.push(`${p}- ${inlineHole(item)}`);
      return;
    }
    throw new Error(`internal: ${item.kind} hole cannot be a list item`);
  }
  const empty = isEmptyCollection(item);
  if (empty) out.push(`${p}- ${empty}`);
  else if (isInline(item)) out.push(`${p}- ${scalar(item)}`);
  else if (Array.isArray(item)) throw new Error("internal: nested lists are not written");
  else {
    const lines: string[] = [];
    emitMapping(item as Record<string, unknown>, indent + 2, lines);
    // A directive cannot share the line with "- ": its "{{-" would eat the dash's space.
    if (lines[0].trimStart().startsWith("{{")) out.push(`${p}-`, ...lines);
    else out.push(`${p}- ${lines[0].slice(indent + 2)}`, ...lines.slice(1));
  }
}

export function emitSequence(arr: readonly unknown[], indent: number, out: string[]): void {
  for (const item of arr) emitItem(item, indent, out);
}

/** The text of one template file. A document-level `when` wraps the whole file. */
export function emitTemplate(object: unknown): string {
  const out: string[] = [];
  if (isHole(object) && object.kind === "when") {
    out.push(`{{- if ${valueRef(object.path)} }}`);
    emitMapping(object.opts.then as Record<string, unknown>, 0, out);
    out.push("{{- end }}");
  } else {
    emitMapping(object as Record<string, unknown>, 0, out);
  }
  return `${out.join("\n")}\n`;
}
