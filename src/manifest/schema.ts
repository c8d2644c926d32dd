/**
 * The Runway manifest (`.runway/runway.yml` in a service repository). It keeps the field names of the Cloud Run-era
 * manifest (https://schemas.runway.gitlab.com/RunwayService/) so a service moves without rewriting it, and adds what
 * Kubernetes needs that Cloud Run hid. Fields with no Kubernetes equivalent yet are accepted by type but rejected by
 * value, at the field, with the reason; docs/cloud-run-parity.md lists them and a test keeps both in step.
 */
import { z } from "zod";
import { dnsLabel, gcpRegion } from "../config/schema/common";
import { IMAGE_DIGEST, IMAGE_REPOSITORY, IMAGE_TAG, parseImageReference } from "./image";
import { checkMountPath } from "./mounts";
import { cpuQuantity, memoryQuantity, parseQuantity } from "./quantity";

const PARITY = "see docs/cloud-run-parity.md";

/** Message for a Cloud Run-era setting that Runway on Kubernetes cannot honour yet. */
export function notYetMessage(what: string, fix: string): string {
  return `${what} has no Kubernetes equivalent yet; ${fix} (${PARITY})`;
}

/**
 * A boolean whose `true` has no Kubernetes equivalent yet. The refine positions the error at the field; the JSON
 * Schema narrows to `false` so editors flag it too.
 */
function falseOnly(what: string, fix: string, description: string) {
  return z
    .boolean()
    .refine((v) => v !== true, { error: notYetMessage(what, fix) })
    .meta({ description, enum: [false] });
}

/** Kubernetes label value that also satisfies GCP label rules, so cost allocation can use it. */
const labelValue = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/, {
    error: "must be lowercase letters, digits, '-', '_' or '.', 1-63 characters, starting and ending alphanumeric",
  });

const port = z.int().min(1, { error: "must be a port number 1-65535" }).max(65535, { error: "must be a port number 1-65535" });

// RFC 3986 path characters (pchar and '/').
const PATH = "/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*";
const httpPath = z.string().regex(new RegExp(`^${PATH}$`), { error: "must be an absolute URL path such as /monitoring/healthz" });
/** A probe's path may carry a query string: the kubelet sends it as written. */
const probePath = z
  .string()
  .regex(new RegExp(`^${PATH}(\\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$`), {
    error: "must be an absolute URL path, optionally with a query, such as /healthz or /healthz?verbose=1",
  });

