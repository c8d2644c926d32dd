/**
 * Output files (src/cli/output.ts): `-` is stdout, files are replaced atomically, a directory is a clear error
 * before any work, and nothing the command did not create is deleted.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/cli/errors";
import { writeFileAtomic, writeOutput, writeOutputDirectory } from "../src/cli/output";
import { runCli } from "./helpers/cli";

const tmp = () => mkdtempSync(path.join(tmpdir(), "runway-output-"));
const io = () => {
  const out: string[] = [];
  return { out, sink: { out: (l: string) => void out.push(l), err: () => {} } };
};

describe("output files", () => {
  it("- writes to stdout and creates no file", () => {
    const cwd = process.cwd();
    const o = io();
    writeOutput(o.sink, "--out", "-", "text\n");
    expect(o.out).toEqual(["text"]);
    expect(existsSync(path.join(cwd, "-"))).toBe(false);
  });

  it("replaces an existing file, keeping its permissions and leaving no temporary file", () => {
    const dir = tmp();
    const file = path.join(dir, "note.md");
    writeFileSync(file, "old content that is longer than the new one\n");
    chmodSync(file, 0o640);
    writeOutput(io().sink, "--out", file, "new\n");
    expect(readFileSync(file, "utf8")).toBe("new\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["note.md"]);
  });

  it("creates missing parent directories", () => {
    const file = path.join(tmp(), "a", "b", "plan.json");
    writeOutput(io().sink, "--json", file, "{}\n");
    expect(readFileSync(file, "utf8")).toBe("{}\n");
  });

  it("writes through a symbolic link, which stays a link", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "real.md"), "old\n");
    symlinkSync("real.md", path.join(dir, "link.md"));
    writeOutput(io().sink, "--out", path.join(dir, "link.md"), "new\n");
    expect(readlinkSync(path.join(dir, "link.md"))).toBe("real.md");
    expect(readFileSync(path.join(dir, "real.md"), "utf8")).toBe("new\n");
  });

  it("a directory is a clear error naming the flag", () => {
    const dir = tmp();
    expect(() => writeOutput(io().sink, "--out", dir, "x")).toThrow(new InputError(`--out ${dir}: is a directory; give a file name (or - for stdout)`));
  });

  it("a parent that is a file is a clear error", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "file"), "");
    const target = path.join(dir, "file", "x.json");
    expect(() => writeOutput(io().sink, "--json", target, "x")).toThrow(new InputError(`--json ${target}: cannot write: ${path.join(dir, "file")} is not a directory`));
  });

  it("a failed replacement leaves the target as it was and removes only its own temporary file", () => {
    const dir = tmp();
    const target = path.join(dir, "taken");
    mkdirSync(target);
    writeFileSync(path.join(target, "keep"), "mine\n");
    expect(() => writeFileAtomic(target, "x")).toThrow();
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readFileSync(path.join(target, "keep"), "utf8")).toBe("mine\n");
  });
});

describe("plan --json", () => {
  it("onto an existing file replaces it", async () => {
    const file = path.join(tmp(), "plan.json");
    writeFileSync(file, "not a plan\n");
    const r = await runCli("plan", "--stack", "ai-gateway-selfhosted", "--json", file, "--quiet");
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).stack).toBe("ai-gateway-selfhosted");
  });

  it("onto a directory without --all is a clear error before planning, never a stack trace", async () => {
    const dir = tmp();
    const r = await runCli("plan", "--stack", "ai-gateway-selfhosted", "--json", dir);
    expect(r).toEqual({ code: 1, out: "", err: `runway: plan: --json ${dir}: is a directory; give a file name (or - for stdout)` });
  });

  it("an empty name is a usage error before planning", async () => {
    const r = await runCli("plan", "--stack", "ai-gateway-selfhosted", "--json", "");
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe("runway: plan: --json needs a file name, or - for stdout");
  });

  it("with --all onto a file is a clear error", async () => {
    const file = path.join(tmp(), "plans");
    writeFileSync(file, "");
    const r = await runCli("plan", "--all", "--json", file);
    expect(r).toEqual({ code: 1, out: "", err: `runway: plan: --json ${file}: is not a directory` });
  });

  it("with --all keeps files in the directory that it did not write", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "README.txt"), "mine\n");
    writeFileSync(path.join(dir, "old-stack.json"), "{}\n");
    writeOutputDirectory("--json", dir, [{ name: "a.json", text: "1\n" }, { name: "b.json", text: "2\n" }]);
    expect(readdirSync(dir).sort()).toEqual(["README.txt", "a.json", "b.json", "old-stack.json"]);
    expect(readFileSync(path.join(dir, "README.txt"), "utf8")).toBe("mine\n");
  });
});
