/**
 * `runway stack list | config | prepare`: the stacks of the project as the Pulumi CLI needs them. A derived stack
 * (a dedicated service with no stack file, src/config/derived.ts) exists only as text until `prepare` writes it
 * into stacks/, where `pulumi stack select --create` and `pulumi preview`/`up` read it like any stack file.
 * Exit 0, 1 for bad configuration or a stack that is not ready, 2 for usage errors.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { derivedStackPath } from "../config/derived";
import { loadProjectStack, loadProjectStacks } from "../config/project";
import { type StackFile, stackEnvironment } from "../config/stack";
import { displayPath } from "../config/yaml-source";
import { projectRoot } from "../paths";
import { deployWaves, orderStacks } from "../pipeline";
import { InputError } from "./errors";
import { stackListJson } from "./stack-json";
import { writeFileAtomic } from "./output";
import type { CommandContext, Io } from "./io";
import { formatOption } from "./options";

/** One stack as `runway stack list` shows it. */
export interface StackListing {
  name: string;
  kind: string;
  environment?: string;
  /** `file` for a stack file, `derived` for a stack derived from the catalog. */
  origin: "file" | "derived";
  /** For a derived stack: whether its addresses are recorded in the ledger (else provisional). */
  addresses?: "recorded" | "provisional";
  /** Deploy wave (1 first); undefined for stacks the pipeline does not deploy (self-hosted). */
  wave?: number;
}

export function stackListing(stacks: readonly StackFile[]): StackListing[] {
  const waves = deployWaves(stacks);
  const waveOf = (s: StackFile) => {
    const i = waves.findIndex((w) => w.platform.includes(s.name) || w.services.includes(s.name));
    return i < 0 ? undefined : i + 1;
  };
  return orderStacks(
    stacks.map((s) => s.name),
    stacks,
  ).map((name) => {
    const s = stacks.find((x) => x.name === name) as StackFile;
    const c = s.config;
    return {
      name,
      kind: c["runway:kind"],
      ...(stackEnvironment(c) !== undefined ? { environment: stackEnvironment(c) } : {}),
      origin: s.derived ? "derived" : "file",
      ...(s.derived ? { addresses: s.derived.recorded ? "recorded" : "provisional" } : {}),
      ...(waveOf(s) !== undefined ? { wave: waveOf(s) } : {}),
    } as StackListing;
  });
}

export function stackListCommand(io: Io, opts: { format?: string }): number {
  const rows = stackListing(loadProjectStacks(projectRoot()).all);
  if (opts.format === "json") {
    io.out(JSON.stringify(stackListJson(rows), null, 2));
    return 0;
  }
  for (const r of rows) {
    const origin = r.origin === "derived" ? `derived (addresses ${r.addresses})` : "file";
    io.out([r.name, r.kind, r.environment ?? "-", origin, r.wave === undefined ? "not deployed here" : `wave ${r.wave}`].join("\t"));
  }
  return 0;
}

/** The stack's file text: the stack file as committed, or the derived stack's text. */
function stackText(s: StackFile): string {
  return s.derived ? (s.text as string) : readFileSync(s.file, "utf8");
}

export function stackConfigCommand(io: Io, name: string): number {
  const root = projectRoot();
  io.out(stackText(loadProjectStack(root, name)).replace(/\n$/, ""));
  return 0;
}

/** The secrets provider of a stack file's text, as `pulumi stack select --create --secrets-provider` takes it. */
function secretsProvider(s: StackFile): string | undefined {
  const v = (s.source.value as { secretsprovider?: unknown }).secretsprovider;
  return typeof v === "string" ? v : undefined;
}

/**
 * `runway stack prepare STACK [--require-recorded]`: writes a derived stack's file to stacks/Pulumi.STACK.yaml
 * (a stack file is left as it is), then prints the stack's secrets provider for `pulumi stack select --create`.
 * With --require-recorded (deploys), a derived stack whose addresses are still provisional is refused.
 */
export function stackPrepareCommand(io: Io, name: string, opts: { requireRecorded?: boolean }, root: string = projectRoot()): number {
  const s = loadProjectStack(root, name);
  if (s.derived) {
    if (opts.requireRecorded && !s.derived.recorded) {
      throw new InputError(`${name}'s addresses are provisional, not recorded in ${displayPath(s.derived.ledgerFile)}: run \`runway ipam record\` (the deploy pipeline's ipam job does) so they never move`);
    }
    const file = derivedStackPath(root, name);
    if (existsSync(file) && readFileSync(file, "utf8") !== s.text) {
      throw new InputError(`${displayPath(file)} exists and differs from the derived stack; it is a hand-written stack now, or remove it`);
    }
    writeFileAtomic(file, s.text as string);
  }
  const provider = secretsProvider(s);
  if (provider) io.out(provider);
  return 0;
}

export function registerStackCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const stack = program.command("stack").description("Stacks of the project, derived ones included, as the Pulumi CLI needs them");
  stack
    .command("list")
    .description("List every stack: stack files and stacks derived from the catalog, in deploy order")
    .addOption(formatOption(["text", "json"]))
    .action((opts: { format?: string }) => ctx.run("stack list", () => stackListCommand(io, opts)));
  stack
    .command("config")
    .description("Print a stack's file: the committed one, or the derived stack's text")
    .argument("<stack>", "stack name")
    .action((name: string) => ctx.run("stack config", () => stackConfigCommand(io, name)));
  stack
    .command("prepare")
    .description("Write a derived stack's file into stacks/ for the Pulumi CLI and print its secrets provider")
    .argument("<stack>", "stack name")
    .option("--require-recorded", "refuse a derived stack whose addresses are not recorded yet (deploys)")
    .action((name: string, opts: { requireRecorded?: boolean }) => ctx.run("stack prepare", () => stackPrepareCommand(io, name, opts)));
}
