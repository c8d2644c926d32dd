/**
 * Reads a Terraform provider's resource schema from its Go source (terraform-plugin-sdk v2 style): the fields of
 * `func <Resource>() *schema.Resource { ... Schema: ... }`, following the helpers the schema is built from
 * (`map[string]*schema.Schema{...}` literals, `MergeSchemas(...)`, package-level vars and functions that return a
 * schema, `Elem: &schema.Resource{...}` blocks) and string constants used as keys (`consts.FieldPath`). Only what
 * the replacement guard needs: each field's path, ForceNew and Computed. Used by scripts/force-new.ts.
 */

export interface GoField {
  /** Terraform names from the resource down; `[]` after a segment that is a list of blocks (MaxItems not 1). */
  path: string[];
  /** A list or set that is not a single-item block: Pulumi names it in the plural. */
  list: boolean;
  forceNew: boolean;
  computed: boolean;
}

/** The text with comments blanked and string contents masked, same length: brackets and commas inside them vanish. */
function mask(text: string): string {
  const out = text.split("");
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") out[i++] = " ";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== "\n") out[i] = " ";
    } else if (c === '"' || c === "'" || c === "`") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (c !== "`" && text[i] === "\\") out[i++] = "_";
        out[i++] = "_";
      }
      i++;
    } else i++;
  }
  return out.join("");
}

const PAIRS: Record<string, string> = { "{": "}", "(": ")", "[": "]" };

/** Index of the bracket closing the one at `open` (in masked text). */
function closing(m: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < m.length; i++) {
    if (PAIRS[m[i]]) stack.push(PAIRS[m[i]]);
    else if (m[i] === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return m.length;
}

/** The comma-separated parts of `[start, end)` at bracket depth 0, trimmed, as [start, end) ranges. */
function parts(m: string, start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let from = start;
  let depth = 0;
  for (let i = start; i < end; i++) {
    if (PAIRS[m[i]]) depth++;
    else if (m[i] === "}" || m[i] === ")" || m[i] === "]") depth--;
    else if (m[i] === "," && depth === 0) {
      out.push([from, i]);
      from = i + 1;
    }
  }
  out.push([from, end]);
  return out
    .map(([s, e]): [number, number] => {
      while (s < e && /\s/.test(m[s])) s++;
      while (e > s && /\s/.test(m[e - 1])) e--;
      return [s, e];
    })
    .filter(([s, e]) => e > s);
}

/** Offset of the last `return ` directly in a function body (`{...}`), not in a closure or literal inside it. */
function topLevelReturn(body: string): number {
  let depth = 0;
  let found = -1;
  for (let i = 0; i < body.length; i++) {
    if (PAIRS[body[i]]) depth++;
    else if (body[i] === "}" || body[i] === ")" || body[i] === "]") depth--;
    else if (depth === 1 && body.startsWith("return ", i) && /\W/.test(body[i - 1])) found = i;
  }
  return found;
}

/** A source text and its mask, searched together. */
class Src {
  readonly m: string;
  constructor(readonly t: string) {
    this.m = mask(t);
  }
}

/** An expression: a range of one source. */
interface Expr {
  src: Src;
  start: number;
  end: number;
}

const text = (e: Expr) => e.src.t.slice(e.start, e.end);
const masked = (e: Expr) => e.src.m.slice(e.start, e.end);

class Resolver {
  private readonly srcs: Src[];
  constructor(texts: readonly string[]) {
    this.srcs = [...new Set(texts)].map((t) => new Src(t));
  }

  /** `var name = <expr>` / `name = <expr>` inside a var block / `const name = "v"`. */
  definition(name: string): Expr | undefined {
    if (!/^\w+$/.test(name)) return undefined;
    const re = new RegExp(`(?:^|\\n)\\s*(?:var|const)?\\s*${name}\\s*(?:[*\\w.\\[\\]]+\\s*)?=\\s*`, "g");
    for (const src of this.srcs) {
      re.lastIndex = 0;
      const m = re.exec(src.m);
      if (m) return this.exprAt(src, m.index + m[0].length);
    }
    return undefined;
  }

  /** The expression `func name(...) T { ... return <expr> }` returns (its last top-level return). */
  returned(name: string): Expr | undefined {
    if (!/^\w+$/.test(name)) return undefined;
    const re = new RegExp(`\\nfunc\\s+${name}\\s*\\(`);
    for (const src of this.srcs) {
      const m = re.exec(src.m);
      if (!m) continue;
      const open = src.m.indexOf("{", closing(src.m, m.index + m[0].length - 1));
      const close = closing(src.m, open);
      const body = src.m.slice(open, close);
      const at = topLevelReturn(body);
      if (at < 0) return undefined;
      const ret = this.exprAt(src, open + at + "return ".length);
      // `return s` of a local built earlier in the body: use the local's definition.
      const local = /^[A-Za-z_]\w*$/.test(text(ret)) ? new RegExp(`\\b${text(ret)}\\s*:?=\\s*`).exec(body) : null;
      return local ? this.exprAt(src, open + local.index + local[0].length) : ret;
    }
    return undefined;
  }

  /** The expression that starts at `i`: up to the end of its line, or of its brackets when it opens one. */
  exprAt(src: Src, i: number): Expr {
    let end = i;
    while (end < src.m.length && src.m[end] !== "\n" && src.m[end] !== ";") {
      if (PAIRS[src.m[end]]) end = closing(src.m, end);
      end++;
    }
    let e = end;
    while (e > i && /[\s,]/.test(src.m[e - 1])) e--;
    return { src, start: i, end: e };
  }

  /** A map key: a string literal, or a constant that holds one. */
  key(e: Expr): string | undefined {
    const t = text(e).trim();
    const lit = /^"([^"]*)"$/.exec(t);
    if (lit) return lit[1];
    if (!/^[\w.]+$/.test(t)) return undefined;
    const name = t.split(".").pop() ?? t;
    const def = this.definition(name);
    return def ? this.key(def) : undefined;
  }
}

