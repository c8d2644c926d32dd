import type { StackContext } from "../config/project";
import type { ServiceConfig } from "../config/schema/stack";
import type { StackSecrets } from "../program";
import { DedicatedService } from "../../components/platform/dedicated-service";

/** `service` kind: a dedicated GCP project and, when the service is dedicated here, its own cluster. */
export function serviceComposition(ctx: StackContext, config: ServiceConfig, secrets: StackSecrets): Record<string, unknown> {
  const name = config["runway:service"];
  const entry = ctx.catalog.find((c) => c.entry.metadata.name === name);
  if (!entry) {
    throw new Error(`${ctx.stack.file}: runway:service: no catalog entry named '${name}'; add services/${name}.yaml or fix the name`);
  }
  const svc = new DedicatedService(`${name}-${config["runway:environment"]}`, { config, entry: entry.entry, gitlabToken: secrets.gitlabToken });
  return { projectId: svc.projectId, dedicatedCluster: svc.hasCluster };
}
