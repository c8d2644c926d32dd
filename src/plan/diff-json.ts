/**
 * `runway diff --format json`: the diff as a versioned document, described by schemas/diff.schema.json (generated
 * from the zod schema below; the builder is typed by it, and a test validates real output against the file).
 * Values are always included; secrets are "[secret]" on both sides when either side is secret.
 */
import { z } from "zod";
import type { PlanDiff } from "./diff";
import { maskChange } from "./diff-render";

export const DIFF_SCHEMA_VERSION = 1;

const resource = z.object({
  urn: z.string(),
  type: z.string(),
  name: z.string(),
  protect: z.boolean().describe("Pulumi's protect option; a protected resource cannot be deleted"),
});

const valueChange = z
  .object({
    path: z.string().describe("Dotted input path (spec.ref.tag, items[2]) or options.<option>"),
    old: z.unknown().optional().describe("Value before; absent when the value did not exist"),
    new: z.unknown().optional().describe("Value after; absent when the value no longer exists"),
  })
  .describe("A changed value");

export const diffOutputSchema = z
  .object({
    schemaVersion: z.literal(DIFF_SCHEMA_VERSION),
    stacks: z.array(
      z.object({
        stack: z.string(),
        added: z.array(resource),
        removed: z.array(resource),
        retained: z.array(resource).describe("Resources that leave the stack but stay in the cloud with their data (retainOnDelete)"),
        renamed: z.array(z.object({ from: z.string(), to: z.string(), type: z.string() }).describe("A removed URN an added resource claims as an alias")),
        changed: z.array(z.object({ urn: z.string(), type: z.string(), changes: z.array(valueChange) })),
      }),
    ),
  })
  .describe("What a change adds, changes, renames, removes and retains, per stack (`runway diff --format json`)");

export type DiffOutput = z.output<typeof diffOutputSchema>;

export function diffJson(diffs: PlanDiff[]): DiffOutput {
  const res = (r: { urn: string; type: string; name: string; protect: boolean }) => ({ urn: r.urn, type: r.type, name: r.name, protect: r.protect });
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    stacks: diffs.map((d) => ({
      stack: d.stack,
      added: d.added.map(res),
      removed: d.removed.map(res),
      retained: d.retained.map(res),
      renamed: d.renamed,
      changed: d.changed.map((c) => ({ urn: c.urn, type: c.type, changes: c.changes.map(maskChange) })),
    })),
  };
}
