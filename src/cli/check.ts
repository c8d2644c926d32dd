/**
 * `runway check`: the guardrail rules over offline plans, without the Pulumi CLI or credentials.
 *
 *   runway check --stack NAME | --all | --plan FILE ...   [--base BASE.json ...] [--catalog DIR] [--format text|markdown|json]
 *
 * Two `--plan` files of one stack are base and head (the replacement guard runs between them), as is
 * `--base BASE.json` with the head from `--plan` or `--stack`. Exit 0 when no mandatory rule fails, 1 when one
 * does, 2 when the input cannot be read.
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { z } from "zod";
import { ConfigError } from "../config/diagnostics";
import { listProjectStacks, stacksDir } from "../config/project";
import type { Plan } from "../plan/engine";
import { ruleTableMarkdown } from "../rules";
import { checkPlan, formatReport, reportFailed, reportMarkdown, type StackReport } from "../rules/check";
import { waiversOf } from "../rules/waivers";

export interface CheckDeps {
  /** Runs a stack's program offline and returns its plan (the plan engine). */
  planStack(stackName: string, opts?: { catalogDir?: string }): Promise<Plan>;
  /** Project root (where Pulumi.yaml and stacks/ are); default the working directory. */
  root?: string;
  /** Output sinks; default the console. */
  io?: CheckIO;
  /** Receives the exit code; default: sets process.exitCode. */
  setExit?(code: number): void;
}

export interface CheckCommandOptions {
  stack?: string[];
  all?: boolean;
  plan?: string[];
  base?: string[];
  catalog?: string;
  format?: "text" | "markdown" | "json";
  /** Print the rule table (markdown) instead of checking. */
  rules?: boolean;
}

export interface CheckIO {
  out(text: string): void;
  err(text: string): void;
}

const consoleIO: CheckIO = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** A usage or input problem: reported on stderr, exit 2. */
export class CheckInputError extends Error {}

const plannedResource = z.object({
  urn: z.string(),
  type: z.string(),
  name: z.string(),
  parent: z.string().nullable().default(null),
  provider: z.string().nullable().default(null),
  protect: z.boolean().default(false),
  dependsOn: z.array(z.string()).default([]),
  inputs: z.record(z.string(), z.unknown()).default({}),
  custom: z.boolean().default(true),
  retainOnDelete: z.boolean().default(false),
  deleteBeforeReplace: z.boolean().default(false),
  ignoreChanges: z.array(z.string()).default([]),
  replaceOnChanges: z.array(z.string()).default([]),
  additionalSecretOutputs: z.array(z.string()).default([]),
  aliases: z.array(z.string()).default([]),
});

const planSchema = z.object({
  stack: z.string().min(1),
  resources: z.array(plannedResource),
  outputs: z.record(z.string(), z.unknown()).default({}),
});

/** Reads a plan written by `runway plan --json`. */
export function readPlanFile(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CheckInputError(`${file}: cannot read plan: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckInputError(`${file}: not a runway plan: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Plans a stack; a program that fails is an input problem of this stack, not an internal error. */
async function planOrExplain(deps: CheckDeps, stack: string, catalogDir: string | undefined): Promise<Plan> {
  try {
    return await deps.planStack(stack, { catalogDir });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new CheckInputError(`runway check: planning stack ${stack} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

interface Job {
  head: Plan;
  base?: Plan;
}

async function collectJobs(opts: CheckCommandOptions, deps: CheckDeps, root: string): Promise<Job[]> {
  const stacks = [...(opts.stack ?? [])];
  if (opts.all) stacks.push(...listProjectStacks(root, { catalogDir: opts.catalog }).filter((s) => !stacks.includes(s)));
  if (stacks.length === 0 && !opts.plan?.length) throw new CheckInputError("runway check: choose --stack NAME, --all or --plan FILE");
  if (opts.all && stacks.length === 0) throw new CheckInputError(`runway check --all: no stack files in ${stacksDir(root)}`);

  const byStack = new Map<string, Plan[]>();
  for (const file of opts.plan ?? []) {
    const p = readPlanFile(file);
    byStack.set(p.stack, [...(byStack.get(p.stack) ?? []), p]);
  }
  for (const s of stacks) {
    if (byStack.has(s)) throw new CheckInputError(`runway check: stack ${s} is given both by --stack and by --plan; choose one`);
    byStack.set(s, [await planOrExplain(deps, s, opts.catalog)]);
  }
  const bases = new Map<string, Plan>();
  for (const file of opts.base ?? []) {
    const p = readPlanFile(file);
    if (bases.has(p.stack)) throw new CheckInputError(`runway check: two --base plans for stack ${p.stack}`);
    if (!byStack.has(p.stack)) throw new CheckInputError(`runway check: --base ${file} is stack ${p.stack}, which has no head plan; add --plan or --stack for it`);
    bases.set(p.stack, p);
  }
  return [...byStack].map(([stack, plans]): Job => {
    if (plans.length > 2) throw new CheckInputError(`runway check: ${plans.length} plans for stack ${stack}; pass at most two (base, then head)`);
    if (plans.length === 2 && bases.has(stack)) throw new CheckInputError(`runway check: stack ${stack} has a --base and two --plan files; pass base and head once`);
    return plans.length === 2 ? { base: plans[0], head: plans[1] } : { head: plans[0], base: bases.get(stack) };
  });
}

/** The action of `runway check`: prints the report and returns the exit code. */
export async function checkAction(opts: CheckCommandOptions, deps: CheckDeps, io: CheckIO = consoleIO): Promise<number> {
  if (opts.rules) {
    io.out(ruleTableMarkdown());
    return 0;
  }
  const root = deps.root ?? process.cwd();
  let reports: StackReport[];
  try {
    const jobs = await collectJobs(opts, deps, root);
    reports = jobs.map(({ head, base }) => checkPlan(head, { base, waivers: waiversOf(root, head.stack) }));
  } catch (e) {
    if (e instanceof CheckInputError || e instanceof ConfigError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
  if (opts.format === "markdown") io.out(reportMarkdown(reports));
  else if (opts.format === "json") io.out(JSON.stringify({ failed: reportFailed(reports), reports }, null, 2));
  else for (const line of formatReport(reports)) io.out(line);
  return reportFailed(reports) ? 1 : 0;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerCheckCommands(program: Command, deps: CheckDeps): void {
  program
    .command("check")
    .description("Check plans against the guardrail rules (security checklist) and, given a base plan, guard against deletions and replacements")
    .option("--stack <name>", "check a stack, planned offline (repeatable)", collect, [])
    .option("--all", "check every stack in stacks/")
    .option("--plan <file>", "check a plan file from `runway plan --json`; two files of one stack are base then head (repeatable)", collect, [])
    .option("--base <file>", "plan of the target branch for the replacement guard, matched to a head plan by stack (repeatable)", collect, [])
    .option("--catalog <dir>", "service catalog directory for --stack/--all (replaces runway:catalogDir)")
    .option("--rules", "print the rule table (id, severity, control, source) as markdown and exit")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .action(async (opts: CheckCommandOptions) => {
      const code = await checkAction(opts, deps, deps.io ?? consoleIO);
      if (deps.setExit) deps.setExit(code);
      else process.exitCode = code;
    });
}
