/**
 * Fixtures of the GCP component tests: a validated cluster config and programs that build the components with
 * plain inputs, recorded through the shared mock helper.
 */
import { GkeCluster, type GkeClusterArgs } from "../../components/gcp/gke-cluster";
import { type ClusterConfig, platformConfigSchema } from "../../src/config/schema/stack";
import { type PlannedResource, type Recorded, runWithMocks } from "./pulumi";

export const PROJECT = "runway-test";
export const PROJECT_NUMBER = "123456789012";
export const WHY = "needed by the vendor's GPU driver, reviewed in SEC-1234";

/** A cluster config as the stack schema would produce it (defaults applied). */
export function clusterConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
  return platformConfigSchema.shape["runway:cluster"].parse({ region: "us-east1", securityGroup: "gke-security-groups@example.com", ...overrides });
}

export function clusterArgs(config: ClusterConfig, overrides: Partial<GkeClusterArgs> = {}): GkeClusterArgs {
  return {
    project: PROJECT,
    projectNumber: PROJECT_NUMBER,
    network: `projects/${PROJECT}/global/networks/vpc`,
    subnetwork: `projects/${PROJECT}/regions/us-east1/subnetworks/vpc-us-east1`,
    podsRangeName: "pods",
    servicesRangeName: "services",
    config,
    labels: { service: "ai-gateway", owner: "ai-framework" },
    environment: "production",
    ...overrides,
  };
}

/** Records a plan of one GkeCluster named `name`. */
export function planCluster(config: ClusterConfig = clusterConfig(), overrides: Partial<GkeClusterArgs> = {}, name = "gke"): Promise<Recorded> {
  return runWithMocks(() => {
    new GkeCluster(name, clusterArgs(config, overrides));
  });
}

/** Runs `build` and returns the error it threw plus every resource registered anyway. */
export async function planThrowing(build: () => unknown): Promise<{ error: Error | undefined; resources: PlannedResource[] }> {
  let error: Error | undefined;
  const plan = await runWithMocks(() => {
    try {
      build();
    } catch (e) {
      error = e as Error;
    }
  });
  return { error, resources: plan.resources.filter((r) => r.type !== "pulumi:pulumi:Stack") };
}

/** Leaf paths of a JSON value (`a.b[0].c`) mapped to their values. */
export function leaves(v: unknown, at = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${at}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) leaves(x, at ? `${at}.${k}` : k, out);
  else out[at] = v;
  return out;
}

/** Paths whose values differ between two JSON values. */
export function changedPaths(a: unknown, b: unknown): string[] {
  const x = leaves(a);
  const y = leaves(b);
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => x[k] !== y[k]).sort();
}
