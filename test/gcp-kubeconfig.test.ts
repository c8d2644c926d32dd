/**
 * The cluster's kubeconfig and Kubernetes provider: built from stable fields only, so an upgrade never replaces
 * the provider (D6); credentials only from gke-gcloud-auth-plugin.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { GkeCluster } from "../components/gcp/gke-cluster";
import { type ClusterState, gkeKubeconfig, kubeconfigFields } from "../src/gcp/kubeconfig";
import { computedOutputs, MOCK_CA } from "../src/plan/mocks";
import { clusterArgs, clusterConfig, PROJECT } from "./helpers/gcp";
import { runWithMocks } from "./helpers/pulumi";
import { kubectlBin } from "./helpers/tools";

const state: ClusterState = {
  project: PROJECT,
  location: "us-east1",
  name: "gke",
  endpoint: "10.1.0.2",
  masterAuth: { clusterCaCertificate: MOCK_CA },
  masterVersion: "1.32.4-gke.1000",
  nodeVersion: "1.32.4-gke.1000",
  resourceLabels: { environment: "staging" },
  labelFingerprint: "abc123",
};

const dir = mkdtempSync(path.join(tmpdir(), "runway-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What kubectl makes of a kubeconfig. */
function kubectlView(text: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return JSON.parse(execFileSync(kubectlBin(), ["config", "view", "--kubeconfig", file, "--raw", "-o", "json"], { encoding: "utf8" }));
}

describe("kubeconfig", () => {
  it("is the same text after an upgrade changes master and node versions", () => {
    const upgraded = { ...state, masterVersion: "1.33.5-gke.1200", nodeVersion: "1.33.5-gke.1200" };
    expect(gkeKubeconfig(kubeconfigFields(upgraded))).toBe(gkeKubeconfig(kubeconfigFields(state)));
  });

  it("is the same text when labels and fingerprints change", () => {
    const relabelled = { ...state, resourceLabels: { environment: "production", team: "x" }, labelFingerprint: "def456" };
    expect(gkeKubeconfig(kubeconfigFields(relabelled))).toBe(gkeKubeconfig(kubeconfigFields(state)));
  });

  it("changes when the cluster's address changes", () => {
    expect(gkeKubeconfig(kubeconfigFields({ ...state, endpoint: "10.9.0.2" }))).not.toBe(gkeKubeconfig(kubeconfigFields(state)));
  });

  it("parses with kubectl and authenticates only through gke-gcloud-auth-plugin", () => {
    const view = kubectlView(gkeKubeconfig(kubeconfigFields(state)));
    const context = `gke_${PROJECT}_us-east1_gke`;
    expect(view["current-context"]).toBe(context);
    expect(view.clusters).toEqual([{ name: context, cluster: { server: "https://10.1.0.2", "certificate-authority-data": MOCK_CA } }]);
    expect(view.users).toHaveLength(1);
    const user = view.users[0].user;
    expect(Object.keys(user)).toEqual(["exec"]);
    expect(user.exec).toMatchObject({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "gke-gcloud-auth-plugin",
      provideClusterInfo: true,
    });
    expect(user.exec.installHint).toContain("gke-gcloud-auth-plugin");
  });

  it("holds no token, password or client certificate", () => {
    const text = gkeKubeconfig(kubeconfigFields(state));
    expect(text).not.toMatch(/token|password|client-certificate|client-key|auth-provider/);
  });
});

describe("GkeCluster Kubernetes provider", () => {
  const program = (environment: string, releaseChannel: "REGULAR" | "STABLE") => () => {
    const c = new GkeCluster("gke", clusterArgs(clusterConfig({ releaseChannel }), { environment }));
    return { kubeconfig: pulumi.unsecret(c.kubeconfig) };
  };

  it("gets the kubeconfig as a secret and a cluster identifier as the only replacement trigger", async () => {
    const plan = await runWithMocks(program("staging", "REGULAR"));
    const provider = plan.one("pulumi:providers:kubernetes", "gke-k8s");
    expect(provider.parent).toBe(plan.one("runway:gcp:GkeCluster").urn);
    expect(provider.inputs.kubeconfig).toBe("[secret]");
    expect(provider.inputs.clusterIdentifier).toBe(`gke_${PROJECT}_us-east1_gke`);
    const endpoint = String(computedOutputs("gcp:container/cluster:Cluster", "gke", {}).endpoint);
    expect(plan.outputs.kubeconfig).toBe(gkeKubeconfig({ project: PROJECT, location: "us-east1", clusterName: "gke", endpoint, caCertificate: MOCK_CA }));
  });

  it("keeps the same inputs when labels and the release channel change", async () => {
    const a = await runWithMocks(program("staging", "REGULAR"));
    const b = await runWithMocks(program("production", "STABLE"));
    expect(a.one("gcp:container/cluster:Cluster").inputs).not.toEqual(b.one("gcp:container/cluster:Cluster").inputs);
    expect(b.outputs.kubeconfig).toBe(a.outputs.kubeconfig);
    expect(b.one("pulumi:providers:kubernetes").inputs).toEqual(a.one("pulumi:providers:kubernetes").inputs);
  });
});