const seconds = (min: number, max: number) =>
  z
    .int({ error: "must be a whole number of seconds" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const probe = (kind: string, defaults: string) =>
  z
    .strictObject({
      path: probePath.describe("HTTP path probed with GET, query string allowed. Without it the probe opens a TCP connection to the port.").optional(),
      port: port.describe("Port probed. Default: spec.container_port.").optional(),
      initial_delay_seconds: seconds(0, 3600).describe("Seconds after the container starts before the first probe. Default 0.").optional(),
      timeout_seconds: seconds(1, 3600).describe("Seconds after which one probe attempt fails. Default 1.").optional(),
      period_seconds: seconds(1, 3600).describe("Seconds between probe attempts. Default 10.").optional(),
      failure_threshold: z.int().min(1).max(1000).describe("Consecutive failures before the probe fails. Default 3.").optional(),
    })
    .describe(`${kind} (Kubernetes ${defaults}).`);

const imageRepository = z.string().regex(IMAGE_REPOSITORY, {
  error: "must be an image repository such as registry.gitlab.com/group/project/image (lowercase, no tag)",
});
const imageTag = z.string().regex(IMAGE_TAG, { error: "must be an image tag such as v1.2.3" });
const imageDigest = z.string().regex(IMAGE_DIGEST, { error: "must be an image digest sha256:<64 hex digits>" });

const image = z
  .union([
    z
      .strictObject({
        repository: imageRepository.describe("Image repository without the tag."),
        tag: imageTag.describe("Image tag; also the chart's appVersion.").optional(),
        digest: imageDigest.describe("Image digest sha256:...; pins the image (the tag, if any, is kept for readers).").optional(),
      })
      .refine((i) => i.tag !== undefined || i.digest !== undefined, { error: "set tag, digest or both" }),
    z.string().refine((s) => parseImageReference(s) !== undefined, {
      error: "must be REPOSITORY:TAG, REPOSITORY@sha256:DIGEST or REPOSITORY:TAG@sha256:DIGEST such as registry.gitlab.com/group/project/image:v1.2.3",
    }),
  ])
  .describe(
    "Container image: {repository, tag, digest}, or the Cloud Run-era string REPOSITORY:TAG (REPOSITORY@sha256:... pins a digest). `runway chart build --image` overrides it, as the Cloud Run-era CI input did.",
  );

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be an environment variable name such as LOG_LEVEL" });

const backendProtocol = z
  .enum(["HTTP", "HTTP2", "rest", "grpc"])
  .describe("HTTP (alias rest) or HTTP2 (alias grpc, for gRPC): sets the Service port's appProtocol. Default HTTP.");

const loadBalancer = (which: string) =>
  z
    .strictObject({
      enabled: z.boolean().describe(`Serve through the ${which} load balancer. On Kubernetes this sets the chart's route default.`),
      backend_protocol: backendProtocol.optional(),
    })
    .describe(`The ${which} load balancer.`);

const secret = z
  .strictObject({
    name: dnsLabel(63).describe("Name of the Kubernetes Secret holding the values (the catalog's spec.secrets[].name)."),
    vault_path: z
      .string()
      .regex(/^[a-z0-9][-a-z0-9_]*(\/[a-z0-9][-a-z0-9_]*)*$/, { error: "must be a relative Vault path such as llm/anthropic" })
      .describe("Vault path relative to runway/env/<environment>/service/<service>/."),
    env: z
      .record(envName, z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key such as api_key" }))
      .describe("Environment variables set from keys of the secret: {VARIABLE: key}.")
      .optional(),
    mount_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]*$/, { error: "must be an absolute directory path such as /etc/secrets/llm" })
      .superRefine((p, ctx) => {
        const problem = checkMountPath(p);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .describe("Directory where every key of the secret appears as a read-only file; one secret per directory, not /tmp (the chart's scratch volume).")
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.env && !s.mount_path) {
      ctx.addIssue({ code: "custom", path: ["env"], message: "a secret needs env (variables from its keys) or mount_path (files); add one of them" });
    }
  })
  .describe("A secret stored in Vault, delivered to the workload as environment variables or files.");

const spreadMode = z.enum(["prefer", "require"]).describe("prefer: spread when possible (ScheduleAnyway); require: never break the skew (DoNotSchedule).");

export const manifestSpecSchema = z
  .strictObject({
    image: image.optional(),
    container_port: port.default(8080).describe("Port the container listens on; also set as $PORT, as on Cloud Run. Default 8080."),
    regions: z
      .array(gcpRegion)
      .min(1, { error: "list at least one region, e.g. [us-east1]" })
      .refine((r) => new Set(r).size === r.length, { error: "regions must be unique" })
      .default(["us-east1"])
      .describe("Regions the service runs in; each region's Runway cluster installs the chart. Default [us-east1]."),
    resources: z
      .strictObject({
        limits: z
          .strictObject({
            cpu: cpuQuantity.default("1000m").describe("CPU limit. Default 1000m."),
            memory: memoryQuantity.default("512Mi").describe("Memory limit. Default 512Mi."),
          })
          .prefault({})
          .describe("Resource limits, as on Cloud Run."),
        requests: z
          .strictObject({
            cpu: cpuQuantity.describe("CPU request. Default: the limit.").optional(),
            memory: memoryQuantity.describe("Memory request. Default: the limit.").optional(),
          })
          .describe("Resource requests (Kubernetes only). Default: equal to the limits, so pods get what Cloud Run gave them.")
          .optional(),
        startup_cpu_boost: falseOnly(
          "startup_cpu_boost: true",
          "remove it or set it to false, and raise resources.limits.cpu if startup is slow",
          "Cloud Run startup CPU boost. Only false is accepted on Kubernetes.",
        ).optional(),
      })
      .prefault({})
      .describe("CPU and memory of each instance."),
    startup_cpu_boost: falseOnly(
      "startup_cpu_boost: true",
      "remove it or set it to false, and raise resources.limits.cpu if startup is slow",
      "Cloud Run startup CPU boost. Only false is accepted on Kubernetes.",
    ).optional(),
    scalability: z
      .strictObject({
        min_instances: z
          .int()
          .refine((n) => n !== 0, { error: notYetMessage("min_instances: 0 (scale to zero)", "set min_instances to 1 or more") })
          .refine((n) => n >= 0, { error: "must be at least 1" })
          .max(1000, { error: "must be at most 1000" })
          .meta({ minimum: 1 })
          .describe("Minimum replicas (HPA minReplicas). Default 3, or max_instances when that is lower.")
          .optional(),
        max_instances: z.int().min(1, { error: "must be at least 1" }).max(1000, { error: "must be at most 1000" })
          .describe("Maximum replicas (HPA maxReplicas). Default 20, or min_instances when that is higher.")
          .optional(),
        max_instance_request_concurrency: z
          .int()
          .min(1, { error: "must be at least 1" })
          .max(1000, { error: "must be at most 1000" })
          .describe("Concurrent requests per instance. The HPA scales out when pods average 70% of it in flight (needs the in-flight metric).")
          .optional(),
      })
      .superRefine((s, ctx) => {
        if (s.min_instances !== undefined && s.max_instances !== undefined && s.min_instances > s.max_instances) {
          ctx.addIssue({
            code: "custom",
            path: ["min_instances"],
            message: `min_instances (${s.min_instances}) is above max_instances (${s.max_instances}); lower it or raise max_instances`,
          });
        }
      })
      .describe("Replica bounds and request concurrency: a HorizontalPodAutoscaler.")
      .optional(),
    load_balancing: z
      .strictObject({
        external_load_balancer: loadBalancer("external").optional(),
        internal_load_balancer: loadBalancer("internal").optional(),
      })
      .describe("Exposure. On Runway clusters the catalog entry's spec.exposure routes traffic; the chart's own route serves other installs.")
      .optional(),
    startup_probe: probe("Startup probe", "startupProbe; default TCP on the container port, every 10s for 4 minutes, like Cloud Run's default").optional(),
    liveness_probe: probe("Liveness probe", "livenessProbe; none by default").optional(),
    readiness_probe: probe("Readiness probe", "readinessProbe; default TCP on the container port").optional(),
    network_policies: z
      .strictObject({
        cloudflare: falseOnly(
          "network_policies.cloudflare: true (allow only Cloudflare)",
          "remove it; restrict sources with the shared Gateway's policy instead",
          "Allow only Cloudflare-initiated connections. Only false is accepted on Kubernetes.",
        ).optional(),
      })
      .describe("Cloud Run ingress restrictions.")
      .optional(),
    request_based_billing: falseOnly(
      "request_based_billing: true (CPU throttled between requests)",
      "remove it or set it to false; pods keep their CPU between requests",
      "Cloud Run request-based billing. Only false (instance-based) is accepted on Kubernetes.",
    ).optional(),
    deployment: z
      .strictObject({
        strategy: z
          .enum(["legacy", "regional_rollout", "expedited", "dryrun"])
          .refine((s) => s === "legacy", {
            error: (iss) =>
              notYetMessage(
                `deployment.strategy ${String(iss.input)}`,
                "use legacy (a rolling update in every region) and move stages with `runway chart promote`",
              ),
          })
          .meta({ enum: ["legacy"] })
          .describe("legacy: a rolling update with no unavailable replicas. Cloud Run's regional_rollout, expedited and dryrun are not available yet."),
        rollout_traffic_percentages: z
          .array(z.int().min(1).max(100))
          .refine((p) => p.length === 0, {
            error: notYetMessage("rollout_traffic_percentages", "remove it; progressive traffic needs a rollout controller"),
          })
          .meta({ maxItems: 0 })
          .describe("Cloud Run traffic steps of a regional rollout. Not available yet.")
          .optional(),
      })
      .describe("How a new version replaces the old one.")
      .optional(),
    env: z.record(envName, z.string()).describe("Environment variables (default chart values; overridable at install).").optional(),
    secrets: z.array(secret).describe("Secrets from Vault, delivered as environment variables or files.").optional(),
    pod_disruption_budget: z
      .strictObject({
        max_unavailable: z
          .union([z.int().min(1), z.string().regex(/^([1-9]?[0-9]|100)%$/, { error: "must be a percentage 0%-100% such as 25%" })])
          .describe("Replicas a voluntary disruption (node drain, upgrade) may take down at once. Default 1."),
      })
      .describe("PodDisruptionBudget (Kubernetes only). Default max_unavailable 1.")
      .optional(),
    topology_spread: z
      .strictObject({
        max_skew: z.int().min(1).max(10).default(1).describe("Largest allowed difference in replicas between zones or nodes. Default 1."),
        zones: spreadMode.default("prefer"),
        nodes: spreadMode.default("prefer"),
      })
      .describe("Spread replicas across zones and nodes (Kubernetes only). Default: prefer, skew 1.")
      .optional(),
    graceful_shutdown: z
      .strictObject({
        termination_grace_period_seconds: seconds(1, 3600)
          .default(30)
          .describe("Seconds between SIGTERM and SIGKILL, pre-stop included. Default 30 (Cloud Run gives 10)."),
        pre_stop_sleep_seconds: seconds(0, 3600)
          .default(5)
          .describe("Seconds the pod keeps serving after removal from endpoints, before SIGTERM. Default 5."),
      })
      .superRefine((g, ctx) => {
        if (g.pre_stop_sleep_seconds >= g.termination_grace_period_seconds) {
          ctx.addIssue({
            code: "custom",
            path: ["pre_stop_sleep_seconds"],
            message: `must be below termination_grace_period_seconds (${g.termination_grace_period_seconds}) so the process still gets SIGTERM`,
          });
        }
      })
      .describe("Graceful shutdown (Kubernetes only): a pre-stop sleep, then SIGTERM, then SIGKILL after the grace period.")
      .optional(),
    service_monitor: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Scrape the service. Default true when the block is present."),
        port: port.describe("Port serving metrics. Default: spec.container_port.").optional(),
        path: httpPath.default("/metrics").describe("Metrics path. Default /metrics."),
        interval: z
          .string()
          .regex(/^[1-9][0-9]*(s|m)$/, { error: "must be a duration such as 30s or 1m" })
          .default("30s")
          .describe("Scrape interval. Default 30s."),
      })
      .describe("Prometheus scraping by Google Managed Prometheus (a PodMonitoring).")
      .optional(),
    run_as_user: z
      .int()
      .min(1, { error: "must be a non-root user id (1 or more)" })
      .max(2147483647)
      .describe("User id the container runs as. Default: the image's numeric USER (which must not be root).")
      .optional(),
  })
  .superRefine((spec, ctx) => {
    const owners = new Map<string, string>([["PORT", "Runway (set to spec.container_port)"]]);
    (spec.secrets ?? []).forEach((s, i) => {
      for (const v of Object.keys(s.env ?? {})) {
        const prev = owners.get(v);
        if (prev) ctx.addIssue({ code: "custom", path: ["secrets", i, "env", v], message: `variable ${v} is already set by ${prev}; rename one of them` });
        else owners.set(v, `secrets[${i}]`);
      }
    });
    for (const v of Object.keys(spec.env ?? {})) {
      const prev = owners.get(v);
      if (prev) ctx.addIssue({ code: "custom", path: ["env", v], message: `variable ${v} is already set by ${prev}; rename or remove it` });
    }
    const names = new Set<string>();
    (spec.secrets ?? []).forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: "custom", path: ["secrets", i, "name"], message: `secret name ${s.name} is used twice; names must be unique` });
      names.add(s.name);
    });
    // Kubernetes rejects two volume mounts at one path (and the chart's own scratch volume is at /tmp).
    const mounts = new Map<string, string>();
    (spec.secrets ?? []).forEach((s, i) => {
      if (s.mount_path === undefined) return;
      const prev = mounts.get(s.mount_path);
      if (prev) ctx.addIssue({ code: "custom", path: ["secrets", i, "mount_path"], message: `${s.mount_path} is already the mount path of ${prev}; give each secret its own directory` });
      else mounts.set(s.mount_path, `secrets[${i}] (${s.name})`);
    });
    // The API server rejects a request above its limit.
    const { limits, requests } = spec.resources;
    for (const r of ["cpu", "memory"] as const) {
      const req = requests?.[r];
      if (req !== undefined && (parseQuantity(req) ?? 0) > (parseQuantity(limits[r]) ?? Infinity)) {
        ctx.addIssue({
          code: "custom",
          path: ["resources", "requests", r],
          message: `request ${req} is above the limit ${limits[r]}; lower it or raise resources.limits.${r}`,
        });
      }
    }
  })
  .describe("The service specification.");

export const manifestSchema = z
  .strictObject({
    apiVersion: z
      .enum(["runway/v1", "runway/v1+dev"], { error: "must be runway/v1 (or runway/v1+dev)" })
      .describe("Manifest schema version: runway/v1; runway/v1+dev is accepted for Cloud Run-era manifests."),
    kind: z.literal("RunwayService", { error: "must be RunwayService" }).describe("Kind of workload. Only RunwayService."),
    metadata: z
      .strictObject({
        name: dnsLabel(63).describe("Service id: the chart name, the Kubernetes object names and the tenant namespace."),
        owner_email_handle: labelValue.describe("Email handle of the owning person or group (label gl_owner_email_handle)."),
        department: labelValue.describe("Owning department (label gl_dept)."),
        department_group: labelValue.describe("Owning department group (label gl_dept_group)."),
        product_category: labelValue.describe("Owning product category (label gl_product_category)."),
      })
      .describe("Who the service is and who owns it."),
    spec: manifestSpecSchema.prefault({}),
  })
  .describe("A Runway service manifest (.runway/runway.yml) for Runway's Kubernetes runtime.");

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
