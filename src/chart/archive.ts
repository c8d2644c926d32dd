/**
 * Chart archives (.tgz) with node-tar. Writing is reproducible: regular files only, sorted, mode 0644, `portable`
 * (no uid, gid, user names, atime or ctime; gzip OS byte 255) and one fixed mtime, so the same files give the same
 * bytes with a given Node.js (gzip output is zlib's, which Node.js bundles). Reading enforces Helm's own limits
 * (100 MiB decompressed, 5 MiB per file) and refuses paths that leave the archive.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as tar from "tar";

/** Helm's loader limits (pkg/chart/loader/archive): larger charts do not install anyway. */
export const MAX_CHART_BYTES = 100 * 1024 * 1024;
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

function safePath(name: string): boolean {
  return name !== "" && !name.startsWith("/") && !name.split("/").some((s) => s === ".." || s === "");
}

/**
 * Packs `files` (paths relative to `root`) into a .tgz whose entries carry `mtime`. Modes are set to 0644 first,
 * whatever the umask made them.
 */
export function packFiles(root: string, files: readonly string[], mtime: Date): Buffer {
  const sorted = [...files].sort();
  for (const f of sorted) {
    if (!safePath(f)) throw new Error(`internal: unsafe archive path ${f}`);
    chmodSync(path.join(root, f), 0o644);
  }
  const chunks: Buffer[] = [];
  const pack = tar.c({ sync: true, gzip: { level: 9 }, portable: true, mtime, cwd: root, noDirRecurse: true }, sorted);
  pack.on("data", (c: Buffer) => chunks.push(c));
  return Buffer.concat(chunks);
}

/** A .tgz of in-memory files (path → content), written through a private temp dir. */
export function packBuffers(files: ReadonlyMap<string, Buffer>, mtime: Date): Buffer {
  const root = mkdtempSync(path.join(tmpdir(), "runway-pack-"));
  try {
    for (const [p, data] of files) {
      if (!safePath(p)) throw new Error(`internal: unsafe archive path ${p}`);
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), data);
    }
    return packFiles(root, [...files.keys()], mtime);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Regular files of a chart .tgz. Throws a one-line Error for anything that is not a sound, bounded archive. */
export function readArchive(archive: Buffer): Map<string, Buffer> {
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b) throw new Error("not a gzip file");
  const files = new Map<string, Buffer>();
  let total = 0;
  let problem: string | undefined;
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const name = entry.path.replace(/^\.\//, "");
      if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
        entry.resume();
        return;
      }
      if (!safePath(name)) problem ??= `unsafe path ${name} in the archive`;
      if ((entry.size ?? 0) > MAX_FILE_BYTES) problem ??= `${name} is larger than Helm's limit of ${MAX_FILE_BYTES} bytes per file`;
      total += entry.size ?? 0;
      if (total > MAX_CHART_BYTES) problem ??= `the archive holds more than Helm's limit of ${MAX_CHART_BYTES} bytes`;
      if (problem) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on("data", (c: Buffer) => chunks.push(c));
      entry.on("end", () => files.set(name, Buffer.concat(chunks)));
    },
  });
  parser.on("warn", (_code: string, message: string | Error) => (problem ??= typeof message === "string" ? message : message.message));
  parser.on("error", (e: Error) => (problem ??= e.message));
  parser.end(archive);
  if (problem) throw new Error(problem);
  return files;
}
