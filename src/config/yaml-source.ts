/**
 * Reading user YAML with positions kept, so every later error can point at a line and column.
 */
import { readFileSync, statSync, type Stats } from "node:fs";
import * as path from "node:path";
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import { ConfigError, type Diagnostic, formatPath } from "./diagnostics";

export interface YamlSource {
  /** Display path of the file. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain JavaScript value of the document. */
  value: unknown;
  /**
   * Stack config whose values did not come from this file (src/config/pulumi-config.ts): top-level `config` keys
   * set elsewhere, and the name of where they came from. Diagnostics about them carry that name and no position.
   */
  elsewhere?: { keys: ReadonlySet<string>; origin: string };
}

/** The largest file Runway reads as YAML (stack files, catalog entries, manifests): 1 MiB. */
export const MAX_YAML_BYTES = 1024 * 1024;

/** What a path is when it is not a regular file, as a message says it. */
function notAFile(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * Checks that `file` is a regular file of at most `max` bytes before anything opens it: opening a FIFO would block,
 * reading a device would never end. Returns the problem, or undefined when the file may be read.
 */
export function unreadableFile(file: string, max = MAX_YAML_BYTES): string | undefined {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(e)})`;
  }
  const kind = notAFile(st);
  if (kind) return `is ${kind}, expected a regular file`;
  if (st.size > max) return `file is ${st.size} bytes, more than the ${max} bytes Runway reads; keep configuration files small`;
  return undefined;
}

/** Display form of a path: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

function at(file: string, message: string, line = 1, column = 1, fieldPath = ""): Diagnostic {
  return { file, line, column, path: fieldPath, message };
}

/**
 * Parses YAML text. Returns the source or throws ConfigError with every syntax problem of the file: invalid YAML,
 * duplicate keys, unknown tags, several documents, binary content, an empty file.
 */
export function parseYaml(file: string, bytes: Buffer | string): YamlSource {
  let text: string;
  if (typeof bytes === "string") {
    text = bytes;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new ConfigError([at(file, "file is not UTF-8 text; expected a YAML document")]);
    }
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    throw new ConfigError([at(file, "file contains binary data (NUL byte); expected a YAML document")]);
  }
  if (text.replace(/#.*$/gm, "").trim() === "") {
    throw new ConfigError([at(file, "file is empty; expected a YAML mapping")]);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (!Array.isArray(docs)) {
    throw new ConfigError([at(file, "file holds no YAML document")]);
  }
  const diagnostics: Diagnostic[] = [];
  const pos = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  for (const d of docs) {
    for (const e of [...d.errors, ...d.warnings]) {
      const { line, column } = pos(e.pos[0]);
      const first = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      const message = e.code === "DUPLICATE_KEY" ? `duplicate key ${duplicateKey(text, e.pos[0])}; each key may appear once in a mapping` : first;
      diagnostics.push(at(file, message, line, column));
    }
  }
  if (docs.length > 1) {
    const { line, column } = pos(docs[1].range[0]);
    diagnostics.push(at(file, "file holds several YAML documents; expected exactly one", line, column));
  }
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  const doc = docs[0];
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([at(file, `cannot read YAML: ${(e as Error).message}`)]);
  }
  return { file, doc, lineCounter, value };
}

/** The key a duplicate-key error points at, quoted as written (`'owner'`). */
function duplicateKey(text: string, offset: number): string {
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#\n]*?))\s*:/.exec(text.slice(offset, offset + 300));
  const key = m ? (m[1] ?? m[2] ?? m[3] ?? "").trim() : "";
  return key ? `'${key}'` : "";
}

/**
 * Reads and parses a YAML file; unreadable files become diagnostics too. Only a regular file of at most
 * MAX_YAML_BYTES is opened: a FIFO, a device or a directory named *.yaml is reported, never read.
 */
export function readYamlFile(file: string): YamlSource {
  const shown = displayPath(file);
  const problem = unreadableFile(file);
  if (problem) throw new ConfigError([at(shown, problem, 0, 0)]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, expected a file" : `cannot read file (${code ?? String(e)})`;
    throw new ConfigError([at(shown, why, 0, 0)]);
  }
  return parseYaml(shown, bytes);
}

/**
 * Position of the node at `fieldPath`; for a missing field, the nearest existing ancestor. With `key`, the
 * position of the mapping key rather than its value (used for unknown keys).
 */
export function positionOf(src: YamlSource, fieldPath: readonly PropertyKey[], key = false): { line: number; column: number } {
  let node: unknown = src.doc.contents;
  let best: unknown = node;
  for (let i = 0; i < fieldPath.length; i++) {
    const seg = fieldPath[i];
    const last = i === fieldPath.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (last && key) {
        best = pair.key;
        break;
      }
      node = pair.value;
      best = node ?? pair.key;
      if (node == null) break;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      if (node == null) break;
      best = node;
    } else {
      break;
    }
  }
  const range = (best as Node | null)?.range;
  const p = src.lineCounter.linePos(range ? range[0] : 0);
  return { line: p.line, column: p.col };
}

/** A diagnostic at a field of a parsed source. */
export function diagnosticAt(src: YamlSource, fieldPath: readonly PropertyKey[], message: string, key = false): Diagnostic {
  const other = src.elsewhere;
  if (other && fieldPath[0] === "config" && fieldPath.length > 1 && other.keys.has(String(fieldPath[1]))) {
    return { file: other.origin, line: 0, column: 0, path: formatPath(fieldPath.slice(1)), message };
  }
  const { line, column } = positionOf(src, fieldPath, key);
  return { file: src.file, line, column, path: formatPath(fieldPath), message };
}
