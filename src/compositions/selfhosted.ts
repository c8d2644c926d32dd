import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/diagnostics";
import type { StackContext } from "../config/project";
import type { SelfhostedConfig } from "../config/schema/stack";
import { diagnosticAt } from "../config/yaml-source";
import { isOfflinePlan } from "../plan/engine";
import type { StackSecrets } from "../program";
import { assertGitLabReachable, type ProbeOptions } from "../selfhosted/reachability";
import { SelfHostedTurnUp } from "../../components/platform/selfhosted-turn-up";

/**
 * Fails a turn-up whose GitLab does not answer, with the stack file's position of runway:gitlabUrl. A preview
 * (`pulumi preview`, including a merge request's from a runner that cannot reach the customer's network) only
 * warns: it must not depend on reaching GitLab. Skipped under the offline plan engine (no network) and on
 * turn-down (a gone GitLab must not block removing the workload).
 */
export async function checkGitLab(ctx: StackContext, config: SelfhostedConfig, probe: ProbeOptions = {}): Promise<void> {
  if (isOfflinePlan() || config["runway:state"] === "down") return;
  try {
    const warning = await assertGitLabReachable(config["runway:gitlabUrl"], probe);
    if (warning) pulumi.log.warn(warning);
  } catch (e) {
    const d = diagnosticAt(ctx.stack.source, ["config", "runway:gitlabUrl"], (e as Error).message);
    const message = new ConfigError([d]).message;
    if (pulumi.runtime.isDryRun()) {
      pulumi.log.warn(`${message}\n(the preview goes on; \`pulumi up\` stops here until GitLab answers)`);
      return;
    }
    throw new pulumi.RunError(message);
  }
}

/** `selfhosted` kind: a satellite service on a customer's existing Kubernetes cluster; no GCP needed. */
export async function selfhostedComposition(ctx: StackContext, config: SelfhostedConfig, _secrets: StackSecrets): Promise<Record<string, unknown>> {
  await checkGitLab(ctx, config);
  const t = new SelfHostedTurnUp(config["runway:service"], {
    service: config["runway:service"],
    chart: config["runway:chart"],
    gitlabRelease: config["runway:gitlabRelease"],
    gitlabUrl: config["runway:gitlabUrl"],
    kubeconfig: config["runway:kubeconfig"],
    kubeContext: config["runway:kubeContext"],
    state: config["runway:state"],
    installFlux: config["runway:installFlux"],
    values: config["runway:values"],
    egress: config["runway:egress"],
    ingress: config["runway:ingress"],
    quota: config["runway:quota"],
    keepData: config["runway:keepData"],
  });
  const outputs: Record<string, unknown> = {
    namespace: t.namespace,
    chartTag: t.chartTag,
    state: t.state,
    registrationTokenSecret: t.registrationTokenSecretName,
    accessTokenSecret: t.accessTokenSecretName,
    statusConfigMap: t.statusConfigMapName,
    registrationToken: t.registrationToken,
    accessToken: t.accessToken,
    workloadReady: t.workloadReady,
    registration: t.registration,
    registrationFinalized: t.registrationFinalized,
  };
  // A turn-down has no tokens, Secrets or status ConfigMap: leave them out rather than export undefined.
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}
