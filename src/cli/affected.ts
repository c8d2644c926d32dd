/**
 * `runway affected --base REF | --all [--format text|json] [--pipeline FILE] [--deploy-pipeline FILE]`: the stacks
 * a change affects (derived stacks included), staging before production, and the child pipelines that preview or
 * deploy them (`-` for stdout). Exit 0, 1 for a bad revision or bad configuration, 2 for usage errors.
 */
import { type Affected, affectedStacks, changedFilesSince, gitBaseText, mergeBase, previewPipeline } from "../affected";
import { loadProjectStacks } from "../config/project";
import { projectRoot } from "../paths";
import { deployPipeline, deployWaves, orderStacks } from "../pipeline";
import { affectedJson } from "./affected-json";
import { InputError, UsageError } from "./errors";
import type { Io } from "./io";
import { isStdout, writeOutput } from "./output";

export interface AffectedOptions {
  base?: string;
  all?: boolean;
  format?: "text" | "json";
  pipeline?: string;
  deployPipeline?: string;
  /** Job of the parent pipeline whose artifacts (the recorded address ledgers) deploy jobs need. */
  ledgerJob?: string;
}

/** `runway affected`: the stacks a change affects; `--pipeline -` prints the child pipeline alone on stdout. */
export function affectedCommand(io: Io, opts: AffectedOptions): number {
  const root = projectRoot();
  if (!opts.base === !opts.all) throw new UsageError("choose one of --base REF (the changes since the merge base) or --all (every stack)");
  if (isStdout(opts.pipeline) && isStdout(opts.deployPipeline)) throw new UsageError("only one of --pipeline and --deploy-pipeline can be - (stdout)");
  const stacks = loadProjectStacks(root).all;
  let result: Affected;
  // A branch's first pipeline has no previous commit (GitLab's CI_COMMIT_BEFORE_SHA is all zeros): everything is new.
  if (opts.all || /^0+$/.test(opts.base ?? "")) {
    const why = opts.all ? "--all" : "first pipeline of the branch";
    const names = orderStacks(stacks.map((s) => s.name), stacks);
    result = { stacks: names, reasons: Object.fromEntries(names.map((n) => [n, why])) };
  } else {
    let base: string;
    try {
      base = mergeBase(root, opts.base as string);
    } catch {
      throw new InputError(`--base ${opts.base}: not a git revision here; fetch it first (git fetch origin ${opts.base})`);
    }
    result = affectedStacks({ root, stacks, changedFiles: changedFilesSince(root, base), baseText: gitBaseText(root, base) });
  }
  if (opts.pipeline) writeOutput(io, "--pipeline", opts.pipeline, previewPipeline(result.stacks));
  if (opts.deployPipeline) writeOutput(io, "--deploy-pipeline", opts.deployPipeline, deployPipeline(deployWaves(stacks), new Set(result.stacks), opts.ledgerJob ?? "ipam"));
  if (isStdout(opts.pipeline) || isStdout(opts.deployPipeline)) return 0;
  if (opts.format === "json") io.out(JSON.stringify(affectedJson(result), null, 2));
  else for (const s of result.stacks) io.out(`${s}\t${result.reasons[s]}`);
  return 0;
}
