/**
 * Where the CLI writes, and how it behaves on a terminal, following kubectl, helm and pulumi: results on stdout,
 * diagnostics and progress on stderr; colour only on a terminal and never with NO_COLOR; progress only when stderr
 * is a terminal; a reader that goes away (`runway plan | head`) ends the command quietly.
 */

/** Output sinks of a command. Tests pass plain functions; the process gets `terminalIo()`. */
export interface Io {
  /** A line of results (stdout). */
  out(line: string): void;
  /** A line of diagnostics (stderr). */
  err(line: string): void;
  /** Colour the results: stdout is a terminal and NO_COLOR is not set. Default: no colour. */
  color?: boolean;
  /** A status line redrawn in place on stderr (a terminal); absent: no progress is shown. */
  status?: StatusLine;
}

/** What a command's registration needs: where to write, and how to run an action (errors and exit status). */
export interface CommandContext {
  io: Io;
  /** Runs an action: prints its errors as `runway: <command>: ...` and records its exit status. */
  run(command: string, fn: () => Promise<number> | number): Promise<void>;
  /** Records an exit status an action determined itself. */
  setExit(code: number): void;
}

export interface StatusLine {
  show(text: string): void;
  clear(): void;
}

/** Exit status when the reader of stdout went away, as for a process killed by SIGPIPE (128 + 13). */
export const EXIT_PIPE = 141;

interface Stream {
  isTTY?: boolean;
  hasColors?(): boolean;
  columns?: number;
  write(s: string): boolean;
}

/**
 * Colour decision (https://no-color.org): NO_COLOR (non-empty) turns it off, FORCE_COLOR (not "0") turns it on,
 * otherwise colour when the stream is a terminal that has colours (TERM=dumb has none).
 */
export function colorWanted(stream: Pick<Stream, "isTTY" | "hasColors">, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (!stream.isTTY || env.TERM === "dumb") return false;
  return stream.hasColors ? stream.hasColors() : true;
}

/** The process's Io: stdout and stderr, colour and progress decided from the terminal and the environment. */
export function terminalIo(env: NodeJS.ProcessEnv = process.env, stdout: Stream = process.stdout, stderr: Stream = process.stderr): Io {
  let shown = "";
  const clear = () => {
    if (shown) stderr.write("\r\x1b[K");
  };
  const redraw = () => {
    if (shown) stderr.write(shown);
  };
  const status: StatusLine | undefined = stderr.isTTY
    ? {
        show(text) {
          const width = Math.max(20, (stderr.columns ?? 80) - 1);
          clear();
          shown = text.length > width ? `${text.slice(0, width - 1)}…` : text;
          stderr.write(shown);
        },
        clear() {
          clear();
          shown = "";
        },
      }
    : undefined;
  return {
    out(line) {
      clear();
      stdout.write(`${line}\n`);
      redraw();
    },
    err(line) {
      clear();
      stderr.write(`${line}\n`);
      redraw();
    },
    color: colorWanted(stdout, env),
    status,
  };
}

/**
 * A closed pipe on stdout or stderr (EPIPE) ends the process at once, with no message and status 141, as
 * kubectl, helm and git do when killed by SIGPIPE (Node ignores SIGPIPE and reports EPIPE instead).
 */
export function exitQuietlyOnClosedPipe(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) {
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(EXIT_PIPE);
      throw e;
    });
  }
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

/** ANSI styling that is the identity when colour is off. */
export function painter(on: boolean | undefined): (style: Style, text: string) => string {
  return (style, text) => (on && text ? `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : text);
}
