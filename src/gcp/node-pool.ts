/**
 * Node settings shared by every Runway node pool and by the cluster's throwaway default pool, as pure functions.
 * `V` is whatever carries a value that may be computed (a string in tests, a Pulumi input in components).
 * https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/NodeConfig
 */
import type { ClusterConfig, LOOSENABLE_CONTROLS } from "../config/schema/stack";
import { NODE_TAG } from "./network";

export type NodePoolConfig = ClusterConfig["nodePools"][number];
export type LoosenableControl = (typeof LOOSENABLE_CONTROLS)[number];
/** Loosened controls, each with its written justification. */
export type Exceptions = Partial<Record<LoosenableControl, string>>;

export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

export interface NodeSettings<V> {
  machineType: string;
  diskSizeGb: number;
  spot: boolean;
  /** Dedicated node service account email (G19). */
  serviceAccount: V;
  /** Boot-disk key (G22); undefined only with exceptions.G22. */
  bootDiskKmsKey?: V;
  exceptions: Exceptions;
  resourceLabels: Record<string, string>;
}

/**
 * A node config satisfying G5 (GKE metadata server), G7 (secure boot unless excepted, integrity monitoring),
 * G14 (COS_CONTAINERD), G19 (dedicated SA; access is governed by its IAM roles, so the scope is cloud-platform)
 * and G22 (boot-disk CMEK unless excepted).
 */
export function nodeConfigSpec<V>(s: NodeSettings<V>) {
  return {
    machineType: s.machineType,
    diskSizeGb: s.diskSizeGb,
    diskType: "pd-balanced",
    imageType: "COS_CONTAINERD",
    workloadMetadataConfig: { mode: "GKE_METADATA" },
    shieldedInstanceConfig: { enableSecureBoot: s.exceptions.G7 === undefined, enableIntegrityMonitoring: true },
    serviceAccount: s.serviceAccount,
    oauthScopes: [CLOUD_PLATFORM_SCOPE],
    ...(s.bootDiskKmsKey === undefined ? {} : { bootDiskKmsKey: s.bootDiskKmsKey }),
    spot: s.spot,
    tags: [NODE_TAG],
    metadata: { "disable-legacy-endpoints": "true" },
    resourceLabels: s.resourceLabels,
  };
}

/** Every problem of a node pool, naming the field, the value and the fix. */
export function nodePoolProblems(pool: NodePoolConfig, hasBootDiskKey: boolean, exceptions: Exceptions): string[] {
  const out: string[] = [];
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(pool.name) || pool.name.length > 20) {
    out.push(`NodePool pool.name '${pool.name}' must be a DNS label of at most 20 characters`);
  }
  if (!(pool.minNodes >= 0 && pool.maxNodes >= 1 && pool.minNodes <= pool.maxNodes)) {
    out.push(`NodePool ${pool.name}: minNodes ${pool.minNodes} and maxNodes ${pool.maxNodes} must satisfy 0 <= minNodes <= maxNodes, maxNodes >= 1`);
  }
  if (!hasBootDiskKey && exceptions.G22 === undefined) {
    out.push(`NodePool ${pool.name}: bootDiskKmsKey is missing; pass the boot-disk key (G22) or except G22 with a justification`);
  }
  return out;
}

/**
 * A node pool: auto-repair and auto-upgrade set explicitly (G13), autoscaling per zone, surge upgrades that never
 * take a node away before its replacement is ready.
 */
export function nodePoolSpec<V>(pool: NodePoolConfig, node: Omit<NodeSettings<V>, "machineType" | "diskSizeGb" | "spot">) {
  return {
    name: pool.name,
    // Only read on create; ignored afterwards (see the NodePool component).
    initialNodeCount: Math.max(pool.minNodes, 1),
    management: { autoRepair: true, autoUpgrade: true },
    autoscaling: { minNodeCount: pool.minNodes, maxNodeCount: pool.maxNodes, locationPolicy: "BALANCED" },
    upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
    nodeConfig: nodeConfigSpec({ ...node, machineType: pool.machineType, diskSizeGb: pool.diskSizeGb, spot: pool.spot }),
  };
}
