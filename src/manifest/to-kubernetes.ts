/**
 * The Runway-owned template: a manifest mapped to typed Kubernetes objects. What depends on the install (values,
 * release name) is a hole (../chart/holes.ts): `renderKubernetes` fills them, the chart compiler turns them into Helm
 * templates, and the tests prove with real Helm that both give the same objects. Every object is named after the
 * release (`<chart>.fullname`), so releases never collide in a namespace.
 *
 * Security defaults satisfy Pod Security `restricted` (checklist K1): non-root, read-only root filesystem, no
 * privilege escalation, all capabilities dropped, seccomp RuntimeDefault; requests and limits always set (K3 quotas
 * need them); no service account token mounted (K4).
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import type { IExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret";
import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { createHash } from "node:crypto";
import { helperFunctions, helpersTemplate, type FixedLabels } from "../chart/helpers";
import { Hole, resolve, type RenderContext } from "../chart/holes";
import { registrationTemplates } from "../chart/registration";
import type { ChartValues } from "../chart/values";
import { TMP_MOUNT } from "./mounts";
import type { Manifest } from "./schema";

/** Google Managed Prometheus PodMonitoring (monitoring.googleapis.com/v1); no published model package has it. */
export interface IPodMonitoring {
  apiVersion: "monitoring.googleapis.com/v1";
  kind: "PodMonitoring";
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string | number; path?: string; interval?: string; timeout?: string; scheme?: string }[];
  };
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** One file of the chart's templates/ directory: an object with holes; `checks` are helpers run before it. */
export interface ChartTemplate {
  file: string;
  object: unknown;
  checks?: string[];
}

export interface TemplateOptions {
  /** Chart version, for the helm.sh/chart label. */
  chartVersion: string;
  /** Chart appVersion (the image tag, or digest). Default: values.image.tag or values.image.digest. */
  appVersion?: string;
  /** The Helm release rendered. Default: named after the service, as Runway installs it. */
  release?: { name: string; namespace?: string };
}

/** Port of the Service, whatever the container port: the catalog's exposure.port default. */
export const SERVICE_PORT = 8080;

const selectorLabels = () => Hole.includeMap("selectorLabels");
const fullname = () => Hole.include("fullname");

/** GitLab infrastructure-standard owner labels (GKE cost allocation reads pod labels). */
function ownerLabels(m: Manifest): FixedLabels {
  return {
    gl_owner_email_handle: m.metadata.owner_email_handle,
    gl_dept: m.metadata.department,
    gl_dept_group: m.metadata.department_group,
    gl_product_category: m.metadata.product_category,
  };
}

function metadata(name: string = fullname()) {
  return { name, labels: Hole.includeMap("labels") };
}

/**
 * Volume name of a mounted secret: a DNS label of at most 63 characters, unique per secret. Long secret names keep
 * a readable prefix and a hash of the whole name.
 */
/**
 * A container's security context under Pod Security `restricted` (K1), read-only root file system included: every
 * container a Runway chart runs, the registration hook's too.
 */
