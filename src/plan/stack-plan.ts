/**
 * Planning a stack of this project offline: the stack file's config is handed to Pulumi's runtime exactly as
 * the Pulumi CLI would (objects as JSON text, `secure:` values as secrets), then the real program runs under
 * the recording mock runtime.
 */
import * as path from "node:path";
import { loadStackFile, stackFileName, type StackFile } from "../config/stack";
import { stacksDir } from "../config/project";
import { projectRoot } from "../paths";
import { runProgram } from "../program";
import { type Plan, recordProgram } from "./engine";

export interface PlanStackOptions {
  /** Replaces the stack's catalog directory. */
  catalogDir?: string;
  /** Leave computed outputs unknown, as `pulumi preview` does. */
  preview?: boolean;
}

/** Pulumi config of a stack file: `runway:key` -> text, and the keys holding secrets. */
export function pulumiConfigOf(stack: StackFile, catalogDir?: string): { config: Record<string, string>; secretKeys: string[] } {
  const raw = (stack.source.value as { config: Record<string, unknown> }).config;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (v !== null && typeof v === "object" && "secure" in (v as object)) {
      // Offline there is no key to decrypt with: a placeholder stands in, still marked secret.
      config[k] = `offline-secret-${k.replace(/^runway:/, "")}`;
      secretKeys.push(k);
    } else {
      config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  if (catalogDir !== undefined) config["runway:catalogDir"] = path.resolve(catalogDir);
  return { config, secretKeys };
}

export async function planStack(stackName: string, opts: PlanStackOptions = {}): Promise<Plan> {
  const stack = loadStackFile(stackFileName(stacksDir(projectRoot()), stackName));
  const { config, secretKeys } = pulumiConfigOf(stack, opts.catalogDir);
  return recordProgram(runProgram, { project: "runway", stack: stackName, config, secretKeys, preview: opts.preview });
}
