import { writeFileSync } from "node:fs";
import { affectedStacks, changedFilesSince, gitBaseText, mergeBase, previewPipeline } from "../affected";
import { ConfigError } from "../config/diagnostics";
import { loadAllStacks } from "../config/project";
import { projectRoot } from "../paths";
import type { Io } from "./main";

export interface AffectedOptions {
  base: string;
  format?: string;
  pipeline?: string;
}

export function affectedCommand(io: Io, opts: AffectedOptions): number {
  const root = projectRoot();
  let base: string;
  try {
    base = mergeBase(root, opts.base);
  } catch {
    throw new ConfigError([{ file: "runway", line: 1, column: 1, path: "", message: `--base ${opts.base}: not a git revision here; fetch it first (git fetch origin ${opts.base})` }]);
  }
  const result = affectedStacks({ root, stacks: loadAllStacks(root), changedFiles: changedFilesSince(root, base), baseText: gitBaseText(root, base) });
  if (opts.pipeline) writeFileSync(opts.pipeline, previewPipeline(result.stacks));
  if (opts.format === "json") io.out(JSON.stringify(result, null, 2));
  else for (const s of result.stacks) io.out(`${s}\t${result.reasons[s]}`);
  return 0;
}
