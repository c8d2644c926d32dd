/**
 * The chart's values: what stays overridable at install (image, replicas, resources, env, secrets, hosts). The zod
 * schema is the single source of values.schema.json (which Helm enforces on install, upgrade, lint and template),
 * of the README's values table and of the defaults written to values.yaml.
 *
 * Patterns avoid look-arounds: Helm validates with Go's RE2 regular expressions.
 */
import { z } from "zod";
import { cpuQuantity, dnsLabel, memoryQuantity } from "../config/schema/common";
import type { Manifest } from "../manifest/schema";

const quantity = (q: z.ZodString, what: string) => z.union([q, z.number().positive()]).describe(what);

const hostname = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be a DNS hostname" })
  .max(253);

const route = z
  .strictObject({
    enabled: z.boolean().describe("Render an HTTPRoute. Off on Runway clusters, where the catalog's exposure routes to the Service."),
    hosts: z.array(hostname).describe("Hostnames the route serves, e.g. ai-gateway.example.com. Required when enabled."),
    parentRefs: z
      .array(
        z.strictObject({
          name: dnsLabel(63).describe("Gateway name."),
          namespace: dnsLabel(63).describe("Gateway namespace.").optional(),
          sectionName: dnsLabel(63).describe("Gateway listener.").optional(),
        }),
      )
      .min(1)
      .describe("Gateways the route attaches to (Gateway API parentRefs)."),
  })
  .superRefine((r, ctx) => {
    if (r.enabled && r.hosts.length === 0) ctx.addIssue({ code: "custom", path: ["hosts"], message: "list at least one host when route.enabled is true" });
  })
  // The same rule for Helm, which only sees the JSON Schema.
  .meta({ if: { properties: { enabled: { const: true } } }, then: { properties: { hosts: { minItems: 1 } } } })
  .describe("Gateway API HTTPRoute for installs outside Runway.");

export const valuesSchema = z
  .strictObject({
    global: z.record(z.string(), z.unknown()).describe("Helm global values (set when this chart is a subchart); unused.").optional(),
    image: z
      .strictObject({
        repository: z
          .string()
          .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/, { error: "must be an image repository without tag" })
          .describe("Image repository."),
        tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, { error: "must be an image tag" }).describe("Image tag."),
        pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
      })
      .describe("Container image."),
    autoscaling: z
      .strictObject({
        minReplicas: z.int().min(1).max(1000).describe("HPA minReplicas (manifest scalability.min_instances)."),
        maxReplicas: z.int().min(1).max(1000).describe("HPA maxReplicas (manifest scalability.max_instances)."),
        targetCPUUtilizationPercentage: z.int().min(1).max(100).describe("Average CPU utilisation the HPA keeps."),
        targetInflightRequests: z
          .int()
          .min(0)
          .max(1000)
          .describe("Average in-flight requests per pod the HPA keeps; 0 turns the metric off (70% of max_instance_request_concurrency)."),
        inflightRequestsMetric: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:|.]*$/, { error: "must be a metric name" })
          .describe("Per-pod metric served by the cluster's custom metrics adapter."),
      })
      .describe("HorizontalPodAutoscaler (autoscaling/v2)."),
    resources: z
      .strictObject({
        requests: z
          .strictObject({ cpu: quantity(cpuQuantity, "CPU request."), memory: quantity(memoryQuantity, "Memory request.") })
          .describe("Resource requests."),
        limits: z
          .strictObject({ cpu: quantity(cpuQuantity, "CPU limit."), memory: quantity(memoryQuantity, "Memory limit.") })
          .describe("Resource limits."),
      })
      .describe("Container resources; both requests and limits are required (namespace quotas and Pod Security need them)."),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .describe("Environment variables as NAME: value. PORT and the variables of secrets are set by the chart."),
    serviceAccount: z
      .strictObject({
        create: z.boolean().describe("Create the ServiceAccount. Off on Runway clusters, where the tenant provides it."),
        name: dnsLabel(63).describe("ServiceAccount the pods run as."),
        annotations: z
          .record(z.string(), z.string())
          .describe("ServiceAccount annotations, e.g. iam.gke.io/gcp-service-account for Workload Identity."),
      })
      .describe("Workload identity of the pods."),
    externalSecrets: z
      .strictObject({
        enabled: z.boolean().describe("Render External Secrets Operator ExternalSecrets for the manifest's secrets. Off on Runway clusters, where the tenant delivers them."),
        secretStoreRef: z
          .strictObject({
            kind: z.enum(["SecretStore", "ClusterSecretStore"]).describe("SecretStore (in the namespace, bound to its service account) or ClusterSecretStore."),
            name: dnsLabel(63).describe("Store name."),
          })
          .describe("Store backed by Vault."),
        vaultPathPrefix: z
          .string()
          .regex(/^[a-z0-9][-a-z0-9_]*(\/[a-z0-9][-a-z0-9_]*)*$/, { error: "must be a Vault path" })
          .describe("Prefix of the manifest's vault_path values: runway/env/<environment>/service/<service>."),
        refreshInterval: z.string().regex(/^[0-9]+(s|m|h)$/).describe("How often secrets are re-read from Vault."),
      })
      .describe("Secrets from Vault through the External Secrets Operator."),
    route,
    podMonitoring: z
      .strictObject({ enabled: z.boolean().describe("Render the PodMonitoring (needs Google Managed Prometheus).") })
      .describe("Scraping by Google Managed Prometheus."),
  })
  .describe("Values of a Runway-generated chart.");

