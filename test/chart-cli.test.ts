import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { chartBuild, registerChartCommands, type Io } from "../src/cli/chart";

const MANIFEST = "examples/ai-gateway/.runway/runway.yml";
const tmp = mkdtempSync(path.join(tmpdir(), "runway-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function io(): Io & { out: (l: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l) };
}

describe("runway chart CLI", () => {
  it("registers chart build, publish and promote on a program", () => {
    const program = new Command();
    registerChartCommands(program);
    const chart = program.commands.find((c) => c.name() === "chart");
    expect(chart?.commands.map((c) => c.name())).toEqual(["build", "publish", "promote", "resolve"]);
    const build = chart?.commands[0];
    expect(build?.options.map((o) => o.long)).toEqual(["--out", "--version", "--gitlab-release", "--image", "--home", "--source", "--icon", "--registry"]);
    expect(chart?.commands[1].options.map((o) => o.long)).toEqual(["--stage", "--tag", "--force", "--plain-http"]);
    expect(chart?.commands[2].options.map((o) => o.long)).toEqual(["--stage", "--force", "--plain-http"]);
  });

  it("`chart build` through commander writes the chart and the archive and sets exit code 0", async () => {
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: string) => void logs.push(l));
    const program = new Command().exitOverride();
    registerChartCommands(program);
    const out = path.join(tmp, "cmd");
    await program.parseAsync(["chart", "build", MANIFEST, "--out", out, "--version", "2.1.0", "--gitlab-release", "17.9"], { from: "user" });
    expect(process.exitCode).toBe(0);
    expect(existsSync(path.join(out, "ai-gateway-2.1.0.tgz"))).toBe(true);
    expect(readFileSync(path.join(out, "ai-gateway", "Chart.yaml"), "utf8")).toContain('runway.gitlab.com/gitlab-release: "17.9"');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^built ai-gateway 2\.1\.0: .*ai-gateway\/ and .*ai-gateway-2\.1\.0\.tgz \(sha256:[0-9a-f]{64}\)$/);
  });

  it("a malformed manifest prints one diagnostic per line and exits 1", async () => {
    const file = path.join(tmp, "runway.yml");
    writeFileSync(
      file,
      readFileSync(MANIFEST, "utf8").replace("request_based_billing: false", "request_based_billing: true").replace("container_port: 5052", "container_prt: 5052"),
    );
    const o = io();
    expect(await chartBuild(file, { out: path.join(tmp, "bad") }, o)).toBe(1);
    expect(o.lines).toHaveLength(2);
    expect(o.lines[0]).toMatch(/runway\.yml:17:3: spec\.container_prt: unknown field 'container_prt'; did you mean 'container_port'\?$/);
    expect(o.lines[1]).toMatch(/runway\.yml:[0-9]+:26: spec\.request_based_billing: .*has no Kubernetes equivalent yet/);
    expect(existsSync(path.join(tmp, "bad"))).toBe(false);
  });

  it("a bad flag exits 1 naming the flag", async () => {
    const o = io();
    expect(await chartBuild(MANIFEST, { out: path.join(tmp, "flag"), version: "v1" }, o)).toBe(1);
    expect(o.lines).toEqual(["runway: chart build: --version: 'v1' is not SemVer 2 such as 1.4.0 or 1.4.0-rc.1"]);
  });

  it("a missing manifest exits 1 with the file named", async () => {
    const o = io();
    expect(await chartBuild(path.join(tmp, "nope.yml"), { out: tmp }, o)).toBe(1);
    expect(o.lines).toHaveLength(1);
    expect(o.lines[0]).toMatch(/^runway: chart build: \S*nope\.yml: file not found$/);
  });

  it("an output directory that cannot be written exits 1 with one line", async () => {
    const blocker = path.join(tmp, "a-file");
    writeFileSync(blocker, "x");
    const o = io();
    expect(await chartBuild(MANIFEST, { out: path.join(blocker, "out") }, o)).toBe(1);
    expect(o.lines).toHaveLength(1);
    expect(o.lines[0]).toBe(`runway: chart build: --out: ${blocker} is a file, so ${path.join(blocker, "out")} cannot be created; choose another directory`);
  });
});
