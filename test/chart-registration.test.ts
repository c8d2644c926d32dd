/**
 * The chart's registration hook, rendered by real Helm 4: off for plain self-managed installs; when on, objects the
 * Kubernetes schemas and Pod Security `restricted` accept (K1), a service account that may only patch the status
 * ConfigMap, the token only mounted from its Secret, an image pinned by digest.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTRATION_IMAGE } from "../src/chart/registration";
import { byKindAndName, compiled, helmTemplate, helmTemplateError, KUBE_VERSIONS, manifest, tmp, typescriptRender, writeChart } from "./helpers/chart";
import { helmBin } from "./helpers/helm";
import { kubernetesProblems } from "./helpers/kube-validate";
import { restrictedPodProblems } from "./helpers/pod-security";

beforeAll(async () => {
  await helmBin();
});
afterAll(() => rmSync(tmp(), { recursive: true, force: true }));

const m = manifest("ai-gateway");
const chart = compiled(m);
const dir = writeChart(chart);
const release = { release: "ai-gateway", namespace: "ai-gateway" };
const ON = {
  registration: {
    enabled: true,
    gitlabUrl: "https://gitlab.example.com",
    tokenSecret: { name: "ai-gateway-registration-token" },
    statusConfigMap: "ai-gateway-runway-status",
    requestId: "req.1",
  },
};
const hookKinds = (objs: { kind: string; metadata: { name: string } }[]) => objs.filter((o) => o.metadata.name.endsWith("-registration")).map((o) => o.kind).sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const job = (objs: any[]) => objs.find((o) => o.kind === "Job");

describe("registration hook of the chart", () => {
  it("is off by default: a plain self-managed install renders no hook", async () => {
    expect(chart.values.registration.enabled).toBe(false);
    expect(hookKinds(await helmTemplate(dir, release))).toEqual([]);
  });

  it.each(KUBE_VERSIONS)("when on, renders with Kubernetes %s into objects the Kubernetes schemas and API server accept", async (kubeVersion) => {
    const objs = await helmTemplate(dir, { ...release, values: ON, kubeVersion });
    expect(hookKinds(objs)).toEqual(["ConfigMap", "Job", "Role", "RoleBinding", "ServiceAccount"]);
    expect(kubernetesProblems(objs)).toEqual([]);
  });

  it("TypeScript renders the hook exactly as helm template prints it", async () => {
    for (const o of [{ ...release, values: ON }, { release: "canary", namespace: "other", values: { ...ON, registration: { ...ON.registration, caCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" } } }]) {
      expect(byKindAndName(typescriptRender(m, chart, o))).toEqual(byKindAndName(await helmTemplate(dir, o)));
    }
  });

  it("the hook's pod meets Pod Security restricted, with a read-only root filesystem (K1)", async () => {
    const objs = await helmTemplate(dir, { ...release, values: ON });
    const pod = job(objs).spec.template.spec;
    expect(restrictedPodProblems(pod)).toEqual([]);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(restrictedPodProblems((objs.find((o) => o.kind === "Deployment") as unknown as { spec: { template: { spec: unknown } } }).spec.template.spec)).toEqual([]);
  });

  it("the pod-security check itself refuses what restricted refuses", () => {
    const base = { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }] };
    expect(restrictedPodProblems(base)).toEqual([]);
    expect(restrictedPodProblems({ ...base, volumes: [{ name: "h", hostPath: { path: "/" } }] })).toEqual(["volume h: type hostPath is not allowed"]);
    expect(restrictedPodProblems({ ...base, containers: [{ name: "c", securityContext: { capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } }] })).toEqual([
      "container c: allowPrivilegeEscalation must be false",
      "container c: capability NET_ADMIN may not be added",
    ]);
    expect(restrictedPodProblems({ ...base, securityContext: {} })).toEqual(["container c: runAsNonRoot must be true (pod or container)", "container c: seccompProfile must be RuntimeDefault or Localhost"]);
  });

  it("its own service account may only patch the status ConfigMap, by name, and mounts no API token by default", async () => {
    const objs = await helmTemplate(dir, { ...release, values: ON });
    const role = objs.find((o) => o.kind === "Role");
    expect(role?.rules).toEqual([{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["ai-gateway-runway-status"], verbs: ["patch"] }]);
    const binding = objs.find((o) => o.kind === "RoleBinding");
    expect(binding?.subjects).toEqual([{ kind: "ServiceAccount", name: "ai-gateway-registration", namespace: "ai-gateway" }]);
    expect(binding?.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "ai-gateway-registration" });
    const pod = job(objs).spec.template.spec;
    expect([pod.serviceAccountName, pod.automountServiceAccountToken]).toEqual(["ai-gateway-registration", false]);
    expect(objs.find((o) => o.kind === "ServiceAccount" && o.metadata.name === "ai-gateway-registration")?.automountServiceAccountToken).toBe(false);
    const projected = pod.volumes.find((v: { name: string }) => v.name === "kube").projected.sources[0].serviceAccountToken;
    expect(projected.expirationSeconds).toBe(600);
  });

  it("the token is mounted from its Secret, never passed as a value or an env variable", async () => {
    const objs = await helmTemplate(dir, { ...release, values: ON });
    const pod = job(objs).spec.template.spec;
    const [c] = pod.containers;
    expect(c.env.filter((e: { valueFrom?: unknown }) => e.valueFrom !== undefined)).toEqual([{ name: "RUNWAY_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }]);
    expect(pod.volumes.find((v: { name: string }) => v.name === "token").secret).toEqual({
      secretName: "ai-gateway-registration-token",
      items: [{ key: "token", path: "token" }],
      defaultMode: 0o440,
      optional: true,
    });
    expect(Object.keys(chart.values.registration)).not.toContain("token");
  });

  it("runs after the install and after every upgrade, and a new run replaces the last one's Job", async () => {
    const annotations = job(await helmTemplate(dir, { ...release, values: ON })).metadata.annotations;
    expect(annotations).toEqual({
      "helm.sh/hook": "post-install,post-upgrade",
      "helm.sh/hook-weight": "0",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
  });

  it("the hook's pods are not taken for the workload's by its Service, PodDisruptionBudget or HPA", async () => {
    const objs = await helmTemplate(dir, { ...release, values: ON });
    const labels = job(objs).spec.template.metadata.labels;
    expect(labels["runway.gitlab.com/component"]).toBe("registration");
    const service = objs.find((o) => o.kind === "Service")?.spec as { selector: Record<string, string> };
    expect(Object.entries(service.selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });

  it("pulls an image pinned by digest, and values.schema.json refuses an unpinned one", async () => {
    const image = job(await helmTemplate(dir, { ...release, values: ON })).spec.template.spec.containers[0].image;
    expect(image).toBe(`${REGISTRATION_IMAGE.repository}:${REGISTRATION_IMAGE.tag}@${REGISTRATION_IMAGE.digest}`);
    const err = await helmTemplateError(dir, { ...release, values: { registration: { ...ON.registration, image: { digest: "" } } } });
    expect(err).toContain("at '/registration/image/digest': '' does not match pattern");
  });

  it("values.schema.json refuses registration on without a GitLab URL, token Secret or status ConfigMap, and an http URL", async () => {
    const err = await helmTemplateError(dir, { ...release, values: { registration: { enabled: true } } });
    for (const field of ["gitlabUrl", "tokenSecret.name", "statusConfigMap"]) expect(err).toContain(`/registration/${field.replace(".", "/")}`);
    expect(await helmTemplateError(dir, { ...release, values: { registration: { ...ON.registration, gitlabUrl: "http://gitlab.example.com" } } })).toContain("/registration/gitlabUrl");
  });
});
