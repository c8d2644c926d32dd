import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { catalogEntrySchema } from "../src/config/schema/catalog";
import { validateSource } from "../src/config/validate";
import { parseYaml } from "../src/config/yaml-source";

const VALID = `apiVersion: runway/v1
kind: SatelliteService
metadata:
  name: foo
  owner: gitlab-org/foo
spec:
  chart:
    repository: oci://registry.gitlab.com/charts/foo
  environments: [staging]
`;

/** The error lines for a catalog file's text. */
function errorsOf(text: string | Buffer, file = "services/foo.yaml"): string[] {
  try {
    validateSource(catalogEntrySchema, parseYaml(file, text));
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n");
    throw e;
  }
  return [];
}

describe("catalog file errors", () => {
  it("a valid entry has no errors", () => {
    expect(errorsOf(VALID)).toEqual([]);
  });

  it("a bad value names file, line, column, field and what is expected", () => {
    const text = VALID.replace("oci://registry.gitlab.com/charts/foo", "https://registry.gitlab.com/charts/foo");
    expect(errorsOf(text)).toEqual([
      "services/foo.yaml:8:17: spec.chart.repository: must be an oci:// URL such as oci://registry.gitlab.com/group/project/charts/name",
    ]);
  });

  it("unknown keys are errors, with a did-you-mean hint", () => {
    const text = VALID.replace("  environments:", "  enviroments: [x]\n  environments:");
    expect(errorsOf(text)).toEqual(["services/foo.yaml:9:3: spec.enviroments: unknown field 'enviroments'; did you mean 'environments'?"]);
  });

  it("duplicate keys are errors", () => {
    const text = VALID.replace("  owner: gitlab-org/foo\n", "  owner: gitlab-org/foo\n  owner: gitlab-org/bar\n");
    expect(errorsOf(text)).toEqual(["services/foo.yaml:6:3: duplicate key 'owner'; each key may appear once in a mapping"]);
  });

  it("a missing field says it is required and what it expects", () => {
    const text = VALID.replace("  owner: gitlab-org/foo\n", "");
    expect(errorsOf(text)).toEqual(["services/foo.yaml:4:3: metadata.owner: required field is missing; expected string"]);
  });

  it("a wrong type names expected and actual", () => {
    const text = VALID.replace("environments: [staging]", "environments: staging");
    expect(errorsOf(text)).toEqual(['services/foo.yaml:9:17: spec.environments: expected a list, got string "staging"']);
  });

  it("reports every error of a file at once", () => {
    const text = VALID.replace("name: foo", "name: Foo_Bar").replace("environments: [staging]", "environments: []").replace("apiVersion: runway/v1", "apiVersion: runway/v2");
    const errors = errorsOf(text);
    expect(errors).toHaveLength(3);
    expect(errors.map((e) => e.split(": ")[1])).toEqual(["apiVersion", "metadata.name", "spec.environments"]);
  });

  it("invalid YAML is reported at its position", () => {
    expect(errorsOf("metadata:\n  name: [unclosed\n")[0]).toMatch(/^services\/foo\.yaml:\d+:\d+: /);
  });

  it("an empty file is an error", () => {
    expect(errorsOf("")).toEqual(["services/foo.yaml:1:1: file is empty; expected a YAML mapping"]);
    expect(errorsOf("# only a comment\n")).toEqual(["services/foo.yaml:1:1: file is empty; expected a YAML mapping"]);
  });

  it("binary garbage is an error, not a crash", () => {
    expect(errorsOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]))).toEqual(["services/foo.yaml:1:1: file is not UTF-8 text; expected a YAML document"]);
    expect(errorsOf(Buffer.from("a: 1\u0000b"))).toEqual(["services/foo.yaml:1:1: file contains binary data (NUL byte); expected a YAML document"]);
  });

  it("a scalar document is an error, not a crash", () => {
    expect(errorsOf("just a string\n")).toEqual(['services/foo.yaml:1:1: expected a mapping, got string "just a string"']);
  });

  it("several documents in one file are an error", () => {
    expect(errorsOf(`${VALID}---\n${VALID}`)).toEqual(["services/foo.yaml:10:1: file holds several YAML documents; expected exactly one"]);
  });

  it("no input crashes the loader: every failure is a ConfigError with file:line:column", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array().map((a) => Buffer.from(a)), fc.jsonValue().map((v) => JSON.stringify(v))), (input) => {
        try {
          validateSource(catalogEntrySchema, parseYaml("f.yaml", input));
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          for (const line of (e as Error).message.split("\n")) expect(line).toMatch(/^f\.yaml:\d+:\d+: /);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("mutations of a valid file never crash the loader", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: VALID.length }), fc.integer({ min: 0, max: 20 }), fc.string({ maxLength: 8 }), (at, del, ins) => {
        const text = VALID.slice(0, at) + ins + VALID.slice(at + del);
        try {
          validateSource(catalogEntrySchema, parseYaml("f.yaml", text));
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a file that cannot be read is a ConfigError", async () => {
    const { readYamlFile } = await import("../src/config/yaml-source");
    const dir = mkdtempSync(path.join(tmpdir(), "runway-"));
    expect(() => readYamlFile(path.join(dir, "missing.yaml"))).toThrow(/missing\.yaml: file not found$/);
    writeFileSync(path.join(dir, "x.yaml"), "a: 1\n");
    expect(() => readYamlFile(dir)).toThrow(/is a directory, expected a regular file/);
  });
});
