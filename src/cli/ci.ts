/**
 * `runway ci comment --file NOTE.md [--marker runway-plan]`: posts the file as a merge-request note, or updates
 * the note an earlier pipeline posted with the same marker. Reads GitLab's predefined CI variables; returns the
 * exit code (0 ok, 1 user or GitLab error), also set as process.exitCode, and prints problems one per line.
 */
import type { Command } from "commander";
import { type ClientTuning, type GitLabAuth, GitLabClient, GitLabError } from "../gitlab/api";
import { markerProblem, upsertNote } from "../gitlab/notes";
import type { CommandContext, Io } from "./io";
import { readInput } from "./output";

const stdio: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** What the command needs from a GitLab CI job's environment. */
export interface CiEnvironment {
  apiUrl: string;
  projectId: string;
  mergeRequestIid: number;
  auth: GitLabAuth;
  /** Which variable the token came from. */
  tokenVariable: "RUNWAY_GITLAB_TOKEN" | "CI_JOB_TOKEN";
}

/** Every problem with the environment, one line each; empty when `ciEnvironment` will succeed. */
export function ciEnvironmentProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env.CI_API_V4_URL) problems.push("CI_API_V4_URL is not set: run in a GitLab CI job, or set it to the API root, e.g. https://gitlab.com/api/v4");
  if (!env.CI_PROJECT_ID) problems.push("CI_PROJECT_ID is not set: run in a GitLab CI job, or set it to the project's id or path");
  if (!env.CI_MERGE_REQUEST_IID) {
    problems.push('CI_MERGE_REQUEST_IID is not set: run the job in a merge-request pipeline (rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event")');
  } else if (!/^[1-9]\d*$/.test(env.CI_MERGE_REQUEST_IID)) {
    problems.push(`CI_MERGE_REQUEST_IID "${env.CI_MERGE_REQUEST_IID}" is not a merge request iid (a positive number)`);
  }
  if (!env.RUNWAY_GITLAB_TOKEN && !env.CI_JOB_TOKEN) {
    problems.push("no GitLab token: set RUNWAY_GITLAB_TOKEN (a project access token with the api scope, as a masked CI/CD variable) or run in a CI job that has CI_JOB_TOKEN");
  }
  return problems;
}

/** The environment as the command uses it; RUNWAY_GITLAB_TOKEN wins over CI_JOB_TOKEN. Check ciEnvironmentProblems first. */
export function ciEnvironment(env: Record<string, string | undefined>): CiEnvironment {
  const privateToken = env.RUNWAY_GITLAB_TOKEN;
  return {
    apiUrl: env.CI_API_V4_URL ?? "",
    projectId: env.CI_PROJECT_ID ?? "",
    mergeRequestIid: Number(env.CI_MERGE_REQUEST_IID),
    auth: privateToken ? { privateToken } : { jobToken: env.CI_JOB_TOKEN ?? "" },
    tokenVariable: privateToken ? "RUNWAY_GITLAB_TOKEN" : "CI_JOB_TOKEN",
  };
}

export interface CommentFlags {
  file: string;
  marker: string;
}

function readNote(file: string): string {
  const text = readInput("--file", file);
  if (!text.trim()) throw new Error(`--file ${file}: the file is empty; write the note (e.g. runway diff --format markdown) first`);
  return text;
}

/** Posts or updates the merge request's note for `flags.marker`. */
export async function ciComment(flags: CommentFlags, env: Record<string, string | undefined> = process.env, io: Io = stdio, tuning: ClientTuning = {}): Promise<number> {
  const fail = (lines: string[]) => {
    for (const l of lines) io.err(`runway: ci comment: ${l}`);
    return 1;
  };
  const problems = ciEnvironmentProblems(env);
  const markerIssue = markerProblem(flags.marker);
  if (markerIssue) problems.unshift(markerIssue);
  if (problems.length) return fail(problems);
  const ci = ciEnvironment(env);
  try {
    const text = readNote(flags.file);
    const gl = new GitLabClient({ url: ci.apiUrl, auth: ci.auth, ...tuning });
    const r = await upsertNote(gl, { project: ci.projectId, mergeRequestIid: ci.mergeRequestIid, marker: flags.marker }, text);
    const what = r.action === "unchanged" ? "is up to date" : r.action;
    io.out(`note ${r.noteId} on merge request !${ci.mergeRequestIid} ${what} (marker ${flags.marker})`);
    return 0;
  } catch (e) {
    if (e instanceof GitLabError && ci.tokenVariable === "CI_JOB_TOKEN" && [401, 403, 404].includes(e.status ?? 0)) {
      // GitLab accepts job tokens on a short list of endpoints; the notes API is not on it (gitlab-org/gitlab#464591).
      return fail([`${e.message}; CI_JOB_TOKEN cannot write merge-request notes: set RUNWAY_GITLAB_TOKEN to a project access token with the api scope`]);
    }
    return fail([(e as Error).message]);
  }
}

/** Outside `runway` (tests): the exit status goes to process.exitCode. */
const processContext: CommandContext = {
  io: stdio,
  async run(_command, fn) {
    process.exitCode = await fn();
  },
  setExit(code) {
    process.exitCode = code;
  },
};

export function registerCiCommands(program: Command, ctx: CommandContext = processContext): void {
  const ci = program.command("ci").description("Commands for GitLab CI jobs: the merge-request note");
  ci.command("comment")
    .description("Post a file as the merge request's note, or update the note an earlier pipeline posted with the same marker")
    .requiredOption("--file <path>", "Markdown to post (- reads stdin), e.g. the output of runway ci note")
    .option("--marker <name>", "names the note; one note per marker and merge request", "runway-plan")
    .action((opts: CommentFlags) => ctx.run("ci comment", () => ciComment(opts, process.env, ctx.io)));
  ci.command("note")
    .description("Compose the merge-request note from plans of the target branch and of the merge request")
    .requiredOption("--base <dir>", "plans of the target branch (runway plan --all --json DIR)")
    .option("--base-missing-ok", "a missing --base reads as a target branch without plans: everything is new")
    .requiredOption("--head <dir>", "plans of the merge request")
    .option("--out <file>", "write the note to this file (- or absent: stdout)")
    .action((opts) => ctx.run("ci note", async () => (await import("./ci-note")).ciNoteCommand(ctx.io, opts)));
}
