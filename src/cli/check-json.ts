/**
 * `runway check --format json`: the report as a versioned document, described by schemas/check.schema.json
 * (generated from the zod schema below; the builder is typed by it, and a test validates real output).
 */
import { z } from "zod";
import { reportFailed, type StackReport } from "../rules/check";

export const CHECK_SCHEMA_VERSION = 1;

const violation = z
  .object({
    stack: z.string(),
    rule: z.string().describe("Rule id, e.g. G4 or D4-protect (the security checklist's control ids)"),
    severity: z.enum(["mandatory", "advisory"]).describe("A mandatory violation fails the check"),
    urn: z.string(),
    type: z.string(),
    name: z.string(),
    message: z.string(),
    unverified: z.boolean().describe("The rule could not see the value (unknown until apply): reported as advisory"),
  })
  .describe("A rule a resource breaks");

const waiverUse = z.object({
  waiver: z.object({
    rule: z.string(),
    resource: z.string().optional().describe("Waived resource name; absent for cluster exceptions"),
    justification: z.string(),
    origin: z.enum(["runway:waivers", "runway:cluster.exceptions"]),
  }),
  waived: z.array(violation).describe("Findings the waiver suppressed; empty when the waiver is stale"),
});

export const checkOutputSchema = z
  .object({
    schemaVersion: z.literal(CHECK_SCHEMA_VERSION),
    failed: z.boolean().describe("true when a mandatory rule fails (exit status 1)"),
    reports: z.array(
      z.object({
        stack: z.string(),
        resources: z.number().int().describe("Resources checked"),
        violations: z.array(violation),
        waivers: z.array(waiverUse),
      }),
    ),
  })
  .describe("The guardrail report of `runway check --format json`");

export type CheckOutput = z.output<typeof checkOutputSchema>;

export function checkJson(reports: StackReport[]): CheckOutput {
  return { schemaVersion: CHECK_SCHEMA_VERSION, failed: reportFailed(reports), reports };
}
