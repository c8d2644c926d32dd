/**
 * Terminal behaviour decided in src/cli/io.ts and src/cli/progress.ts: when there is colour, and what progress
 * looks like on a terminal.
 */
import { describe, expect, it } from "vitest";
import { colorWanted, terminalIo } from "../src/cli/io";
import { bar, progress } from "../src/cli/progress";

const tty = { isTTY: true, hasColors: () => true };
const pipe = { isTTY: false };

describe("colour", () => {
  it("is on for a terminal with colours", () => expect(colorWanted(tty, {})).toBe(true));
  it("is off when piped", () => expect(colorWanted(pipe, {})).toBe(false));
  it("is off with NO_COLOR, even with FORCE_COLOR", () => expect(colorWanted(tty, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false));
  it("an empty NO_COLOR does not count (no-color.org)", () => expect(colorWanted(tty, { NO_COLOR: "" })).toBe(true));
  it("is forced by FORCE_COLOR when piped", () => expect(colorWanted(pipe, { FORCE_COLOR: "1" })).toBe(true));
  it("is off for TERM=dumb", () => expect(colorWanted(tty, { TERM: "dumb" })).toBe(false));
});

function fakeTerminal(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, columns: 80, write: (s: string) => (written.push(s), true) };
  return { written, io: terminalIo({}, { isTTY: false, write: () => true }, stream) };
}

describe("progress", () => {
  it("on a terminal: a bar while working, then a line per item with its time", () => {
    const { written, io } = fakeTerminal(true);
    let t = 0;
    const p = progress(io, 2, ["planning", "planned"], false, () => t);
    p.start("a");
    t = 1500;
    p.done("a", "3 resources");
    p.end();
    const text = written.join("");
    expect(text).toContain(`${bar(0, 2)} 0/2 planning a…`);
    expect(text).toContain("planned a: 3 resources in 1.5 s\n");
    expect(text.endsWith("\r\x1b[K1/2 done in 1.5 s\n")).toBe(true);
  });

  it("when stderr is not a terminal, or with --quiet: nothing", () => {
    for (const [isTTY, quiet] of [[false, false], [true, true]]) {
      const { written, io } = fakeTerminal(isTTY);
      const p = progress(io, 1, ["planning", "planned"], quiet);
      p.start("a");
      p.done("a", "x");
      p.end();
      expect(written).toEqual([]);
    }
  });

  it("the bar fills in proportion", () => {
    expect(bar(1, 4, 8)).toBe("[##------]");
    expect(bar(4, 4, 8)).toBe("[########]");
  });
});