export type ChartValues = z.output<typeof valuesSchema>;

/** Cloud Run-era defaults on Runway's Kubernetes runtime: HPA min 3, max 20, 70% CPU. */
export const DEFAULT_MIN_REPLICAS = 3;
export const DEFAULT_MAX_REPLICAS = 20;
export const TARGET_UTILISATION = 0.7;

/** The image of a manifest: the mapping or the Cloud Run-era REPOSITORY:TAG string. */
export function manifestImage(m: Manifest): { repository: string; tag: string } | undefined {
  const img = m.spec.image;
  if (img === undefined) return undefined;
  if (typeof img !== "string") return img;
  const i = img.lastIndexOf(":");
  return { repository: img.slice(0, i), tag: img.slice(i + 1) };
}

export function replicaBounds(m: Manifest): { min: number; max: number } {
  const s = m.spec.scalability ?? {};
  const max = s.max_instances ?? Math.max(DEFAULT_MAX_REPLICAS, s.min_instances ?? 0);
  const min = s.min_instances ?? Math.min(DEFAULT_MIN_REPLICAS, max);
  return { min, max };
}

/** Default values of the chart built from a manifest. */
export function defaultValues(m: Manifest, image: { repository: string; tag: string }): ChartValues {
  const name = m.metadata.name;
  const { min, max } = replicaBounds(m);
  const limits = m.spec.resources.limits;
  const requests = m.spec.resources.requests ?? {};
  const concurrency = m.spec.scalability?.max_instance_request_concurrency;
  const lb = m.spec.load_balancing;
  return {
    image: { ...image, pullPolicy: "IfNotPresent" },
    autoscaling: {
      minReplicas: min,
      maxReplicas: max,
      targetCPUUtilizationPercentage: Math.round(TARGET_UTILISATION * 100),
      targetInflightRequests: concurrency ? Math.max(1, Math.floor(concurrency * TARGET_UTILISATION)) : 0,
      inflightRequestsMetric: "http_requests_in_flight",
    },
    resources: {
      requests: { cpu: requests.cpu ?? limits.cpu, memory: requests.memory ?? limits.memory },
      limits: { cpu: limits.cpu, memory: limits.memory },
    },
    env: { ...(m.spec.env ?? {}) },
    serviceAccount: { create: true, name, annotations: {} },
    externalSecrets: {
      enabled: false,
      secretStoreRef: { kind: "SecretStore", name: "vault" },
      vaultPathPrefix: `runway/env/production/service/${name}`,
      refreshInterval: "1h",
    },
    route: {
      enabled: false,
      hosts: [],
      // Runway's shared Gateways (src/platform/gateway.ts), so a route turned on in a Runway cluster attaches.
      parentRefs: [
        {
          name: lb?.internal_load_balancer?.enabled && !lb?.external_load_balancer?.enabled ? "internal" : "external",
          namespace: "runway-gateway",
          sectionName: "https",
        },
      ],
    },
    podMonitoring: { enabled: m.spec.service_monitor?.enabled ?? false },
  };
}

/** values.schema.json: draft-7, which every Helm 3 release validates. */
export function valuesJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(valuesSchema, { target: "draft-7", io: "input" }) as Record<string, unknown>;
  return { $schema: schema.$schema, title: "Runway chart values", ...schema };
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Helm's coalescing of user values over chart defaults: maps merge key by key, anything else (lists included)
 * replaces, and null deletes the key.
 */
export function mergeValues(defaults: unknown, overrides: unknown): unknown {
  if (!isPlainMap(defaults) || !isPlainMap(overrides)) return overrides === undefined ? structuredClone(defaults) : structuredClone(overrides);
  const out: Record<string, unknown> = structuredClone(defaults);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete out[k];
    else out[k] = mergeValues(out[k], v);
  }
  return out;
}
