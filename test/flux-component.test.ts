import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { Flux, type FluxArgs } from "../components/cluster/flux";
import { renderedControllerArgs, type FluxChartValues } from "../src/flux/chart";
import { runWithMocks } from "./helpers/pulumi";

const args: FluxArgs = {
  project: "runway-staging",
  clusterName: "runway-staging",
  workloadIdentity: true,
  platformSource: { url: "oci://us-docker.pkg.dev/runway-staging/platform/cluster-config", tag: "staging" },
  labels: { environment: "staging" },
};

function program(a: FluxArgs) {
  return () => {
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    new Flux("flux", a, { providers: [provider] });
  };
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR_SOURCE = "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository";
const CR_KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";

describe("Flux component", () => {
  it("every child is parented to the component and Kubernetes children use the caller's provider", async () => {
    const plan = await runWithMocks(program(args));
    const flux = plan.one("runway:cluster:Flux");
    const provider = plan.one("pulumi:providers:kubernetes");
    const children = plan.resources.filter((r) => r.parent === flux.urn);
    expect(children.map((r) => r.type).sort()).toEqual(
      [
        "gcp:projects/iAMMember:IAMMember",
        "gcp:serviceaccount/account:Account",
        "gcp:serviceaccount/iAMMember:IAMMember",
        "kubernetes:core/v1:Namespace",
        CR_KUSTOMIZATION,
        CR_SOURCE,
        RELEASE,
      ].sort(),
    );
    for (const r of children.filter((c) => c.type.startsWith("kubernetes:"))) expect(r.provider, r.name).toBe(provider.urn);
    for (const r of children) expect(r.protect, r.name).toBe(false);
  });

  it("installs the pinned flux2 chart into flux-system with the F1 lockdown in its values", async () => {
    const plan = await runWithMocks(program(args));
    const release = plan.one(RELEASE);
    expect(release.inputs).toMatchObject({ chart: "flux2", version: "2.19.0", namespace: "flux-system", repositoryOpts: { repo: "https://fluxcd-community.github.io/helm-charts" } });
    const rendered = renderedControllerArgs(release.inputs.values as FluxChartValues);
    expect(rendered.kustomizeController).toEqual(expect.arrayContaining(["--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=default"]));
    expect(rendered.helmController).toEqual(expect.arrayContaining(["--no-cross-namespace-refs=true", "--default-service-account=default"]));
  });

  it("the lockdown is readable in preview, before the GCP service account exists", async () => {
    const plan = await runWithMocks(program(args), { preview: true });
    const values = plan.one(RELEASE).inputs.values as FluxChartValues;
    expect(renderedControllerArgs(values).kustomizeController).toContain("--no-remote-bases=true");
    expect(values.sourceController.serviceAccount?.annotations["iam.gke.io/gcp-service-account"]).toBe("[unknown]");
  });

  it("source-controller's service account is annotated with the Flux GCP service account", async () => {
    const plan = await runWithMocks(program(args));
    const values = plan.one(RELEASE).inputs.values as FluxChartValues;
    expect(values.sourceController.serviceAccount?.annotations["iam.gke.io/gcp-service-account"]).toBe(
      "flux-runway-staging@runway-staging.iam.gserviceaccount.com",
    );
  });

  it("grants Artifact Registry read and Workload Identity on the service account, with non-authoritative members", async () => {
    const plan = await runWithMocks(program(args));
    expect(plan.one("gcp:projects/iAMMember:IAMMember").inputs).toMatchObject({ project: "runway-staging", role: "roles/artifactregistry.reader" });
    expect(plan.one("gcp:serviceaccount/iAMMember:IAMMember").inputs).toMatchObject({
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:runway-staging.svc.id.goog[flux-system/source-controller]",
    });
    expect(plan.ofType("gcp:projects/iAMBinding:IAMBinding")).toHaveLength(0);
    expect(plan.ofType("gcp:serviceaccount/iAMBinding:IAMBinding")).toHaveLength(0);
  });

  it("the platform source is created after the chart (CRDs) and its Kustomization runs as kustomize-controller", async () => {
    const plan = await runWithMocks(program(args));
    const release = plan.one(RELEASE);
    const source = plan.one(CR_SOURCE);
    const kust = plan.one(CR_KUSTOMIZATION);
    expect(source.dependsOn).toContain(release.urn);
    expect(kust.dependsOn).toEqual(expect.arrayContaining([release.urn, source.urn]));
    expect(source.inputs).toMatchObject({ metadata: { name: "runway-platform", namespace: "flux-system" }, spec: { ref: { tag: "staging" }, provider: "gcp" } });
    expect(kust.inputs).toMatchObject({ spec: { serviceAccountName: "kustomize-controller", sourceRef: { namespace: "flux-system" } } });
  });

  it("flux-system enforces restricted Pod Security Standards (K1)", async () => {
    const plan = await runWithMocks(program(args));
    const labels = (plan.one("kubernetes:core/v1:Namespace").inputs.metadata as { labels: Record<string, string> }).labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("without Workload Identity no GCP resources are created and no annotation is set", async () => {
    const plan = await runWithMocks(program({ ...args, project: undefined, workloadIdentity: false }));
    expect(plan.resources.filter((r) => r.type.startsWith("gcp:"))).toHaveLength(0);
    expect((plan.one(RELEASE).inputs.values as FluxChartValues).sourceController.serviceAccount?.annotations).toEqual({});
  });

  it("installFlux: false creates nothing but the platform source", async () => {
    const plan = await runWithMocks(program({ ...args, installFlux: false }));
    const flux = plan.one("runway:cluster:Flux");
    const children = plan.resources.filter((r) => r.parent === flux.urn);
    expect(children.map((r) => r.type).sort()).toEqual([CR_KUSTOMIZATION, CR_SOURCE].sort());
  });

  it("source-controller's Workload Identity member waits for the cluster that creates the pool, nothing else does", async () => {
    const plan = await runWithMocks(() => {
      const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
      const cluster = new gcp.container.Cluster("cluster", { project: "runway-staging", location: "us-east1" });
      new Flux("flux", { ...args, workloadPoolReady: [cluster] }, { providers: [provider] });
    });
    const cluster = plan.one("gcp:container/cluster:Cluster").urn;
    expect(plan.one("gcp:serviceaccount/iAMMember:IAMMember").dependsOn).toContain(cluster);
    expect(plan.one("gcp:serviceaccount/account:Account").dependsOn).not.toContain(cluster);
    expect(plan.one(RELEASE).dependsOn).not.toContain(cluster);
  });

  it("exposes the chart release, which installs Flux's CRDs; none when an existing Flux is reused", async () => {
    let installed: Flux | undefined;
    let reused: Flux | undefined;
    await runWithMocks(() => {
      const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
      installed = new Flux("flux", args, { providers: [provider] });
      reused = new Flux("existing", { ...args, installFlux: false }, { providers: [provider] });
    });
    expect(installed?.chartRelease).toBeInstanceOf(k8s.helm.v3.Release);
    expect(reused?.chartRelease).toBeUndefined();
  });

  it("invalid args fail before any resource is registered", async () => {
    await expect(runWithMocks(program({ ...args, project: undefined }))).rejects.toThrow("workloadIdentity needs project");
  });
});
