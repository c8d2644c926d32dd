/**
 * `runway chart build | publish | promote`. Each action returns its exit code (0 ok, 1 user error, 70 internal
 * error; src/cli/errors.ts), also set as process.exitCode, and prints problems one per line: ConfigError diagnostics as
 * `file:line:col: field: message`, registry failures as one sentence. Never a stack trace.
 */
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { ConfigError } from "../config/diagnostics";
import { diagnosticLine, EXIT } from "./errors";
import { BuildOptionError } from "../chart/build";
import { buildChart } from "../chart/output";
// Adds the manifest's JSON Schema to `runway schemas --write/--check`.
import "../manifest/json-schema";
import { credentialsFromEnv } from "../oci/auth";
import { sha256 } from "../oci/client";
import { promoteChart, publishChart, resolveChart } from "../oci/publish";
import { OciError } from "../oci/reference";

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

function report(command: string, e: unknown, io: Io): number {
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) io.err(diagnosticLine(command, d));
    return 1;
  }
  if (e instanceof BuildOptionError) {
    for (const p of e.problems) io.err(`runway: ${command}: ${p}`);
    return 1;
  }
  if (e instanceof OciError) {
    io.err(`runway: ${command}: ${e.message}`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.syscall === "string") {
    io.err(`runway: ${command}: cannot ${err.syscall} ${err.path ?? ""}: ${err.code}`.replace(/\s+:/, ":"));
    return 1;
  }
  io.err(`runway: ${command}: internal error: ${err?.message ?? String(e)}`);
  return EXIT.internal;
}

export interface BuildFlags {
  out: string;
  version?: string;
  gitlabRelease?: string;
  image?: string;
  home?: string;
  source?: string[];
  icon?: string;
  registry?: string;
}

/**
 * The archive's mtime: SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/) when set, else
 * the Unix epoch. It becomes the published manifest's creation time, so a fixed value keeps digests reproducible.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return undefined;
  if (!/^[0-9]{1,12}$/.test(v)) return new Date(NaN);
  return new Date(Number(v) * 1000);
}

export async function chartBuild(manifest: string, flags: BuildFlags, io: Io = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const r = buildChart(manifest, flags.out, {
      version: flags.version,
      gitlabRelease: flags.gitlabRelease,
      image: flags.image,
      home: flags.home,
      sources: flags.source?.length ? flags.source : undefined,
      icon: flags.icon,
      registry: flags.registry,
      mtime: sourceDateEpoch(env),
    });
    io.out(`built ${r.chart.name} ${r.chart.version}: ${r.dir}/ and ${r.archive} (${sha256(readFileSync(r.archive))})`);
    return 0;
  } catch (e) {
    return report("chart build", e, io);
  }
}

export interface PublishFlags {
  stage?: string;
  tag?: string[];
  force?: boolean;
  plainHttp?: boolean;
}

function readArchive(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OciError(`${file}: ${code === "ENOENT" ? "file not found; build it with runway chart build" : `cannot read (${code})`}`);
  }
}

export async function chartPublish(archive: string, target: string, flags: PublishFlags, io: Io = consoleIo): Promise<number> {
  try {
    const tgz = readArchive(archive);
    const r = await publishChart(
      tgz,
      target,
      {
        credentials: credentialsFromEnv(),
        plainHttp: flags.plainHttp || undefined,
        stage: flags.stage,
        tags: flags.tag ?? [],
        force: flags.force,
        // As `helm push` does: the archive's mtime is the artifact's creation time.
        created: statSync(archive).mtime,
      },
      archive,
    );
    io.out(`published ${r.ref} (${r.digest}); tags: ${r.tags.join(", ")}; ${r.uploaded.length} new blob(s)`);
    return 0;
  } catch (e) {
    return report("chart publish", e, io);
  }
}

export interface PromoteFlags {
  stage: string;
  force?: boolean;
  plainHttp?: boolean;
}

export async function chartPromote(ref: string, flags: PromoteFlags, io: Io = consoleIo): Promise<number> {
  try {
    const r = await promoteChart(ref, flags.stage, { credentials: credentialsFromEnv(), plainHttp: flags.plainHttp || undefined, force: flags.force });
    io.out(`promoted ${r.ref} (${r.version}, ${r.digest}) to stage ${r.stage}`);
    return 0;
  } catch (e) {
    return report("chart promote", e, io);
  }
}

export async function chartResolve(ref: string, flags: { plainHttp?: boolean }, io: Io = consoleIo): Promise<number> {
  try {
    const r = await resolveChart(ref, { credentials: credentialsFromEnv(), plainHttp: flags.plainHttp || undefined });
    io.out(`${r.version} ${r.digest}`);
    return 0;
  } catch (e) {
    return report("chart resolve", e, io);
  }
}

const collect = (v: string, acc: string[]) => [...acc, v];

/**
 * Registers `runway chart`. With `ctx` (the runway command line) the commands write through its Io and report
 * their status to it; without, to the console and process.exitCode.
 */
