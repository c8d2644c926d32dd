/**
 * The command-line conventions every `runway` command follows (docs/cli.md): exit statuses, one error format,
 * --version, `-` for stdout, a closed pipe, colour, progress and a missing base. Each is checked on the real process
 * (bin/runway.cjs); long tables of cases run in-process through the same main(), with one case of each on the
 * process to show the status reaches it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, runCli } from "./helpers/cli";

const ROOT = path.join(__dirname, "..");
const tmp = () => mkdtempSync(path.join(tmpdir(), "runway-conventions-"));
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const ESC = "\x1b[";

/** A small real plan (the self-hosted stack), written once. */
let planFile: string;
beforeAll(async () => {
  planFile = path.join(tmp(), "ai-gateway-selfhosted.json");
  const r = await runCli("plan", "--stack", "ai-gateway-selfhosted", "--json", planFile, "--quiet");
  expect(r.code).toBe(0);
});

/** Runs `runway ARGS` on a terminal (util-linux script gives it a pseudo-terminal); stdout and stderr merged. */
function onTerminal(args: string[], env: Record<string, string> = {}): string {
  const command = ["node", BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const clean = { ...process.env, NO_COLOR: "", FORCE_COLOR: "", TERM: "xterm-256color", ...env };
  return execFileSync("script", ["-qec", command, "/dev/null"], { env: clean, encoding: "utf8" });
}

describe("exit statuses", () => {
  it("0 for help, for help of a command and for a command group alone", async () => {
    for (const args of [["--help"], ["help", "plan"], ["plan", "--help"], ["chart"], []]) {
      const r = await runCli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.out).toMatch(/^Usage: runway/);
    }
    const p = await runBin(["help", "plan"]);
    expect({ code: p.code, out: p.stdout }).toEqual({ code: 0, out: expect.stringMatching(/^Usage: runway plan/) });
  });

  it("a command group that does something itself runs it when named alone: `runway ipam` shows the address plan", async () => {
    const r = await runCli("ipam");
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/^Usage:/);
    expect(r.out).toMatch(/^ranges in use:$/m);
    expect((await runCli("stack")).out).toMatch(/^Usage: runway stack/);
  });

  it("2 for a wrong command line, with one `runway: <command>: message` line and a pointer to help", async () => {
    const cases: [string[], string][] = [
      [["plan"], "runway: plan: choose --stack NAME or --all"],
      [["plan", "--stack", "a", "--all"], "runway: plan: --stack and --all are mutually exclusive; choose one"],
      [["plan", "--bogus"], "runway: plan: unknown option '--bogus'"],
      [["diff", "--format", "yaml", "a", "b"], "runway: diff: option '--format <format>' argument 'yaml' is invalid. Allowed choices are text, markdown, json."],
      [["check"], "runway: check: choose --stack NAME, --all or --plan FILE"],
      [["nope"], "runway: unknown command 'nope'"],
      [["help", "nope"], "runway: help: unknown command 'nope'"],
    ];
    for (const [args, first] of cases) {
      const r = await runCli(...args);
      expect({ args, code: r.code, first: r.err.split("\n")[0] }).toEqual({ args, code: 2, first: expect.stringContaining(first) });
      expect(r.err.split("\n")[1]).toMatch(/^Run 'runway ([a-z]+ )?--help' for usage\.$/);
    }
    const p = await runBin(["plan", "--bogus"]);
    expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 2, stderr: "runway: plan: unknown option '--bogus'\nRun 'runway plan --help' for usage.\n" });
  });

  it("2 for a --format value outside its choices, in every command that has --format", async () => {
    const cases: [string, string[], string][] = [
      ["diff", ["diff", "a", "b"], "text, markdown, json"],
      ["check", ["check", "--all"], "text, markdown, json"],
      ["describe", ["describe", "ai-gateway"], "text, markdown, json"],
      ["affected", ["affected", "--all"], "text, json"],
      ["stack list", ["stack", "list"], "text, json"],
      ["ipam", ["ipam"], "text, json"],
    ];
    for (const [command, args, choices] of cases) {
      const r = await runCli(...args, "--format", "yaml");
      expect({ args, code: r.code, err: r.err }).toEqual({
        args,
        code: 2,
        err: `runway: ${command}: option '--format <format>' argument 'yaml' is invalid. Allowed choices are ${choices}.\nRun 'runway ${command} --help' for usage.`,
      });
    }
  });

  it("1 for invalid input, named without a made-up position", async () => {
    const bad = path.join(tmp(), "bad.json");
    writeFileSync(bad, "{ not json");
    const cases: [string[], string][] = [
      [["diff", bad, planFile], `runway: diff: ${bad}: cannot read plan`],
      [["plan", "--stack", "nope"], "runway: plan: no stack 'nope'"],
      [["check", "--plan", bad], `runway: check: ${bad}: cannot read plan`],
      [["ci", "note", "--base", bad, "--head", planFile], `runway: ci note: ${bad}: cannot read plan`],
      [["stack", "config", "nope"], "runway: stack config: no stack 'nope'"],
      [["describe", "nope"], "runway: describe: no service 'nope' in the catalog"],
      [["chart", "build", "/nonexistent/runway.yml", "--out", tmp()], "runway: chart build: /nonexistent/runway.yml: file not found"],
    ];
    for (const [args, first] of cases) {
      const r = await runCli(...args);
      expect({ args, code: r.code, stderr: r.err }).toEqual({ args, code: 1, stderr: expect.stringContaining(first) });
      expect(r.err).not.toMatch(/:1:1:|\n\s+at /);
    }
    const p = await runBin(["diff", bad, planFile]);
    expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^runway: diff: .*bad\.json: cannot read plan/) });
    // Tools runway runs (git) do not add lines of their own.
    const git = await runBin(["affected", "--base", "no-such-revision"]);
    expect({ code: git.code, stderr: git.stderr }).toEqual({
      code: 1,
      stderr: "runway: affected: --base no-such-revision: not a git revision here; fetch it first (git fetch origin no-such-revision)\n",
    });
  });

  it("1 for findings: a mandatory guardrail that fails", async () => {
    const plan = JSON.parse(readFileSync(planFile, "utf8"));
    const ns = plan.resources.find((r: { type: string }) => r.type === "kubernetes:core/v1:Namespace");
    ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
    const broken = path.join(tmp(), "broken.json");
    writeFileSync(broken, JSON.stringify(plan));
    const r = await runBin(["check", "--plan", broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^MANDATORY /m);
  });
});

