/**
 * Runs the container of a rendered Job on this machine, as a kubelet would run it, for the registration hook's end to
 * end tests: each volume becomes a directory filled from its source (ConfigMap and Secret items with their keys and
 * paths, the projected service account token and kube-root-ca.crt, an empty dir), each mount path is mapped to its
 * directory in the command and env, `fieldRef` env is resolved, and KUBERNETES_SERVICE_HOST/PORT point at the
 * API server stand-in. The command runs with this machine's `sh` and `curl` (the image has BusyBox sh and curl 8).
 * Nothing else of the environment leaks in.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export interface JobWorld {
  /** ConfigMaps and Secrets (string data) in the Job's namespace, by name. */
  configMaps: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, string>>;
  namespace: string;
  /** The token the kubelet projects for the pod's service account. */
  serviceAccountToken: string;
  /** The API server stand-in. */
  api: { host: string; port: number };
}

export interface JobRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fill(dir: string, files: Record<string, string>, items: { key: string; path: string }[] | undefined, mode: number): void {
  const chosen = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const { key, path: p } of chosen) {
    if (files[key] === undefined) continue;
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), files[key]);
    chmodSync(path.join(dir, p), mode);
  }
}

/** The volume's directory, filled as the kubelet fills it. Throws for a source the kubelet could not mount. */
function mountVolume(dir: string, v: Loose, w: JobWorld): void {
  mkdirSync(dir, { recursive: true });
  if (v.emptyDir) return;
  if (v.configMap) {
    const cm = w.configMaps[v.configMap.name];
    if (!cm) throw new Error(`pod cannot start: configmap "${v.configMap.name}" not found`);
    return fill(dir, cm, v.configMap.items, v.configMap.defaultMode ?? 0o644);
  }
  if (v.secret) {
    const s = w.secrets[v.secret.secretName];
    if (!s && !v.secret.optional) throw new Error(`pod cannot start: secret "${v.secret.secretName}" not found`);
    const missing = (v.secret.items ?? []).find((i: Loose) => s && s[i.key] === undefined);
    if (missing && !v.secret.optional) throw new Error(`pod cannot start: secret "${v.secret.secretName}" has no key ${missing.key}`);
    return fill(dir, s ?? {}, v.secret.items, v.secret.defaultMode ?? 0o644);
  }
  if (v.projected) {
    for (const src of v.projected.sources) {
      if (src.serviceAccountToken) fill(dir, { token: w.serviceAccountToken }, [{ key: "token", path: src.serviceAccountToken.path }], v.projected.defaultMode ?? 0o644);
      else if (src.configMap) {
        const cm = w.configMaps[src.configMap.name];
        if (!cm) throw new Error(`pod cannot start: configmap "${src.configMap.name}" not found`);
        fill(dir, cm, src.configMap.items, v.projected.defaultMode ?? 0o644);
      } else throw new Error(`projected source ${JSON.stringify(src)} is not supported here`);
    }
    return;
  }
  throw new Error(`volume ${v.name}: source not supported here`);
}

/** Runs the Job's one container to completion. */
export async function runJob(job: Loose, w: JobWorld): Promise<JobRun> {
  const pod = job.spec.template.spec;
  const [c] = pod.containers;
  const root = mkdtempSync(path.join(tmpdir(), "runway-job-"));
  const mounts = new Map<string, string>();
  for (const m of c.volumeMounts ?? []) {
    const v = pod.volumes.find((x: Loose) => x.name === m.name);
    const dir = path.join(root, m.name);
    mountVolume(dir, v, w);
    mounts.set(m.mountPath, dir);
  }
  const local = (p: string) => {
    for (const [mountPath, dir] of mounts) if (p === mountPath || p.startsWith(`${mountPath}/`)) return dir + p.slice(mountPath.length);
    return p;
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", KUBERNETES_SERVICE_HOST: w.api.host, KUBERNETES_SERVICE_PORT: String(w.api.port) };
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = w.namespace;
    else if (e.valueFrom) throw new Error(`env ${e.name}: valueFrom ${JSON.stringify(e.valueFrom)} is not supported here`);
    else env[e.name] = local(String(e.value ?? ""));
  }
  const [cmd, ...args] = [...(c.command ?? []), ...(c.args ?? [])].map(local);
  const shell = cmd === "/bin/sh" ? "sh" : cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, { env, cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
