/**
 * Output files of every command (`plan --json`, `affected --pipeline`, `ci note --out`, `schemas --write`):
 * `-` means stdout; a file is written atomically (a temporary file in the same directory, then a rename), so a
 * reader sees the old file or the new one, never half of one, and an interrupted run leaves the old file as it
 * was. Only the temporary file is ever removed: nothing the command did not create is deleted.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import * as path from "node:path";
import { errnoReason, InputError, UsageError } from "./errors";
import type { Io } from "./io";

export const STDOUT = "-";

export const isStdout = (target: string | undefined): boolean => target === STDOUT;

function kindOf(p: string): "missing" | "file" | "directory" | "other" {
  try {
    const s = statSync(p);
    return s.isDirectory() ? "directory" : s.isFile() ? "file" : "other";
  } catch {
    return "missing";
  }
}

function inputError(flag: string, target: string, e: unknown): InputError {
  const text = errnoReason(e) ?? (e instanceof Error ? e.message : String(e));
  return new InputError(`${flag} ${target}: cannot write: ${text}`);
}

/**
 * Checks, before any work, that `target` can take a file: not a directory, and every existing parent a
 * directory. Lets a long command fail in its first second instead of after minutes.
 */
export function checkFileTarget(flag: string, target: string): void {
  if (!target) throw new UsageError(`${flag} needs a file name, or - for stdout`);
  if (isStdout(target)) return;
  const kind = kindOf(target);
  if (kind === "directory") throw new InputError(`${flag} ${target}: is a directory; give a file name (or - for stdout)`);
  if (kind === "other") {
    // A FIFO or a device: written in place, never replaced.
    return;
  }
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const k = kindOf(dir);
    if (k === "directory") break;
    if (k !== "missing") throw new InputError(`${flag} ${target}: cannot write: ${dir} is not a directory`);
    if (path.dirname(dir) === dir) break;
  }
}

/** Checks that `target` can be a directory of output files (missing, or a directory). */
export function checkDirectoryTarget(flag: string, target: string): void {
  if (!target) throw new UsageError(`${flag} needs a directory name, or - for stdout`);
  const kind = kindOf(target);
  if (kind !== "missing" && kind !== "directory") throw new InputError(`${flag} ${target}: is not a directory`);
}

/** Writes `text` to `file` atomically, keeping an existing file's permissions; follows a symbolic link. */
export function writeFileAtomic(file: string, text: string): void {
  let target = file;
  try {
    if (lstatSync(file).isSymbolicLink()) target = realpathSync(file);
  } catch {
    // does not exist yet
  }
  const kind = kindOf(target);
  if (kind === "other") {
    // A FIFO, /dev/stdout or a device cannot be replaced by a rename: write it in place.
    const fd = openSync(target, "w");
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const dir = path.dirname(path.resolve(target));
  mkdirSync(dir, { recursive: true });
  const mode = kind === "file" ? statSync(target).mode & 0o7777 : 0o666;
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never written
    }
    throw e;
  }
}

/**
 * Writes a command's output named by `flag` (e.g. `--json`): `-` to stdout through `io`, anything else
 * atomically to that file. Errors name the flag and the file.
 */
export function writeOutput(io: Io, flag: string, target: string, text: string): void {
  if (isStdout(target)) {
    io.out(text.replace(/\n$/, ""));
    return;
  }
  checkFileTarget(flag, target);
  try {
    writeFileAtomic(target, text);
  } catch (e) {
    throw inputError(flag, target, e);
  }
}

/** Writes several files into directory `dir` (created when missing), each atomically. */
export function writeOutputDirectory(flag: string, dir: string, files: { name: string; text: string }[]): void {
  checkDirectoryTarget(flag, dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw inputError(flag, dir, e);
  }
  for (const f of files) {
    const file = path.join(dir, f.name);
    if (kindOf(file) === "directory") throw new InputError(`${flag} ${dir}: ${f.name} is a directory`);
    try {
      writeFileAtomic(file, f.text);
    } catch (e) {
      throw inputError(flag, file, e);
    }
  }
}

/** Reads an input file named by `flag`; `-` reads stdin. */
export function readInput(flag: string, source: string): string {
  try {
    return readFileSync(isStdout(source) ? 0 : source, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${flag} ${source}: ${code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : `cannot read (${code})`}`);
  }
}
