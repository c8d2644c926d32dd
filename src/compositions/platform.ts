import type { StackContext } from "../config/project";
import type { PlatformConfig } from "../config/schema/stack";
import type { StackSecrets } from "../program";
import { platformClusterName } from "../config/topology";
import { SharedCluster } from "../../components/platform/shared-cluster";

/** `platform` kind: one environment's shared Runway cluster (its primary region) and its tenants. */
export async function platformComposition(ctx: StackContext, config: PlatformConfig, secrets: StackSecrets): Promise<Record<string, unknown>> {
  const shared = new SharedCluster(platformClusterName(config["runway:environment"]), {
    config,
    catalog: ctx.catalog.map((c) => c.entry),
    gitlabToken: secrets.gitlabToken,
    stacks: ctx.allStacks,
  });
  await shared.tenantsCreated;
  const gw = shared.gateway;
  return {
    environment: config["runway:environment"],
    // Per service: host, service accounts, Vault path and how to write a secret, dashboard, alerts, Flux objects.
    tenants: shared.tenantSummaries,
    // To publish in the environment's DNS zone (docs/operations.md): the CNAMEs that let the managed certificates
    // issue and renew, and the address `*.<environment>.<domain>` points at.
    dnsAuthorizationRecords: gw.dnsAuthorizationRecord,
    ...(gw.regionalDnsAuthorizationRecord ? { regionalDnsAuthorizationRecords: gw.regionalDnsAuthorizationRecord } : {}),
    externalAddress: gw.externalAddress,
    // Several regions: each of these hosts gets an A record of its own for the multi-cluster Gateway's address
    // (docs/regions.md); the wildcard keeps pointing at externalAddress.
    ...(gw.multiRegionAddress ? { multiRegionAddress: gw.multiRegionAddress, multiRegionHosts: shared.multiRegionHosts } : {}),
  };
}
