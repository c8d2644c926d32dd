import type { StackContext } from "../config/project";
import type { ServiceConfig } from "../config/schema/stack";
import type { StackSecrets } from "../program";
import { DedicatedService } from "../../components/platform/dedicated-service";

/** `service` kind: a dedicated GCP project and, when the service is dedicated here, its own cluster. */
export async function serviceComposition(ctx: StackContext, config: ServiceConfig, secrets: StackSecrets): Promise<Record<string, unknown>> {
  const name = config["runway:service"];
  // loadStackContext (serviceStackProblems) has already reported a missing entry with its file position.
  const entry = ctx.catalog.find((c) => c.entry.metadata.name === name);
  if (!entry) throw new Error(`internal: catalog entry '${name}' vanished after validation`);
  const svc = new DedicatedService(`${name}-${config["runway:environment"]}`, { config, entry: entry.entry, gitlabToken: secrets.gitlabToken });
  await svc.tenantsCreated;
  const gw = svc.gateway;
  return {
    projectId: svc.projectId,
    dedicatedCluster: svc.hasCluster,
    ...(svc.hasCluster ? { tenants: svc.tenantSummaries } : {}),
    // As on the platform stack: the records to publish so the dedicated Gateway's certificates issue, and the
    // address the service's host points at (docs/operations.md#dedicated-services).
    ...(gw ? { dnsAuthorizationRecords: gw.dnsAuthorizationRecord, externalAddress: gw.externalAddress } : {}),
    ...(gw?.regionalDnsAuthorizationRecord ? { regionalDnsAuthorizationRecords: gw.regionalDnsAuthorizationRecord } : {}),
  };
}
