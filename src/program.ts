/**
 * The Pulumi program: validates the stack's configuration and catalog, then builds the composition its
 * `runway:kind` selects. Config is read here, inside a function, never at import time.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/diagnostics";
import { stackContextOf, type StackContext } from "./config/project";
import { configValueType, NAMESPACE, type PulumiStackConfig, stackFromPulumiConfig } from "./config/pulumi-config";
import { projectRoot } from "./paths";
import { isOfflinePlan } from "./plan/engine";
import { platformComposition } from "./compositions/platform";
import { serviceComposition } from "./compositions/service";
import { selfhostedComposition } from "./compositions/selfhosted";
import { regionComposition } from "./compositions/region";
import { dedicatedTenantComposition } from "./compositions/dedicated-tenant";

/** Secret config values, read through Pulumi so they stay secrets end to end. */
export interface StackSecrets {
  /** `runway:gitlabToken`, when the stack sets it. */
  gitlabToken?: pulumi.Output<string>;
}

export function readSecrets(ctx: StackContext): StackSecrets {
  const cfg = new pulumi.Config("runway");
  return { gitlabToken: ctx.stack.secretKeys.includes("gitlabToken") ? cfg.requireSecret("gitlabToken") : undefined };
}

/** The SDK's test for secret config keys (runtime/config.js; not in its typings). */
function isConfigSecret(key: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
  return config.isConfigSecret(key);
}

/**
 * Every `runway:` key of the stack's configuration, read through pulumi.Config: whatever set it (the stack file,
 * `pulumi config set` on the backend, `--config-file`, an ESC environment), this is what `pulumi up` passes.
 * Structured values are read with requireObject, flags with requireBoolean. Secret values are never read as text
 * here: they stand as `{secure: "[secret]"}` for validation and are read with requireSecret where they are used.
 */
export function readStackConfig(): PulumiStackConfig {
  const cfg = new pulumi.Config(NAMESPACE);
  const prefix = `${NAMESPACE}:`;
  const keys = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(prefix))
    .sort();
  const kind = keys.includes(`${prefix}kind`) && !isConfigSecret(`${prefix}kind`) ? cfg.get("kind") : undefined;
  const values: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const key of keys) {
    const name = key.slice(prefix.length);
    if (isConfigSecret(key)) {
      secretKeys.push(key);
      values[key] = { secure: "[secret]" };
      continue;
    }
    // A value of the wrong form is kept as its text, so validation names the key and what it expected.
    try {
      switch (configValueType(kind, key)) {
        case "json":
          values[key] = cfg.requireObject(name);
          break;
        case "boolean":
          values[key] = cfg.requireBoolean(name);
          break;
        case "number":
          values[key] = cfg.requireNumber(name);
          break;
        default:
          values[key] = cfg.require(name);
      }
    } catch {
      values[key] = cfg.require(name);
    }
  }
  return { values, secretKeys };
}

/** Loads and validates everything the stack needs; bad input becomes a RunError (printed without a stack trace). */
export function loadContext(opts: ProgramOptions = {}): StackContext {
  try {
    const root = projectRoot();
    return stackContextOf(root, stackFromPulumiConfig(pulumi.getStack(), readStackConfig(), root), { catalogDir: opts.catalogDir });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/**
 * An error of the program as the Pulumi CLI should print it: its message, and for an unexpected error its frames
 * too, but no `stack` property. cmd/run formats any error that has one with `util.inspect(err, {colors: true})`
 * (cmd/run/error.ts defaultErrorMessage), and on Node.js 20 that spins for ~30 s and then fails with "Invalid
 * string length" when a frame reads `node_modules/@pulumi/resource.ts` (the SDK's source maps name such paths), so
 * every failed `pulumi preview` would hang half a minute. Measured in test/conformance-program.test.ts.
 */
export function forPulumi(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const err: Error = e;
  const out = pulumi.RunError.isInstance(err) ? err : new pulumi.RunError(e.stack ?? e.message);
  out.stack = undefined;
  return out;
}

/** Options of an offline run; the Pulumi CLI runs the program without any. */
export interface ProgramOptions {
  /**
   * A catalog directory to use instead of the stack's `runway:catalogDir` (`runway plan --catalog`): a one-off
   * choice of whoever runs the command, so unlike the stack's own setting it may lie outside the repository.
   */
  catalogDir?: string;
}

export async function runProgram(opts: ProgramOptions = {}): Promise<Record<string, unknown>> {
  // Under the offline engine errors keep their type and frames: `runway plan` tells bad input from internal errors.
  if (isOfflinePlan()) return buildStack(opts);
  try {
    return await buildStack(opts);
  } catch (e) {
    throw forPulumi(e);
  }
}

async function buildStack(opts: ProgramOptions): Promise<Record<string, unknown>> {
  const ctx = loadContext(opts);
  const secrets = readSecrets(ctx);
  const config = ctx.stack.config;
  switch (config["runway:kind"]) {
    case "platform":
      return platformComposition(ctx, config, secrets);
    case "service":
      return serviceComposition(ctx, config, secrets);
    case "selfhosted":
      return selfhostedComposition(ctx, config, secrets);
    case "region":
      return regionComposition(ctx, config, secrets);
    case "dedicated-tenant":
      return dedicatedTenantComposition(ctx, config, secrets);
  }
}
