/**
 * The manifest's JSON Schema, generated from the zod schema (never hand-copied), for editors through the
 * `yaml-language-server: $schema=` modeline. It joins the project's generated schemas, so `runway schemas --write`
 * writes schemas/runway-manifest.schema.json and `runway schemas --check` (and a test) fail when it is stale.
 */
import * as path from "node:path";
import { registerSchemaTargets, renderSchema, SCHEMAS_DIR, type GeneratedSchema } from "../schemas";
import { manifestSchema } from "./schema";

const target: GeneratedSchema = {
  file: "runway-manifest.schema.json",
  title: "Runway service manifest (.runway/runway.yml)",
  schema: manifestSchema,
};

registerSchemaTargets(() => [target]);

export const MANIFEST_SCHEMA_FILE = path.join(SCHEMAS_DIR, target.file);

/** The committed file's exact text: draft-7, input side (fields with defaults are optional). */
export function manifestJsonSchemaText(): string {
  return renderSchema(target);
}

/** Draft-7 JSON Schema of what a user may write in .runway/runway.yml. */
export function manifestJsonSchema(): Record<string, unknown> {
  return JSON.parse(manifestJsonSchemaText()) as Record<string, unknown>;
}
