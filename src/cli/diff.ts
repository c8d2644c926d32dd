import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../config/diagnostics";
import type { Plan } from "../plan/engine";
import { readPlanFile } from "./check";
import { diffPlans, renderDiffMarkdown, renderDiffText } from "../plan/diff";
import type { Io } from "./main";

function fail(file: string, message: string): ConfigError {
  return new ConfigError([{ file, line: 1, column: 1, path: "", message }]);
}

/** Reads a plan file, or every `*.json` plan of a directory; a missing directory reads as no stacks. */
export function readPlans(p: string, allowMissingDir = false): Plan[] {
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    if (allowMissingDir) return [];
    throw fail(p, "plan not found; write one with `runway plan --json FILE`");
  }
  const files = isDir ? readdirSync(p).filter((f) => f.endsWith(".json")).sort().map((f) => path.join(p, f)) : [p];
  return files.map((f) => {
    try {
      return readPlanFile(f);
    } catch (e) {
      throw fail(f, (e as Error).message.replace(`${f}: `, ""));
    }
  });
}

export function diffCommand(io: Io, base: string, head: string, opts: { format?: string }): number {
  if (opts.format !== "text" && opts.format !== "markdown") throw fail("runway", `--format must be text or markdown, got '${opts.format}'`);
  const bases = new Map(readPlans(base, true).map((p) => [p.stack, p]));
  const heads = readPlans(head);
  const stacks = [...new Set([...bases.keys(), ...heads.map((h) => h.stack)])].sort();
  const byStack = new Map(heads.map((h) => [h.stack, h]));
  const diffs = stacks.map((s) =>
    diffPlans(bases.get(s) ?? { stack: s, resources: [], outputs: {} }, byStack.get(s) ?? { stack: s, resources: [], outputs: {} }),
  );
  io.out(opts.format === "markdown" ? renderDiffMarkdown(diffs) : renderDiffText(diffs));
  return 0;
}
