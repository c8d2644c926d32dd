/**
 * Progress of long work (planning stacks) on stderr, when stderr is a terminal and --quiet is not given: a line
 * per finished item with its time, and a bar redrawn in place below them. Nothing at all when piped, so logs and
 * scripts see only the results.
 */
import type { Io } from "./io";

export interface Progress {
  /** An item starts (e.g. planning a stack). */
  start(item: string): void;
  /** The item finished; `detail` (e.g. "812 resources") is shown with its time. */
  done(item: string, detail: string): void;
  /** Removes the bar. */
  end(): void;
}

const silent: Progress = { start() {}, done() {}, end() {} };

export function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** Progress over `total` items, e.g. ["planning", "planned"]; silent without a status line or with quiet. */
export function progress(io: Io, total: number, [doing, did]: [string, string], quiet = false, now: () => number = () => performance.now()): Progress {
  const status = io.status;
  if (!status || quiet) return silent;
  let finished = 0;
  let started = now();
  const first = started;
  return {
    start(item) {
      started = now();
      status.show(`${bar(finished, total)} ${finished}/${total} ${doing} ${item}…`);
    },
    done(item, detail) {
      finished += 1;
      const secs = ((now() - started) / 1000).toFixed(1);
      status.clear();
      io.err(`${did} ${item}: ${detail} in ${secs} s`);
      if (finished < total) status.show(`${bar(finished, total)} ${finished}/${total}`);
    },
    end() {
      status.clear();
      if (total > 1) io.err(`${finished}/${total} done in ${((now() - first) / 1000).toFixed(1)} s`);
    },
  };
}
