/**
 * The manifest's JSON Schema, generated from the zod schema (never hand-copied), for editors through the
 * `yaml-language-server: $schema=` modeline. Committed as schemas/runway-manifest.schema.json; a test fails when
 * the committed file is stale.
 */
import { z } from "zod";
import { manifestSchema } from "./schema";

export const MANIFEST_SCHEMA_FILE = "schemas/runway-manifest.schema.json";
export const MANIFEST_SCHEMA_ID = "https://gitlab.com/gitlab-com/gl-infra/platform/runway/schemas/runway-manifest.schema.json";

/** Draft-7 JSON Schema of what a user may write (input side: defaults are optional). */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(manifestSchema, { target: "draft-7", io: "input" }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: MANIFEST_SCHEMA_ID, title: "Runway service manifest", ...schema };
}

/** The committed file's exact text. */
export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
