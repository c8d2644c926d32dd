/**
 * An evaluator for exactly the Helm template constructs the chart compiler emits, with Go text/template and Helm
 * semantics: whitespace trimming by `{{-`/`-}}`, Go truth, sorted map ranges, `%v` number printing (Helm values are
 * float64, so 1000000 prints as 1e+06), `quote` as Go's %q, `toYaml`, `nindent`, and Helm's blanking of
 * `<no value>`. Anything else is an error: Helm is not installed where Runway builds charts, so this is how tests
 * prove the emitted templates mean what the TypeScript renders.
 */
import { stringify } from "yaml";

type Expr =
  | { t: "field"; base: "." | "$" | string; fields: string[] }
  | { t: "num"; v: number }
  | { t: "str"; v: string };
interface Command {
  fn?: string;
  args: Expr[];
}
type Pipeline = Command[];
type Node =
  | { t: "text"; v: string }
  | { t: "print"; p: Pipeline }
  | { t: "if" | "with"; p: Pipeline; body: Node[] }
  | { t: "range"; k: string; v: string; p: Pipeline; body: Node[] };

export class TemplateError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "TemplateError";
  }
}

interface Token {
  text?: string;
  action?: string;
}

function lex(file: string, src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    trimNext = false;
    if (open < 0) {
      out.push({ text });
      break;
    }
    const close = src.indexOf("}}", open + 2);
    if (close < 0) throw new TemplateError(file, "unclosed action");
    let inner = src.slice(open + 2, close);
    if (/^-[ \t\r\n]/.test(inner)) {
      text = text.replace(/[ \t\r\n]+$/, "");
      inner = inner.slice(1);
    }
    if (/[ \t\r\n]-$/.test(inner)) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    out.push({ text }, { action: inner.trim() });
    i = close + 2;
  }
  return out.filter((t) => t.action !== undefined || t.text !== "");
}

function parseExpr(file: string, tok: string): Expr {
  if (/^-?[0-9]+$/.test(tok)) return { t: "num", v: Number(tok) };
  if (/^"([^"\\]|\\.)*"$/.test(tok)) return { t: "str", v: JSON.parse(tok) as string };
  if (tok === ".") return { t: "field", base: ".", fields: [] };
  const m = /^(\$[A-Za-z0-9_]*)?((\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(tok);
  if (!m || (!m[1] && !m[2])) throw new TemplateError(file, `unsupported operand ${tok}`);
  const fields = m[2] ? m[2].slice(1).split(".") : [];
  return { t: "field", base: m[1] ?? ".", fields };
}

const FUNCS = new Set(["quote", "toYaml", "nindent"]);

function parsePipeline(file: string, text: string): Pipeline {
  return text.split("|").map((part) => {
    const toks = part.trim().split(/\s+/);
    if (FUNCS.has(toks[0])) return { fn: toks[0], args: toks.slice(1).map((t) => parseExpr(file, t)) };
    if (toks.length !== 1) throw new TemplateError(file, `unsupported command ${part.trim()}`);
    return { args: [parseExpr(file, toks[0])] };
  });
}

function parse(file: string, tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  for (const tok of tokens) {
    const body = stack[stack.length - 1].body;
    if (tok.action === undefined) {
      body.push({ t: "text", v: tok.text ?? "" });
      continue;
    }
    const a = tok.action;
    let m: RegExpExecArray | null;
    if (a === "end") {
      if (stack.length === 1) throw new TemplateError(file, "unexpected {{ end }}");
      stack.pop();
    } else if ((m = /^(if|with) (.+)$/.exec(a))) {
      const node: Node = { t: m[1] as "if" | "with", p: parsePipeline(file, m[2]), body: [] };
      body.push(node);
      stack.push(node);
    } else if ((m = /^range (\$[A-Za-z0-9_]+), (\$[A-Za-z0-9_]+) := (.+)$/.exec(a))) {
      const node: Node = { t: "range", k: m[1], v: m[2], p: parsePipeline(file, m[3]), body: [] };
      body.push(node);
      stack.push(node);
    } else if (/^(else|define|template|include|block|range|tpl)\b/.test(a) || a.startsWith("/*")) {
      throw new TemplateError(file, `unsupported construct {{ ${a} }}`);
    } else {
      body.push({ t: "print", p: parsePipeline(file, a) });
    }
  }
  if (stack.length !== 1) throw new TemplateError(file, "missing {{ end }}");
  return root;
}

interface Scope {
  dot: unknown;
  root: unknown;
  vars: Record<string, unknown>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function evalExpr(file: string, e: Expr, s: Scope): unknown {
  if (e.t !== "field") return e.v;
  let v: unknown = e.base === "." ? s.dot : e.base === "$" ? s.root : s.vars[e.base];
  if (e.base !== "." && e.base !== "$" && !(e.base in s.vars)) throw new TemplateError(file, `undefined variable ${e.base}`);
  for (const f of e.fields) {
    // Go: a missing map key gives the zero value; a field of nil is an error.
    if (!isMap(v)) throw new TemplateError(file, `nil pointer evaluating .${f}`);
    v = v[f];
  }
  return v;
}

/** Go's %v for a float64, which is what every number in Helm values is. */
export function goNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mant, e] = n.toExponential().split("e");
  const exp = Number(e);
  // Go uses the exponent form for %v when the shortest digits put the exponent below -4 or at 6 and above.
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(n);
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === " " || (c >= 0x21 && c < 0x7f) || (c >= 0x80 && /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch))) out += ch;
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\v") out += "\\v";
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

