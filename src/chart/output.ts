/**
 * Writing a build: `<out>/<name>/` (the chart directory), `<out>/<name>-<version>.tgz` and `<out>/.runway-chart-build.json`
 * (what this command wrote, with digests). Everything is written into a temp directory beside `<out>` and renamed
 * into place, so a failure never leaves half-written output. `<out>` is replaced only when it is absent, empty, or
 * exactly a previous build's output: the command never deletes a file it did not create.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../config/diagnostics";
import { diagnosticAt } from "../config/yaml-source";
import { loadManifestSource } from "../manifest/load";
import { packFiles } from "./archive";
import { BuildOptionError, compileChart, type BuildOptions, type CompiledChart } from "./build";
import { manifestImage } from "./values";

export const BUILD_RECORD = ".runway-chart-build.json";

export interface BuildResult {
  chart: CompiledChart;
  dir: string;
  archive: string;
}

interface BuildRecord {
  generator: "runway chart build";
  /** Path relative to the output directory → sha256 of its content. */
  files: Record<string, string>;
}

const digest = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Files and directories under `dir`, relative, files with their digests. */
function inventory(dir: string): { files: Map<string, string>; dirs: string[] } {
  const files = new Map<string, string>();
  const dirs: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        dirs.push(p);
        walk(p);
      } else if (entry.isFile()) files.set(p, digest(readFileSync(path.join(dir, p))));
      else files.set(p, "not a regular file");
    }
  };
  walk("");
  return { files, dirs };
}

function readRecord(out: string): BuildRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path.join(out, BUILD_RECORD), "utf8")) as BuildRecord;
    return r.generator === "runway chart build" && r.files && typeof r.files === "object" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Throws unless `out` may be replaced: absent, an empty directory, or exactly what a previous build wrote. */
function checkReplaceable(out: string): void {
  if (!existsSync(out)) return;
  if (!lstatSync(out).isDirectory()) throw new BuildOptionError([`--out: ${out} exists and is not a directory; choose a directory for the chart`]);
  const { files, dirs } = inventory(out);
  if (files.size === 0 && dirs.length === 0) return;
  const record = readRecord(out);
  const fix = "choose a new or empty directory, or remove them yourself";
  if (!record) {
    const some = [...files.keys(), ...dirs].sort().slice(0, 3).join(", ");
    throw new BuildOptionError([`--out: ${out} is not empty (${some}${files.size + dirs.length > 3 ? ", ..." : ""}) and holds no previous chart build; ${fix}`]);
  }
  const foreign = [...files].filter(([p, d]) => p !== BUILD_RECORD && record.files[p] !== d).map(([p]) => p);
  const expectedDirs = new Set(Object.keys(record.files).flatMap((p) => p.split("/").slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join("/"))));
  foreign.push(...dirs.filter((d) => !expectedDirs.has(d)).map((d) => `${d}/`));
  if (foreign.length > 0) {
    throw new BuildOptionError([`--out: ${out} holds files that the previous chart build did not write or that were changed since (${foreign.sort().slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); ${fix}`]);
  }
}

function ancestors(dir: string): string[] {
  const up = path.dirname(dir);
  return up === dir ? [] : [up, ...ancestors(up)];
}

/** Writes `chart` and its archive into the empty directory `dir`. */
function writeBuild(dir: string, chart: CompiledChart): void {
  const record: BuildRecord = { generator: "runway chart build", files: {} };
  const entries: string[] = [];
  for (const [p, data] of chart.files) {
    const rel = `${chart.name}/${p}`;
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
    record.files[rel] = digest(data);
    entries.push(rel);
  }
  const archiveName = `${chart.name}-${chart.version}.tgz`;
  const archive = packFiles(dir, entries, chart.mtime);
  writeFileSync(path.join(dir, archiveName), archive);
  // `helm push` stamps the archive's mtime as org.opencontainers.image.created: a fixed mtime keeps digests reproducible.
  utimesSync(path.join(dir, archiveName), chart.mtime, chart.mtime);
  record.files[archiveName] = digest(archive);
  writeFileSync(path.join(dir, BUILD_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Reads the manifest, writes the chart into `out`. Throws ConfigError (manifest problems, with positions) or
 * BuildOptionError (flags, or an `out` that holds someone else's files).
 */
export function buildChart(manifestFile: string, out: string, o: BuildOptions = {}): BuildResult {
  const { manifest, src } = loadManifestSource(manifestFile);
  if (!o.image && !manifestImage(manifest)) {
    const at = diagnosticAt(src, ["spec"], "");
    throw new ConfigError([
      { ...at, path: "spec.image", message: "required to build a chart; add image: {repository, tag} or pass --image REPOSITORY:TAG" },
    ]);
  }
  const chart = compileChart(manifest, o);
  const target = path.resolve(out);
  if (path.dirname(target) === target) throw new BuildOptionError([`--out: ${out} is the filesystem root; choose a directory for the chart`]);
  checkReplaceable(target);
  const parent = path.dirname(target);
  const blocker = [parent, ...ancestors(parent)].find((d) => existsSync(d) && !lstatSync(d).isDirectory());
  if (blocker) throw new BuildOptionError([`--out: ${blocker} is a file, so ${out} cannot be created; choose another directory`]);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(path.join(parent, `.${path.basename(target)}.runway-tmp-`));
  try {
    writeBuild(staging, chart);
    if (existsSync(target)) {
      const old = `${staging}.old`;
      renameSync(target, old);
      try {
        renameSync(staging, target);
      } catch (e) {
        renameSync(old, target);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(staging, target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { chart, dir: path.join(out, chart.name), archive: path.join(out, `${chart.name}-${chart.version}.tgz`) };
}
