/**
 * Exit statuses and error messages of every `runway` command, one convention (kubectl, helm, pulumi; GNU's
 * "program: message" and "file:line:column: message" forms):
 *
 *   0  success
 *   1  findings (a mandatory guardrail failed) or invalid input (a file, a plan, a stack that is not there)
 *   2  usage: the command line itself is wrong (unknown option, missing or conflicting flags)
 *  70  internal error: a bug in runway (EX_SOFTWARE), printed with its stack trace
 * 141  the reader of stdout went away (as SIGPIPE)
 *
 * Messages: `runway: <command>: <message>`; problems in a file the user wrote carry its real position instead,
 * `file:line:column: field: message`. Never a stack trace for bad input.
 */
import { ConfigError, type Diagnostic, formatDiagnostic } from "../config/diagnostics";
import type { Io } from "./io";

export const EXIT = { ok: 0, findings: 1, input: 1, usage: 2, internal: 70 } as const;

/** The command line is wrong: exit 2, with a pointer to the command's help. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The input is wrong or missing (a file, a plan, a name): exit 1. */
export class InputError extends Error {
  override name = "InputError";
}

/** Pulumi's RunError (a program's own error message), recognised without importing the SDK. */
function isRunError(e: unknown): e is Error {
  return e instanceof Error && (e as { __pulumiRunError?: boolean }).__pulumiRunError === true;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EEXIST: "already exists",
};

/** What a system error from node:fs means, in words (`permission denied`); undefined for other errors. */
export function errnoReason(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string" || typeof err.syscall !== "string") return undefined;
  return ERRNO_TEXT[err.code] ?? err.code;
}

/** A system error from node:fs, as one sentence: `cannot open FILE: permission denied`. */
export function errnoMessage(e: unknown): string | undefined {
  const what = errnoReason(e);
  if (!what) return undefined;
  const err = e as NodeJS.ErrnoException;
  return err.path ? `cannot ${err.syscall} ${err.path}: ${what}` : `cannot ${err.syscall}: ${what}`;
}

const POSITIONED = /^\S+:\d+:\d+: /;

/**
 * A diagnostic as a command prints it: `file:line:column: field: message` where it has a position in a file,
 * otherwise `runway: <command>: file: message`, never with a made-up position.
 */
export function diagnosticLine(command: string, d: Diagnostic): string {
  const text = formatDiagnostic(d);
  return d.line > 0 ? text : `runway: ${command}: ${text}`;
}

/**
 * Prints a command's error and returns its exit status; undefined for an internal error (the caller prints
 * it with its stack).
 */
export function reportError(io: Io, command: string, e: unknown): number | undefined {
  const say = (message: string) => {
    // Lines that already name a file position (diagnostics inside a program's error) stay as they are.
    for (const line of message.split("\n")) io.err(!line || POSITIONED.test(line) ? line : `runway: ${command}: ${line}`);
  };
  if (e instanceof UsageError) {
    say(e.message);
    io.err(`Run 'runway ${command} --help' for usage.`);
    return EXIT.usage;
  }
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) io.err(diagnosticLine(command, d));
    return EXIT.input;
  }
  if (e instanceof InputError || isRunError(e)) {
    say((e as Error).message);
    return EXIT.input;
  }
  const errno = errnoMessage(e);
  if (errno) {
    say(errno);
    return EXIT.input;
  }
  return undefined;
}

/** Runs a command's action: its status, or the status of the error it reported. Internal errors propagate. */
export async function guarded(io: Io, command: string, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    const code = reportError(io, command, e);
    if (code === undefined) throw e;
    return code;
  }
}
