import type { StackContext } from "../config/project";
import type { RegionConfig } from "../config/schema/stack";
import { environmentTopology, platformClusterName, regionalClusterName } from "../config/topology";
import type { StackSecrets } from "../program";
import { environmentTenants, tenantsOfCluster } from "../platform/regional";
import { RegionalCluster } from "../../components/platform/regional-cluster";

/**
 * `region` kind: one more region of an environment. The project, VPC, Vault mount, domain, stages, GitLab settings
 * and the catalog are the environment's platform stack's; validation has checked that it exists.
 */
export async function regionComposition(ctx: StackContext, config: RegionConfig, secrets: StackSecrets): Promise<Record<string, unknown>> {
  const env = config["runway:environment"];
  const region = config["runway:cluster"].region;
  const topo = environmentTopology(ctx.allStacks, env);
  if (!topo) throw new Error(`internal: environment '${env}' lost its platform stack after validation`);
  const p = topo.platformConfig;
  const tenants = tenantsOfCluster(
    topo,
    region,
    environmentTenants(
      topo,
      ctx.allStacks,
      ctx.catalog.map((c) => c.entry),
    ),
  );
  const cluster = new RegionalCluster(regionalClusterName(env, region), {
    environment: env,
    projectId: p["runway:gcp"].projectId,
    network: platformClusterName(env),
    subnet: config["runway:network"].subnets[0],
    cluster: config["runway:cluster"],
    gitlab: p["runway:gitlab"],
    gitlabToken: secrets.gitlabToken,
    vault: p["runway:vault"],
    // A regional stack's own channels, else the environment's.
    notificationChannels: config["runway:observability"].notificationChannels.length ? config["runway:observability"].notificationChannels : p["runway:observability"].notificationChannels,
    domain: p["runway:domain"],
    tenants,
  });
  await cluster.tenantsCreated;
  return { environment: env, region, primary: topo.platform.name, clusterName: cluster.clusterName, tenants: cluster.tenantNames };
}
