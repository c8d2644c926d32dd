/**
 * `npm run bench`: measured speed and memory, never asserted in tests.
 * 1. `runway plan` of every example stack, each in a fresh process.
 * 2. Platform plans of synthetic catalogs (50, 200, 500 tenants) against the floor: the same registrations replayed
 *    through bare CustomResource registrations under the same mocks (bench/floor.ts). The floor's own plan must equal
 *    the platform's, resource for resource, or the comparison is void and the bench fails. The class floor replays
 *    them through the provider SDKs' classes (bench/class-floor.ts): the part of the gap the classes explain.
 * 0. How fast `runway --help` starts (bench/cli-start.ts), compiled and from sources.
 * 3. Chart builds, when the chart compiler is present.
 * 4. The program's start under the nodejs language host (cmd/run with ts-node, as `pulumi preview` runs it), with an
 *    empty compile cache (cold) and again with the cache it left (warm).
 * The last line is the machine-readable summary.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { listProjectStacks } from "../src/config/project";
import type { Plan } from "../src/plan/engine";
import { cliConfig, launchProgram } from "../test/helpers/language-host";
import { benchCliStart, formatStartTimes } from "./cli-start";
import { writeSyntheticCatalog } from "./synthetic";

const ROOT = path.join(__dirname, "..");

interface Measured {
  stack: string;
  wallMs: number;
  /** User + system CPU of the measured run (includes V8's GC threads), less sensitive to a busy machine. */
  cpuMs: number;
  rssMb: number;
  resources: number;
}

/** The floor must have registered exactly what the platform did. */
function sameRegistrations(platformFile: string, floorFile: string): void {
  const read = (f: string) => (JSON.parse(readFileSync(f, "utf8")) as Plan).resources;
  const [a, b] = [read(platformFile), read(floorFile)];
  const differ = a.filter((r, i) => JSON.stringify(r) !== JSON.stringify(b[i]));
  if (a.length !== b.length || differ.length) {
    throw new Error(`the floor did not replay the platform's registrations (${a.length} vs ${b.length} resources; first difference: ${differ[0]?.urn})`);
  }
}

function inFreshProcess(script: string, args: string[]): Measured {
  const out = execFileSync(process.execPath, [path.join(ROOT, "bin", "tsx.cjs"), path.join(ROOT, "bench", script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split("\n").pop() as string) as Measured;
}

const fmt = (n: number, d = 1) => n.toFixed(d);

/**
 * `pulumi preview` start: from spawning cmd/run to the program's first registration (loading and compiling the
 * TypeScript program), and to exit, for platform-staging.
 */
async function benchLanguageHost(): Promise<string> {
  const stack = "platform-staging";
  const cli = cliConfig(ROOT, stack);
  if ("refused" in cli) throw new Error(`Pulumi refuses ${stack}: ${cli.refused.join("; ")}`);
  const cache = mkdtempSync(path.join(tmpdir(), "runway-ts-node-"));
  const run = () => launchProgram({ root: ROOT, stack, ...cli, dryRun: true, env: { TS_NODE_CACHE_DIRECTORY: cache } });
  const cold = await run();
  const warm = await run();
  for (const r of [cold, warm]) if (r.exitCode !== 0) throw new Error(`the program failed under the language host: ${r.stderr}`);
  return (
    `language host (cmd/run + ts-node transpile-only, ${stack} preview, ${cold.resources.length} resources):\n` +
    `  cold start_ms=${cold.startMillis} total_ms=${cold.millis}\n  warm start_ms=${warm.startMillis} total_ms=${warm.millis}`
  );
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "runway-bench-"));
  // Another busy process on the machine shows in wall time first: say how busy it was.
  console.log(`machine: ${cpus().length} cores, node ${process.version}, load average ${loadavg()[0].toFixed(2)} at start\n`);
  const start = benchCliStart();
  console.log(`${formatStartTimes(start)}\n`);
  console.log("example stacks (runway plan, fresh process each):");
  for (const stack of listProjectStacks(ROOT)) {
    const m = inFreshProcess("plan-worker.ts", [stack]);
    console.log(`  ${stack.padEnd(32)} wall_ms=${fmt(m.wallMs, 0).padStart(6)} rss_mb=${fmt(m.rssMb, 0).padStart(5)} resources=${m.resources}`);
  }

  console.log("\nsynthetic platform catalogs (platform-staging, fresh process each):");
  const sizes = [50, 200, 500];
  const rows: { tenants: number; run: Measured; floor: Measured }[] = [];
  for (const n of sizes) {
    const dir = path.join(work, `catalog-${n}`);
    writeSyntheticCatalog(dir, n, "staging");
    const planFile = path.join(work, `plan-${n}.json`);
    const run = inFreshProcess("plan-worker.ts", ["platform-staging", dir, "--json", planFile]);
    const replayed = (script: string) => {
      const file = path.join(work, `${script.replace(/\.ts$/, "")}-${n}.json`);
      const m = inFreshProcess(script, [planFile, "--json", file]);
      sameRegistrations(planFile, file);
      return m;
    };
    const floor = replayed("floor.ts");
    const classFloor = replayed("class-floor.ts");
    rows.push({ tenants: n, run, floor });
    console.log(
      `  tenants=${String(n).padStart(3)} wall_s=${fmt(run.wallMs / 1000, 2)} cpu_s=${fmt(run.cpuMs / 1000, 2)} rss_mb=${fmt(run.rssMb, 0)} resources=${run.resources} ` +
        `per_tenant_ms=${fmt(run.wallMs / n, 2)} floor_wall_s=${fmt(floor.wallMs / 1000, 2)} floor_cpu_s=${fmt(floor.cpuMs / 1000, 2)} ` +
        `floor_rss_mb=${fmt(floor.rssMb, 0)} class_floor_wall_s=${fmt(classFloor.wallMs / 1000, 2)} floor_ratio=${fmt(run.wallMs / floor.wallMs, 2)}`,
    );
  }

  const chartBench = path.join(ROOT, "bench", "chart.ts");
  if (existsSync(chartBench)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { benchChart } = require(chartBench) as { benchChart(): Promise<string> };
    console.log(`\n${await benchChart()}`);
  }

  console.log(`\n${await benchLanguageHost()}`);

  const last = rows[rows.length - 1];
  const r200 = rows.find((r) => r.tenants === 200) as (typeof rows)[number];
  console.log(
    `bench: tenants=${last.tenants} wall_s=${fmt(last.run.wallMs / 1000, 2)} rss_mb=${fmt(last.run.rssMb, 0)} ` +
      `per_tenant_ms=${fmt(last.run.wallMs / last.tenants, 2)} floor_ratio=${fmt(last.run.wallMs / last.floor.wallMs, 2)} ` +
      `growth_500_over_200=${fmt(last.run.wallMs / r200.run.wallMs, 2)} help_ms=${fmt(start.compiledHelpMs, 0)}`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
