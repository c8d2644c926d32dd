/**
 * Validating parsed YAML against a zod schema, turning every zod issue into a positioned diagnostic.
 */
import { z } from "zod";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { diagnosticAt, type YamlSource } from "./yaml-source";

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return Buffer.isBuffer(v) ? "binary data" : "a mapping";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function expectedWord(e: string): string {
  switch (e) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "int":
      return "an integer";
    default:
      return e;
  }
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Walks a schema along a data path to find the object schema whose keys apply there. */
function objectKeysAt(schema: z.ZodType, value: unknown, path: readonly PropertyKey[]): string[] | undefined {
  let s: z.ZodType | undefined = schema;
  let v: unknown = value;
  let i = 0;
  for (let guard = 0; s && guard < 200; guard++) {
    const def: Record<string, unknown> = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    const t = def.type as string;
    if (t === "optional" || t === "nullable" || t === "default" || t === "prefault" || t === "readonly" || t === "catch" || t === "nonoptional") {
      s = def.innerType as z.ZodType;
      continue;
    }
    if (t === "pipe") {
      s = def.in as z.ZodType;
      continue;
    }
    if (t === "lazy") {
      s = (def.getter as () => z.ZodType)();
      continue;
    }
    if (t === "union") {
      const options = def.options as z.ZodType[];
      const disc = def.discriminator as string | undefined;
      if (disc && v && typeof v === "object") {
        const want = (v as Record<string, unknown>)[disc];
        s = options.find((o) => {
          const shape = (o as unknown as { shape?: Record<string, z.ZodType> }).shape;
          const d = shape?.[disc];
          return d !== undefined && d.safeParse(want).success;
        });
        continue;
      }
      const objects = options.filter((o) => (o as unknown as { shape?: unknown }).shape);
      if (objects.length !== 1) return undefined;
      s = objects[0];
      continue;
    }
    if (i === path.length) {
      if (t === "object") return Object.keys((s as unknown as { shape: Record<string, unknown> }).shape);
      return undefined;
    }
    const seg = path[i++];
    v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
    if (t === "object") s = (s as unknown as { shape: Record<string, z.ZodType> }).shape[String(seg)];
    else if (t === "array") s = def.element as z.ZodType;
    else if (t === "record") s = def.valueType as z.ZodType;
    else return undefined;
  }
  return undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Converts zod issues to diagnostics at their YAML positions. */
export function issuesToDiagnostics(schema: z.ZodType, src: YamlSource, issues: readonly z.core.$ZodIssue[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const p = issue.path as PropertyKey[];
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = objectKeysAt(schema, src.value, p) ?? [];
        for (const k of issue.keys) {
          const near = allowed.filter((a) => distance(a.toLowerCase(), k.toLowerCase()) <= Math.max(1, Math.floor(k.length / 3)));
          const hint = near.length
            ? `did you mean '${near[0]}'?`
            : allowed.length
              ? `allowed fields: ${allowed.join(", ")}`
              : "remove it";
          out.push(diagnosticAt(src, [...p, k], `unknown field '${k}'; ${hint}`, true));
        }
        break;
      }
      case "invalid_type": {
        const actual = valueAt(src.value, p);
        const msg =
          actual === undefined
            ? `required field is missing; expected ${expectedWord(issue.expected)}`
            : issue.message && !issue.message.startsWith("Invalid input")
              ? issue.message
              : `expected ${expectedWord(issue.expected)}, got ${kindOf(actual)}`;
        out.push(diagnosticAt(src, p, msg));
        break;
      }
      case "invalid_union": {
        if (issue.discriminator) {
          const at = p[p.length - 1] === issue.discriminator ? p : [...p, issue.discriminator];
          const actual = valueAt(src.value, at);
          const opts = ((issue as { options?: unknown[] }).options ?? []).map(String).join(", ");
          out.push(
            diagnosticAt(
              src,
              at,
              actual === undefined ? `required field is missing; expected one of ${opts}` : `expected one of ${opts}, got ${kindOf(actual)}`,
            ),
          );
        } else {
          // Report the branch that got furthest: the one with the fewest issues.
          const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
          if (best && best.length) out.push(...issuesToDiagnostics(schema, src, best));
          else out.push(diagnosticAt(src, p, issue.message));
        }
        break;
      }
      case "invalid_value": {
        const actual = valueAt(src.value, p);
        const opts = issue.values.map((v) => String(v)).join(", ");
        const msg = issue.message && !issue.message.startsWith("Invalid") ? issue.message : `expected one of ${opts}, got ${kindOf(actual)}`;
        out.push(diagnosticAt(src, p, msg));
        break;
      }
      default:
        out.push(diagnosticAt(src, p, issue.message));
    }
  }
  return out;
}

/**
 * Validates a parsed source. Returns the typed value, or throws ConfigError with every problem of the file
 * at once.
 */
export function validateSource<S extends z.ZodType>(schema: S, src: YamlSource): z.output<S> {
  const result = schema.safeParse(src.value);
  if (result.success) return result.data;
  throw new ConfigError(issuesToDiagnostics(schema, src, result.error.issues));
}
