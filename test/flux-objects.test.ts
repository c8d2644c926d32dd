import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { OCIRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLATFORM_SOURCE_NAME, planFluxInstall, sourceControllerMember } from "../src/flux/install";
import { helmRelease, kustomization, ociProvider, ociRepository } from "../src/flux/objects";

/** The models' typings need ESM resolution; the runtime method is there (vitest loads ESM). */
const validate = (model: object) => (model as { validate(): void }).validate();

const chartUrl = "oci://us-docker.pkg.dev/runway-staging/charts/ai-gateway";
const release = helmRelease({ name: "ai-gateway", namespace: "ai-gateway", chartSource: "ai-gateway", serviceAccountName: "flux-reconciler", values: { replicas: 2 } });
const kust = kustomization({ name: "config", namespace: "ai-gateway", sourceName: "config", serviceAccountName: "flux-reconciler" });

describe("Flux object builders", () => {
  it("OCIRepository follows the given tag", () => {
    expect(ociRepository({ name: "ai-gateway", namespace: "ai-gateway", url: chartUrl, tag: "canary" }).spec.ref).toEqual({ tag: "canary" });
  });

  it("OCIRepository authenticates as the workload to Artifact Registry and anonymously elsewhere", () => {
    expect(ociRepository({ name: "a", namespace: "a", url: chartUrl, tag: "stable" }).spec.provider).toBe("gcp");
    expect(ociProvider("oci://europe-west4-docker.pkg.dev/p/r/c")).toBe("gcp");
    expect(ociProvider("oci://registry.gitlab.com/gitlab-org/charts/ai-gateway")).toBe("generic");
    expect(ociProvider("oci://docker.pkg.dev.evil.example/c")).toBe("generic");
  });

  it("an OCIRepository of a Helm chart selects the chart layer for chartRef", () => {
    const repo = ociRepository({ name: "a", namespace: "a", url: chartUrl, tag: "stable", helmChart: true });
    expect(repo.spec.layerSelector).toEqual({ mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation: "copy" });
  });

  it("HelmRelease sets serviceAccountName (F2)", () => {
    expect(release.spec.serviceAccountName).toBe("flux-reconciler");
  });

  it("HelmRelease references its chart in its own namespace and nowhere else (F2)", () => {
    expect(release.spec.chartRef).toEqual({ kind: "OCIRepository", name: "ai-gateway", namespace: "ai-gateway" });
    expect(release.spec).not.toHaveProperty("targetNamespace");
    expect(release.spec).not.toHaveProperty("storageNamespace");
  });

  it("HelmRelease remediates failed installs and upgrades and detects drift", () => {
    expect(release.spec.install.remediation.retries).toBe(3);
    expect(release.spec.upgrade.remediation).toMatchObject({ retries: 3, remediateLastFailure: true });
    expect(release.spec.driftDetection).toEqual({ mode: "enabled" });
  });

  it("Kustomization sets serviceAccountName (F2)", () => {
    expect(kust.spec.serviceAccountName).toBe("flux-reconciler");
  });

  it("Kustomization references its source in its own namespace (F2)", () => {
    expect(kust.spec.sourceRef.namespace).toBe("ai-gateway");
  });

  it("a reconciler object without a service account is rejected with the field named", () => {
    expect(() => helmRelease({ name: "a", namespace: "a", chartSource: "a", serviceAccountName: "" })).toThrow(
      "HelmRelease serviceAccountName '' is not a Kubernetes name: use lowercase letters, digits, '-' and '.', e.g. ai-gateway",
    );
    expect(() => kustomization({ name: "a", namespace: "a", sourceName: "a", serviceAccountName: undefined as unknown as string })).toThrow(
      "Kustomization serviceAccountName",
    );
  });

  it("builders reject invalid URLs, tags and paths with the fix in the message", () => {
    expect(() => ociRepository({ name: "a", namespace: "a", url: "https://example.com/c", tag: "stable" })).toThrow(
      "OCIRepository url 'https://example.com/c' is not an OCI repository URL: use oci://host/path, e.g. oci://us-docker.pkg.dev/project/repo/chart",
    );
    expect(() => ociRepository({ name: "a", namespace: "a", url: chartUrl, tag: "bad tag" })).toThrow("OCIRepository tag 'bad tag' is not an OCI tag");
    expect(() => kustomization({ name: "a", namespace: "a", sourceName: "a", serviceAccountName: "sa", path: "../other" })).toThrow(
      "Kustomization path '../other' leaves the artifact",
    );
  });

  it("for any namespace, HelmRelease and Kustomization sources stay in that namespace (F2)", () => {
    const ns = fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/);
    fc.assert(
      fc.property(ns, (namespace) => {
        const hr = helmRelease({ name: "app", namespace, chartSource: "app", serviceAccountName: "flux-reconciler" });
        const k = kustomization({ name: "app", namespace, sourceName: "app", serviceAccountName: "flux-reconciler" });
        return hr.spec.chartRef.namespace === namespace && k.spec.sourceRef.namespace === namespace;
      }),
    );
  });

  it("ociProvider never throws and always answers gcp or generic", () => {
    fc.assert(fc.property(fc.string(), (s) => ["gcp", "generic"].includes(ociProvider(s))));
  });
});

