/**
 * JSON exactly as Go's encoding/json.Marshal writes it, so blobs Runway builds are byte-identical to Helm's: no
 * whitespace, struct fields in declaration order (plain objects keep their insertion order), map keys sorted by
 * their UTF-8 bytes (a `Map`), and HTML-safe escaping of '<', '>', '&', U+2028 and U+2029.
 */

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Marshals `v`: a Map is a Go map (sorted keys), a plain object a Go struct (its order); undefined fields are left out. */
export function goMarshal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goString(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`internal: cannot marshal ${v}`);
    return JSON.stringify(v);
  }
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort(byteOrder);
    return `{${keys.map((k) => `${goString(k)}:${goMarshal(v.get(k))}`).join(",")}}`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{${entries.map(([k, x]) => `${goString(k)}:${goMarshal(x)}`).join(",")}}`;
}

/** A YAML/JSON value with every mapping as a Go map (interface{} values unmarshal to map[string]interface{}). */
export function asGoValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asGoValue);
  if (v !== null && typeof v === "object") return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, asGoValue(x)]));
  return v;
}
