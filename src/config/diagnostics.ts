/**
 * Diagnostics: what Runway says about bad input. Every message names the file, the line and column,
 * the field path and what is expected, e.g.
 * `services/foo.yaml:7:5: spec.chart.repository: must be an oci:// URL`.
 */

export interface Diagnostic {
  /**
   * File path as the user would type it (relative to the working directory when possible), or, for a value that
   * came from elsewhere (e.g. `pulumi config set` on the stack's backend), where it came from; empty for a
   * problem of no file (a stack that does not exist).
   */
  file: string;
  /** 1-based line; 0 when the value has no position in a file. */
  line: number;
  /** 1-based column; 0 when the value has no position in a file. */
  column: number;
  /** Dotted field path, e.g. `spec.chart.repository`; empty for whole-file problems. */
  path: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  return [where, d.path, d.message].filter(Boolean).join(": ");
}

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}

/**
 * Bad user input. The CLI prints `diagnostics` one per line and exits 1; the Pulumi program surfaces it as a
 * RunError, which Pulumi prints without a stack trace.
 */
export class ConfigError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.map(formatDiagnostic).join("\n"));
    this.name = "ConfigError";
    this.diagnostics = sorted;
  }
}

/** Renders a path array as `spec.chart.repository` or `spec.environments[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
