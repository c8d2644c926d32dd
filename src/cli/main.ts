/**
 * The `runway` command line.
 */
import { RunError } from "@pulumi/pulumi";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/diagnostics";
import { projectRoot } from "../paths";
import { planStack } from "../plan/stack-plan";
import { affectedCommand } from "./affected";
import { registerChartCommands } from "./chart";
import { registerCheckCommands } from "./check";
import { registerCiCommands } from "./ci";
import { ciNoteCommand } from "./ci-note";
import { describeCommand } from "./describe";
import { diffCommand } from "./diff";
import { registerIpamCommands } from "./ipam";
import { planCommand } from "./plan";
import { schemasCommand } from "./schemas";
import { registerStackCommands } from "./stack";
import { validateCommand } from "./validate";

/** Output sinks, replaceable in tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const consoleIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** Runs an action; bad input is printed as diagnostics (exit 1), never as a stack trace. */
export async function guarded(io: Io, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split("\n")) io.err(line);
      return 1;
    }
    if (RunError.isInstance(e)) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("runway")
    .description("Runway: provision GCP projects, GKE clusters and satellite services on GitLab's platform.")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) });
  const run = (fn: () => Promise<number> | number) => guarded(io, fn).then(setExit);

  program
    .command("validate")
    .description("Validate stack files and catalog files (default: every stack in stacks/ and its catalog).")
    .argument("[paths...]", "stack files, catalog files or catalog directories")
    .action((paths: string[]) => run(() => validateCommand(io, paths)));

  program
    .command("plan")
    .description("Run a stack's Pulumi program offline under the mock runtime and show what it would create.")
    .option("--stack <name>", "stack to plan (stacks/Pulumi.<name>.yaml)")
    .option("--all", "plan every stack in stacks/")
    .option("--catalog <dir>", "use this catalog directory instead of the stack's")
    .option("--json <file>", "write the plan as JSON (with --all: a directory, one <stack>.json each)")
    .option("--preview", "leave computed outputs unknown, as `pulumi preview` does")
    .option("--quiet", "print only the counts")
    .action((opts) => run(() => planCommand(io, opts)));

  program
    .command("diff")
    .description("Compare two plans (files or directories of plans written by `runway plan --json`).")
    .argument("<base>", "plan before the change")
    .argument("<head>", "plan after the change")
    .option("--format <format>", "text or markdown", "text")
    .action((base: string, head: string, opts) => run(() => diffCommand(io, base, head, opts)));

  program
    .command("schemas")
    .description("Write or check the generated JSON Schemas in schemas/.")
    .option("--write", "write the files")
    .option("--check", "fail when a committed schema is stale")
    .action((opts) => run(() => schemasCommand(io, opts)));

  program
    .command("affected")
    .description("List the stacks a change affects (changed files since the merge base with --base).")
    .option("--base <ref>", "git revision the change is compared with, e.g. origin/main")
    .option("--all", "every stack, derived ones included")
    .option("--format <format>", "text (stack and reason per line) or json", "text")
    .option("--pipeline <file>", "also write a GitLab child pipeline previewing each affected stack")
    .option("--deploy-pipeline <file>", "also write a GitLab child pipeline deploying them, environment by environment")
    .action((opts) => run(() => affectedCommand(io, opts)));

  registerStackCommands(program, io, run);
  registerIpamCommands(program, io, run);
  program
    .command("describe")
    .description("What a service gets in each environment: host, service accounts, Vault path, dashboard, alerts, Flux objects")
    .argument("<service>", "service name (services/<service>.yaml)")
    .option("--env <environment>", "only this environment")
    .option("--format <format>", "text, markdown or json", "text")
    .action((service: string, opts: { env?: string; format?: string }) => run(() => describeCommand(io, service, opts)));

  registerCheckCommands(program, { planStack, root: projectRoot(), io, setExit: (c) => setExit(c) });
  registerChartCommands(program);
  registerCiCommands(program);
  program.commands
    .find((c) => c.name() === "ci")
    ?.command("note")
    .description("Compose the merge-request note from plans of the target branch and of the merge request")
    .requiredOption("--base <dir>", "plans of the target branch (runway plan --all --json DIR); may be missing")
    .requiredOption("--head <dir>", "plans of the merge request")
    .option("--out <file>", "write the note here instead of printing it")
    .action((opts) => run(() => ciNoteCommand(io, opts)));

  return program;
}

export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  // Some commands report through process.exitCode; keep it local to this call.
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : e.exitCode || 2;
    throw e;
  } finally {
    const reported = Number(process.exitCode ?? 0);
    process.exitCode = before;
    code ||= reported;
  }
  return code;
}
