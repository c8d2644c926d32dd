import { buildNote } from "../ci/note";
import { projectRoot } from "../paths";
import { waiversOf } from "../rules/waivers";
import { InputError } from "./errors";
import type { Io } from "./io";
import { writeOutput } from "./output";
import { readPlans } from "./plans";

export interface NoteOptions {
  base: string;
  head: string;
  out?: string;
  /** A missing base directory reads as a target branch without plans (everything is new). */
  baseMissingOk?: boolean;
}

/** `runway ci note --base DIR --head DIR [--out FILE|-]`: the merge-request note; exit 1 when a mandatory rule fails. */
export function ciNoteCommand(io: Io, opts: NoteOptions): number {
  const root = projectRoot();
  const base = readPlans(opts.base, { missingOk: opts.baseMissingOk, missingFlag: "--base-missing-ok" });
  const head = readPlans(opts.head);
  if (head.length === 0) throw new InputError(`--head ${opts.head}: no plans here (*.json); write them with \`runway plan --all --json DIR\``);
  const note = buildNote({
    base,
    head,
    waivers: (stack) => {
      try {
        return waiversOf(root, stack);
      } catch {
        return [];
      }
    },
    pipelineUrl: process.env.CI_PIPELINE_URL,
  });
  writeOutput(io, "--out", opts.out ?? "-", note.markdown);
  return note.failed ? 1 : 0;
}
