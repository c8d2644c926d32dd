import { affectedStacks, changedFilesSince, gitBaseText, mergeBase, previewPipeline } from "../affected";
import { loadAllStacks } from "../config/project";
import { projectRoot } from "../paths";
import { InputError } from "./errors";
import type { Io } from "./io";
import { isStdout, writeOutput } from "./output";

export interface AffectedOptions {
  base: string;
  format?: "text" | "json";
  pipeline?: string;
}

/** `runway affected`: the stacks a change affects; `--pipeline -` prints the child pipeline alone on stdout. */
export function affectedCommand(io: Io, opts: AffectedOptions): number {
  const root = projectRoot();
  let base: string;
  try {
    base = mergeBase(root, opts.base);
  } catch {
    throw new InputError(`--base ${opts.base}: not a git revision here; fetch it first (git fetch origin ${opts.base})`);
  }
  const result = affectedStacks({ root, stacks: loadAllStacks(root), changedFiles: changedFilesSince(root, base), baseText: gitBaseText(root, base) });
  if (opts.pipeline) writeOutput(io, "--pipeline", opts.pipeline, previewPipeline(result.stacks));
  if (isStdout(opts.pipeline)) return 0;
  if (opts.format === "json") io.out(JSON.stringify(result, null, 2));
  else for (const s of result.stacks) io.out(`${s}\t${result.reasons[s]}`);
  return 0;
}
