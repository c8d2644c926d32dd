import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultValues, manifestImage, mergeValues, valuesSchema, type ChartValues } from "../src/chart/values";
import { loadManifest, parseManifest } from "../src/manifest/load";
import type { Manifest } from "../src/manifest/schema";
import { renderKubernetes, type KubeObject } from "../src/manifest/to-kubernetes";
import { validateSchema } from "./helpers/kube-validate";

const example = loadManifest("examples/ai-gateway/.runway/runway.yml");
const exampleOverrides = parse(readFileSync("examples/ai-gateway/values.self-managed.yaml", "utf8"));
const opts = { chartVersion: "1.2.3" };

// Assertions walk rendered objects freely; their shapes are checked by the Kubernetes schemas below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const minimal = parseManifest(
  "runway.yml",
  `apiVersion: runway/v1
kind: RunwayService
metadata: { name: svc, owner_email_handle: team, department: eng, department_group: eng-ai, product_category: cat }
spec:
  image: registry.example.com/svc:v1
`,
);

function values(m: Manifest, overrides: unknown = {}): ChartValues {
  return valuesSchema.parse(mergeValues(defaultValues(m, manifestImage(m) as { repository: string; tag: string }), overrides));
}

function render(m: Manifest, overrides: unknown = {}): KubeObject[] {
  return renderKubernetes(m, values(m, overrides), opts);
}

function find(objs: KubeObject[], kind: string): Record<string, Loose> {
  const o = objs.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} rendered`);
  return o as Record<string, Loose>;
}

/** Validates an object against its Kubernetes schema; returns the kind. */
function validate(o: KubeObject): string {
  validateSchema(o);
  return o.kind;
}

const ALLOWED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** Pod Security Standards `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards), v1.33. */
function restrictedViolations(pod: Record<string, Loose>): string[] {
  const v: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push("host namespaces");
  for (const vol of pod.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== "name");
    if (!ALLOWED_VOLUMES.includes(type ?? "")) v.push(`volume type ${type}`);
  }
  const podNonRoot = pod.securityContext?.runAsNonRoot === true;
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  if (pod.securityContext?.runAsUser === 0) v.push("pod runAsUser 0");
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false))) v.push(`${c.name}: runAsNonRoot`);
    if (sc.runAsUser === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") v.push(`${c.name}: seccompProfile`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) v.push(`${c.name}: capabilities must drop ALL`);
    for (const add of sc.capabilities?.add ?? []) if (add !== "NET_BIND_SERVICE") v.push(`${c.name}: adds ${add}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort`);
  }
  return v;
}

