/**
 * Where secrets may be mounted. Kubernetes rejects two mounts at one path, and container runtimes refuse mounts
 * over /proc, /sys or /dev. The chart mounts its own scratch volume at /tmp (the root filesystem is read-only).
 */

/** The chart's writable scratch directory (an emptyDir), with a read-only root filesystem. */
export const TMP_MOUNT = "/tmp";

const RESERVED = ["/proc", "/sys", "/dev"];

/** Why a secret cannot be mounted at `p`, or undefined when it can. `p` is an absolute path. */
export function checkMountPath(p: string): string | undefined {
  const segments = p.split("/").slice(1);
  if (p === "/") return "cannot be / (it would hide the image's files); use a directory such as /etc/secrets/llm";
  if (p.endsWith("/") || segments.some((s) => s === "" || s === "." || s === "..")) {
    return `must be a normalised path without '//', '.', '..' or a trailing '/', such as ${normalise(p)}`;
  }
  if (p === TMP_MOUNT) return `${TMP_MOUNT} is the chart's scratch volume; mount the secret in a directory of its own such as /etc/secrets/llm`;
  const reserved = RESERVED.find((r) => p === r || p.startsWith(`${r}/`));
  if (reserved) return `container runtimes do not mount over ${reserved}; use a directory such as /etc/secrets/llm`;
  return undefined;
}

function normalise(p: string): string {
  const out: string[] = [];
  for (const s of p.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return `/${out.join("/")}` === "/" ? "/etc/secrets/NAME" : `/${out.join("/")}`;
}
