import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MANIFEST_SCHEMA_FILE, manifestJsonSchema, manifestJsonSchemaText } from "../src/manifest/json-schema";

const EXAMPLE = "examples/ai-gateway/.runway/runway.yml";

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(manifestJsonSchema());
}

describe("manifest JSON Schema", () => {
  it("the committed schema file is the one generated from the zod schema", () => {
    const hint = `${MANIFEST_SCHEMA_FILE} is stale; regenerate it from src/manifest/json-schema.ts (manifestJsonSchemaText)`;
    expect(readFileSync(MANIFEST_SCHEMA_FILE, "utf8"), hint).toBe(manifestJsonSchemaText());
  });

  it("is draft-7", () => {
    expect(manifestJsonSchema().$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("accepts the AI Gateway example", () => {
    const validate = validator();
    expect(validate(parse(readFileSync(EXAMPLE, "utf8"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("lets editors flag values with no Kubernetes equivalent yet", () => {
    const validate = validator();
    const m = parse(readFileSync(EXAMPLE, "utf8"));
    m.spec.request_based_billing = true;
    expect(validate(m)).toBe(false);
    m.spec.request_based_billing = false;
    m.spec.deployment.strategy = "regional_rollout";
    expect(validate(m)).toBe(false);
  });

  it("the example's modeline points at the committed schema", () => {
    const first = readFileSync(EXAMPLE, "utf8").split("\n")[0];
    expect(first).toBe("# yaml-language-server: $schema=../../../schemas/runway-manifest.schema.json");
  });

  it("describes every field", () => {
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, p: string) => {
      const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [k, v] of Object.entries(props)) {
        const desc = v.description ?? (v.anyOf as Record<string, unknown>[] | undefined)?.find((x) => x.description)?.description;
        if (!desc) missing.push(`${p}${k}`);
        walk(v, `${p}${k}.`);
        for (const alt of (v.anyOf as Record<string, unknown>[] | undefined) ?? []) walk(alt, `${p}${k}.`);
        if (v.items && typeof v.items === "object") walk(v.items as Record<string, unknown>, `${p}${k}[].`);
      }
    };
    walk(manifestJsonSchema(), "");
    expect(missing).toEqual([]);
  });
});
