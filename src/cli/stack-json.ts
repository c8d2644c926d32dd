/**
 * `runway stack list --format json`: the project's stacks as a versioned document, described by
 * schemas/stack-list.schema.json (generated from the zod schema below; the builder is typed by it).
 */
import { z } from "zod";
import type { StackListing } from "./stack";

export const STACK_LIST_SCHEMA_VERSION = 1;

export const stackListOutputSchema = z
  .object({
    schemaVersion: z.literal(STACK_LIST_SCHEMA_VERSION),
    stacks: z
      .array(
        z.object({
          name: z.string(),
          kind: z.string().describe("runway:kind: platform, region, service, dedicated-tenant, selfhosted"),
          environment: z.string().optional(),
          origin: z.enum(["file", "derived"]).describe("A stack file in stacks/, or a stack derived from the catalog"),
          addresses: z.enum(["recorded", "provisional"]).optional().describe("For a derived stack: whether its addresses are recorded in ipam/<environment>.yaml"),
          wave: z.number().int().optional().describe("Deploy wave, 1 first; absent for stacks the deploy pipeline does not deploy (self-hosted)"),
        }),
      )
      .describe("Every stack, in deploy order"),
  })
  .describe("The stacks of the project, from `runway stack list --format json`");

export type StackListOutput = z.output<typeof stackListOutputSchema>;

export function stackListJson(stacks: StackListing[]): StackListOutput {
  return { schemaVersion: STACK_LIST_SCHEMA_VERSION, stacks };
}
