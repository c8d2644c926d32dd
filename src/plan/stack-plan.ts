/**
 * Planning a stack of this project offline: the stack file's config is handed to Pulumi's runtime exactly as
 * the Pulumi CLI would (objects as JSON text, `secure:` values as secrets), then the real program runs under
 * the recording mock runtime.
 */
import * as path from "node:path";
import { pulumiConfigOfFile } from "../config/pulumi-config";
import { loadProjectStack } from "../config/project";
import { projectRoot } from "../paths";
import { runProgram } from "../program";
import { type Plan, recordProgram } from "./engine";

export interface PlanStackOptions {
  /** Replaces the stack's catalog directory. */
  catalogDir?: string;
  /** Leave computed outputs unknown, as `pulumi preview` does. */
  preview?: boolean;
}

export async function planStack(stackName: string, opts: PlanStackOptions = {}): Promise<Plan> {
  // A stack file, or a stack derived from the catalog (the same text `runway stack prepare` writes for Pulumi).
  const catalogDir = opts.catalogDir === undefined ? undefined : path.resolve(opts.catalogDir);
  const stack = loadProjectStack(projectRoot(), stackName, { catalogDir });
  const { config, secretKeys } = pulumiConfigOfFile(stack);
  return recordProgram(() => runProgram({ catalogDir }), { project: "runway", stack: stackName, config, secretKeys, preview: opts.preview });
}
