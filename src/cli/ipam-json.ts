/**
 * `runway ipam --format json`: the address plan as a versioned document, described by
 * schemas/address-plan.schema.json (generated from the zod schema below; the builder is typed by it). Not to be
 * confused with schemas/ipam.schema.json, the schema of the ledgers in ipam/.
 */
import { z } from "zod";

export const ADDRESS_PLAN_SCHEMA_VERSION = 1;

const cidr = z.string().describe("IPv4 CIDR block");

const environment = z.object({
  environment: z.string(),
  pool: z.object({ primary: cidr, pods: cidr }).optional().describe("runway:dedicated.addressPool of the environment's platform stack"),
  slots: z.number().int().describe("Slots the pool holds"),
  ledger: z.string().optional().describe("The environment's ledger file, ipam/<environment>.yaml"),
  allocations: z.array(
    z.object({
      service: z.string(),
      slot: z.number().int().optional().describe("Slot of the pool; absent for ranges adopted from a hand-written stack"),
      region: z.string(),
      nodes: cidr,
      services: cidr,
      proxyOnly: cidr,
      pods: cidr,
      recorded: z.boolean().describe("false: provisional until `runway ipam record`"),
    }),
  ),
});

export const addressPlanOutputSchema = z
  .object({
    schemaVersion: z.literal(ADDRESS_PLAN_SCHEMA_VERSION),
    environments: z.array(environment).describe("Each environment with dedicated services: its pool and allocations"),
    ranges: z
      .array(z.object({ cidr, holder: z.string().describe("Stack, pool or recorded allocation holding the range"), what: z.string().describe("The field or ledger entry that sets it") }))
      .describe("Every range in use, by address"),
  })
  .describe("The address plan, from `runway ipam --format json`");

export type AddressPlanOutput = z.output<typeof addressPlanOutputSchema>;

export function addressPlanJson(environments: AddressPlanOutput["environments"], ranges: AddressPlanOutput["ranges"]): AddressPlanOutput {
  return { schemaVersion: ADDRESS_PLAN_SCHEMA_VERSION, environments, ranges };
}
