/**
 * `runway describe --format json`: what a service gets in each environment as a versioned document, described by
 * schemas/describe.schema.json (generated from the zod schema below; the builder is typed by it).
 */
import { z } from "zod";
import type { TenantSummary } from "../tenancy/summary";

export const DESCRIBE_SCHEMA_VERSION = 1;

const summary = z
  .object({
    service: z.string(),
    environment: z.string(),
    lifecycle: z.enum(["active", "retired"]),
    placement: z.enum(["shared", "dedicated"]).describe("On the environment's shared cluster, or on a cluster of its own"),
    stack: z.string().describe("Stack that creates the cluster and whose `tenants` output holds this summary"),
    cluster: z.string().describe("GKE cluster name"),
    project: z.string().describe("GCP project of the cluster"),
    namespace: z.string(),
    stage: z.string().optional().describe("The chart tag the release follows"),
    url: z.string().optional().describe("https://<host> where the service is routed; absent for visibility none and retired services"),
    visibility: z.enum(["external", "internal", "none"]).optional(),
    regions: z.array(z.string()).optional().describe("Regions the service runs in, when it lists them"),
    kubernetesServiceAccounts: z.object({ workload: z.string(), reconciler: z.string() }).optional(),
    gcpServiceAccount: z.string().optional().describe("GCP service account of the workload (Workload Identity)"),
    vault: z
      .object({
        address: z.string(),
        mount: z.string().describe("KV v2 mount of the environment"),
        prefix: z.string().describe("The service's prefix in the mount"),
        writeCommand: z.string().describe("Writes a secret at <prefix>/<path>"),
        secrets: z.array(z.object({ name: z.string(), path: z.string() })),
        docs: z.string(),
      })
      .optional(),
    dashboard: z.object({ title: z.string(), url: z.string() }).optional(),
    alerts: z.array(z.string()).optional(),
    flux: z
      .object({
        objects: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string() })),
        watch: z.array(z.string()).describe("Commands that watch them"),
      })
      .optional(),
  })
  .describe("What a service gets in one environment");

export const describeOutputSchema = z
  .object({
    schemaVersion: z.literal(DESCRIBE_SCHEMA_VERSION),
    service: z.string(),
    environments: z.array(summary).describe("One entry per environment the service lists (or the one --env names)"),
  })
  .describe("What a service gets, from `runway describe SERVICE --format json`");

export type DescribeOutput = z.output<typeof describeOutputSchema>;

export function describeJson(service: string, summaries: TenantSummary[]): DescribeOutput {
  return { schemaVersion: DESCRIBE_SCHEMA_VERSION, service, environments: summaries };
}
