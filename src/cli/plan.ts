import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../config/diagnostics";
import { listProjectStacks } from "../config/project";
import { projectRoot } from "../paths";
import type { Plan } from "../plan/engine";
import { planJson, renderCounts, renderTree } from "../plan/render";
import { planStack } from "../plan/stack-plan";
import type { Io } from "./main";

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
  if (opts.stack && opts.all) throw usage("--stack and --all are mutually exclusive; choose one");
  if (opts.all) return known;
  if (!opts.stack) throw usage(`choose --stack NAME or --all (stacks: ${known.join(", ")})`);
  if (!known.includes(opts.stack)) throw usage(`no stack '${opts.stack}': stacks/Pulumi.${opts.stack}.yaml does not exist and no catalog entry derives it (stacks: ${known.join(", ")})`);
  return [opts.stack];
}

function usage(message: string): ConfigError {
  return new ConfigError([{ file: "runway", line: 1, column: 1, path: "", message }]);
}

export async function planCommand(io: Io, opts: PlanOptions): Promise<number> {
  const stacks = selectStacks(opts);
  const plans: Plan[] = [];
  for (const name of stacks) {
    const plan = await planStack(name, { catalogDir: opts.catalog, preview: opts.preview });
    plans.push(plan);
    io.out(`Stack ${name}${opts.preview ? " (preview: computed values unknown)" : ""}: ${plan.resources.length} resources`);
    if (!opts.quiet) io.out(renderTree(plan));
    io.out(renderCounts(plan));
    io.out("");
  }
  if (opts.json) {
    if (opts.all) {
      mkdirSync(opts.json, { recursive: true });
      for (const p of plans) writeFileSync(path.join(opts.json, `${p.stack}.json`), planJson(p));
    } else {
      mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
      writeFileSync(opts.json, planJson(plans[0]));
    }
    io.out(`plan written to ${opts.json}`);
  }
  return 0;
}
