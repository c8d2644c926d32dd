import * as pulumi from "@pulumi/pulumi";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { PlatformConfig } from "../../src/config/schema/stack";

export interface SharedClusterArgs {
  /** The platform stack's validated config. */
  config: PlatformConfig;
  /** Catalog entries; those listing this environment with shared placement become tenants. */
  catalog: CatalogEntry[];
  /** GitLab API token that registers the agent (secret). */
  gitlabToken?: pulumi.Input<string>;
}

/** The shared Runway cluster of one environment, with every add-on and one tenant per onboarded service. */
export class SharedCluster extends pulumi.ComponentResource {
  readonly tenantNames: string[];
  constructor(name: string, args: SharedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedCluster", name, {}, opts);
    const env = args.config["runway:environment"];
    this.tenantNames = args.catalog.filter((e) => e.spec.environments.includes(env)).map((e) => e.metadata.name);
    this.registerOutputs({ tenantNames: this.tenantNames });
  }
}
