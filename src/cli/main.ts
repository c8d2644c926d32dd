/**
 * The `runway` command line. Conventions (exit statuses, messages, `-`, colour, progress) are in
 * src/cli/errors.ts and src/cli/io.ts and documented in docs/cli.md.
 *
 * Each command's implementation is loaded when it runs, so `runway --help` and `runway --version` load commander
 * and nothing else: no zod, no yaml, no rules, no Pulumi SDK. The command groups whose registration is itself
 * heavy (check, chart, ci) are registered for real only when they are the command being run; otherwise a stub
 * with their one-line description lists them in the help.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { projectRoot } from "../paths";
import { EXIT, guarded } from "./errors";
import { type CommandContext, exitQuietlyOnClosedPipe, type Io, terminalIo } from "./io";
import { formatOption } from "./options";

export type { Io } from "./io";

/** The version in package.json. */
export function runwayVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string }).version;
}

interface LazyGroup {
  name: string;
  description: string;
  register(program: Command, ctx: CommandContext): Promise<void>;
}

const LAZY_GROUPS: LazyGroup[] = [
  {
    name: "check",
    description: "Check plans against the guardrail rules (security checklist) and guard against deletions and replacements",
    async register(program, ctx) {
      const { registerCheckCommands } = await import("./check");
      const planStack = async (stack: string, opts?: { catalogDir?: string }) => (await import("../plan/stack-plan")).planStack(stack, opts);
      registerCheckCommands(program, { planStack, root: projectRoot(), io: ctx.io, setExit: ctx.setExit });
    },
  },
  {
    name: "chart",
    description: "Build a Helm chart from a Runway manifest, publish it to an OCI registry, promote it through stages",
    async register(program, ctx) {
      (await import("./chart")).registerChartCommands(program, ctx);
    },
  },
  {
    name: "stack",
    description: "Stacks of the project, derived ones included, as the Pulumi CLI needs them",
    async register(program, ctx) {
      (await import("./stack")).registerStackCommands(program, ctx);
    },
  },
  {
    name: "ipam",
    description: "The address plan: every range in use, and each environment's dedicated-service allocations",
    async register(program, ctx) {
      (await import("./ipam")).registerIpamCommands(program, ctx);
    },
  },
  {
    name: "ci",
    description: "Commands for GitLab CI jobs: the merge-request note",
    async register(program, ctx) {
      (await import("./ci")).registerCiCommands(program, ctx);
    },
  },
];

export async function buildProgram(io: Io, setExit: (code: number) => void, selected?: string): Promise<Command> {
  const program = new Command("runway")
    .description("Runway: provision GCP projects, GKE clusters and satellite services on GitLab's platform.")
    .version(runwayVersion(), "-V, --version", "print runway's version")
    .helpCommand(true)
    // runway's own options (-V, --version) only before a command: `chart build --version 1.2.0` is the chart's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
      // Usage errors are printed by main(), as `runway: <command>: <message>`.
      outputError: () => {},
    });
  const ctx: CommandContext = { io, run: (command, fn) => guarded(io, command, fn).then(setExit), setExit };
  const run = ctx.run;

  program
    .command("validate")
    .description("Validate stack files and catalog files (default: every stack in stacks/ and its catalog)")
    .argument("[paths...]", "stack files, catalog files or catalog directories")
    .action((paths: string[]) => run("validate", async () => (await import("./validate")).validateCommand(io, paths)));

  program
    .command("plan")
    .description("Run a stack's Pulumi program offline under the mock runtime and show what it would create")
    .option("--stack <name>", "stack to plan (stacks/Pulumi.<name>.yaml)")
    .option("--all", "plan every stack in stacks/")
    .option("--catalog <dir>", "use this catalog directory instead of the stack's")
    .option("--json <file>", "write the plan as JSON (- for stdout; with --all: a directory, one <stack>.json each)")
    .option("--preview", "leave computed outputs unknown, as `pulumi preview` does")
    .option("--quiet", "print only the counts; no progress")
    .action((opts) => run("plan", async () => (await import("./plan")).planCommand(io, opts)));

  program
    .command("diff")
    .description("Compare two plans (files or directories of plans written by `runway plan --json`)")
    .argument("<base>", "plans before the change")
    .argument("<head>", "plans after the change")
    .addOption(formatOption(["text", "markdown", "json"]))
    .option("--diff", "show the old and new values of what changes (secrets masked)")
    .option("--base-missing-ok", "a missing <base> reads as no plans: everything in <head> is new")
    .action((base: string, head: string, opts) => run("diff", async () => (await import("./diff")).diffCommand(io, base, head, opts)));

  program
    .command("schemas")
    .description("Write or check the generated JSON Schemas in schemas/")
    .option("--write", "write the files")
    .option("--check", "fail when a committed schema is stale (the default)")
    .action((opts) => run("schemas", async () => (await import("./schemas")).schemasCommand(io, opts)));

  program
    .command("affected")
    .description("List the stacks a change affects (changed files since the merge base with --base, or --all)")
    .option("--base <ref>", "git revision the change is compared with, e.g. origin/main")
    .option("--all", "every stack, derived ones included")
    .addOption(formatOption(["text", "json"]))
    .option("--pipeline <file>", "also write a GitLab child pipeline previewing each affected stack (- for stdout)")
    .option("--deploy-pipeline <file>", "also write a GitLab child pipeline deploying them, environment by environment (- for stdout)")
    .action((opts) => run("affected", async () => (await import("./affected")).affectedCommand(io, opts)));

  program
    .command("describe")
    .description("What a service gets in each environment: host, service accounts, Vault path, dashboard, alerts, Flux objects")
    .argument("<service>", "service name (services/<service>.yaml)")
    .option("--env <environment>", "only this environment")
    .addOption(formatOption(["text", "markdown", "json"]))
    .action((service: string, opts: { env?: string; format?: string }) => run("describe", async () => (await import("./describe")).describeCommand(io, service, opts)));

  program
    .command("version")
    .description("Print runway's version")
    .action(() =>
      run("version", () => {
        io.out(runwayVersion());
        return EXIT.ok;
      }),
    );

  for (const group of LAZY_GROUPS) {
    if (group.name === selected) await group.register(program, ctx);
    else program.command(group.name).description(group.description);
  }
  return program;
}

