import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  firewallRules,
  googleApisZone,
  natArgs,
  networkProblems,
  PODS_RANGE,
  proxyOnlySubnetArgs,
  regionalName,
  SERVICES_RANGE,
  type SubnetSpec,
  subnetArgs,
} from "../../src/gcp/network";

export interface NetworkArgs {
  /** Project of the VPC; needs the compute and dns APIs. */
  project: pulumi.Input<string>;
  /**
   * One subnet per region: primary range for nodes, secondary ranges for pods and services, and optionally the
   * range of the region's proxy-only subnet (`proxyOnly`, needed by internal Gateways). No two ranges may overlap.
   * https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks
   */
  subnets: SubnetSpec[];
  /**
   * Control-plane ranges (`masterIpv4CidrBlock` of the clusters in this VPC) allowed to reach nodes on the
   * webhook and kubelet ports. Default none: no such rule. Must not overlap the subnets.
   */
  controlPlaneCidrs?: string[];
  /** TCP ports or ranges Google health checkers may reach on nodes. Default `DEFAULT_SERVING_PORTS`. */
  servingPorts?: string[];
  /** GCP name of the VPC (at most 39 characters). Default: the component's name. */
  networkName?: string;
}

/** A subnet as clusters consume it. */
export interface NetworkSubnet {
  selfLink: pulumi.Output<string>;
  name: string;
  podsRangeName: string;
  servicesRangeName: string;
  /** Range of the region's proxy-only subnet, when it has one. */
  proxyOnlyCidr?: string;
}

/**
 * A region's part of a VPC, as children of `parent` named after `base`: the subnet with pod and service ranges, a
 * Cloud Router with Cloud NAT, and the proxy-only subnet when the region lists one (`${base}-proxy`). Shared by the
 * Network and by a regional stack's RegionalNetwork, so a region looks the same whichever stack adds it.
 */
export function regionalSubnet(
  parent: pulumi.ComponentResource,
  base: string,
  a: { project: pulumi.Input<string>; vpcName: string; networkId: pulumi.Input<string>; subnet: SubnetSpec },
): NetworkSubnet {
  const s = a.subnet;
  const child = { parent };
  const subnet = new gcp.compute.Subnetwork(base, { project: a.project, network: a.networkId, ...subnetArgs(a.vpcName, s) }, child);
  const router = new gcp.compute.Router(base, { project: a.project, name: regionalName(a.vpcName, s.region), region: s.region, network: a.networkId }, child);
  new gcp.compute.RouterNat(
    base,
    { project: a.project, router: router.name, ...natArgs(a.vpcName, s.region), subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }] },
    child,
  );
  if (s.proxyOnly !== undefined) {
    new gcp.compute.Subnetwork(`${base}-proxy`, { project: a.project, network: a.networkId, ...proxyOnlySubnetArgs(a.vpcName, s.region, s.proxyOnly) }, child);
  }
  return {
    selfLink: subnet.selfLink,
    name: regionalName(a.vpcName, s.region),
    podsRangeName: PODS_RANGE,
    servicesRangeName: SERVICES_RANGE,
    ...(s.proxyOnly !== undefined ? { proxyOnlyCidr: s.proxyOnly } : {}),
  };
}

/**
 * A VPC without auto subnets: per region a subnet with pod and service ranges, private Google access and flow
 * logs, a proxy-only subnet when the region lists one, a Cloud Router with Cloud NAT, a private DNS zone that sends
 * Google API calls to private.googleapis.com, and minimal ingress firewall rules ending in a logged deny-all.
 */
export class Network extends pulumi.ComponentResource {
  public readonly networkId: pulumi.Output<string>;
  public readonly networkSelfLink: pulumi.Output<string>;
  /** Subnets by region. */
  public readonly subnets: Record<string, NetworkSubnet>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const vpcName = args.networkName ?? name;
    const problems = networkProblems({ ...args, name: vpcName });
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:Network", name, {}, opts);

    const vpc = new gcp.compute.Network(
      name,
      { project: args.project, name: vpcName, autoCreateSubnetworks: false, routingMode: "REGIONAL", deleteDefaultRoutesOnCreate: false },
      { parent: this },
    );
    this.networkId = vpc.id;
    this.networkSelfLink = vpc.selfLink;

    this.subnets = {};
    for (const s of args.subnets) {
      this.subnets[s.region] = regionalSubnet(this, `${name}-${s.region}`, { project: args.project, vpcName, networkId: vpc.id, subnet: s });
    }

    const apis = googleApisZone(vpcName);
    const zone = new gcp.dns.ManagedZone(
      `${name}-googleapis`,
      { project: args.project, ...apis.zone, privateVisibilityConfig: { networks: [{ networkUrl: vpc.id }] } },
      { parent: this },
    );
    for (const { suffix, ...record } of apis.records) {
      new gcp.dns.RecordSet(`${name}-googleapis-${suffix}`, { project: args.project, managedZone: zone.name, ...record }, { parent: this });
    }

    for (const { suffix, ...rule } of firewallRules(args)) {
      new gcp.compute.Firewall(`${name}-${suffix}`, { project: args.project, network: vpc.id, name: `${vpcName}-${suffix}`, ...rule }, { parent: this });
    }

    this.registerOutputs({ networkId: this.networkId, networkSelfLink: this.networkSelfLink, subnets: this.subnets });
  }
}