function printValue(file: string, v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  throw new TemplateError(file, `printing a ${Array.isArray(v) ? "list" : "map"} needs toYaml`);
}

function call(file: string, fn: string, args: unknown[]): unknown {
  switch (fn) {
    case "quote":
      return args
        .filter((a) => a !== undefined && a !== null)
        .map((a) => goQuote(printValue(file, a)))
        .join(" ");
    case "toYaml":
      if (args.length !== 1) throw new TemplateError(file, "toYaml takes one argument");
      if (args[0] === undefined || args[0] === null) return "null";
      return stringify(args[0], { version: "1.1", sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, "");
    case "nindent": {
      const [n, s] = args;
      if (typeof n !== "number" || typeof s !== "string") throw new TemplateError(file, "nindent takes a number and a string");
      const p = " ".repeat(n);
      return `\n${p}${s.replace(/\n/g, `\n${p}`)}`;
    }
  }
  throw new TemplateError(file, `unsupported function ${fn}`);
}

function evalPipeline(file: string, p: Pipeline, s: Scope): unknown {
  let acc: unknown;
  p.forEach((cmd, i) => {
    const args = cmd.args.map((a) => evalExpr(file, a, s));
    if (i > 0) args.push(acc);
    if (cmd.fn) acc = call(file, cmd.fn, args);
    else if (i === 0) acc = args[0];
    else throw new TemplateError(file, "only functions can follow |");
  });
  return acc;
}

function goTruth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
  return Object.keys(v as object).length > 0;
}

function run(file: string, nodes: Node[], s: Scope): string {
  let out = "";
  for (const n of nodes) {
    if (n.t === "text") out += n.v;
    else if (n.t === "print") out += printValue(file, evalPipeline(file, n.p, s));
    else if (n.t === "if") {
      if (goTruth(evalPipeline(file, n.p, s))) out += run(file, n.body, s);
    } else if (n.t === "with") {
      const v = evalPipeline(file, n.p, s);
      if (goTruth(v)) out += run(file, n.body, { ...s, dot: v });
    } else if (n.t === "range") {
      const v = evalPipeline(file, n.p, s);
      const entries: [unknown, unknown][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : isMap(v)
          ? Object.keys(v)
              .sort()
              .map((k) => [k, v[k]])
          : [];
      if (v !== undefined && v !== null && !Array.isArray(v) && !isMap(v)) throw new TemplateError(file, `range over ${typeof v}`);
      for (const [k, x] of entries) out += run(file, n.body, { ...s, vars: { ...s.vars, [n.k]: k, [n.v]: x } });
    }
  }
  return out;
}

/**
 * Renders one template file with `values` as Helm would before parsing the YAML. Numbers in `values` behave as
 * Helm's float64 values.
 */
export function evaluateTemplate(file: string, text: string, values: unknown): string {
  const root = { Values: values };
  const out = run(file, parse(file, lex(file, text)), { dot: root, root, vars: {} });
  return out.replace(/<no value>/g, "");
}
