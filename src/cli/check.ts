/**
 * `runway check`: the guardrail rules over offline plans, without the Pulumi CLI or credentials.
 *
 *   runway check --stack NAME | --all | --plan FILE ...   [--base BASE.json ...] [--catalog DIR] [--format text|markdown|json]
 *
 * Two `--plan` files of one stack are base and head (the replacement guard runs between them), as is
 * `--base BASE.json` with the head from `--plan` or `--stack`. Exit 0 when no mandatory rule fails, 1 when one
 * does or the input cannot be read, 2 for a wrong command line (src/cli/errors.ts).
 */
import { type Command, Option } from "commander";
import { ConfigError } from "../config/diagnostics";
import { listProjectStacks, stacksDir } from "../config/project";
import type { Plan } from "../plan/engine";
import { ruleTableMarkdown } from "../rules";
import { checkPlan, formatReport, reportFailed, reportMarkdown, type StackReport } from "../rules/check";
import { waiversOf } from "../rules/waivers";
import { checkJson } from "./check-json";
import { EXIT, InputError, reportError, UsageError } from "./errors";
import { type Io, painter } from "./io";
import { readPlanFile } from "./plans";
import { progress } from "./progress";

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
  /** No progress while planning stacks. */
  quiet?: boolean;
}

export type CheckIO = Io;

const consoleIO: CheckIO = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Plans a stack; a program that fails is an input problem of this stack, not an internal error. */
async function planOrExplain(deps: CheckDeps, stack: string, catalogDir: string | undefined): Promise<Plan> {
  try {
    return await deps.planStack(stack, { catalogDir });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new InputError(`planning stack ${stack} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

interface Job {
  head: Plan;
  base?: Plan;
}

async function collectJobs(opts: CheckCommandOptions, deps: CheckDeps, root: string, io: Io): Promise<Job[]> {
  const stacks = [...(opts.stack ?? [])];
  if (opts.all) stacks.push(...listProjectStacks(root, { catalogDir: opts.catalog }).filter((s) => !stacks.includes(s)));
  if (stacks.length === 0 && !opts.plan?.length) throw new UsageError("choose --stack NAME, --all or --plan FILE");
  if (opts.all && stacks.length === 0) throw new InputError(`--all: no stack files in ${stacksDir(root)}`);

  const byStack = new Map<string, Plan[]>();
  for (const file of opts.plan ?? []) {
    for (const p of readPlanFile(file)) byStack.set(p.stack, [...(byStack.get(p.stack) ?? []), p]);
  }
  for (const s of stacks) {
    if (byStack.has(s)) throw new UsageError(`stack ${s} is given both by --stack and by --plan; choose one`);
  }
  const bar = progress(io, stacks.length, ["planning", "planned"], opts.quiet);
  try {
    for (const s of stacks) {
      bar.start(s);
      const plan = await planOrExplain(deps, s, opts.catalog);
      bar.done(s, `${plan.resources.length} resources`);
      byStack.set(s, [plan]);
    }
  } finally {
    bar.end();
  }
  const bases = new Map<string, Plan>();
  for (const file of opts.base ?? []) {
    for (const p of readPlanFile(file)) {
      if (bases.has(p.stack)) throw new UsageError(`two --base plans for stack ${p.stack}`);
      if (!byStack.has(p.stack)) throw new UsageError(`--base ${file} is stack ${p.stack}, which has no head plan; add --plan or --stack for it`);
      bases.set(p.stack, p);
    }
  }
  return [...byStack].map(([stack, plans]): Job => {
    if (plans.length > 2) throw new UsageError(`${plans.length} plans for stack ${stack}; pass at most two (base, then head)`);
    if (plans.length === 2 && bases.has(stack)) throw new UsageError(`stack ${stack} has a --base and two --plan files; pass base and head once`);
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
    const jobs = await collectJobs(opts, deps, root, io);
    reports = jobs.map(({ head, base }) => checkPlan(head, { base, waivers: waiversOf(root, head.stack) }));
  } catch (e) {
    const code = reportError(io, "check", e);
    if (code === undefined) throw e;
    return code;
  }
  if (opts.format === "markdown") io.out(reportMarkdown(reports));
  else if (opts.format === "json") io.out(JSON.stringify(checkJson(reports), null, 2));
  else for (const line of formatReport(reports)) io.out(colorReportLine(line, io));
  return reportFailed(reports) ? EXIT.findings : EXIT.ok;
}

/** The text report with its verdicts in colour (on a terminal). */
function colorReportLine(line: string, io: Io): string {
  const paint = painter(io.color);
  return line
    .replace(/^MANDATORY /, paint("red", "MANDATORY") + " ")
    .replace(/^ADVISORY /, paint("yellow", "ADVISORY") + " ")
    .replace(/^WAIVER /, paint("cyan", "WAIVER") + " ")
    .replace(/: FAILED$/, `: ${paint("red", "FAILED")}`)
    .replace(/: PASSED$/, `: ${paint("green", "PASSED")}`);
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
    .option("--quiet", "no progress while planning stacks")
    .action(async (opts: CheckCommandOptions) => {
      const code = await checkAction(opts, deps, deps.io ?? consoleIO);
      if (deps.setExit) deps.setExit(code);
      else process.exitCode = code;
    });
}
