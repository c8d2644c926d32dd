/**
 * The catalog entry: one YAML file per satellite service in `services/`. This is the file a service team adds.
 */
import { z } from "zod";
import { JURISDICTION_CODES } from "../regions";
import { cidr, cpuQuantity, dnsLabel, gcpRegion, gitlabPath, helmValues, memoryQuantity, ociUrl, stageName } from "./common";

const envName = dnsLabel(20);

const resources = z
  .strictObject({
    cpu: cpuQuantity.describe("Total CPU the namespace may request (ResourceQuota requests.cpu). Default 4.").optional(),
    memory: memoryQuantity.describe("Total memory the namespace may request (ResourceQuota requests.memory). Default 8Gi.").optional(),
    pods: z.int().min(1).max(500).describe("Maximum pods in the namespace. Default 30.").optional(),
  })
  .describe("Namespace quota (K3). Limits default to twice the requests.");

const exposure = z
  .strictObject({
    visibility: z
      .enum(["external", "internal", "none"])
      .describe("external: reachable through the shared Gateway from the internet; internal: only from the VPC; none: no route. Default external.")
      .optional(),
    port: z
      .int()
      .min(1)
      .max(65535)
      .describe("Port of the chart's Service that the route sends traffic to. Default 8080, the Service port of every chart built by `runway chart build`.")
      .optional(),
    targetPort: z
      .int()
      .min(1)
      .max(65535)
      .describe(
        "Port the service's pods listen on (the manifest's container_port). The Gateway's load balancers send to the pods directly (container-native load balancing), so the namespace's network policy admits them on this port. Default: port.",
      )
      .optional(),
    service: dnsLabel(63).describe("Name of the chart's Service. Default: the service name.").optional(),
    healthCheckPath: z
      .string()
      .regex(/^\/[^\s?#]*$/, { error: "must be an absolute HTTP path such as /healthz" })
      .describe(
        "HTTP path the global load balancer's health checks request on targetPort, for a service in several regions: a region whose pods fail it gets no traffic, which goes to the nearest healthy region. Default /.",
      )
      .optional(),
  })
  .describe("How the service is reached: host <name>.<environment>.<domain> on the platform's shared Gateway.");

const egressRule = z
  .strictObject({
    cidr: cidr.describe("Destination address block.").optional(),
    ports: z.array(z.int().min(1).max(65535)).min(1).describe("TCP ports allowed to that destination."),
    namespace: z
      .string()
      .describe("Not allowed: tenants never reach into another tenant's namespace; call its Gateway host instead.")
      .optional(),
    description: z.string().describe("Why the service needs this destination.").optional(),
  })
  .describe("An egress destination beyond DNS and the shared Gateway, which are always allowed.");

/** Offboarding: a retired service's workload is removed and its namespace and data are kept (docs/onboarding.md#offboarding). */
const lifecycle = z
  .enum(["active", "retired"])
  .describe("active: the service runs; retired: its workload, identities, route and Vault access are removed, its namespace (protected) and the data in it are kept. Default active.");

/** Regions of a service in an environment; each must be one of the environment's regions. */
const regions = z
  .array(gcpRegion)
  .min(1, { error: "list at least one region, e.g. [us-east1]" })
  .describe(
    "GCP regions the service runs in, each one of the environment's regions (its platform stack's cluster region, the primary, or one a `region` stack adds). Default: the primary region. With more than one, the host is served from every listed region through the environment's global load balancer, nearest healthy region first.",
  );

const environmentOverride = z.strictObject({
  placement: z.enum(["shared", "dedicated"]).describe("Placement in this environment.").optional(),
  lifecycle: lifecycle.optional(),
  regions: regions.optional(),
  stage: stageName.describe("Deployment stage this environment's release follows.").optional(),
  resources: resources.optional(),
});

export const catalogEntrySchema = z
  .strictObject({
    apiVersion: z.literal("runway/v1", { error: "must be runway/v1" }),
    kind: z.literal("SatelliteService", { error: "must be SatelliteService" }),
    metadata: z.strictObject({
      name: dnsLabel(40).describe("Service name, unique in the catalog. The tenant namespace is this name."),
      owner: gitlabPath.describe("GitLab group or project that owns the service, e.g. gitlab-org/ai-framework."),
      description: z.string().max(200).describe("One line saying what the service does.").optional(),
      contacts: z.array(z.email({ error: "must be an email address" })).describe("Who is told about budget and security notices.").optional(),
    }),
    spec: z.strictObject({
      chart: z.strictObject({
        repository: ociUrl.describe("OCI repository of the service's Helm chart (the chart name is the last path segment)."),
        values: helmValues.describe("Helm values passed to the chart in every environment (at most 64 KiB).").optional(),
      }),
      gitlabProject: gitlabPath
        .describe("GitLab project of the service's repository: its CI jobs may act in the service's namespace through the GitLab agent (GL1: as the namespace's own service account). Unique across the catalog.")
        .optional(),
      placement: z
        .enum(["shared", "dedicated"])
        .default("shared")
        .describe("shared: a tenant of the environment's shared Runway cluster; dedicated: its own project and cluster, derived from the environment's defaults (or a hand-written service stack)."),
      lifecycle: lifecycle.default("active"),
      environments: z.array(envName).min(1, { error: "list at least one environment, e.g. [staging]" }).describe("Environments the service runs in."),
      regions: regions.optional(),
      residency: z
        .enum(JURISDICTION_CODES)
        .describe(
          "Jurisdiction the service's workloads must run in, e.g. eu (European Union): every region the service runs in, in every environment and on every Dedicated tenant, must lie in it; runway validate rejects any other. Default: none.",
        )
        .optional(),
      stage: stageName
        .describe("Deployment stage the release follows; default: the environment's last (most stable) stage.")
        .optional(),
      resources: resources.optional(),
      exposure: exposure.optional(),
      egress: z.array(egressRule).describe("Extra egress destinations (K2 default deny applies otherwise).").optional(),
      secrets: z
        .array(
          z.strictObject({
            name: dnsLabel(63).describe("Name of the Kubernetes Secret created in the namespace."),
            path: z
              .string()
              .regex(/^[a-z0-9][-a-z0-9_/]*$/, { error: "must be a relative Vault path such as llm/anthropic" })
              .describe("Path under the service's Vault prefix runway/env/<environment>/service/<name>/."),
          }),
        )
        .describe("Secrets delivered from Vault into Kubernetes Secrets.")
        .optional(),
      overrides: z.record(envName, environmentOverride).describe("Per-environment changes, keyed by environment name.").optional(),
    }),
  })
  .describe("A satellite service onboarded onto Runway.");

export type CatalogEntry = z.output<typeof catalogEntrySchema>;
export type CatalogEntryInput = z.input<typeof catalogEntrySchema>;
