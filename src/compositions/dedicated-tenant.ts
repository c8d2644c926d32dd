import type { StackContext } from "../config/project";
import { dedicatedEnvironment, dedicatedPlacement, dedicatedTenantSpec } from "../config/dedicated";
import type { DedicatedTenantConfig } from "../config/schema/stack";
import { environmentTopology } from "../config/topology";
import type { StackSecrets } from "../program";
import { DedicatedTenant } from "../../components/platform/dedicated-tenant";

/** `dedicated-tenant` kind: a GitLab Dedicated customer's instance of its satellite services. */
export async function dedicatedTenantComposition(ctx: StackContext, config: DedicatedTenantConfig, secrets: StackSecrets): Promise<Record<string, unknown>> {
  const entries = config["runway:services"].map((name) => {
    const found = ctx.catalog.find((f) => f.entry.metadata.name === name);
    // dedicatedTenantProblems has already reported a missing entry with its position.
    if (!found) throw new Error(`internal: catalog entry '${name}' vanished after validation`);
    return found.entry;
  });
  const placement = dedicatedPlacement(config, ctx.allStacks);
  if (!placement) throw new Error("internal: the Dedicated tenant's region vanished after validation");
  const hostEnv = placement.hostEnvironment;
  const topo = hostEnv ? environmentTopology(ctx.allStacks, hostEnv) : undefined;
  if (hostEnv && !topo) throw new Error(`internal: host environment '${hostEnv}' vanished after validation`);
  const services = entries.map((e) => dedicatedTenantSpec(e, config, topo ? { environment: topo.environment, region: placement.region, primary: topo.primary } : undefined));
  const t = new DedicatedTenant(dedicatedEnvironment(config["runway:tenant"]), {
    config,
    services,
    gitlabToken: secrets.gitlabToken,
    host: topo ? { projectId: topo.platformConfig["runway:gcp"].projectId, domain: topo.platformConfig["runway:domain"] } : undefined,
  });
  await t.tenantsCreated;
  return {
    tenant: config["runway:tenant"],
    isolation: config["runway:isolation"],
    region: placement.region,
    gitlabRelease: config["runway:gitlabRelease"],
    projectId: t.projectId,
    hosts: t.hosts,
    // What each service's team gets on the customer's own cluster: the merge request's note shows it.
    ...(t.tenantSummaries ? { tenants: t.tenantSummaries } : {}),
    ...(hostEnv ? { hostEnvironment: hostEnv } : {}),
    // Cluster isolation: to publish in the customer's zone, as for an environment (docs/dedicated.md).
    ...(t.gateway
      ? {
          dnsAuthorizationRecords: t.gateway.dnsAuthorizationRecord,
          ...(t.gateway.regionalDnsAuthorizationRecord ? { regionalDnsAuthorizationRecords: t.gateway.regionalDnsAuthorizationRecord } : {}),
          externalAddress: t.gateway.externalAddress,
        }
      : {}),
  };
}
