import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { firewallRules, networkIdOf, regionalName, regionalNetworkProblems, type SubnetSpec } from "../../src/gcp/network";
import { type NetworkSubnet, regionalSubnet } from "./network";

export interface RegionalNetworkArgs {
  /** Project of the VPC (the environment's project, created by its platform stack). */
  project: string;
  /** GCP name of the VPC the platform stack's Network created, e.g. `runway-staging`. */
  network: string;
  /**
   * The region's subnet: primary range for nodes, secondary ranges for pods and services, and optionally the
   * proxy-only range. Disjoint from every other range of the VPC (runway validate checks across stacks).
   * https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks
   */
  subnet: SubnetSpec;
  /** Control-plane ranges of the region's cluster, allowed to reach its nodes' webhook and kubelet ports. Default none. */
  controlPlaneCidrs?: string[];
}

/**
 * One more region of an existing VPC: the subnet, Cloud Router and NAT and proxy-only subnet a Network creates per
 * region, plus the firewall rule that lets this region's control plane reach its nodes. The VPC's own rules (health
 * checks, the logged deny-all) and its Google APIs zone already cover the new subnet.
 */
export class RegionalNetwork extends pulumi.ComponentResource {
  public readonly networkId: string;
  public readonly subnet: NetworkSubnet;

  constructor(name: string, args: RegionalNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = regionalNetworkProblems(args);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:RegionalNetwork", name, {}, opts);

    this.networkId = networkIdOf(args.project, args.network);
    this.subnet = regionalSubnet(this, name, { project: args.project, vpcName: args.network, networkId: this.networkId, subnet: args.subnet });
    const regional = regionalName(args.network, args.subnet.region);
    for (const { suffix, ...rule } of firewallRules({ controlPlaneCidrs: args.controlPlaneCidrs }).filter((r) => r.suffix === "allow-control-plane")) {
      new gcp.compute.Firewall(`${name}-${suffix}`, { project: args.project, network: this.networkId, name: `${regional}-${suffix}`, ...rule }, { parent: this });
    }
    this.registerOutputs({ networkId: this.networkId, subnet: this.subnet });
  }
}
