/**
 * The plan file format (`runway plan --json`), as a zod schema: it reads plan files (filling defaults for fields
 * older plans lack) and generates schemas/plan.schema.json. `schemaVersion` changes only when a reader of the old
 * format would misread the new one; adding a field does not change it.
 */
import { z } from "zod";

export const PLAN_SCHEMA_VERSION = 1;

const urn = z.string().describe("Pulumi URN: urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME");

export const plannedResourceSchema = z
  .object({
    urn,
    type: z.string().describe("Resource type token, e.g. kubernetes:core/v1:Namespace or runway:tenancy:Tenant"),
    name: z.string().describe("Logical name the program gave the resource"),
    parent: urn.nullable().default(null).describe("URN of the parent resource; null only for the stack itself"),
    provider: z.string().nullable().default(null).describe("URN of the explicit provider, or null for the default provider"),
    protect: z.boolean().default(false).describe("Pulumi's protect option: the engine refuses to delete it"),
    dependsOn: z.array(urn).default([]).describe("Explicit dependencies, by URN"),
    inputs: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Inputs as registered; secrets are "[secret]", values unknown until apply are "[unknown]"'),
    custom: z.boolean().default(true).describe("true for a cloud resource, false for a component"),
    retainOnDelete: z.boolean().default(false),
    deleteBeforeReplace: z.boolean().default(false),
    ignoreChanges: z.array(z.string()).default([]),
    replaceOnChanges: z.array(z.string()).default([]),
    additionalSecretOutputs: z.array(z.string()).default([]),
    aliases: z.array(z.string()).default([]).describe("Former identities, as URNs or name=..,type=..,parent=.. specs"),
  })
  .describe("One registered resource");

export const planSchema = z
  .object({
    schemaVersion: z
      .literal(PLAN_SCHEMA_VERSION)
      .default(PLAN_SCHEMA_VERSION)
      .describe("Version of this format; plans written before versioning have none and read as version 1"),
    stack: z.string().min(1).describe("Stack name (stacks/Pulumi.<stack>.yaml)"),
    resources: z.array(plannedResourceSchema).describe("Every registration, sorted by URN"),
    outputs: z.record(z.string(), z.unknown()).default({}).describe("Stack outputs; secrets masked"),
  })
  .describe("A stack planned offline by `runway plan --json` (with --all and --json -: an array of these)");
