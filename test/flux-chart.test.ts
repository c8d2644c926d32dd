import { describe, expect, it } from "vitest";
import { DEFAULT_FLUX_RESOURCES, FLUX_CHART, FLUX_CONTROLLERS, fluxChartValues, type FluxController, platformNamespaceLabels, renderedControllerArgs } from "../src/flux/chart";

const args = renderedControllerArgs(fluxChartValues());

describe("flux2 chart values (F1 lockdown)", () => {
  const F1_FLAGS: { controller: string; key: FluxController; flag: string }[] = [
    { controller: "kustomize-controller", key: "kustomizeController", flag: "--no-cross-namespace-refs=true" },
    { controller: "helm-controller", key: "helmController", flag: "--no-cross-namespace-refs=true" },
    { controller: "notification-controller", key: "notificationController", flag: "--no-cross-namespace-refs=true" },
    { controller: "image-reflector-controller", key: "imageReflectionController", flag: "--no-cross-namespace-refs=true" },
    { controller: "image-automation-controller", key: "imageAutomationController", flag: "--no-cross-namespace-refs=true" },
    { controller: "kustomize-controller", key: "kustomizeController", flag: "--no-remote-bases=true" },
    { controller: "kustomize-controller", key: "kustomizeController", flag: "--default-service-account=default" },
    { controller: "helm-controller", key: "helmController", flag: "--default-service-account=default" },
  ];

  it.each(F1_FLAGS)("$controller gets $flag", ({ key, flag }) => {
    expect(args[key]).toContain(flag);
  });

  it("every lockdown flag appears once per controller, so no later flag can undo it", () => {
    for (const c of FLUX_CONTROLLERS) {
      const names = args[c].map((a) => a.split("=")[0]);
      expect(new Set(names).size, c).toBe(names.length);
    }
  });

  it("the lockdown depends on the chart's multitenancy switch, which the values turn on", () => {
    const values = fluxChartValues();
    expect(values.multitenancy).toEqual({ enabled: true, defaultServiceAccount: "default", privileged: true });
    const off = renderedControllerArgs({ ...values, multitenancy: { ...values.multitenancy, enabled: false } });
    expect(off.helmController).not.toContain("--no-cross-namespace-refs=true");
  });

  it("source-controller's service account carries the Workload Identity annotation when an email is given", () => {
    const email = "flux-staging@runway-staging.iam.gserviceaccount.com";
    expect(fluxChartValues({ sourceServiceAccountEmail: email }).sourceController.serviceAccount?.annotations).toEqual({
      "iam.gke.io/gcp-service-account": email,
    });
    expect(fluxChartValues().sourceController.serviceAccount?.annotations).toEqual({});
  });

  it("every controller has requests and a memory limit; overrides replace one controller only", () => {
    const values = fluxChartValues({ resources: { helmController: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } } } });
    for (const c of FLUX_CONTROLLERS) {
      expect(values[c].resources.requests?.cpu, c).toBeTruthy();
      expect(values[c].resources.limits?.memory, c).toBeTruthy();
    }
    expect(values.helmController.resources.limits?.memory).toBe("2Gi");
    expect(values.kustomizeController.resources).toEqual(DEFAULT_FLUX_RESOURCES.kustomizeController);
  });

  it("the Flux chart version is pinned to an exact version with the Flux version it ships", () => {
    expect(FLUX_CHART.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
    expect(FLUX_CHART.fluxVersion).toMatch(/^2\.[0-9]+\.[0-9]+$/);
    expect(FLUX_CHART.repository).toBe("https://fluxcd-community.github.io/helm-charts");
  });

  it("platform namespaces enforce restricted Pod Security Standards at a pinned version (K1)", () => {
    const labels = platformNamespaceLabels({ environment: "staging" });
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(labels["pod-security.kubernetes.io/enforce-version"]).toMatch(/^v1\.[0-9]+$/);
    expect(labels["pod-security.kubernetes.io/warn"]).toBe("restricted");
    expect(labels["pod-security.kubernetes.io/audit"]).toBe("restricted");
    expect(labels["runway.gitlab.com/environment"]).toBe("staging");
  });
});
