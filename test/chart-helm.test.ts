/**
 * Real Helm 4 is the oracle: every chart (six manifests covering ports, probes, secrets, scaling, Cloud Run-era
 * names and long names, plus the AI Gateway example) passes `helm lint --strict`, renders with `helm template` for
 * the oldest and newest Kubernetes it targets into objects the Kubernetes schemas and API server rules accept, and
 * TypeScript's render is exactly what Helm prints.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageChart } from "../src/chart/build";
import { byKindAndName, compiled, helmTemplate, KUBE_VERSIONS, manifest, MANIFESTS, tmp, typescriptRender, writeChart } from "./helpers/chart";
import { helm, helmBin } from "./helpers/helm";
import { kubernetesProblems } from "./helpers/kube-validate";

beforeAll(async () => {
  await helmBin();
});
afterAll(() => rmSync(tmp(), { recursive: true, force: true }));

/** Every optional part on, and every usual Helm override set. */
const EVERYTHING = {
  externalSecrets: { enabled: true },
  route: { enabled: true, hosts: ["svc.example.com"], parentRefs: [{ name: "public", namespace: "gateways" }] },
  podMonitoring: { enabled: true },
  imagePullSecrets: [{ name: "regcred" }],
  nodeSelector: { "cloud.google.com/gke-nodepool": "services", "kubernetes.io/arch": "amd64" },
  tolerations: [{ key: "dedicated", operator: "Equal", value: "services", effect: "NoSchedule" }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }],
      },
    },
  },
  podAnnotations: { "prometheus.io/scrape": "true", "example.com/owner": "team" },
  serviceAccount: { annotations: { "iam.gke.io/gcp-service-account": "svc@project.iam.gserviceaccount.com" } },
  env: { EXTRA: "yes", NUMBERISH: "0123" },
  registration: {
    enabled: true,
    gitlabUrl: "https://gitlab.example.com/gitlab",
    tokenSecret: { name: "svc-registration-token" },
    statusConfigMap: "svc-runway-status",
    requestId: "0b7c1e0a-5b1f-4c9a-9a55-3f1d2b7e8c01.2",
    caCertificate: "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n",
    retry: { attempts: 3, backoffSeconds: 1 },
  },
};

describe.each(Object.keys(MANIFESTS))("chart of %s", (name) => {
  const m = manifest(name);
  const chart = compiled(m);
  const dir = writeChart(chart);
  const archive = path.join(path.dirname(dir), `${chart.name}-${chart.version}.tgz`);
  writeFileSync(archive, packageChart(chart));

  it("passes helm lint --strict, as a directory and as a .tgz", async () => {
    for (const target of [dir, archive]) {
      const r = await helm(["lint", "--strict", target, "--kube-version", KUBE_VERSIONS[0]]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it.each(KUBE_VERSIONS)("renders with Kubernetes %s into objects the Kubernetes schemas and API server accept", async (kubeVersion) => {
    const objs = await helmTemplate(dir, { kubeVersion });
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount"]));
    expect(kubernetesProblems(objs)).toEqual([]);
  });

  it("renders with every optional part and usual override into objects Kubernetes accepts", async () => {
    const objs = await helmTemplate(dir, { values: EVERYTHING });
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(["HTTPRoute", "PodMonitoring", "Job", "Role", "RoleBinding", "ConfigMap"]));
    expect(objs.filter((o) => o.kind === "ExternalSecret")).toHaveLength(m.spec.secrets?.length ?? 0);
    expect(kubernetesProblems(objs)).toEqual([]);
  });

  it("TypeScript renders exactly what helm template prints, with default values and with every override", async () => {
    for (const o of [{}, { values: EVERYTHING }, { release: "canary", namespace: "other" }]) {
      expect(byKindAndName(typescriptRender(m, chart, o))).toEqual(byKindAndName(await helmTemplate(dir, o)));
    }
  });
});

describe("TypeScript and Helm agree", () => {
  const m = manifest("secrets");
  const chart = compiled(m);
  const dir = writeChart(chart);

  it("for arbitrary release names, env values, annotations, replica bounds and toggles", async () => {
    const release = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/).filter((n) => !["PORT", "DB_PASSWORD", "DB_USER", "SCRATCH_KEY"].includes(n));
    await fc.assert(
      fc.asyncProperty(
        release,
        fc.dictionary(envName, fc.string({ maxLength: 20 }), { maxKeys: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]{1,5})?\/[a-z][a-z0-9]{0,8}$/), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.boolean(),
        async (rel, env, annotations, replicas, secrets, monitoring) => {
          const o = {
            release: rel,
            values: {
              env,
              podAnnotations: annotations,
              autoscaling: { minReplicas: replicas, maxReplicas: replicas + 1 },
              externalSecrets: { enabled: secrets },
              podMonitoring: { enabled: monitoring },
            },
          };
          const objs = await helmTemplate(dir, o);
          expect(byKindAndName(typescriptRender(m, chart, o))).toEqual(byKindAndName(objs));
          expect(kubernetesProblems(objs)).toEqual([]);
        },
      ),
      { numRuns: 10 },
    );
  });
});
