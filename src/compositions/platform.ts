import type { StackContext } from "../config/project";
import type { PlatformConfig } from "../config/schema/stack";
import type { StackSecrets } from "../program";
import { SharedCluster } from "../../components/platform/shared-cluster";

/** `platform` kind: one environment's shared Runway cluster and its tenants. */
export function platformComposition(ctx: StackContext, config: PlatformConfig, secrets: StackSecrets): Record<string, unknown> {
  const shared = new SharedCluster(`runway-${config["runway:environment"]}`, { config, catalog: ctx.catalog.map((c) => c.entry), gitlabToken: secrets.gitlabToken });
  return { environment: config["runway:environment"], tenants: shared.tenantNames };
}
