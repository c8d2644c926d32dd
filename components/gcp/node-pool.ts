import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { type Exceptions, type NodePoolConfig, nodePoolProblems, nodePoolSpec } from "../../src/gcp/node-pool";

export interface NodePoolArgs {
  /** Name of the cluster the pool belongs to. */
  cluster: pulumi.Input<string>;
  /** Region of the (regional) cluster; the pool spans all its zones. */
  location: string;
  /** Project of the cluster. */
  project: pulumi.Input<string>;
  /** Email of the dedicated node service account (G19); never the Compute Engine default one. */
  serviceAccount: pulumi.Input<string>;
  /** Cloud KMS key of the nodes' boot disks (G22). Required unless `exceptions.G22` is given. */
  bootDiskKmsKey?: pulumi.Input<string>;
  /**
   * Machine type, disk size, spot, and the autoscaling bounds per zone (`minNodes` <= `maxNodes`).
   * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools
   */
  pool: NodePoolConfig;
  /** GCP labels on the nodes' VMs. */
  labels: Record<string, string>;
  /** Loosened node controls with their justification: G7 turns secure boot off, G22 allows no bootDiskKmsKey. Default none. */
  exceptions?: Exceptions;
}

/**
 * A GKE node pool with auto-repair and auto-upgrade (G13), COS_CONTAINERD (G14), the GKE metadata server (G5),
 * shielded nodes with secure boot and integrity monitoring (G7), a dedicated service account (G19) and CMEK boot
 * disks (G22).
 */
export class NodePool extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: NodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    const exceptions = args.exceptions ?? {};
    const problems = nodePoolProblems(args.pool, args.bootDiskKmsKey !== undefined, exceptions);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:NodePool", name, {}, opts);

    const spec = nodePoolSpec(args.pool, {
      serviceAccount: args.serviceAccount,
      bootDiskKmsKey: args.bootDiskKmsKey,
      exceptions,
      resourceLabels: args.labels,
    });
    const pool = new gcp.container.NodePool(
      name,
      { ...spec, cluster: args.cluster, location: args.location, project: args.project },
      // initialNodeCount is only read on create and a diff replaces the pool (pulumi-gcp #88); the autoscaler owns the size.
      // protect: a node pool is only replaced or removed on purpose (issue 7's replacement guard lists it; D1).
      { parent: this, protect: true, ignoreChanges: ["initialNodeCount"] },
    );
    this.name = pool.name;
    this.registerOutputs({ name: this.name });
  }
}
