/**
 * One measured plan in a fresh process: prints a JSON line with wall time, peak RSS and resource count.
 * Usage: node bin/tsx.cjs bench/plan-worker.ts STACK [CATALOG_DIR] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { planStack } from "../src/plan/stack-plan";
import { planJson } from "../src/plan/render";

async function main(): Promise<void> {
  const [stack, catalogDir] = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--json");
  const jsonAt = process.argv.indexOf("--json");
  const started = process.hrtime.bigint();
  const plan = await planStack(stack, { catalogDir });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], planJson(plan));
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ stack, wallMs, rssMb, resources: plan.resources.length })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
