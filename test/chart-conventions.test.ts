/**
 * What a Helm user expects of a chart, and what the API server would otherwise reject, each checked with real Helm:
 * release-scoped names and labels, the usual overrides, NOTES.txt, images pinned by digest, and the checks across
 * values that values.schema.json cannot express.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compileChart } from "../src/chart/build";
import { parseManifest } from "../src/manifest/load";
import { secretVolumeName } from "../src/manifest/to-kubernetes";
import { compiled, helmTemplate, helmTemplateError, manifest, tmp, typescriptRender, writeChart } from "./helpers/chart";
import { helmOk } from "./helpers/helm";
import { kubernetesProblems } from "./helpers/kube-validate";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

afterAll(() => rmSync(tmp(), { recursive: true, force: true }));

const example = manifest("ai-gateway");
const chart = compiled(example);
const dir = writeChart(chart);

function find(objs: Loose[], kind: string): Loose {
  const o = objs.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  return o;
}

describe("release-scoped names and labels", () => {
  it("two releases in one namespace share no object name and select only their own pods", async () => {
    const values = { externalSecrets: { enabled: true }, route: { enabled: true, hosts: ["a.example.com"] } };
    const a = await helmTemplate(dir, { release: "blue", values });
    const b = await helmTemplate(dir, { release: "green", values });
    const names = (objs: Loose[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
    expect(kubernetesProblems(a)).toEqual([]);
    expect(kubernetesProblems(b)).toEqual([]);
    const podsOfB = find(b, "Deployment").spec.template.metadata.labels;
    for (const o of a.filter((x) => ["Service", "PodDisruptionBudget"].includes(x.kind)) as Loose[]) {
      const selector = o.kind === "Service" ? o.spec.selector : o.spec.selector.matchLabels;
      expect(Object.entries(selector).every(([k, v]) => podsOfB[k] === v), `${o.kind} of blue selects green's pods`).toBe(false);
    }
  });

  it("names are <release>-<chart>, or the release name when it contains the chart name, or fullnameOverride", async () => {
    expect(find(await helmTemplate(dir, { release: "blue" }), "Deployment").metadata.name).toBe("blue-ai-gateway");
    expect(find(await helmTemplate(dir, { release: "ai-gateway" }), "Deployment").metadata.name).toBe("ai-gateway");
    expect(find(await helmTemplate(dir, { values: { fullnameOverride: "gw" } }), "Service").metadata.name).toBe("gw");
    expect(find(await helmTemplate(dir, { release: "x", values: { nameOverride: "gateway" } }), "Service").metadata.name).toBe("x-gateway");
  });

  it("objects carry app.kubernetes.io instance, version and managed-by from the release, and the owner labels", async () => {
    const objs = await helmTemplate(dir, { release: "blue" });
    for (const o of objs) {
      expect(o.metadata.labels, o.kind).toMatchObject({
        "app.kubernetes.io/name": "ai-gateway",
        "app.kubernetes.io/instance": "blue",
        "app.kubernetes.io/version": "v1.42.0",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "ai-gateway-1.2.3",
        gl_owner_email_handle: "ai-framework-team",
      });
    }
    expect(typescriptRender(example, chart, { release: "blue" }).map((o) => o.metadata.labels?.["app.kubernetes.io/managed-by"])).not.toContain(undefined);
  });

  it("label values stay valid for any release name, image tag and chart version: quoted, cut to 63, alphanumeric at both ends", async () => {
    // A 58-character name plus "-1.2.3" cut at 63 would end in "1.2."; a 100-character tag; a release called "true".
    const long = parseManifest(
      "runway.yml",
      `apiVersion: runway/v1\nkind: RunwayService\nmetadata: { name: ${"n".repeat(58)}, owner_email_handle: t, department: d, department_group: g, product_category: p }\nspec: { image: "r.example.com/i:${"t".repeat(99)}_" }\n`,
    );
    const c = compileChart(long, { version: "1.2.3" });
    const objs = await helmTemplate(writeChart(c), { release: "true" });
    expect(kubernetesProblems(objs)).toEqual([]);
    expect(find(objs, "Service").metadata.labels["helm.sh/chart"]).toBe(`${"n".repeat(58)}-1.2`);
    expect(find(objs, "Service").metadata.labels["app.kubernetes.io/instance"]).toBe("true");
  });

  it("a chart version with build metadata, as Flux sets it when it tracks a chart digest, gives valid labels", async () => {
    // helm-controller appends the digest to the version (fluxcd/helm-controller#1212): 1.2.3+4fda46fd8c4e.
    const objs = await helmTemplate(writeChart(compiled(example, { version: "1.2.3+4fda46fd8c4e" })));
    expect(kubernetesProblems(objs)).toEqual([]);
    expect(find(objs, "Deployment").metadata.labels["helm.sh/chart"]).toBe("ai-gateway-1.2.3_4fda46fd8c4e");
  });

  it("a release name that cannot name a Service stops helm with the reason", async () => {
    expect(await helmTemplateError(dir, { release: "1st" })).toContain(
      'object name "1st-ai-gateway" (from release name "1st") must be a DNS label starting with a letter, as Kubernetes requires of Service names; choose another release name or set fullnameOverride',
    );
  });

  it("63-character service and secret names give names and volume names Kubernetes accepts, one volume per secret", async () => {
    const m = manifest("long-names");
    // Helm limits release names to 53 characters; Flux shortens longer HelmRelease names itself.
    const objs = await helmTemplate(writeChart(compiled(m)), { release: m.metadata.name.slice(0, 53).replace(/-+$/, ""), values: { externalSecrets: { enabled: true } } });
    expect(kubernetesProblems(objs)).toEqual([]);
    const volumes = find(objs, "Deployment").spec.template.spec.volumes.map((v: Loose) => v.name);
    expect(volumes).toEqual(["tmp", ...(m.spec.secrets ?? []).map((s) => secretVolumeName(s.name))]);
    expect(new Set(volumes).size).toBe(volumes.length);
    for (const v of volumes) expect(v.length).toBeLessThanOrEqual(63);
  });
});

describe("the usual Helm overrides", () => {
  it("imagePullSecrets, nodeSelector, tolerations, affinity and podAnnotations reach the pod spec", async () => {
    const values = {
      imagePullSecrets: [{ name: "regcred" }],
      nodeSelector: { "kubernetes.io/arch": "arm64" },
      tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      podAnnotations: { "example.com/team": "ai" },
    };
    const d = find(await helmTemplate(dir, { values }), "Deployment");
    expect(d.spec.template.spec).toMatchObject({ imagePullSecrets: values.imagePullSecrets, nodeSelector: values.nodeSelector, tolerations: values.tolerations, affinity: values.affinity });
    expect(d.spec.template.metadata.annotations).toEqual(values.podAnnotations);
  });

  it("overrides with typos or invalid Kubernetes keys are refused by values.schema.json", async () => {
    expect(await helmTemplateError(dir, { values: { nodeSelecter: {} } })).toContain("nodeSelecter");
    expect(await helmTemplateError(dir, { values: { nodeSelector: { "bad key!": "x" } } })).toContain("bad key!");
    expect(await helmTemplateError(dir, { values: { tolerations: [{ operator: "Maybe" }] } })).toContain("/tolerations/0/operator");
  });

  it("an image pinned by digest is pulled by digest, with or without its tag", async () => {
    const digest = `sha256:${"e".repeat(64)}`;
    const pinned = find(await helmTemplate(dir, { values: { image: { digest } } }), "Deployment").spec.template.spec.containers[0].image;
    expect(pinned).toBe(`registry.gitlab.com/gitlab-org/modelops/applied-ml/code-suggestions/ai-assist/model-gateway:v1.42.0@${digest}`);
    const digestOnly = compiled(manifest("secrets"));
    const objs = await helmTemplate(writeChart(digestOnly));
    expect(find(objs, "Deployment").spec.template.spec.containers[0].image).toBe("registry.example.com/secrets-svc@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    expect(kubernetesProblems(objs)).toEqual([]);
  });

  it("NOTES.txt tells how to reach the release and which Secrets it needs", async () => {
    const out = await helmOk(["install", "blue", dir, "--dry-run=client", "--namespace", "ns"]);
    expect(out).toContain("kubectl --namespace ns port-forward service/blue-ai-gateway 8080:8080");
    expect(out).toContain("llm-anthropic (Vault path llm/anthropic)");
  });
});

describe("checks across values, which values.schema.json cannot express", () => {
  it.each([
    [{ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, "autoscaling.minReplicas (5) is above autoscaling.maxReplicas (3); lower minReplicas or raise maxReplicas"],
    [{ resources: { requests: { memory: "1.5Gi" }, limits: { memory: "1Gi" } } }, "resources.requests.memory (1.5Gi) is above resources.limits.memory (1Gi); Kubernetes rejects a request above its limit"],
    [{ resources: { requests: { cpu: 2 }, limits: { cpu: "1500m" } } }, "resources.requests.cpu (2) is above resources.limits.cpu (1500m); Kubernetes rejects a request above its limit"],
    [{ image: { tag: "" } }, "image.tag and image.digest are both empty; set one of them"],
  ])("%j stops helm template with the reason, and TypeScript's render with the same one", async (values, message) => {
    expect(await helmTemplateError(dir, { values })).toContain(message);
    expect(() => typescriptRender(example, chart, { values })).toThrow(message);
  });

  it("values.env cannot redefine PORT or a secret's variable, which would hide the chart's", async () => {
    expect(await helmTemplateError(dir, { values: { env: { PORT: "1" } } })).toContain("invalid propertyName 'PORT'");
    expect(await helmTemplateError(dir, { values: { env: { ANTHROPIC_API_KEY: "x" } } })).toContain("invalid propertyName 'ANTHROPIC_API_KEY'");
  });

  it("fractional and decimal quantities compare as the API server does", async () => {
    const objs = await helmTemplate(dir, { values: { resources: { requests: { cpu: "0.5", memory: "1G" }, limits: { cpu: "500m", memory: "1Gi" } } } });
    expect(kubernetesProblems(objs)).toEqual([]);
  });
});
