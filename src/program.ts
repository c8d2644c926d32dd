/**
 * The Pulumi program: validates the stack's configuration and catalog, then builds the composition its
 * `runway:kind` selects. Config is read here, inside a function, never at import time.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/diagnostics";
import { loadStackContext, type StackContext } from "./config/project";
import { projectRoot } from "./paths";
import { platformComposition } from "./compositions/platform";
import { serviceComposition } from "./compositions/service";
import { selfhostedComposition } from "./compositions/selfhosted";

/** Secret config values, read through Pulumi so they stay secrets end to end. */
export interface StackSecrets {
  /** `runway:gitlabToken`, when the stack sets it. */
  gitlabToken?: pulumi.Output<string>;
}

export function readSecrets(ctx: StackContext): StackSecrets {
  const cfg = new pulumi.Config("runway");
  return { gitlabToken: ctx.stack.secretKeys.includes("gitlabToken") ? cfg.requireSecret("gitlabToken") : undefined };
}

/** Loads and validates everything the stack needs; bad input becomes a RunError (printed without a stack trace). */
export function loadContext(): StackContext {
  const cfg = new pulumi.Config("runway");
  try {
    return loadStackContext(projectRoot(), pulumi.getStack(), { catalogDir: cfg.get("catalogDir") });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export async function runProgram(): Promise<Record<string, unknown>> {
  const ctx = loadContext();
  const secrets = readSecrets(ctx);
  const config = ctx.stack.config;
  switch (config["runway:kind"]) {
    case "platform":
      return platformComposition(ctx, config, secrets);
    case "service":
      return serviceComposition(ctx, config, secrets);
    case "selfhosted":
      return selfhostedComposition(ctx, config, secrets);
  }
}