export function restrictedContainer(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function secretVolumeName(secret: string): string {
  const name = `secret-${secret}`;
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${createHash("sha256").update(secret).digest("hex").slice(0, 8)}`;
}

type ProbeSpec = NonNullable<Manifest["spec"]["startup_probe"]>;

function probe(p: ProbeSpec | undefined, fallback: Partial<IProbe>): IProbe {
  if (!p) return { tcpSocket: { port: "http" }, ...fallback };
  const port = p.port ?? "http";
  return {
    ...(p.path ? { httpGet: { path: p.path, port } } : { tcpSocket: { port } }),
    initialDelaySeconds: p.initial_delay_seconds,
    timeoutSeconds: p.timeout_seconds,
    periodSeconds: p.period_seconds,
    failureThreshold: p.failure_threshold,
  };
}

function metricsPort(m: Manifest): number {
  return m.spec.service_monitor?.port ?? m.spec.container_port;
}

function backendProtocol(m: Manifest): string {
  const lb = m.spec.load_balancing;
  const chosen = lb?.external_load_balancer?.enabled ? lb.external_load_balancer : lb?.internal_load_balancer?.enabled ? lb.internal_load_balancer : undefined;
  const p = chosen?.backend_protocol ?? "HTTP";
  return p === "HTTP2" || p === "grpc" ? "kubernetes.io/h2c" : "http";
}

function topologySpread(m: Manifest): ITopologySpreadConstraint[] {
  const t = m.spec.topology_spread ?? { max_skew: 1, zones: "prefer", nodes: "prefer" };
  const mode = (x: string) => (x === "require" ? "DoNotSchedule" : "ScheduleAnyway");
  return [
    ["topology.kubernetes.io/zone", t.zones],
    ["kubernetes.io/hostname", t.nodes],
  ].map(([topologyKey, how]) => ({
    maxSkew: t.max_skew,
    topologyKey,
    whenUnsatisfiable: mode(how),
    labelSelector: { matchLabels: selectorLabels() },
    // Spread each revision on its own, so a rollout does not pile new pods where old ones are leaving.
    matchLabelKeys: ["pod-template-hash"],
  }));
}

function container(m: Manifest): IContainer {
  const s = m.spec;
  const port = s.container_port;
  const secretEnv: IEnvVar[] = (s.secrets ?? []).flatMap((sec) =>
    Object.keys(sec.env ?? {})
      .sort()
      .map((name) => ({ name, valueFrom: { secretKeyRef: { name: Hole.include("secretName", { arg: sec.name }), key: (sec.env ?? {})[name] } } })),
  );
  const mounts = (s.secrets ?? []).filter((sec) => sec.mount_path);
  const shutdown = s.graceful_shutdown ?? { termination_grace_period_seconds: 30, pre_stop_sleep_seconds: 5 };
  return {
    name: m.metadata.name,
    image: Hole.include("image", { quote: true }),
    imagePullPolicy: Hole.value("image.pullPolicy"),
    ports: [
      { name: "http", containerPort: port, protocol: "TCP" },
      ...(metricsPort(m) !== port ? [{ name: "metrics", containerPort: metricsPort(m), protocol: "TCP" as const }] : []),
    ],
    env: [{ name: "PORT", value: String(port) }, ...secretEnv, Hole.range<IEnvVar>("env", (name, value) => ({ name, value }))],
    resources: Hole.yaml("resources"),
    securityContext: restrictedContainer(),
    startupProbe: probe(s.startup_probe, { periodSeconds: 10, failureThreshold: 24 }),
    readinessProbe: probe(s.readiness_probe, { periodSeconds: 10 }),
    livenessProbe: s.liveness_probe ? probe(s.liveness_probe, {}) : undefined,
    // Keep serving while load balancers drop the endpoint; sleep is a kubelet action, no shell in the image needed.
    lifecycle: shutdown.pre_stop_sleep_seconds > 0 ? { preStop: { sleep: { seconds: shutdown.pre_stop_sleep_seconds } } } : undefined,
    volumeMounts: [
      { name: "tmp", mountPath: TMP_MOUNT },
      ...mounts.map((sec) => ({ name: secretVolumeName(sec.name), mountPath: sec.mount_path as string, readOnly: true })),
    ],
  };
}

export function deployment(m: Manifest): IDeployment {
  const s = m.spec;
  const fsGroup = s.run_as_user ?? 65532;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata(),
    spec: {
      // No replicas: the HPA owns the count, and a fixed number here would reset it on every upgrade.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels() },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: { annotations: Hole.with("podAnnotations"), labels: Hole.includeMap("podLabels") },
        spec: {
          imagePullSecrets: Hole.with("imagePullSecrets"),
          serviceAccountName: Hole.include("serviceAccountName"),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: s.graceful_shutdown?.termination_grace_period_seconds ?? 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: s.run_as_user,
            runAsGroup: s.run_as_user,
            fsGroup,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: topologySpread(m),
          containers: [container(m)],
          nodeSelector: Hole.with("nodeSelector"),
          affinity: Hole.with("affinity"),
          tolerations: Hole.with("tolerations"),
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            ...(s.secrets ?? [])
              .filter((sec) => sec.mount_path)
              .map((sec) => ({
                name: secretVolumeName(sec.name),
                secret: { secretName: Hole.include("secretName", { arg: sec.name }), defaultMode: 0o440 },
              })),
          ],
        },
      },
    },
  };
}

export function service(m: Manifest): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(),
      ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP", appProtocol: backendProtocol(m) }],
    },
  };
}

export function horizontalPodAutoscaler(): IHorizontalPodAutoscaler {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: metadata(),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: fullname() },
      minReplicas: Hole.value<number>("autoscaling.minReplicas"),
      maxReplicas: Hole.value<number>("autoscaling.maxReplicas"),
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: Hole.value<number>("autoscaling.targetCPUUtilizationPercentage") } },
        },
        // Cloud Run's request concurrency, as a per-pod in-flight requests target.
        Hole.when("autoscaling.targetInflightRequests", {
          type: "Pods",
          pods: {
            metric: { name: Hole.value("autoscaling.inflightRequestsMetric", true) },
            target: { type: "AverageValue", averageValue: Hole.value("autoscaling.targetInflightRequests", true) },
          },
        }),
      ],
    },
  };
}

export function podDisruptionBudget(m: Manifest): IPodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: metadata(),
    spec: {
      maxUnavailable: m.spec.pod_disruption_budget?.max_unavailable ?? 1,
      selector: { matchLabels: selectorLabels() },
      // A crash-looping pod must not block node drains.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

export function serviceAccount(): IServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: Hole.include("serviceAccountName"), labels: Hole.includeMap("labels"), annotations: Hole.with("serviceAccount.annotations") },
    automountServiceAccountToken: false,
  };
}

export function externalSecrets(m: Manifest): IExternalSecret[] {
  return (m.spec.secrets ?? []).map((sec) => ({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: metadata(Hole.include("secretName", { arg: sec.name })),
    spec: {
      refreshInterval: Hole.value("externalSecrets.refreshInterval", true),
      secretStoreRef: Hole.yaml("externalSecrets.secretStoreRef"),
      target: { name: Hole.include("secretName", { arg: sec.name }), creationPolicy: "Owner", deletionPolicy: "Retain" },
      dataFrom: [{ extract: { key: Hole.concat([{ path: "externalSecrets.vaultPathPrefix" }, `/${sec.vault_path}`]) } }],
    },
  }));
}

export function httpRoute(): IHTTPRoute {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: metadata(),
    spec: {
      parentRefs: Hole.yaml("route.parentRefs"),
      hostnames: Hole.yaml("route.hosts"),
      rules: [{ backendRefs: [{ name: fullname(), port: SERVICE_PORT }] }],
    },
  };
}

export function podMonitoring(m: Manifest): IPodMonitoring {
  const sm = m.spec.service_monitor;
  return {
    apiVersion: "monitoring.googleapis.com/v1",
    kind: "PodMonitoring",
    metadata: metadata(),
    spec: {
      selector: { matchLabels: selectorLabels() },
      endpoints: [{ port: metricsPort(m) !== m.spec.container_port ? "metrics" : "http", path: sm?.path ?? "/metrics", interval: sm?.interval ?? "30s" }],
    },
  };
}

/** Every template file of the chart, in a fixed order. Values are checked (`validate`) before the Deployment. */
export function chartTemplates(m: Manifest): ChartTemplate[] {
  return [
    { file: "serviceaccount.yaml", object: Hole.when("serviceAccount.create", serviceAccount()) },
    { file: "deployment.yaml", object: deployment(m), checks: ["validate"] },
    { file: "service.yaml", object: service(m) },
    { file: "hpa.yaml", object: horizontalPodAutoscaler() },
    { file: "pdb.yaml", object: podDisruptionBudget(m) },
    ...externalSecrets(m).map((es, i) => ({
      file: `externalsecret-${(m.spec.secrets ?? [])[i].name}.yaml`,
      object: Hole.when("externalSecrets.enabled", es),
    })),
    { file: "httproute.yaml", object: Hole.when("route.enabled", httpRoute()) },
    { file: "podmonitoring.yaml", object: Hole.when("podMonitoring.enabled", podMonitoring(m)) },
    ...registrationTemplates(m.metadata.name),
  ];
}

/** templates/_helpers.tpl of the chart built from `m`. */
export function chartHelpers(m: Manifest): string {
  return helpersTemplate(m.metadata.name, ownerLabels(m));
}

/** What Helm passes as `.` for a release of the chart built from `m`. */
export function renderContext(m: Manifest, values: ChartValues, o: TemplateOptions): RenderContext {
  return {
    values,
    release: { name: o.release?.name ?? m.metadata.name, namespace: o.release?.namespace ?? m.metadata.name, service: "Helm" },
    chart: { name: m.metadata.name, version: o.chartVersion, appVersion: o.appVersion ?? (values.image.tag || values.image.digest || "") },
  };
}

/**
 * The Kubernetes objects the chart installs with `values`: what `helm template` prints. Throws what the chart's
 * `validate` helper fails with.
 */
export function renderKubernetes(m: Manifest, values: ChartValues, o: TemplateOptions): KubeObject[] {
  const ctx = renderContext(m, values, o);
  const helpers = helperFunctions(ownerLabels(m));
  const out: KubeObject[] = [];
  for (const t of chartTemplates(m)) {
    for (const check of t.checks ?? []) helpers[check](ctx);
    const obj = resolve(t.object, ctx, helpers) as KubeObject | undefined;
    if (obj !== undefined) out.push(obj);
  }
  return out;
}
