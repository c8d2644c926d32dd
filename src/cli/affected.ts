/**
 * `runway affected --base REF | --all [--format text|json] [--pipeline FILE] [--deploy-pipeline FILE]`: the stacks
 * a change affects (derived stacks included), staging before production, and the child pipelines that preview or
 * deploy them. Exit 0, 1 for a bad revision or bad configuration, 2 for usage errors.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type Affected, affectedStacks, changedFilesSince, gitBaseText, mergeBase, previewPipeline } from "../affected";
import { ConfigError } from "../config/diagnostics";
import { loadProjectStacks } from "../config/project";
import { projectRoot } from "../paths";
import { deployPipeline, deployWaves, orderStacks } from "../pipeline";
import type { Io } from "./main";

export interface AffectedOptions {
  base?: string;
  all?: boolean;
  format?: string;
  pipeline?: string;
  deployPipeline?: string;
  /** Job of the parent pipeline whose artifacts (the recorded address ledgers) deploy jobs need. */
  ledgerJob?: string;
}

/** Writes a file whole or not at all: a reader never sees half of it. */
export function writeAtomically(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function failure(message: string): ConfigError {
  return new ConfigError([{ file: "runway: affected", line: 0, column: 0, path: "", message }]);
}

export function affectedCommand(io: Io, opts: AffectedOptions): number {
  const root = projectRoot();
  if (!opts.base === !opts.all) {
    io.err("runway: affected: choose one of --base REF (the changes since the merge base) or --all (every stack)");
    return 2;
  }
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
      throw failure(`--base ${opts.base}: not a git revision here; fetch it first (git fetch origin ${opts.base})`);
    }
    result = affectedStacks({ root, stacks, changedFiles: changedFilesSince(root, base), baseText: gitBaseText(root, base) });
  }
  if (opts.pipeline) writeAtomically(opts.pipeline, previewPipeline(result.stacks));
  if (opts.deployPipeline) writeAtomically(opts.deployPipeline, deployPipeline(deployWaves(stacks), new Set(result.stacks), opts.ledgerJob ?? "ipam"));
  if (opts.format === "json") io.out(JSON.stringify(result, null, 2));
  else for (const s of result.stacks) io.out(`${s}\t${result.reasons[s]}`);
  return 0;
}
