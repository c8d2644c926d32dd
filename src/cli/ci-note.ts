import { writeFileSync } from "node:fs";
import { buildNote } from "../ci/note";
import { projectRoot } from "../paths";
import { waiversOf } from "../rules/waivers";
import { readPlans } from "./diff";
import type { Io } from "./main";

export interface NoteOptions {
  base: string;
  head: string;
  out?: string;
}

/** `runway ci note --base DIR --head DIR [--out FILE]`: the merge-request note; exit 1 when a mandatory rule fails. */
export function ciNoteCommand(io: Io, opts: NoteOptions): number {
  const root = projectRoot();
  const note = buildNote({
    base: readPlans(opts.base, true),
    head: readPlans(opts.head),
    waivers: (stack) => {
      try {
        return waiversOf(root, stack);
      } catch {
        return [];
      }
    },
    pipelineUrl: process.env.CI_PIPELINE_URL,
  });
  if (opts.out) writeFileSync(opts.out, note.markdown);
  else io.out(note.markdown);
  return note.failed ? 1 : 0;
}
