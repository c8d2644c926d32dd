import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/diagnostics";
import type { StackContext } from "../config/project";
import type { SelfhostedConfig } from "../config/schema/stack";
import { diagnosticAt } from "../config/yaml-source";
import { isOfflinePlan } from "../plan/engine";
import type { StackSecrets } from "../program";
import { readGitlabCa } from "../selfhosted/ca";
import { assertGitLabReachable, type ProbeOptions } from "../selfhosted/reachability";
import { registrationVerdict, type RegistrationState } from "../selfhosted/status";
import { workloadGitlabUrl } from "../selfhosted/turn-up";
import { SelfHostedTurnUp } from "../../components/platform/selfhosted-turn-up";

/**
 * Fails a turn-up whose GitLab does not answer, with the stack file's position of runway:gitlabUrl. A preview
 * (`pulumi preview`, including a merge request's from a runner that cannot reach the customer's network) only
 * warns: it must not depend on reaching GitLab. Skipped under the offline plan engine (no network) and on
 * turn-down (a gone GitLab must not block removing the workload).
 */
export async function checkGitLab(ctx: StackContext, config: SelfhostedConfig, probe: ProbeOptions & { dryRun?: boolean } = {}): Promise<void> {
  const dryRun = probe.dryRun ?? pulumi.runtime.isDryRun();
  if (isOfflinePlan() || config["runway:state"] === "down") return;
  try {
    const warning = await assertGitLabReachable(config["runway:gitlabUrl"], probe);
    if (warning) pulumi.log.warn(warning);
  } catch (e) {
    const d = diagnosticAt(ctx.stack.source, ["config", "runway:gitlabUrl"], (e as Error).message);
    const message = new ConfigError([d]).message;
    if (dryRun) {
      pulumi.log.warn(`${message}\n(the preview goes on; \`pulumi up\` stops here until GitLab answers)`);
      return;
    }
    throw new pulumi.RunError(message);
  }
}

/**
 * The registration outcome as the stack reports it (docs/self-managed.md, "Status contract"). `pulumi up` waits for
 * it (the status is read after the release, and so its hook, finished): a callback GitLab refused or never answered
 * fails the update with GitLab's message and the fix; a status that does not answer the current request warns. A
 * preview only warns. Returns the registration state.
 */
export async function reportRegistration(t: SelfHostedTurnUp, config: SelfhostedConfig): Promise<pulumi.Output<RegistrationState>> {
  if (!t.registrationStatus || !t.registrationRequestId) return t.registration;
  const verdict = pulumi.all([t.registrationStatus, t.registrationRequestId]).apply(([s, requestId]) =>
    registrationVerdict(s, {
      service: config["runway:service"],
      gitlabUrl: workloadGitlabUrl(config["runway:gitlabUrl"]),
      requestId,
      retry: config["runway:registrationRetry"],
      preview: pulumi.runtime.isDryRun(),
      quietPending: isOfflinePlan(),
    }),
  );
  if (pulumi.runtime.isDryRun()) {
    // Values may stay unknown in a preview: never wait for them there.
    verdict.apply((v) => v.message && pulumi.log.warn(v.message));
  } else {
    // An update knows every value once its resources are applied, so this resolves.
    const v = await new Promise<ReturnType<typeof registrationVerdict>>((resolve) => verdict.apply(resolve));
    if (v.level === "fail") throw new pulumi.RunError(v.message as string);
    if (v.level === "warn") pulumi.log.warn(v.message as string);
  }
  return verdict.apply((v) => v.state);
}

/** The project root: stack files live in <root>/stacks/. */
function projectRoot(ctx: StackContext): string {
  return path.dirname(path.dirname(path.resolve(ctx.stack.file)));
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
    kubeApiServer: config["runway:kubeApiServer"],
    gitlabCaCertificate: config["runway:gitlabCaFile"] === undefined ? undefined : readGitlabCa(projectRoot(ctx), config["runway:gitlabCaFile"]),
    registrationRetry: config["runway:registrationRetry"],
  });
  const registration = await reportRegistration(t, config);
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
    registration,
    registrationFinalized: registration.apply((r) => r === "finalized"),
    registrationStatus: t.registrationStatus,
  };
  // A turn-down has no tokens, Secrets or status ConfigMap: leave them out rather than export undefined.
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}