describe("generated Flux objects validate against the published CRD schemas", () => {
  it("OCIRepository (source.toolkit.fluxcd.io/v1)", () => {
    const obj = ociRepository({ name: "ai-gateway", namespace: "ai-gateway", url: chartUrl, tag: "stable", helmChart: true });
    expect(obj.apiVersion).toBe("source.toolkit.fluxcd.io/v1");
    expect(() => validate(new OCIRepository(obj))).not.toThrow();
  });

  it("HelmRelease (helm.toolkit.fluxcd.io/v2)", () => {
    expect(() => validate(new HelmRelease(release))).not.toThrow();
  });

  it("Kustomization (kustomize.toolkit.fluxcd.io/v1)", () => {
    expect(() => validate(new Kustomization(kust))).not.toThrow();
  });

  it("the platform source and Kustomization", () => {
    const plan = planFluxInstall({ clusterName: "staging", workloadIdentity: false, platformSource: { url: "oci://us-docker.pkg.dev/p/r/platform", tag: "staging" } });
    expect(() => validate(new OCIRepository(plan.platformSource))).not.toThrow();
    expect(() => validate(new Kustomization(plan.platformKustomization))).not.toThrow();
  });

  it("the schema check itself catches a wrong chartRef kind", () => {
    const bad = { ...release, spec: { ...release.spec, chartRef: { ...release.spec.chartRef, kind: "GitRepository" } } };
    expect(() => validate(new HelmRelease(bad as never))).toThrow();
  });
});

describe("Flux install decisions", () => {
  const base = { clusterName: "staging", project: "runway-staging", workloadIdentity: true, platformSource: { url: "oci://us-docker.pkg.dev/p/r/platform", tag: "staging" } };

  it("the platform Kustomization runs as kustomize-controller in flux-system (F1)", () => {
    const k = planFluxInstall(base).platformKustomization;
    expect(k.metadata).toMatchObject({ name: PLATFORM_SOURCE_NAME, namespace: "flux-system" });
    expect(k.spec.serviceAccountName).toBe("kustomize-controller");
    expect(k.spec.sourceRef).toEqual({ kind: "OCIRepository", name: PLATFORM_SOURCE_NAME, namespace: "flux-system" });
  });

  it("Workload Identity maps exactly flux-system/source-controller", () => {
    expect(planFluxInstall(base).workloadIdentity).toEqual({ project: "runway-staging", accountId: "flux-staging", member: sourceControllerMember("runway-staging") });
    expect(sourceControllerMember("runway-staging")).toBe("serviceAccount:runway-staging.svc.id.goog[flux-system/source-controller]");
  });

  it("pins the chart unless overridden, and reports the Flux version only for the pin", () => {
    expect(planFluxInstall(base)).toMatchObject({ chartVersion: "2.19.0", fluxVersion: "2.8.8" });
    const p = planFluxInstall({ ...base, chartVersion: "2.18.4" });
    expect(p.chartVersion).toBe("2.18.4");
    expect(p.fluxVersion).toBeUndefined();
  });

  it("rejects invalid combinations with the field, value and fix", () => {
    expect(() => planFluxInstall({ ...base, project: undefined })).toThrow(
      "workloadIdentity needs project: set project to the GCP project that hosts the cluster, or set workloadIdentity: false.",
    );
    expect(() => planFluxInstall({ ...base, chartVersion: "^2" })).toThrow("chartVersion '^2' is not an exact chart version: pin one such as 2.19.0");
    expect(() => planFluxInstall({ ...base, installFlux: false, chartVersion: "2.19.0" })).toThrow(
      "chartVersion and installFlux: false are mutually exclusive: an existing Flux is reused as it is. Choose one.",
    );
    expect(() => planFluxInstall({ ...base, clusterName: "Staging" })).toThrow("clusterName 'Staging' must be a GKE cluster name");
  });
});
