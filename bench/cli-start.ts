/**
 * How fast `runway` starts: wall time of `runway --help` and `runway --version`, each in a fresh process, from the
 * compiled CLI (dist/, what `npx runway` runs after `npm ci`) and from the TypeScript sources through tsx (how the
 * CLI ran before it was compiled). Builds dist/ first so the compiled numbers are of the current sources.
 *
 * Run alone: node bin/tsx.cjs bench/cli-start.ts [RUNS]
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");

export interface StartTimes {
  runs: number;
  compiledHelpMs: number;
  compiledVersionMs: number;
  compiledHelpMinMs: number;
  sourcesHelpMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeRuns(args: string[], runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    times.push(performance.now() - t);
  }
  return times;
}

export function benchCliStart(runs = 10): StartTimes {
  execFileSync(process.execPath, [path.join(ROOT, "bin", "build.cjs")], { cwd: ROOT, stdio: "inherit" });
  const bin = path.join(ROOT, "bin", "runway.cjs");
  const help = timeRuns([bin, "--help"], runs);
  const version = timeRuns([bin, "--version"], runs);
  const fromSources = `require("tsx/cjs"); require("./src/cli/main.ts").run(["node", "runway", "--help"]);`;
  const sources = timeRuns(["-e", fromSources], Math.max(3, Math.floor(runs / 2)));
  return { runs, compiledHelpMs: median(help), compiledVersionMs: median(version), compiledHelpMinMs: Math.min(...help), sourcesHelpMs: median(sources) };
}

export function formatStartTimes(t: StartTimes): string {
  return [
    `runway start (median of ${t.runs} fresh processes):`,
    `  runway --help     compiled (dist/) ${t.compiledHelpMs.toFixed(0)} ms (min ${t.compiledHelpMinMs.toFixed(0)} ms)`,
    `  runway --version  compiled (dist/) ${t.compiledVersionMs.toFixed(0)} ms`,
    `  runway --help     sources via tsx  ${t.sourcesHelpMs.toFixed(0)} ms`,
  ].join("\n");
}

if (path.resolve(process.argv[1] ?? "") === __filename) {
  console.log(formatStartTimes(benchCliStart(Number(process.argv[2] ?? 10))));
}
