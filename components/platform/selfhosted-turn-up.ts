import * as pulumi from "@pulumi/pulumi";
import type { SelfhostedConfig } from "../../src/config/schema/stack";

export interface SelfHostedTurnUpArgs {
  config: SelfhostedConfig;
}

/** A satellite service turned up on a customer's existing Kubernetes cluster. */
export class SelfHostedTurnUp extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly chartTag: string;
  constructor(name: string, args: SelfHostedTurnUpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SelfHostedTurnUp", name, {}, opts);
    this.namespace = args.config["runway:service"];
    this.chartTag = `gitlab-${args.config["runway:gitlabRelease"]}`;
    this.registerOutputs({ namespace: this.namespace, chartTag: this.chartTag });
  }
}