export function registerChartCommands(program: Command, ctx?: { io: Io; setExit(code: number): void }): void {
  const io = ctx?.io ?? consoleIo;
  const setExit = ctx?.setExit ?? ((code: number) => (process.exitCode = code));
  const chart = program.command("chart").description("Build a Helm chart from a Runway manifest, publish it to an OCI registry, promote it through stages");
  chart
    .command("build")
    .description("Compile .runway/runway.yml into a Helm chart directory and a reproducible .tgz")
    .argument("<manifest>", "the Runway manifest, e.g. .runway/runway.yml")
    .requiredOption("--out <dir>", "directory for <name>/ and <name>-<version>.tgz")
    .option("--version <version>", "chart version (SemVer 2)", "0.1.0")
    .option("--gitlab-release <major.minor>", "GitLab release the chart is compatible with, e.g. 17.9")
    .option("--image <reference>", "container image REPOSITORY:TAG, REPOSITORY@sha256:DIGEST or both, overriding spec.image")
    .option("--home <url>", "the project's home page (Chart.yaml home), e.g. $CI_PROJECT_URL")
    .option("--source <url>", "source code URL (Chart.yaml sources), repeatable", collect, [])
    .option("--icon <url>", "chart icon URL (default: the GitLab logo)")
    .option("--registry <oci://HOST/PATH>", "where the chart will be published, for the README's install commands")
    .action(async (manifest: string, opts: BuildFlags) => {
      setExit(await chartBuild(manifest, opts, io));
    });
  chart
    .command("publish")
    .description("Push a chart .tgz to oci://HOST/PATH/<name> as helm push does, and tag it (version, gitlab-X.Y, --stage, --tag)")
    .argument("<chart.tgz>", "archive from runway chart build")
    .argument("<oci://HOST/PATH>", "registry location; the chart goes to PATH/<name>")
    .option("--stage <stage>", "stage tag the chart enters, e.g. staging")
    .option("--tag <tag>", "extra moving tag, repeatable", collect, [])
    .option("--force", "move shared tags (gitlab-X.Y, stage, --tag) even when they point at a newer version")
    .option("--plain-http", "use http:// (only for 127.0.0.1/localhost, which use it automatically)")
    .action(async (archive: string, target: string, opts: PublishFlags) => {
      setExit(await chartPublish(archive, target, opts, io));
    });
  chart
    .command("promote")
    .description("Point a stage tag at a published chart version, without re-uploading")
    .argument("<oci://HOST/PATH/NAME:VERSION>", "the published chart version")
    .requiredOption("--stage <stage>", "stage to move, e.g. production")
    .option("--force", "move the stage even to an older version: a deliberate rollback")
    .option("--plain-http", "use http:// (only for 127.0.0.1/localhost, which use it automatically)")
    .action(async (ref: string, opts: PromoteFlags) => {
      setExit(await chartPromote(ref, opts, io));
    });
  chart
    .command("resolve")
    .description("Print the chart version and digest a tag (stage, gitlab-X.Y) points at, for helm --version or @digest")
    .argument("<oci://HOST/PATH/NAME:TAG>", "a published chart tag, e.g. oci://registry.gitlab.com/group/charts/svc:production")
    .option("--plain-http", "use http:// (only for 127.0.0.1/localhost, which use it automatically)")
    .action(async (ref: string, opts: { plainHttp?: boolean }) => {
      setExit(await chartResolve(ref, opts, io));
    });
}