/** The body of a composite literal `Type{...}` / `&Type{...}` / `{...}`: the range inside its braces. */
function literalBody(e: Expr): Expr | undefined {
  const m = masked(e);
  const open = m.indexOf("{");
  if (open < 0 || !/^&?[\w.[\]*]*\s*$/.test(m.slice(0, open))) return undefined;
  return { src: e.src, start: e.start + open + 1, end: closing(e.src.m, e.start + open) };
}

/** `Name: value` entries of a struct literal body. */
function attributes(body: Expr): Map<string, Expr> {
  const out = new Map<string, Expr>();
  for (const [s, t] of parts(body.src.m, body.start, body.end)) {
    const colon = body.src.m.indexOf(":", s);
    if (colon < 0 || colon >= t) continue;
    out.set(body.src.t.slice(s, colon).trim(), { src: body.src, start: colon + 1, end: t });
  }
  return out;
}

function trimmed(e: Expr): Expr {
  let { start, end } = e;
  while (start < end && /\s/.test(e.src.m[start])) start++;
  while (end > start && /\s/.test(e.src.m[end - 1])) end--;
  return { src: e.src, start, end };
}

/** Follows an identifier or a call to the expression it stands for; any other expression as it is. */
function resolve(e: Expr, r: Resolver, depth: number): Expr | undefined {
  const t = text(trimmed(e)).trim();
  if (depth > 12) return undefined;
  const call = /^([\w.]+)\s*\(\s*\)$/.exec(t);
  if (call) {
    const ret = r.returned(call[1].split(".").pop() as string);
    return ret && resolve(ret, r, depth + 1);
  }
  if (/^[\w.]+$/.test(t)) {
    const def = r.definition(t.split(".").pop() as string);
    return def && resolve(def, r, depth + 1);
  }
  return trimmed(e);
}