describe("--version", () => {
  it("prints the package version and exits 0, as does `runway version`", async () => {
    for (const args of [["--version"], ["-V"], ["version"]]) {
      const r = await runCli(...args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 0, out: VERSION });
    }
    const p = await runBin(["--version"]);
    expect({ code: p.code, out: p.stdout }).toEqual({ code: 0, out: `${VERSION}\n` });
  });

  it("is runway's only before a command: `chart build --version` is the chart's version", async () => {
    const out = tmp();
    const r = await runCli("chart", "build", path.join(ROOT, "examples/ai-gateway/.runway/runway.yml"), "--out", out, "--version", "1.2.3");
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringMatching(/^built ai-gateway 1\.2\.3: /) });
    expect(readdirSync(out)).toContain("ai-gateway-1.2.3.tgz");
    expect(await runCli("plan", "--version")).toMatchObject({ code: 2, err: expect.stringContaining("runway: plan: unknown option '--version'") });
  });
});

describe("- means stdout", () => {
  it("plan --json - prints the plan alone on stdout and creates no file named -", async () => {
    const cwd = tmp();
    const r = await runBin(["plan", "--stack", "ai-gateway-selfhosted", "--json", "-"], { cwd });
    expect(r.code).toBe(0);
    // stderr is a pipe here: no progress either.
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(planFile, "utf8")));
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("ci note --out - and affected --pipeline - print to stdout", async () => {
    const cwd = tmp();
    const note = await runBin(["ci", "note", "--base", planFile, "--head", planFile, "--out", "-"], { cwd });
    expect(note.code).toBe(0);
    expect(note.stdout).toMatch(/^## Runway plan: /);
    // --all: with --base the stacks, and so the pipeline, depend on the work tree's changes.
    const pipeline = await runBin(["affected", "--all", "--pipeline", "-"], { cwd });
    expect(pipeline.code).toBe(0);
    expect(pipeline.stdout).toMatch(/^include:\n {2}- local: templates\/pulumi-preview\.yml\n/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("a closed pipe", () => {
  it("ends the command quietly with status 141, as SIGPIPE does", async () => {
    for (const args of [["--help"], ["diff", "--base-missing-ok", "/nonexistent", planFile]]) {
      const r = await runBin(args, { closeStdout: true });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 141, stderr: "" });
    }
  });
});

describe("colour", () => {
  it("is on for a terminal, off with NO_COLOR, off when piped", async () => {
    const args = ["diff", "--base-missing-ok", "/nonexistent", planFile];
    expect(onTerminal(args)).toContain(`${ESC}32m  + `);
    expect(onTerminal(args, { NO_COLOR: "1" })).not.toContain(ESC);
    const piped = await runBin(args);
    expect(piped.stdout).toContain("  + ");
    expect(piped.stdout).not.toContain(ESC);
  });
});

describe("progress", () => {
  it("shows a line per stack with its time when stderr is a terminal", () => {
    expect(onTerminal(["plan", "--stack", "ai-gateway-selfhosted"])).toMatch(/planned ai-gateway-selfhosted: \d+ resources in \d+\.\d s/);
  });
  // Nothing when piped: the `plan --json -` test above checks stderr is empty; --quiet: test/cli-terminal.test.ts.
});

describe("a missing base", () => {
  it("is an error naming --base-missing-ok, for diff and ci note", async () => {
    for (const args of [["diff", "/nonexistent", planFile], ["ci", "note", "--base", "/nonexistent", "--head", planFile]]) {
      const r = await runCli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.err).toMatch(/\/nonexistent: no such file or directory; .*pass --base-missing-ok/);
    }
  });

  it("with --base-missing-ok reads as no plans: everything in head is new", async () => {
    const r = await runCli("diff", "--base-missing-ok", "/nonexistent", planFile);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^stack ai-gateway-selfhosted: \d+ to add, 0 to change, 0 to remove/);
    expect(existsSync("/nonexistent")).toBe(false);
  });
});
