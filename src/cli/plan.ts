import * as path from "node:path";
import { listProjectStacks } from "../config/project";
import { projectRoot } from "../paths";
import type { Plan } from "../plan/engine";
import { planDocument, planJson, renderCounts, renderTree } from "../plan/render";
import { InputError, UsageError } from "./errors";
import { type Io, painter } from "./io";
import { checkDirectoryTarget, checkFileTarget, isStdout, writeOutput, writeOutputDirectory } from "./output";
import { progress } from "./progress";

export interface PlanOptions {
  stack?: string;
  all?: boolean;
  catalog?: string;
  json?: string;
  preview?: boolean;
  quiet?: boolean;
}

export function selectStacks(opts: { stack?: string; all?: boolean; catalog?: string }): string[] {
  // Stack files and the stacks derived from the catalog.
  const known = listProjectStacks(projectRoot(), { catalogDir: opts.catalog === undefined ? undefined : path.resolve(opts.catalog) });
  if (opts.stack && opts.all) throw new UsageError("--stack and --all are mutually exclusive; choose one");
  if (opts.all) return known;
  if (!opts.stack) throw new UsageError(`choose --stack NAME or --all (stacks: ${known.join(", ")})`);
  if (!known.includes(opts.stack)) throw new InputError(`no stack '${opts.stack}': stacks/Pulumi.${opts.stack}.yaml does not exist and no catalog entry derives it (stacks: ${known.join(", ")})`);
  return [opts.stack];
}

/**
 * `runway plan`: plans stacks offline, prints each stack's tree and counts, and with --json writes the plans
 * (a file; with --all a directory of `<stack>.json`; `-` prints JSON alone on stdout: a plan, or with --all an
 * array of plans). Output is written only when every stack planned: never half a set of plans.
 */
export async function planCommand(io: Io, opts: PlanOptions): Promise<number> {
  const stacks = selectStacks(opts);
  const json = opts.json;
  if (json !== undefined && !isStdout(json)) {
    if (opts.all) checkDirectoryTarget("--json", json);
    else checkFileTarget("--json", json);
  }
  const report = !isStdout(json);
  const paint = painter(io.color);
  const { planStack } = await import("../plan/stack-plan");
  const bar = progress(io, stacks.length, ["planning", "planned"], opts.quiet);
  const plans: Plan[] = [];
  try {
    for (const name of stacks) {
      bar.start(name);
      const plan = await planStack(name, { catalogDir: opts.catalog, preview: opts.preview });
      bar.done(name, `${plan.resources.length} resources`);
      plans.push(plan);
      if (!report) continue;
      io.out(paint("bold", `Stack ${name}${opts.preview ? " (preview: computed values unknown)" : ""}: ${plan.resources.length} resources`));
      if (!opts.quiet) io.out(renderTree(plan, paint));
      io.out(renderCounts(plan));
      io.out("");
    }
  } finally {
    bar.end();
  }
  if (json === undefined) return 0;
  if (isStdout(json)) {
    io.out(opts.all ? JSON.stringify(plans.map(planDocument), null, 2) : planJson(plans[0]).trimEnd());
  } else if (opts.all) {
    writeOutputDirectory("--json", json, plans.map((p) => ({ name: `${p.stack}.json`, text: planJson(p) })));
    io.out(`plans written to ${json}`);
  } else {
    writeOutput(io, "--json", json, planJson(plans[0]));
    io.out(`plan written to ${json}`);
  }
  return 0;
}