/** The fields of a schema map expression. */
function schemaMap(e: Expr, r: Resolver, prefix: string[], depth: number): GoField[] {
  const x = resolve(e, r, depth);
  if (!x) return [];
  const t = text(x);
  const merge = /^(?:[\w]+\.)?MergeSchemas\s*\(/.exec(t);
  if (merge) {
    const open = x.start + merge[0].length - 1;
    return parts(x.src.m, open + 1, closing(x.src.m, open)).flatMap(([s, end]) => schemaMap({ src: x.src, start: s, end }, r, prefix, depth + 1));
  }
  const body = literalBody(x);
  if (!body) return [];
  return parts(body.src.m, body.start, body.end).flatMap(([s, end]) => {
    const colon = body.src.m.indexOf(":", s);
    if (colon < 0 || colon >= end) return [];
    const key = r.key({ src: body.src, start: s, end: colon });
    return key === undefined ? [] : field({ src: body.src, start: colon + 1, end }, r, [...prefix, key], depth + 1);
  });
}

/** A field (a schema literal, or what refers to one) and the fields of its block. */
function field(e: Expr, r: Resolver, path: string[], depth: number): GoField[] {
  const x = resolve(e, r, depth);
  const body = x && literalBody(x);
  if (!body) return [];
  const attrs = attributes(body);
  const flag = (k: string) => (attrs.get(k) && text(attrs.get(k) as Expr).trim()) === "true";
  const type = attrs.get("Type") && text(attrs.get("Type") as Expr).trim();
  const one = (attrs.get("MaxItems") && text(attrs.get("MaxItems") as Expr).trim()) === "1";
  const own: GoField = { path, list: (type === "schema.TypeList" || type === "schema.TypeSet") && !one, forceNew: flag("ForceNew"), computed: flag("Computed") };
  const elem = attrs.get("Elem");
  const resource = elem && resolve(elem, r, depth + 1);
  if (!resource || !/^&?schema\.Resource\s*\{/.test(text(resource))) return [own];
  const inner = attributes(literalBody(resource) as Expr).get("Schema");
  const list = one ? path : [...path.slice(0, -1), `${path[path.length - 1]}[]`];
  return [own, ...(inner ? schemaMap(inner, r, list, depth + 1) : [])];
}

/**
 * The fields of resource `func` defined in `file`, resolving helpers in `context` (the package's other files and
 * the files that define key constants).
 */
export function parseGoResource(file: string, func: string, context: readonly string[] = []): GoField[] {
  const r = new Resolver([file, ...context]);
  const ret = r.returned(func);
  const src = new Src(file);
  const fn = new RegExp(`\\nfunc\\s+${func}\\s*\\(`).exec(src.m);
  if (!fn || !ret) throw new Error(`no func ${func} in the given file`);
  // The resource literal: the first &schema.Resource{ in the function (nested ones are inside it).
  const lit = ret.src.m.indexOf("schema.Resource{", ret.start);
  const open = ret.src.m.indexOf("{", lit);
  const attrs = attributes({ src: ret.src, start: open + 1, end: closing(ret.src.m, open) });
  const schema = attrs.get("Schema");
  if (!schema) throw new Error(`func ${func} builds no Schema`);
  return schemaMap(schema, r, [], 0);
}

/** A name in the plural, as the Terraform bridge names list properties (`node_pool` -> `nodePools`). */
function plural(name: string): string {
  if (/s$/.test(name)) return name;
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}

/**
 * Terraform names to Pulumi's: snake_case to camelCase per segment, lists (not single-item blocks) in the plural, `[]`
 * kept. `lists` holds the Terraform paths (joined by `.`) of the list fields.
 */
export function camelPath(path: readonly string[], lists: ReadonlySet<string> = new Set()): string {
  return path
    .map((seg, i) => {
      const bare = seg.replace(/\[\]$/, "");
      const camel = bare.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      const own = [...path.slice(0, i).map((p) => p.replace(/\[\]$/, "")), bare].join(".");
      return (lists.has(own) ? plural(camel) : camel) + (seg.endsWith("[]") ? "[]" : "");
    })
    .join(".");
}
