/**
 * JSON Schemas (draft-7, for editors with yaml-language-server) generated from the zod schemas, so they can
 * never drift from what `runway validate` enforces.
 */
import * as path from "node:path";
import { z } from "zod";
import { affectedOutputSchema } from "./cli/affected-json";
import { checkOutputSchema } from "./cli/check-json";
import { describeOutputSchema } from "./cli/describe-json";
import { addressPlanOutputSchema } from "./cli/ipam-json";
import { stackListOutputSchema } from "./cli/stack-json";
import { catalogEntrySchema } from "./config/schema/catalog";
import { stackFileSchema } from "./config/schema/stack";
import { diffOutputSchema } from "./plan/diff-json";
import { planSchema } from "./plan/schema";
import { ledgerSchema } from "./ipam/ledger";

export interface GeneratedSchema {
  file: string;
  title: string;
  schema: z.ZodType;
  /** "input": what a user may write (defaults optional, the default); "output": what runway writes. */
  io?: "input" | "output";
}

export const SCHEMAS_DIR = "schemas";

export function schemaTargets(): GeneratedSchema[] {
  return [
    { file: "satellite-service.schema.json", title: "Runway SatelliteService (services/*.yaml)", schema: catalogEntrySchema },
    { file: "stack.schema.json", title: "Runway stack file (stacks/Pulumi.<stack>.yaml)", schema: stackFileSchema },
    // What runway writes, for the programs that read it (docs/cli.md).
    { file: "plan.schema.json", title: "Runway plan (runway plan --json)", schema: planSchema, io: "output" },
    { file: "diff.schema.json", title: "Runway plan diff (runway diff --format json)", schema: diffOutputSchema, io: "output" },
    { file: "check.schema.json", title: "Runway guardrail report (runway check --format json)", schema: checkOutputSchema, io: "output" },
    { file: "describe.schema.json", title: "Runway service summary (runway describe --format json)", schema: describeOutputSchema, io: "output" },
    { file: "stack-list.schema.json", title: "Runway stacks (runway stack list --format json)", schema: stackListOutputSchema, io: "output" },
    { file: "address-plan.schema.json", title: "Runway address plan (runway ipam --format json)", schema: addressPlanOutputSchema, io: "output" },
    { file: "affected.schema.json", title: "Runway affected stacks (runway affected --format json)", schema: affectedOutputSchema, io: "output" },
    { file: "ipam.schema.json", title: "Runway address ledger (ipam/<environment>.yaml)", schema: ledgerSchema },
  ];
}

let extraTargets: () => GeneratedSchema[] = () => [];
/** Lets other schema owners (the Runway manifest) add their schema to the generated set. */
export function registerSchemaTargets(fn: () => GeneratedSchema[]): void {
  const prev = extraTargets;
  extraTargets = () => [...prev(), ...fn()];
}

export function renderSchema(t: GeneratedSchema): string {
  const json = z.toJSONSchema(t.schema, { target: "draft-7", io: t.io ?? "input", unrepresentable: "any" }) as Record<string, unknown>;
  const out = { $schema: "http://json-schema.org/draft-07/schema#", title: t.title, ...json };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Every generated schema: path relative to the project root, and its text. */
export function renderAllSchemas(): { file: string; text: string }[] {
  return [...schemaTargets(), ...extraTargets()].map((t) => ({ file: path.join(SCHEMAS_DIR, t.file), text: renderSchema(t) }));
}
