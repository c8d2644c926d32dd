import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ciComment, registerCiCommands } from "../src/cli/ci";
import { findMarkedNote, markerComment, NOTE_LIMIT, noteBody } from "../src/gitlab/notes";
import { FakeGitLab } from "./fakes/gitlab-server";

const TOKEN = "glpat-ci-notes-token";
let gl: FakeGitLab;
let dir: string;
let out: string[];
let err: string[];
const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) };
const tuning = { sleep: async () => {} };

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CI_API_V4_URL: `${gl.url}/api/v4`, CI_PROJECT_ID: "7", CI_MERGE_REQUEST_IID: "12", RUNWAY_GITLAB_TOKEN: TOKEN, ...extra };
}

function noteFile(text: string, name = "NOTE.md"): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const marked = (marker = "runway-plan") => gl.notes(7, 12).filter((n) => n.body.startsWith(markerComment(marker)));

beforeEach(async () => {
  gl = await FakeGitLab.start();
  gl.addProject("satellites/billing", { id: 7 });
  gl.addUser(TOKEN, "runway-bot", { "satellites/billing": "developer" });
  gl.addMergeRequest(7, 12);
  dir = mkdtempSync(join(tmpdir(), "runway-notes-"));
  out = [];
  err = [];
});
afterEach(() => gl.close());