/** The command an argument list runs (`help X` runs X's help); undefined for none. */
function selectedCommand(args: string[]): string | undefined {
  const operands = args.filter((a) => !a.startsWith("-"));
  return operands[0] === "help" ? operands[1] : operands[0];
}

/** The chain of command names `args` reaches, e.g. ["chart", "build"]. */
function commandPath(program: Command, args: string[]): Command[] {
  const chain: Command[] = [];
  let current = program;
  for (const a of args) {
    if (a.startsWith("-")) continue;
    const sub = current.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    chain.push(sub);
    current = sub;
  }
  return chain;
}

/** Whether a command group does something itself when named alone (`runway ipam` shows the address plan). */
function hasOwnAction(command: Command): boolean {
  // Commander keeps the handler `.action()` set in a field of its own; null until one is set.
  return (command as unknown as { _actionHandler: unknown })._actionHandler != null;
}

/** Runs the CLI on `argv` (node, script, args...) and returns the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = argv.slice(2);
  let code: number = EXIT.ok;
  const program = await buildProgram(io, (c) => (code = c), selectedCommand(args));
  const chain = commandPath(program, args);
  const target = chain.at(-1) ?? program;
  const operands = args.filter((a) => !a.startsWith("-"));
  if (operands[0] === "help" && operands[1] && !program.commands.some((c) => c.name() === operands[1])) {
    io.err(`runway: help: unknown command '${operands[1]}'`);
    io.err("Run 'runway --help' for usage.");
    return EXIT.usage;
  }
  // `runway` or `runway chart` alone: the help of that command, as kubectl and helm do.
  if (args.every((a) => !a.startsWith("-")) && args.length === chain.length && target.commands.length > 0 && !hasOwnAction(target)) {
    target.outputHelp();
    return EXIT.ok;
  }
  // Commands registered without the context report through process.exitCode; keep it local to this call.
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (["commander.helpDisplayed", "commander.help", "commander.version"].includes(e.code)) return EXIT.ok;
    const name = chain.map((c) => c.name()).join(" ");
    io.err(`runway: ${name ? `${name}: ` : ""}${e.message.replace(/^error: /, "")}`);
    io.err(`Run 'runway ${name ? `${name} ` : ""}--help' for usage.`);
    return EXIT.usage;
  } finally {
    const reported = Number(process.exitCode ?? 0);
    process.exitCode = before;
    code ||= reported;
  }
  return code;
}

/** Warnings Pulumi's closure serializer causes by touching every builtin module (`sys`, `wasi`): not ours to fix. */
function quietRuntimeWarnings(): void {
  process.removeAllListeners("warning");
  process.on("warning", (w: Error & { code?: string }) => {
    if (w.code === "DEP0025" || (w.name === "ExperimentalWarning" && /WASI/.test(w.message))) return;
    process.stderr.write(`(node:${process.pid}) ${w.name}: ${w.message}\n`);
  });
}

/** The process entry (bin/runway.cjs). */
export async function run(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  quietRuntimeWarnings();
  const io = terminalIo();
  let code: number;
  try {
    code = await main(argv, io);
  } catch (e) {
    const text = e instanceof Error && e.stack ? e.stack : String(e);
    // Programs run with stack traces off (src/plan/engine.ts quietStacks): say how to get the frames back.
    const hint = /\n\s+at /.test(text) || process.env.RUNWAY_STACK_TRACES ? "" : "\n(no stack trace: rerun with RUNWAY_STACK_TRACES=1 to see where it happened)";
    io.err(`runway: internal error: ${text}${hint}`);
    code = EXIT.internal;
  }
  io.status?.clear();
  process.exitCode = code;
}
