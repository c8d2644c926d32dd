/**
 * One merge-request note per marker, updated in place: the note carries a hidden HTML comment
 * `<!-- runway:<marker> -->` as its first line, so each pipeline finds the note of the previous one instead of
 * adding another. https://docs.gitlab.com/api/notes/#merge-requests
 */
import type { GitLabClient, Note } from "./api";

/** GitLab refuses notes longer than 1,000,000 characters. */
export const NOTE_LIMIT = 1_000_000;

/** The hidden first line that identifies the note. */
export function markerComment(marker: string): string {
  return `<!-- runway:${marker} -->`;
}

/** What is wrong with a marker, or undefined: it goes into an HTML comment, so keep it to a plain word. */
export function markerProblem(marker: string): string | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(marker)) return undefined;
  return `--marker "${marker}": use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`;
}

/** The note's body: marker line, then the text, cut to GitLab's limit with a line saying so. */
export function noteBody(marker: string, text: string): string {
  const head = markerComment(marker);
  const body = text.startsWith(head) ? text : `${head}\n${text}`;
  if (body.length <= NOTE_LIMIT) return body;
  const cut = "\n\n_(truncated: the full text is in the job log and artifacts)_\n";
  return body.slice(0, NOTE_LIMIT - cut.length) + cut;
}

/** The oldest non-system note whose body starts with the marker: earlier runs' note. */
export function findMarkedNote(notes: readonly Note[], marker: string): Note | undefined {
  const head = markerComment(marker);
  return [...notes].sort((a, b) => a.id - b.id).find((n) => !n.system && n.body.trimStart().startsWith(head));
}

export interface NoteTarget {
  /** Project id or path. */
  project: string | number;
  /** The merge request's iid (CI_MERGE_REQUEST_IID). */
  mergeRequestIid: number;
  marker: string;
}

export interface NoteResult {
  action: "created" | "updated" | "unchanged";
  noteId: number;
}

/** Creates the marked note, or updates the one found; never a second note with the same marker. */
export async function upsertNote(gl: GitLabClient, target: NoteTarget, text: string): Promise<NoteResult> {
  const body = noteBody(target.marker, text);
  const existing = findMarkedNote(await gl.listMergeRequestNotes(target.project, target.mergeRequestIid), target.marker);
  if (!existing) {
    const note = await gl.createMergeRequestNote(target.project, target.mergeRequestIid, body);
    return { action: "created", noteId: note.id };
  }
  if (existing.body === body) return { action: "unchanged", noteId: existing.id };
  await gl.updateMergeRequestNote(target.project, target.mergeRequestIid, existing.id, body);
  return { action: "updated", noteId: existing.id };
}
