/**
 * Reading plans written by `runway plan --json`: a plan file, a file holding an array of plans (`--all --json -`),
 * or a directory of `<stack>.json` files (`--all --json DIR`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { formatPath } from "../config/diagnostics";
import type { Plan } from "../plan/engine";
import { PLAN_SCHEMA_VERSION, planSchema } from "../plan/schema";
import { unreadableFile } from "../config/yaml-source";
import { InputError } from "./errors";

function parsePlan(file: string, raw: unknown, where: string): Plan {
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === "number" && version > PLAN_SCHEMA_VERSION) {
    throw new InputError(`${file}: ${where}plan format version ${version} is newer than this runway reads (${PLAN_SCHEMA_VERSION}); plan and read it with the same runway`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${file}: not a runway plan: ${where}${formatPath(issue.path) || "(root)"}: ${issue.message}`);
  }
  const { schemaVersion: _version, ...plan } = parsed.data;
  return plan;
}

/** The largest plan file Runway reads. */
const MAX_PLAN_BYTES = 256 * 1024 * 1024;

/** The plans in one file: a plan, or an array of plans. A FIFO, device or directory is reported, never opened. */
export function readPlanFile(file: string): Plan[] {
  const unreadable = unreadableFile(file, MAX_PLAN_BYTES);
  if (unreadable === "file not found") throw new InputError(`${file}: plan not found; write one with \`runway plan --json FILE\``);
  if (unreadable) throw new InputError(`${file}: cannot read plan: ${unreadable}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(`${file}: plan not found; write one with \`runway plan --json FILE\``);
    throw new InputError(`${file}: cannot read plan: ${code ?? (e as Error).message}`);
  }
  return Array.isArray(raw) ? raw.map((p, i) => parsePlan(file, p, `[${i}] `)) : [parsePlan(file, raw, "")];
}

export interface ReadPlansOptions {
  /** A missing path reads as no plans (a target branch that does not plan); otherwise it is an error. */
  missingOk?: boolean;
  /** The flag that allows a missing path, named in the error. */
  missingFlag?: string;
}

/** The plans at `p`: a plan file, an array file, or a directory of `*.json` plans. */
export function readPlans(p: string, opts: ReadPlansOptions = {}): Plan[] {
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    if (opts.missingOk) return [];
    const hint = opts.missingFlag ? `; if there is no base yet (a new branch or stack), pass ${opts.missingFlag}` : "";
    throw new InputError(`${p}: no such file or directory; write plans with \`runway plan --json\`${hint}`);
  }
  const files = isDir
    ? readdirSync(p)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => path.join(p, f))
    : [p];
  const plans = files.flatMap(readPlanFile);
  const seen = new Set<string>();
  for (const plan of plans) {
    if (seen.has(plan.stack)) throw new InputError(`${p}: two plans of stack ${plan.stack}; keep one plan per stack in a directory`);
    seen.add(plan.stack);
  }
  return plans;
}
