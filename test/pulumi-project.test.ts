import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { platformConfigSchema, selfhostedConfigSchema, serviceConfigSchema } from "../src/config/schema/stack";

const ROOT = path.join(__dirname, "..");
const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  stackConfigDir: string;
  config: Record<string, { type: string; description?: string; items?: { type: string } }>;
};

/** Pulumi's project config type of a zod field, or undefined for structured values Pulumi cannot type. */
function pulumiType(schema: z.ZodType): string | undefined {
  let def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  while (["optional", "default", "nullable", "pipe"].includes(def.type as string)) {
    const inner = (def.innerType ?? def.in) as { _zod: { def: Record<string, unknown> } };
    def = inner._zod.def;
  }
  switch (def.type) {
    case "string":
    case "enum":
    case "literal":
      return "string";
    case "boolean":
      return "boolean";
    case "array": {
      const el = pulumiType(def.element as z.ZodType);
      return el === "string" ? "array" : undefined;
    }
    default:
      return undefined;
  }
}

const typed = new Map<string, string>();
for (const s of [platformConfigSchema, serviceConfigSchema, selfhostedConfigSchema]) {
  for (const [key, field] of Object.entries(s.shape)) {
    const t = pulumiType(field as z.ZodType);
    if (t) typed.set(key.replace(/^runway:/, ""), t);
  }
}
// Secrets are objects ({secure: ...}) in stack files but strings to Pulumi.
typed.set("gitlabToken", "string");

describe("Pulumi.yaml", () => {
  it("names the project runway, its program and the stacks directory", () => {
    expect([project.name, project.main, project.stackConfigDir]).toEqual(["runway", "src/index.ts", "stacks"]);
  });

  it("declares every scalar config key of the stack schemas with its type and a description", () => {
    for (const [key, type] of typed) {
      expect(project.config[key], key).toBeDefined();
      expect(project.config[key].type, key).toBe(type);
      expect(project.config[key].description, key).toBeTruthy();
    }
  });

  it("declares no key the stack schemas do not know", () => {
    expect(Object.keys(project.config).filter((k) => !typed.has(k))).toEqual([]);
  });
});
