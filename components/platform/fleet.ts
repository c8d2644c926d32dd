import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { isPrescribedAgentGrant } from "../../src/gcp/project";
import { GATEWAY_CONTROLLER_ROLE, gatewayControllerMember, MCS_IMPORTER_ROLE, mcsImporterMember, membershipArgs, membershipName } from "../../src/platform/fleet";
import { projectIamMember } from "../gcp/service-project";

/**
 * Registers a cluster with the environment's fleet: a membership named after the cluster, in its region. The fleet
 * is the environment's project; every region's stack registers its own cluster.
 */
export function fleetMembership(
  parent: pulumi.ComponentResource,
  name: string,
  a: { project: pulumi.Input<string>; projectId: string; region: string; clusterName: string; dependsOn: pulumi.Input<pulumi.Resource>[] },
): gcp.gkehub.Membership {
  return new gcp.gkehub.Membership(name, { project: a.project, ...membershipArgs(a.projectId, a.region, a.clusterName) }, { parent, dependsOn: a.dependsOn });
}

export interface FleetArgs {
  /** The environment's project (the fleet host), as the project resource's output. */
  project: pulumi.Input<string>;
  /** The same project id as plain text. */
  projectId: string;
  /** Number of the project: names the multi-cluster Gateway controller's service agent. */
  projectNumber: pulumi.Input<string>;
  /** Region and name of the primary cluster: the fleet's config cluster, which holds the multi-cluster Gateway. */
  region: string;
  clusterName: string;
  /** Resources the fleet waits for: the project with its fleet APIs, and the primary cluster. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The fleet of an environment with several regions, owned by its platform stack: the primary cluster's membership,
 * multi-cluster Services (so a service exported in any region is imported everywhere), the multi-cluster Gateway
 * controller with the primary as its config cluster, and the two grants Google's setup prescribes for them.
 * https://cloud.google.com/kubernetes-engine/docs/how-to/enabling-multi-cluster-gateways
 */
export class Fleet extends pulumi.ComponentResource {
  /** What a ServiceExport, HTTPRoute to a ServiceImport or multi-cluster Gateway waits for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // The controller's admin grant is the one I4 admits, and only for its exact service agent.
    if (!isPrescribedAgentGrant(GATEWAY_CONTROLLER_ROLE, gatewayControllerMember("0"))) throw new Error("internal: the multi-cluster Gateway controller's grant is not an admitted I4 grant");
    super("runway:platform:Fleet", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const membership = fleetMembership(this, `${name}-${args.region}`, { ...args, dependsOn: args.dependsOn });
    const mcs = new gcp.gkehub.Feature(`${name}-services`, { project: args.project, name: "multiclusterservicediscovery", location: "global" }, { parent: this, dependsOn: [membership] });
    // The importer reads the VPC to sync endpoints across clusters; its Workload Identity pool exists with the cluster.
    projectIamMember(`${name}-services-importer`, { project: args.project, role: MCS_IMPORTER_ROLE, member: mcsImporterMember(args.projectId) }, child);
    // A Google service agent named after the project number, which a preview does not know yet.
    const controller = new gcp.projects.IAMMember(
      `${name}-gateway-controller`,
      { project: args.project, role: GATEWAY_CONTROLLER_ROLE, member: pulumi.output(args.projectNumber).apply(gatewayControllerMember) },
      child,
    );
    const gateway = new gcp.gkehub.Feature(
      `${name}-gateway`,
      {
        project: args.project,
        name: "multiclusteringress",
        location: "global",
        spec: { multiclusteringress: { configMembership: membershipName(args.projectId, args.region, args.clusterName) } },
      },
      { parent: this, dependsOn: [membership, mcs, controller] },
    );
    this.ready = [membership, mcs, gateway];
    this.registerOutputs({});
  }
}
