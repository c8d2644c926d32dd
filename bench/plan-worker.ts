/**
 * One measured plan in a fresh process: prints a JSON line with wall time, CPU time, peak RSS, resource count and
 * the time spent loading modules during the run.
 * The measured run is what `runway plan` does once Runway's own modules are imported: read the stack file, load and
 * validate the catalog, run the program under the engine, sort the records. The provider SDKs load their resource
 * modules lazily on first use, so that loading falls inside the run; `loadMs` says how much of it it was.
 * Usage: node bin/tsx.cjs bench/plan-worker.ts STACK [CATALOG_DIR] [--json FILE] [--warm]
 * `--warm` plans once unmeasured first, as bench/floor.ts --warm does before its replay (docs/performance.md).
 */
import { writeFileSync } from "node:fs";
import Module from "node:module";
import { planStack } from "../src/plan/stack-plan";
import { planJson } from "../src/plan/render";

/** Time spent in outermost `require` calls from now on. */
function timeRequires(): () => number {
  const mod = Module as unknown as { _load(...args: unknown[]): unknown };
  const load = mod._load;
  let depth = 0;
  let ns = 0n;
  mod._load = function (this: unknown, ...args: unknown[]) {
    const started = depth++ === 0 ? process.hrtime.bigint() : 0n;
    try {
      return load.apply(this, args);
    } finally {
      if (--depth === 0) ns += process.hrtime.bigint() - started;
    }
  };
  return () => Number(ns) / 1e6;
}

async function main(): Promise<void> {
  const [stack, catalogDir] = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--json");
  const jsonAt = process.argv.indexOf("--json");
  if (process.argv.includes("--warm")) await planStack(stack, { catalogDir });
  const loadMs = timeRequires();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const plan = await planStack(stack, { catalogDir });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], planJson(plan));
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(`${JSON.stringify({ stack, wallMs, cpuMs, rssMb, loadMs: loadMs(), resources: plan.resources.length })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
