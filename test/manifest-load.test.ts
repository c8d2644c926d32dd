import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "../src/config/diagnostics";
import { loadManifest, parseManifest } from "../src/manifest/load";

const EXAMPLE = "examples/ai-gateway/.runway/runway.yml";
const exampleText = readFileSync(EXAMPLE, "utf8");

/** Runs the loader; anything but success or ConfigError fails the property. */
function loadsOrConfigError(text: string | Buffer): boolean {
  try {
    parseManifest("runway.yml", text);
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Every diagnostic is positioned and says something.
    return e.diagnostics.length > 0 && e.diagnostics.every((d) => d.line >= 1 && d.column >= 1 && d.message.length > 0);
  }
}

describe("manifest loader", () => {
  it("never crashes on arbitrary text: it loads or throws ConfigError", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => loadsOrConfigError(s)), { numRuns: 400 });
  });

  it("never crashes on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => loadsOrConfigError(Buffer.from(b))), { numRuns: 300 });
  });

  it("never crashes on arbitrary YAML values of any shape", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => loadsOrConfigError(stringify(v))), { numRuns: 300 });
  });

  it("never crashes when any field of the example is replaced by an arbitrary value", () => {
    const example = parseManifest("x", exampleText) as unknown as Record<string, unknown>;
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      if (p.length) paths.push(p);
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(example, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), (p, value) => {
        const copy = structuredClone(example);
        let node = copy as Record<string, unknown>;
        for (const k of p.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[p[p.length - 1]] = value;
        return loadsOrConfigError(stringify(copy));
      }),
      { numRuns: 400 },
    );
  });

  it("never crashes on truncated or spliced copies of the example", () => {
    fc.assert(
      fc.property(fc.nat(exampleText.length), fc.nat(exampleText.length), fc.string({ maxLength: 20 }), (a, b, insert) =>
        loadsOrConfigError(exampleText.slice(0, Math.min(a, b)) + insert + exampleText.slice(Math.max(a, b))),
      ),
      { numRuns: 300 },
    );
  });

  it("names a missing file", () => {
    expect(() => loadManifest("no/such/runway.yml")).toThrow(/^no\/such\/runway\.yml: file not found$/);
  });

  it("rejects a document that is not a mapping", () => {
    expect(() => parseManifest("runway.yml", "- a\n- b\n")).toThrow(
      "runway.yml:1:1: expected a mapping with apiVersion: runway/v1, kind: RunwayService, metadata and spec",
    );
  });

  it("rejects the wrong kind at its line", () => {
    expect(() => parseManifest("runway.yml", exampleText.replace("kind: RunwayService", "kind: RunwayJob"))).toThrow(
      /runway\.yml:6:7: kind: must be RunwayService/,
    );
  });
});