describe("manifest to Kubernetes objects", () => {
  it("every object rendered with default values validates against its Kubernetes schema", () => {
    const kinds = [...render(example), ...render(minimal)].map(validate);
    expect(new Set(kinds)).toEqual(new Set(["ServiceAccount", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "PodMonitoring"]));
  });

  it("every object rendered with the example values validates against its Kubernetes schema", () => {
    const objs = render(example, exampleOverrides);
    objs.forEach(validate);
    expect(objs.map((o) => o.kind)).toEqual(
      expect.arrayContaining(["ServiceAccount", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ExternalSecret", "HTTPRoute"]),
    );
  });

  it("the schema check is live: a wrongly typed field fails it", () => {
    const d = structuredClone(find(render(example), "Deployment")) as KubeObject & Record<string, Loose>;
    d.spec.template.spec.terminationGracePeriodSeconds = "sixty";
    expect(() => validate(d)).toThrow(/terminationGracePeriodSeconds must be integer/);
  });

  it("pods satisfy Pod Security restricted, with a read-only root filesystem", () => {
    for (const objs of [render(example), render(minimal), render(example, exampleOverrides)]) {
      const pod = find(objs, "Deployment").spec.template.spec;
      expect(restrictedViolations(pod)).toEqual([]);
      expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    }
  });

  it("every container has CPU and memory requests and limits", () => {
    const c = find(render(minimal), "Deployment").spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: "1000m", memory: "512Mi" }, limits: { cpu: "1000m", memory: "512Mi" } });
    const e = find(render(example), "Deployment").spec.template.spec.containers[0];
    expect(e.resources).toEqual({ requests: { cpu: "1000m", memory: "4Gi" }, limits: { cpu: "2000m", memory: "8Gi" } });
  });

  it("the service account token is never mounted", () => {
    const objs = render(example);
    expect(find(objs, "Deployment").spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(find(objs, "ServiceAccount").automountServiceAccountToken).toBe(false);
  });

  it("the HPA takes min/max instances as replica bounds and scales on CPU and request concurrency", () => {
    const hpa = find(render(example), "HorizontalPodAutoscaler");
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(100);
    expect(hpa.spec.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
      { type: "Pods", pods: { metric: { name: "http_requests_in_flight" }, target: { type: "AverageValue", averageValue: "56" } } },
    ]);
  });

  it("without scalability settings the HPA keeps 3 to 20 replicas on CPU alone", () => {
    const hpa = find(render(minimal), "HorizontalPodAutoscaler");
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 20]);
    expect(hpa.spec.metrics).toHaveLength(1);
  });

  it("a max_instances below 3 lowers the default minimum to it", () => {
    const m = parseManifest("r.yml", `${JSON.stringify({ ...minimal, spec: { ...minimal.spec, scalability: { max_instances: 2 } } })}`);
    const hpa = find(render(m), "HorizontalPodAutoscaler");
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 2]);
  });

  it("the Deployment leaves the replica count to the HPA", () => {
    expect(find(render(example), "Deployment").spec.replicas).toBeUndefined();
  });

  it("rollouts never take a serving replica down first", () => {
    expect(find(render(example), "Deployment").spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } });
  });

  it("graceful shutdown sleeps before SIGTERM within the grace period", () => {
    const pod = find(render(example), "Deployment").spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
  });

  it("a PodDisruptionBudget keeps voluntary disruptions to max_unavailable", () => {
    expect(find(render(example), "PodDisruptionBudget").spec).toEqual({
      maxUnavailable: "10%",
      selector: { matchLabels: { "app.kubernetes.io/name": "ai-gateway", "app.kubernetes.io/instance": "ai-gateway" } },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
    expect(find(render(minimal), "PodDisruptionBudget").spec.maxUnavailable).toBe(1);
  });

  it("replicas spread across zones and nodes", () => {
    const spread = find(render(example), "Deployment").spec.template.spec.topologySpreadConstraints;
    expect(spread.map((t: { topologyKey: string; whenUnsatisfiable: string }) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ["kubernetes.io/hostname", "ScheduleAnyway"],
    ]);
  });

  it("secrets from Vault paths become env vars, read-only files and ExternalSecrets under the Vault prefix", () => {
    const objs = render(example, exampleOverrides);
    const c = find(objs, "Deployment").spec.template.spec.containers[0];
    // The operator's Secrets belong to the release: <release>-<secret>.
    expect(c.env).toContainEqual({ name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "ai-gateway-llm-anthropic", key: "api_key" } } });
    expect(c.volumeMounts).toContainEqual({ name: "secret-llm-vertex", mountPath: "/etc/ai-gateway/vertex", readOnly: true });
    const es = objs.filter((o) => o.kind === "ExternalSecret") as Record<string, Loose>[];
    expect(es.map((e) => [e.metadata.name, e.spec.target.name, e.spec.dataFrom[0].extract.key, e.spec.secretStoreRef])).toEqual([
      ["ai-gateway-llm-anthropic", "ai-gateway-llm-anthropic", "secret/ai-gateway/llm/anthropic", { kind: "ClusterSecretStore", name: "vault-backend" }],
      ["ai-gateway-llm-vertex", "ai-gateway-llm-vertex", "secret/ai-gateway/llm/vertex", { kind: "ClusterSecretStore", name: "vault-backend" }],
    ]);
  });

  it("without the operator, pods read the Secrets the manifest names, which the platform delivers", () => {
    const c = find(render(example), "Deployment").spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "llm-anthropic", key: "api_key" } } });
  });

  it("on Runway defaults the chart leaves secrets and routes to the tenant platform", () => {
    const kinds = render(example).map((o) => o.kind);
    expect(kinds).not.toContain("ExternalSecret");
    expect(kinds).not.toContain("HTTPRoute");
  });

  it("the container gets $PORT and the manifest's env, and listens on the container port", () => {
    const c = find(render(example), "Deployment").spec.template.spec.containers[0];
    expect(c.env[0]).toEqual({ name: "PORT", value: "5052" });
    expect(c.env).toContainEqual({ name: "AIGW_LOGGING__LEVEL", value: "info" });
    expect(c.ports).toContainEqual({ name: "http", containerPort: 5052, protocol: "TCP" });
  });

  it("probes keep the Cloud Run paths and timings; without them, TCP startup and readiness probes", () => {
    const c = find(render(example), "Deployment").spec.template.spec.containers[0];
    expect(c.startupProbe).toEqual({ httpGet: { path: "/monitoring/ready", port: "http" }, initialDelaySeconds: 20, timeoutSeconds: 10, periodSeconds: 17, failureThreshold: 24 });
    const d = find(render(minimal), "Deployment").spec.template.spec.containers[0];
    expect(d.startupProbe).toEqual({ tcpSocket: { port: "http" }, periodSeconds: 10, failureThreshold: 24 });
    expect(d.readinessProbe).toEqual({ tcpSocket: { port: "http" }, periodSeconds: 10 });
    expect(d.livenessProbe).toBeUndefined();
  });

  it("the PodMonitoring scrapes the manifest's metrics port and path", () => {
    expect(find(render(example), "PodMonitoring").spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "30s" }]);
  });

  it("backend_protocol HTTP2 (gRPC) marks the Service port h2c", () => {
    const m = parseManifest(
      "r.yml",
      JSON.stringify({ ...minimal, spec: { ...minimal.spec, load_balancing: { external_load_balancer: { enabled: true, backend_protocol: "grpc" } } } }),
    );
    expect(find(render(m), "Service").spec.ports[0].appProtocol).toBe("kubernetes.io/h2c");
    expect(find(render(minimal), "Service").spec.ports[0]).toEqual({ name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "http" });
  });

  it("objects carry the owner labels used for cost allocation", () => {
    for (const o of render(example)) {
      expect(o.metadata.labels).toMatchObject({ gl_owner_email_handle: "ai-framework-team", gl_dept: "eng-dev", gl_dept_group: "eng-dev-ai" });
    }
  });
});
