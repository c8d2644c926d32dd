import type { StackContext } from "../config/project";
import type { SelfhostedConfig } from "../config/schema/stack";
import type { StackSecrets } from "../program";
import { SelfHostedTurnUp } from "../../components/platform/selfhosted-turn-up";

/** `selfhosted` kind: a satellite service on a customer's existing Kubernetes cluster; no GCP needed. */
export function selfhostedComposition(_ctx: StackContext, config: SelfhostedConfig, _secrets: StackSecrets): Record<string, unknown> {
  const t = new SelfHostedTurnUp(config["runway:service"], { config });
  return { namespace: t.namespace, chartTag: t.chartTag };
}
