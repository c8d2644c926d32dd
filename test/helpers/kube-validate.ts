/**
 * What the Kubernetes API server would reject in a rendered object, for tests. Two layers:
 * - the published OpenAPI schemas (kubernetes-models, @kubernetes-models/*): field names and types;
 * - the API server's validation rules that OpenAPI cannot express (k8s.io/apimachinery validation, pkg/apis/core
 *   validation): name formats per kind, label and annotation syntax, unique volume names and mount paths, mounts
 *   that reference a volume, named ports, IANA port names, HPA bounds, requests within limits, selectors that match
 *   the pod template.
 */
import Ajv from "ajv";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseQuantity } from "../../src/manifest/quantity";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

// No published model package has Google Managed Prometheus' PodMonitoring: these are the fields Runway writes,
// from the CRD of GoogleCloudPlatform/prometheus-engine (monitoring.googleapis.com/v1), closed to anything else.
const podMonitoringSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  additionalProperties: false,
  properties: {
    apiVersion: { const: "monitoring.googleapis.com/v1" },
    kind: { const: "PodMonitoring" },
    metadata: { type: "object", required: ["name"], properties: { name: { type: "string" }, labels: { type: "object", additionalProperties: { type: "string" } } } },
    spec: {
      type: "object",
      required: ["selector", "endpoints"],
      additionalProperties: false,
      properties: {
        selector: { type: "object", additionalProperties: false, properties: { matchLabels: { type: "object", additionalProperties: { type: "string" } } } },
        endpoints: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["port"],
            additionalProperties: false,
            properties: {
              port: { anyOf: [{ type: "string" }, { type: "integer" }] },
              path: { type: "string" },
              interval: { type: "string", pattern: "^[0-9]+(ms|s|m|h)$" },
              timeout: { type: "string" },
            },
          },
        },
      },
    },
  },
};
const validatePodMonitoring = new Ajv({ allErrors: true }).compile(podMonitoringSchema);

/** Validates against the kind's OpenAPI schema; throws with the schema's message. */
export function validateSchema(o: Loose): void {
  const check = (model: object) => (model as { validate(): void }).validate();
  switch (`${o.apiVersion}/${o.kind}`) {
    case "apps/v1/Deployment":
      return check(new Deployment(o));
    case "v1/Service":
      return check(new Service(o));
    case "v1/ServiceAccount":
      return check(new ServiceAccount(o));
    case "v1/ConfigMap":
      return check(new ConfigMap(o));
    case "batch/v1/Job":
      return check(new Job(o));
    case "rbac.authorization.k8s.io/v1/Role":
      return check(new Role(o));
    case "rbac.authorization.k8s.io/v1/RoleBinding":
      return check(new RoleBinding(o));
    case "autoscaling/v2/HorizontalPodAutoscaler":
      return check(new HorizontalPodAutoscaler(o));
    case "policy/v1/PodDisruptionBudget":
      return check(new PodDisruptionBudget(o));
    case "external-secrets.io/v1/ExternalSecret":
      return check(new ExternalSecret(o));
    case "gateway.networking.k8s.io/v1/HTTPRoute":
      return check(new HTTPRoute(o));
    case "monitoring.googleapis.com/v1/PodMonitoring":
      if (!validatePodMonitoring(o)) throw new Error(JSON.stringify(validatePodMonitoring.errors));
      return;
    default:
      throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function qualifiedName(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "more than one '/'";
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return `prefix ${prefix} is not a DNS subdomain`;
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) return `name part ${name} must be 1-63 alphanumerics, '-', '_' or '.'`;
  return undefined;
}

function nameProblem(kind: string, name: unknown): string | undefined {
  if (typeof name !== "string") return "metadata.name is not a string";
  // Service names are DNS-1035 labels; the others here are DNS-1123 subdomains.
  if (kind === "Service") return name.length <= 63 && DNS1035_LABEL.test(name) ? undefined : `Service name ${name} is not a DNS-1035 label of at most 63`;
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name) ? undefined : `name ${name} is not a DNS-1123 subdomain`;
}

