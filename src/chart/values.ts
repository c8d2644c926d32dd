/**
 * The chart's values: what stays overridable at install (image, replicas, resources, env, secrets, hosts, and the
 * scheduling and naming values every Helm user expects: nameOverride, imagePullSecrets, nodeSelector, ...). The zod
 * schema is the single source of values.schema.json (which Helm enforces on install, upgrade, lint and template),
 * of the README's values table and of the defaults written to values.yaml.
 *
 * Patterns avoid look-arounds: Helm validates with Go's RE2 regular expressions.
 */
import { z } from "zod";
import { dnsLabel } from "../config/schema/common";
import { IMAGE_REPOSITORY, parseImageReference, type ImageReference } from "../manifest/image";
import { QUANTITY_PATTERN, parseQuantity } from "../manifest/quantity";
import type { Manifest } from "../manifest/schema";
import { defaultRegistrationValues, registrationValuesSchema } from "./registration";

const quantity = (what: string) =>
  z.union([z.string().regex(new RegExp(QUANTITY_PATTERN), { error: "must be a quantity such as 500m, 1.5Gi or 512M" }), z.number().positive()]).describe(what);

// Kubernetes' qualified names (label and annotation keys) and label values, with their length limits.
const DNS_SUBDOMAIN = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?([.][a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*";
const QUALIFIED_NAME = new RegExp(`^(${DNS_SUBDOMAIN}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`);
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const qualifiedName = z.string().regex(QUALIFIED_NAME, { error: "must be a Kubernetes key such as example.com/name" });
const optionalDnsLabel = z.string().regex(/^([a-z]([-a-z0-9]{0,61}[a-z0-9])?)?$/, { error: "must be empty or a DNS label" });

/** Variables the chart sets itself: values.env must not repeat them (a second definition would hide the first). */
export function reservedEnv(m: Manifest): string[] {
  return ["PORT", ...(m.spec.secrets ?? []).flatMap((s) => Object.keys(s.env ?? {}))].sort();
}

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
    nameOverride: optionalDnsLabel.describe("Replaces the chart name in object names and the app.kubernetes.io/name label."),
    fullnameOverride: optionalDnsLabel.describe("Name of every object, instead of <release>-<chart> (or the release name when it contains the chart name)."),
    image: z
      .strictObject({
        repository: z.string().regex(IMAGE_REPOSITORY, { error: "must be an image repository without tag" }).describe("Image repository."),
        tag: z.string().regex(/^([A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/, { error: "must be an image tag" }).describe("Image tag; may be empty when digest is set."),
        digest: z
          .string()
          .regex(/^(sha256:[a-f0-9]{64})?$/, { error: "must be sha256:<64 hex digits> or empty" })
          .describe("Image digest (sha256:...): pins the image; the tag, if any, is kept for readers."),
        pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
      })
      .describe("Container image: repository[:tag][@digest]."),
    imagePullSecrets: z
      .array(z.strictObject({ name: z.string().regex(new RegExp(`^${DNS_SUBDOMAIN}$`), { error: "must be a Secret name" }).max(253).describe("Secret name.") }))
      .describe("Secrets of type kubernetes.io/dockerconfigjson for pulling from a private registry, e.g. [{name: regcred}]."),
    podAnnotations: z.record(qualifiedName, z.string()).describe("Annotations of the pods."),
    nodeSelector: z
      .record(qualifiedName, z.string().regex(LABEL_VALUE, { error: "must be a label value" }))
      .describe("Node labels the pods must run on (pod spec nodeSelector)."),
    tolerations: z
      .array(
        z.strictObject({
          key: qualifiedName.describe("Taint key; empty with operator Exists tolerates everything.").optional(),
          operator: z.enum(["Exists", "Equal"]).describe("Exists or Equal (default).").optional(),
          value: z.string().regex(LABEL_VALUE, { error: "must be a label value" }).describe("Taint value, with operator Equal.").optional(),
          effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).describe("Taint effect; empty matches all.").optional(),
          tolerationSeconds: z.int().describe("How long a NoExecute taint is tolerated.").optional(),
        }),
      )
      .describe("Taints the pods tolerate (pod spec tolerations)."),
    affinity: z
      .strictObject({
        nodeAffinity: z.record(z.string(), z.unknown()).describe("Kubernetes NodeAffinity.").optional(),
        podAffinity: z.record(z.string(), z.unknown()).describe("Kubernetes PodAffinity.").optional(),
        podAntiAffinity: z.record(z.string(), z.unknown()).describe("Kubernetes PodAntiAffinity.").optional(),
      })
      .describe("Pod spec affinity. Replicas already spread across zones and nodes by topologySpreadConstraints."),
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
          .strictObject({ cpu: quantity("CPU request."), memory: quantity("Memory request.") })
          .describe("Resource requests."),
        limits: z
          .strictObject({ cpu: quantity("CPU limit."), memory: quantity("Memory limit.") })
          .describe("Resource limits."),
      })
      .describe("Container resources; both requests and limits are required (namespace quotas and Pod Security need them)."),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .describe("Environment variables as NAME: value. PORT and the variables of secrets are set by the chart."),
    serviceAccount: z
      .strictObject({
        create: z.boolean().describe("Create the ServiceAccount. Off on Runway clusters, where the tenant provides it."),
        name: optionalDnsLabel.describe("ServiceAccount the pods run as. Empty: the release's full name when create is true, else default."),
        annotations: z
          .record(qualifiedName, z.string())
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
    registration: registrationValuesSchema,
  })
  .superRefine((v, ctx) => {
    // The chart's `validate` helper makes the same checks for Helm, which only sees the JSON Schema.
    if (v.autoscaling.minReplicas > v.autoscaling.maxReplicas) {
      ctx.addIssue({ code: "custom", path: ["autoscaling", "minReplicas"], message: `is above autoscaling.maxReplicas (${v.autoscaling.maxReplicas})` });
    }
    if (!v.image.tag && !v.image.digest) ctx.addIssue({ code: "custom", path: ["image", "tag"], message: "image.tag and image.digest are both empty; set one" });
    for (const r of ["cpu", "memory"] as const) {
      if ((parseQuantity(v.resources.requests[r]) ?? 0) > (parseQuantity(v.resources.limits[r]) ?? Infinity)) {
        ctx.addIssue({ code: "custom", path: ["resources", "requests", r], message: `is above resources.limits.${r}` });
      }
    }
  })
  .describe("Values of a Runway-generated chart.");

export type ChartValues = z.output<typeof valuesSchema>;

/** Cloud Run-era defaults on Runway's Kubernetes runtime: HPA min 3, max 20, 70% CPU. */
export const DEFAULT_MIN_REPLICAS = 3;
export const DEFAULT_MAX_REPLICAS = 20;
export const TARGET_UTILISATION = 0.7;

/** The image of a manifest: the mapping or the Cloud Run-era REPOSITORY:TAG (or @sha256:...) string. */
export function manifestImage(m: Manifest): ImageReference | undefined {
  const img = m.spec.image;
  if (img === undefined) return undefined;
  return typeof img === "string" ? parseImageReference(img) : img;
}

export function replicaBounds(m: Manifest): { min: number; max: number } {
  const s = m.spec.scalability ?? {};
  const max = s.max_instances ?? Math.max(DEFAULT_MAX_REPLICAS, s.min_instances ?? 0);
  const min = s.min_instances ?? Math.min(DEFAULT_MIN_REPLICAS, max);
  return { min, max };
}

/** Default values of the chart built from a manifest. */
export function defaultValues(m: Manifest, image: ImageReference): ChartValues {
  const name = m.metadata.name;
  const { min, max } = replicaBounds(m);
  const limits = m.spec.resources.limits;
  const requests = m.spec.resources.requests ?? {};
  const concurrency = m.spec.scalability?.max_instance_request_concurrency;
  const lb = m.spec.load_balancing;
  return {
    nameOverride: "",
    fullnameOverride: "",
    image: { repository: image.repository, tag: image.tag ?? "", digest: image.digest ?? "", pullPolicy: "IfNotPresent" },
    imagePullSecrets: [],
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
    podAnnotations: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    serviceAccount: { create: true, name: "", annotations: {} },
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
    registration: defaultRegistrationValues(),
  };
}

/** values.schema.json: draft-7, which every Helm 3 and 4 release validates. `reserved` env names are refused. */
export function valuesJsonSchema(reserved: readonly string[] = []): Record<string, unknown> {
  const schema = z.toJSONSchema(valuesSchema, { target: "draft-7", io: "input" }) as Record<string, unknown>;
  const env = (schema.properties as Record<string, { propertyNames?: Record<string, unknown>; description?: string }>).env;
  if (reserved.length > 0) {
    env.propertyNames = { ...env.propertyNames, not: { enum: [...reserved] } };
    env.description = `${env.description} Set by the chart, so not allowed here: ${reserved.join(", ")}.`;
  }
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
