/**
 * `runway affected --format json`: the stacks a change affects as a versioned document, described by
 * schemas/affected.schema.json (generated from the zod schema below; the builder is typed by it).
 */
import { z } from "zod";
import type { Affected } from "../affected";

export const AFFECTED_SCHEMA_VERSION = 1;

export const affectedOutputSchema = z
  .object({
    schemaVersion: z.literal(AFFECTED_SCHEMA_VERSION),
    stacks: z.array(z.string()).describe("Affected stacks, derived ones included, in deploy order"),
    reasons: z.record(z.string(), z.string()).describe("Why each stack is affected: the first changed file that affects it, or --all"),
  })
  .describe("The stacks a change affects, from `runway affected --format json`");

export type AffectedOutput = z.output<typeof affectedOutputSchema>;

export function affectedJson(a: Affected): AffectedOutput {
  return { schemaVersion: AFFECTED_SCHEMA_VERSION, stacks: a.stacks, reasons: a.reasons };
}
