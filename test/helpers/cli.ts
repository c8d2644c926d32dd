/**
 * Runs the `runway` CLI in-process and captures what it prints.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { main } from "../../src/cli/main";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "runway", ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const BIN = path.join(__dirname, "..", "..", "bin", "runway.cjs");

/** Runs `runway` as its own process, as a user would (bin/runway.cjs), with a clean colour environment. */
export function runBin(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; closeStdout?: boolean } = {}): Promise<ProcessResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    // Closing our end before the child writes makes its first write fail with EPIPE, as `runway ... | head -0`.
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