function metaProblems(where: string, meta: Loose): string[] {
  const p: string[] = [];
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const bad = qualifiedName(k);
    if (bad) p.push(`${where}: label key ${k}: ${bad}`);
    if (typeof v !== "string") p.push(`${where}: label ${k} is ${typeof v}, not a string`);
    else if (v.length > 63 || !LABEL_VALUE.test(v)) p.push(`${where}: label ${k} value '${v}' is not a valid label value`);
  }
  let size = 0;
  for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
    const bad = qualifiedName(k);
    if (bad) p.push(`${where}: annotation key ${k}: ${bad}`);
    if (typeof v !== "string") p.push(`${where}: annotation ${k} is not a string`);
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) p.push(`${where}: annotations exceed 256 KiB`);
  return p;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function podProblems(where: string, pod: Loose, podLabels: Record<string, string>): string[] {
  const p: string[] = [];
  const volumes = new Set<string>();
  for (const v of pod.volumes ?? []) {
    if (typeof v.name !== "string" || v.name.length > 63 || !DNS1123_LABEL.test(v.name)) p.push(`${where}: volume name ${v.name} is not a DNS label of at most 63`);
    if (volumes.has(v.name)) p.push(`${where}: volume ${v.name} is defined twice`);
    volumes.add(v.name);
    if (v.secret && (typeof v.secret.secretName !== "string" || !DNS1123_SUBDOMAIN.test(v.secret.secretName))) p.push(`${where}: volume ${v.name} secretName ${v.secret.secretName} is not a DNS subdomain`);
  }
  for (const s of pod.imagePullSecrets ?? []) if (!DNS1123_SUBDOMAIN.test(s.name ?? "")) p.push(`${where}: imagePullSecrets name ${s.name}`);
  if (pod.serviceAccountName !== undefined && !DNS1123_SUBDOMAIN.test(pod.serviceAccountName)) p.push(`${where}: serviceAccountName ${pod.serviceAccountName}`);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const containerNames = new Set<string>();
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const at = `${where}: container ${c.name}`;
    if (!DNS1123_LABEL.test(c.name ?? "") || c.name.length > 63) p.push(`${at}: name is not a DNS label`);
    if (containerNames.has(c.name)) p.push(`${at}: defined twice`);
    containerNames.add(c.name);
    if (typeof c.image !== "string" || c.image.trim() !== c.image || c.image === "") p.push(`${at}: image '${c.image}'`);
    const portNames = new Set<string>();
    const portNumbers = new Set<string>();
    for (const port of c.ports ?? []) {
      if (port.name !== undefined) {
        if (port.name.length > 15 || !IANA_SVC_NAME.test(port.name) || !/[a-z]/.test(port.name) || port.name.includes("--")) p.push(`${at}: port name ${port.name} is not an IANA service name`);
        if (portNames.has(port.name)) p.push(`${at}: port name ${port.name} twice`);
        portNames.add(port.name);
      }
      const key = `${port.containerPort}/${port.protocol ?? "TCP"}`;
      if (portNumbers.has(key)) p.push(`${at}: port ${key} twice`);
      portNumbers.add(key);
    }
    for (const e of c.env ?? []) if (!ENV_NAME.test(e.name ?? "")) p.push(`${at}: env name ${e.name}`);
    const mountPaths = new Set<string>();
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) p.push(`${at}: volumeMount ${m.name} references no volume`);
      if (mountPaths.has(m.mountPath)) p.push(`${at}: mountPath ${m.mountPath} must be unique`);
      mountPaths.add(m.mountPath);
    }
    for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const probe = c[kind];
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      if (typeof port === "string" && !portNames.has(port)) p.push(`${at}: ${kind} names port ${port}, which the container does not declare`);
      if (probe && (kind === "startupProbe" || kind === "livenessProbe") && (probe.successThreshold ?? 1) !== 1) p.push(`${at}: ${kind} successThreshold must be 1`);
    }
    const sleep = c.lifecycle?.preStop?.sleep?.seconds;
    if (sleep !== undefined && (sleep < 0 || sleep > grace)) p.push(`${at}: preStop sleep ${sleep}s exceeds the grace period ${grace}s`);
    for (const r of ["cpu", "memory"]) {
      const req = c.resources?.requests?.[r];
      const lim = c.resources?.limits?.[r];
      if (req !== undefined && parseQuantity(req) === undefined) p.push(`${at}: requests.${r} ${req} is not a quantity`);
      if (lim !== undefined && parseQuantity(lim) === undefined) p.push(`${at}: limits.${r} ${lim} is not a quantity`);
      if (req !== undefined && lim !== undefined && (parseQuantity(req) ?? 0) > (parseQuantity(lim) ?? 0)) p.push(`${at}: requests.${r} ${req} above limits.${r} ${lim}`);
    }
  }
  for (const t of pod.topologySpreadConstraints ?? []) {
    if (!matches(t.labelSelector?.matchLabels ?? {}, podLabels)) p.push(`${where}: topology spread selector does not match the pod labels`);
  }
  for (const [k, v] of Object.entries(pod.nodeSelector ?? {})) {
    if (qualifiedName(k) || typeof v !== "string" || !LABEL_VALUE.test(v)) p.push(`${where}: nodeSelector ${k}=${String(v)}`);
  }
  return p;
}