describe("runway ci comment", () => {
  it("creates the note once, then updates it in place on the next pipeline", async () => {
    expect(await ciComment({ file: noteFile("## Plan\n1 to add\n"), marker: "runway-plan" }, env(), io, tuning)).toBe(0);
    expect(await ciComment({ file: noteFile("## Plan\n2 to add\n"), marker: "runway-plan" }, env(), io, tuning)).toBe(0);
    expect(marked()).toHaveLength(1);
    expect(marked()[0].body).toBe("<!-- runway:runway-plan -->\n## Plan\n2 to add\n");
    expect(gl.log.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.status}`)).toEqual(["POST 201", "PUT 200"]);
    expect(out).toEqual([`note ${marked()[0].id} on merge request !12 created (marker runway-plan)`, `note ${marked()[0].id} on merge request !12 updated (marker runway-plan)`]);
  });

  it("leaves an unchanged note alone", async () => {
    const file = noteFile("same\n");
    await ciComment({ file, marker: "runway-plan" }, env(), io, tuning);
    await ciComment({ file, marker: "runway-plan" }, env(), io, tuning);
    expect(gl.log.filter((r) => r.method === "PUT")).toEqual([]);
    expect(out[1]).toMatch(/^note \d+ on merge request !12 is up to date \(marker runway-plan\)$/);
  });

  it("keeps one note per marker and touches no other note", async () => {
    const quote = gl.addNote(7, 12, `> ${markerComment("runway-plan")}\nlooks good`);
    gl.addNote(7, 12, `${markerComment("runway-plan")}\nsystem`, { system: true });
    await ciComment({ file: noteFile("plan\n"), marker: "runway-plan" }, env(), io, tuning);
    await ciComment({ file: noteFile("check\n"), marker: "runway-check" }, env(), io, tuning);
    await ciComment({ file: noteFile("plan 2\n"), marker: "runway-plan" }, env(), io, tuning);
    expect(marked("runway-plan").filter((n) => !n.system).map((n) => n.body)).toEqual(["<!-- runway:runway-plan -->\nplan 2\n"]);
    expect(marked("runway-check").map((n) => n.body)).toEqual(["<!-- runway:runway-check -->\ncheck\n"]);
    expect(gl.notes(7, 12).find((n) => n.id === quote.id)?.body).toBe(`> ${markerComment("runway-plan")}\nlooks good`);
  });

  it("finds its note beyond the first page of notes", async () => {
    await ciComment({ file: noteFile("first\n"), marker: "runway-plan" }, env(), io, tuning);
    for (let i = 0; i < 150; i++) gl.addNote(7, 12, `review comment ${i}`);
    await ciComment({ file: noteFile("second\n"), marker: "runway-plan" }, env(), io, tuning);
    expect(marked()).toHaveLength(1);
    expect(marked()[0].body).toContain("second");
  });

  it("accepts the project as a path", async () => {
    expect(await ciComment({ file: noteFile("x\n"), marker: "runway-plan" }, env({ CI_PROJECT_ID: "satellites/billing" }), io, tuning)).toBe(0);
    expect(marked()).toHaveLength(1);
  });

  it("names every missing CI variable", async () => {
    const code = await ciComment({ file: "NOTE.md", marker: "runway-plan" }, {}, io, tuning);
    expect(code).toBe(1);
    expect(err).toEqual([
      "runway: ci comment: CI_API_V4_URL is not set: run in a GitLab CI job, or set it to the API root, e.g. https://gitlab.com/api/v4",
      "runway: ci comment: CI_PROJECT_ID is not set: run in a GitLab CI job, or set it to the project's id or path",
      'runway: ci comment: CI_MERGE_REQUEST_IID is not set: run the job in a merge-request pipeline (rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event")',
      "runway: ci comment: no GitLab token: set RUNWAY_GITLAB_TOKEN (a project access token with the api scope, as a masked CI/CD variable) or run in a CI job that has CI_JOB_TOKEN",
    ]);
  });

  it("rejects a marker that would break the hidden comment", async () => {
    expect(await ciComment({ file: noteFile("x"), marker: "a -->" }, env(), io, tuning)).toBe(1);
    expect(err).toEqual([`runway: ci comment: --marker "a -->": use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`]);
  });

  it("reports a missing or empty file", async () => {
    await ciComment({ file: join(dir, "absent.md"), marker: "runway-plan" }, env(), io, tuning);
    await ciComment({ file: noteFile("  \n"), marker: "runway-plan" }, env(), io, tuning);
    expect(err).toEqual([
      `runway: ci comment: --file ${join(dir, "absent.md")}: file not found`,
      `runway: ci comment: --file ${join(dir, "NOTE.md")}: the file is empty; write the note (e.g. runway diff --format markdown) first`,
    ]);
  });

  it("an unknown merge request is a clear 404", async () => {
    await ciComment({ file: noteFile("x"), marker: "runway-plan" }, env({ CI_MERGE_REQUEST_IID: "99" }), io, tuning);
    expect(err).toEqual(["runway: ci comment: GitLab GET /projects/7/merge_requests/99/notes: 404 Not Found: it does not exist, or the token cannot see it"]);
  });

  it("a job token the notes API refuses says to set RUNWAY_GITLAB_TOKEN", async () => {
    gl.addJobToken("ci-job-token", { "satellites/billing": "developer" });
    await ciComment({ file: noteFile("x"), marker: "runway-plan" }, env({ RUNWAY_GITLAB_TOKEN: undefined, CI_JOB_TOKEN: "ci-job-token" }), io, tuning);
    expect(err).toEqual([
      "runway: ci comment: GitLab GET /projects/7/merge_requests/12/notes: 401 Unauthorized: the token is missing, invalid, expired or revoked; " +
        "CI_JOB_TOKEN cannot write merge-request notes: set RUNWAY_GITLAB_TOKEN to a project access token with the api scope",
    ]);
  });

  it("uses the job token in the JOB-TOKEN header where GitLab accepts it", async () => {
    gl.addJobToken("ci-job-token", { "satellites/billing": "developer" }, ["GET /projects/:id/merge_requests/:iid/notes", "POST /projects/:id/merge_requests/:iid/notes"]);
    expect(await ciComment({ file: noteFile("x"), marker: "runway-plan" }, env({ RUNWAY_GITLAB_TOKEN: undefined, CI_JOB_TOKEN: "ci-job-token" }), io, tuning)).toBe(0);
    expect(gl.log.map((r) => r.auth)).toEqual(["JOB-TOKEN", "JOB-TOKEN"]);
  });

  it("never prints the token", async () => {
    gl.inject({ route: "*", status: 429, retryAfter: 1 });
    await ciComment({ file: noteFile("x"), marker: "runway-plan" }, env(), io, tuning);
    expect(err).toHaveLength(1);
    expect([...out, ...err].join("\n")).not.toContain(TOKEN);
  });

  it("is wired as `ci comment --file --marker` and sets the exit code", async () => {
    for (const [k, v] of Object.entries(env())) vi.stubEnv(k, v);
    const program = new Command("runway").exitOverride();
    registerCiCommands(program);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await program.parseAsync(["node", "runway", "ci", "comment", "--file", noteFile("wired\n"), "--marker", "wired"]);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const code = process.exitCode;
    process.exitCode = undefined;
    expect(code).toBe(0);
    expect(marked("wired")).toHaveLength(1);
  });
});

describe("note body", () => {
  it("starts with the hidden marker, once", () => {
    expect(noteBody("runway-plan", "text")).toBe("<!-- runway:runway-plan -->\ntext");
    expect(noteBody("runway-plan", "<!-- runway:runway-plan -->\ntext")).toBe("<!-- runway:runway-plan -->\ntext");
  });

  it("stays within GitLab's limit and says it was cut", () => {
    const body = noteBody("runway-plan", "x".repeat(NOTE_LIMIT + 10));
    expect(body).toHaveLength(NOTE_LIMIT);
    expect(body).toMatch(/truncated/);
  });

  it("the oldest marked note wins if duplicates exist", () => {
    const notes = [
      { id: 9, body: `${markerComment("m")}\nnew`, system: false },
      { id: 3, body: `${markerComment("m")}\nold`, system: false },
    ];
    expect(findMarkedNote(notes, "m")?.id).toBe(3);
  });
});
