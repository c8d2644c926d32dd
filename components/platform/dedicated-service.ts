import * as pulumi from "@pulumi/pulumi";
import type { CatalogEntry } from "../../src/config/schema/catalog";
import type { ServiceConfig } from "../../src/config/schema/stack";

export interface DedicatedServiceArgs {
  config: ServiceConfig;
  entry: CatalogEntry;
  gitlabToken?: pulumi.Input<string>;
}

/** A service's own GCP project and, when dedicated in this environment, its own cluster. */
export class DedicatedService extends pulumi.ComponentResource {
  readonly projectId: string;
  readonly hasCluster: boolean;
  constructor(name: string, args: DedicatedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:DedicatedService", name, {}, opts);
    this.projectId = args.config["runway:gcp"].projectId;
    this.hasCluster = args.config["runway:cluster"] !== undefined;
    this.registerOutputs({ projectId: this.projectId, hasCluster: this.hasCluster });
  }
}