/** API-server problems of one object, beyond its schema. */
export function apiServerProblems(o: Loose): string[] {
  const where = `${o.kind} ${o.metadata?.name}`;
  const p: string[] = [];
  const bad = nameProblem(o.kind, o.metadata?.name);
  if (bad) p.push(`${where}: ${bad}`);
  p.push(...metaProblems(where, o.metadata));
  switch (o.kind) {
    case "Deployment": {
      const tpl = o.spec.template;
      p.push(...metaProblems(`${where} pod template`, tpl.metadata));
      const podLabels = tpl.metadata?.labels ?? {};
      if (!o.spec.selector?.matchLabels || Object.keys(o.spec.selector.matchLabels).length === 0) p.push(`${where}: empty selector`);
      else if (!matches(o.spec.selector.matchLabels, podLabels)) p.push(`${where}: selector does not match the pod template labels`);
      p.push(...podProblems(where, tpl.spec, podLabels));
      break;
    }
    case "Job": {
      const tpl = o.spec.template;
      p.push(...metaProblems(`${where} pod template`, tpl.metadata));
      if (!["Never", "OnFailure"].includes(tpl.spec.restartPolicy)) p.push(`${where}: restartPolicy must be Never or OnFailure`);
      p.push(...podProblems(where, tpl.spec, tpl.metadata?.labels ?? {}));
      break;
    }
    case "ConfigMap":
      for (const k of Object.keys(o.data ?? {})) if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) p.push(`${where}: data key ${k}`);
      break;
    case "Role":
      for (const r of o.rules ?? []) if (!r.verbs?.length) p.push(`${where}: a rule without verbs`);
      break;
    case "Service":
      for (const port of o.spec.ports ?? []) {
        if (port.name !== undefined && (!DNS1123_LABEL.test(port.name) || port.name.length > 63)) p.push(`${where}: port name ${port.name}`);
        if (typeof port.targetPort === "string" && (port.targetPort.length > 15 || !IANA_SVC_NAME.test(port.targetPort))) p.push(`${where}: targetPort ${port.targetPort}`);
      }
      break;
    case "HorizontalPodAutoscaler":
      if (!(o.spec.minReplicas >= 1)) p.push(`${where}: minReplicas must be at least 1`);
      if (o.spec.minReplicas > o.spec.maxReplicas) p.push(`${where}: minReplicas ${o.spec.minReplicas} above maxReplicas ${o.spec.maxReplicas}`);
      if (!DNS1123_SUBDOMAIN.test(o.spec.scaleTargetRef?.name ?? "")) p.push(`${where}: scaleTargetRef name`);
      break;
    case "ExternalSecret":
      if (!DNS1123_SUBDOMAIN.test(o.spec.target?.name ?? "")) p.push(`${where}: target name ${o.spec.target?.name}`);
      // External Secrets Operator writes the ExternalSecret name into a label of the Secret (issue #2616).
      if (o.metadata.name.length > 63) p.push(`${where}: name longer than 63, which the operator cannot label`);
      break;
  }
  return p;
}

/** Schema and API-server checks of every object; returns all problems (empty when Kubernetes would accept them). */
export function kubernetesProblems(objects: Loose[]): string[] {
  const p: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    try {
      validateSchema(o);
    } catch (e) {
      p.push(`${o.kind} ${o.metadata?.name}: schema: ${(e as Error).message}`);
    }
    p.push(...apiServerProblems(o));
    const id = `${o.apiVersion}/${o.kind}/${o.metadata?.name}`;
    if (seen.has(id)) p.push(`${id} is rendered twice`);
    seen.add(id);
  }
  const deployment = objects.find((o) => o.kind === "Deployment");
  const podLabels = deployment?.spec.template.metadata.labels ?? {};
  const otherPods = objects.filter((o) => o.kind === "Job").map((o) => ({ name: `Job ${o.metadata.name}`, labels: o.spec.template.metadata?.labels ?? {} }));
  for (const o of objects) {
    const selector = o.kind === "Service" ? o.spec.selector : o.kind === "PodDisruptionBudget" || o.kind === "PodMonitoring" ? o.spec.selector?.matchLabels : undefined;
    if (selector && deployment && !matches(selector, podLabels)) p.push(`${o.kind} ${o.metadata.name}: selector does not match the Deployment's pods`);
    for (const other of otherPods) if (selector && matches(selector, other.labels)) p.push(`${o.kind} ${o.metadata.name}: selector also takes the pods of ${other.name}`);
  }
  return p;
}
