import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { selfhostedComposition } from "../src/compositions/selfhosted";
import { loadStackFile } from "../src/config/stack";
import { diffPlans } from "../src/plan/diff";
import { recordProgram, type PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { SelfHostedTurnUp } from "../components/platform/selfhosted-turn-up";
import { runCli } from "./helpers/cli";
import { runWithMocks, withFinders, type Recorded } from "./helpers/pulumi";

const ROOT = path.join(__dirname, "..");
const STACK = "ai-gateway-selfhosted";
const EXAMPLE = readFileSync(path.join(ROOT, "stacks", `Pulumi.${STACK}.yaml`), "utf8");

const T = {
  helmRelease: "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease",
  ociRepository: "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository",
  secret: "kubernetes:core/v1:Secret",
  token: "pulumi-nodejs:dynamic:Resource",
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  helmChart: "kubernetes:helm.sh/v3:Release",
  pvcPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
  configMap: "kubernetes:core/v1:ConfigMap",
};

/**
 * Plans the example stack with `edit` applied to its text, through the selfhosted composition, in a copy of the
 * project layout (stacks/ and the example kubeconfig) so that validation runs as for the real stack.
 */
async function planEdited(edit: (text: string) => string, files: Record<string, string | undefined> = {}): Promise<Recorded> {
  const root = mkdtempSync(path.join(tmpdir(), "runway-selfhosted-"));
  mkdirSync(path.join(root, "stacks"));
  cpSync(path.join(ROOT, "examples", "selfhosted"), path.join(root, "examples", "selfhosted"), { recursive: true });
  for (const [f, text] of Object.entries(files)) if (text !== undefined) writeFileSync(path.join(root, f), text);
  const file = path.join(root, "stacks", `Pulumi.${STACK}.yaml`);
  writeFileSync(file, edit(EXAMPLE));
  const stack = loadStackFile(file);
  if (stack.config["runway:kind"] !== "selfhosted") throw new Error("expected a selfhosted stack");
  const config = stack.config;
  const plan = await recordProgram(() => selfhostedComposition({ stack, allStacks: [stack], catalog: [] }, config, {}), { project: "runway", stack: STACK });
  return withFinders(plan);
}

let example: Recorded;
const examplePlan = async () => (example ??= withFinders(await planStack(STACK)));
let down: Recorded;
const downPlan = async () => (down ??= await planEdited((t) => t.replace("config:\n", "config:\n  runway:state: down\n")));

type Obj = { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown>; stringData?: unknown };
const inputs = (r: PlannedResource) => r.inputs as Obj;

describe("self-hosted turn-up plan", () => {
  it("the example stack plans offline with every token a secret and the chart pinned to gitlab-<release>", async () => {
    const p = await examplePlan();
    const secrets = p.ofType(T.secret);
    expect(secrets.map((s) => inputs(s).metadata?.name).sort()).toEqual(["ai-gateway-access-token", "ai-gateway-registration-token"]);
    for (const s of secrets) expect(inputs(s).stringData).toBe("[secret]");
    const tokens = p.ofType(T.token);
    expect(tokens.map((t) => t.name).sort()).toEqual(["ai-gateway-access-token", "ai-gateway-registration-token"]);
    for (const t of tokens) expect(t.additionalSecretOutputs).toEqual(["token"]);
    expect(p.outputs.registrationToken).toBe("[secret]");
    expect(p.outputs.accessToken).toBe("[secret]");
    expect((inputs(p.one(T.ociRepository)).spec?.ref as { tag: string }).tag).toBe("gitlab-17.9");
    // No generated token, nor the offline stand-in of one, anywhere in the plan.
    expect(JSON.stringify(p)).not.toMatch(/rwreg-|rwacc-|glagent-/);
  });

  it("the example stack's plan is the complete turn-up", async () => {
    const names = (await examplePlan()).resources.map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "pulumi:providers:kubernetes ai-gateway-cluster",
        `${T.namespace} ai-gateway`,
        `${T.helmChart} ai-gateway-flux`,
        `${T.ociRepository} ai-gateway-source`,
        `${T.helmRelease} ai-gateway-release`,
        `${T.configMap} ai-gateway-status`,
        "kubernetes:rbac.authorization.k8s.io/v1:Role ai-gateway-registration",
      ]),
    );
  });

  it("changing runway:gitlabRelease moves the pinned tag and nothing else", async () => {
    const base = await planEdited((t) => t);
    const head = await planEdited((t) => t.replace('runway:gitlabRelease: "17.9"', 'runway:gitlabRelease: "17.10"'));
    const d = diffPlans(base, head);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.renamed).toEqual([]);
    expect(d.changed.map((c) => ({ type: c.type, paths: c.paths }))).toEqual([{ type: T.ociRepository, paths: ["spec.ref.tag"] }]);
    expect((inputs(head.one(T.ociRepository)).spec?.ref as { tag: string }).tag).toBe("gitlab-17.10");
  });

  it("runway diff shows the release change as one OCIRepository tag change", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "runway-selfhosted-diff-"));
    writeFileSync(path.join(dir, "base.json"), JSON.stringify(await planEdited((t) => t)));
    writeFileSync(path.join(dir, "head.json"), JSON.stringify(await planEdited((t) => t.replace('"17.9"', '"18.0"'))));
    const r = await runCli("diff", path.join(dir, "base.json"), path.join(dir, "head.json"));
    expect(r.code).toBe(0);
    const [header, ...changes] = r.out.split("\n");
    expect(header).toBe(`stack ${STACK}: 0 to add, 1 to change, 0 to remove, 0 renamed`);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(/^ {2}~ .*OCIRepository.*ai-gateway-source: spec\.ref\.tag$/);
  });

  it("turn-down removes the workload and token resources but keeps the namespace and keepData PVCs", async () => {
    const up = await planEdited((t) => t);
    const d = await downPlan();
    for (const type of [T.helmRelease, T.ociRepository, T.secret, T.token, T.configMap]) expect(d.ofType(type)).toEqual([]);
    const removed = diffPlans(up, d).removed.map((r) => `${r.type} ${r.name}`).sort();
    expect(removed).toEqual(
      [
        `${T.configMap} ai-gateway-status`,
        `${T.secret} ai-gateway-access-token`,
        `${T.secret} ai-gateway-registration-token`,
        `${T.helmRelease} ai-gateway-release`,
        `${T.ociRepository} ai-gateway-source`,
        "kubernetes:rbac.authorization.k8s.io/v1:Role ai-gateway-registration",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding ai-gateway-registration",
        `${T.token} ai-gateway-access-token`,
        `${T.token} ai-gateway-registration-token`,
      ].sort(),
    );
    const ns = d.one(T.namespace, "ai-gateway");
    expect([ns.protect, ns.retainOnDelete]).toEqual([true, true]);
    const kept = d.one(T.pvcPatch);
    expect(inputs(kept).metadata?.name).toBe("ai-gateway-cache");
    expect(inputs(kept).metadata?.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    expect(kept.retainOnDelete).toBe(true);
    expect(d.outputs.registrationToken).toBeUndefined();
    expect(d.outputs.registration).toBe("revoked");
  });

  it("installFlux false registers no Flux install", async () => {
    const p = await planEdited((t) => t.replace("config:\n", "config:\n  runway:installFlux: false\n"));
    expect(p.ofType(T.helmChart)).toEqual([]);
    expect(p.ofType(T.namespace).map((n) => inputs(n).metadata?.name)).toEqual(["ai-gateway"]);
    expect(p.one(T.helmRelease).dependsOn.some((u) => u.includes("helm.sh/v3:Release"))).toBe(false);
  });

  it("the selfhosted kind registers no GCP resource", async () => {
    for (const p of [await examplePlan(), await downPlan()]) {
      expect(p.resources.filter((r) => r.type.startsWith("gcp:") || r.type === "pulumi:providers:gcp")).toEqual([]);
    }
  });

  it("the namespace carries Pod Security restricted labels and default deny (K1, K2)", async () => {
    const p = await examplePlan();
    const labels = inputs(p.one(T.namespace, "ai-gateway")).metadata?.labels ?? {};
    for (const mode of ["enforce", "warn", "audit"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toMatch(/^v1\.\d+$/);
    }
    const deny = p.one(T.networkPolicy, "ai-gateway-default-deny");
    expect(inputs(deny).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("no network policy opens the node's metadata server outside GKE (K2)", async () => {
    const policies = (await examplePlan()).ofType(T.networkPolicy);
    expect(policies.map((p) => p.name).sort()).toEqual([
      "ai-gateway-allow-declared-egress",
      "ai-gateway-allow-declared-ingress",
      "ai-gateway-allow-dns",
      "ai-gateway-allow-registration-egress",
      "ai-gateway-default-deny",
    ]);
    expect(JSON.stringify(policies.map((p) => p.inputs))).not.toContain("169.254.");
  });

  it("the namespace has the same isolation objects as a Runway tenant (K3, K4, F3)", async () => {
    const p = await examplePlan();
    expect(p.one("kubernetes:core/v1:ResourceQuota").inputs).toMatchObject({ spec: { hard: { "requests.cpu": "4", "limits.cpu": "8" } } });
    expect(p.one("kubernetes:core/v1:LimitRange")).toBeDefined();
    expect(p.one("kubernetes:core/v1:ServiceAccountPatch").inputs).toMatchObject({ metadata: { name: "default" }, automountServiceAccountToken: false });
    expect(p.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
    expect(inputs(p.one(T.helmRelease)).spec?.serviceAccountName).toBe("flux-reconciler");
  });

  it("the HelmRelease passes the GitLab URL and the token Secret names, never a token", async () => {
    const hr = (await examplePlan()).one(T.helmRelease);
    const values = inputs(hr).spec?.values as { env: Record<string, string>; serviceAccount: unknown };
    expect(values.env).toMatchObject({
      RUNWAY_GITLAB_URL: "https://gitlab.example.com",
      RUNWAY_REGISTRATION_TOKEN_SECRET: "ai-gateway-registration-token",
      RUNWAY_ACCESS_TOKEN_SECRET: "ai-gateway-access-token",
      RUNWAY_STATUS_CONFIGMAP: "ai-gateway-runway-status",
    });
    expect(values.serviceAccount).toEqual({ create: false, name: "ai-gateway" });
    expect(JSON.stringify(hr.inputs)).not.toContain("[secret]");
    expect(hr.dependsOn.filter((u) => u.includes("core/v1:Secret")).length).toBe(2);
  });

  it("the HelmRelease switches the registration hook on, by Secret and ConfigMap name, and pulumi up waits for it to be Ready", async () => {
    const hr = (await examplePlan()).one(T.helmRelease);
    const values = inputs(hr).spec?.values as { registration: Record<string, unknown> };
    expect(values.registration).toEqual({
      enabled: true,
      gitlabUrl: "https://gitlab.example.com",
      tokenSecret: { name: "ai-gateway-registration-token", key: "token" },
      statusConfigMap: "ai-gateway-runway-status",
      // The registration token resource's id (a random UUID in a real run) and runway:registrationRetry.
      requestId: "ai-gateway-registration-token-id.0",
    });
    expect(inputs(hr).metadata?.annotations).toEqual({ "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "900" });
  });

  it("raising runway:registrationRetry changes only the release's request id, which reruns the hook", async () => {
    const base = await planEdited((t) => t);
    const head = await planEdited((t) => t.replace("config:\n", "config:\n  runway:registrationRetry: 1\n"));
    const d = diffPlans(base, head);
    expect([d.added, d.removed]).toEqual([[], []]);
    expect(d.changed.map((c) => ({ type: c.type, paths: c.paths }))).toEqual([{ type: T.helmRelease, paths: ["spec.values.registration.requestId"] }]);
  });

  it("the registration hook may reach only the GitLab range and the API server; the workload's egress leaves the hook out (K2)", async () => {
    const p = await examplePlan();
    const hook = inputs(p.one(T.networkPolicy, "ai-gateway-allow-registration-egress")).spec;
    expect(hook).toEqual({
      podSelector: { matchLabels: { "runway.gitlab.com/component": "registration" } },
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "10.20.0.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
        { to: [{ ipBlock: { cidr: "172.16.0.2/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    });
    const workload = inputs(p.one(T.networkPolicy, "ai-gateway-allow-declared-egress")).spec;
    expect(workload?.podSelector).toEqual({ matchExpressions: [{ key: "runway.gitlab.com/component", operator: "NotIn", values: ["registration"] }] });
  });

  it("a private CA for GitLab reaches the hook as registration.caCertificate", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBsTCCAVegAwIBAgIUexample\n-----END CERTIFICATE-----\n";
    const ok = await planEdited((t) => t.replace("config:\n", "config:\n  runway:gitlabCaFile: gitlab-ca.pem\n"), { "gitlab-ca.pem": `# the customer's CA\n${pem}` });
    const values = inputs(ok.one(T.helmRelease)).spec?.values as { registration: { caCertificate: string } };
    expect(values.registration.caCertificate).toBe(pem);
  });

  it("the workload may read only its token Secrets, and cannot write its own registration status", async () => {
    const role = (await examplePlan()).one("kubernetes:rbac.authorization.k8s.io/v1:Role");
    expect(role.inputs.rules).toEqual([{ apiGroups: [""], resources: ["secrets"], resourceNames: ["ai-gateway-registration-token", "ai-gateway-access-token"], verbs: ["get"] }]);
  });

  it("status outputs resolve to not ready and pending under mocks", async () => {
    const o = (await examplePlan()).outputs;
    expect([o.workloadReady, o.registration, o.registrationFinalized]).toEqual([false, "pending", false]);
  });

  it("the Kubernetes provider gets the kubeconfig path and context, not the file's content (D6)", async () => {
    const provider = (await examplePlan()).one("pulumi:providers:kubernetes");
    expect(provider.inputs).toEqual({ kubeconfig: "examples/selfhosted/kubeconfig.yaml", context: "example/agent:ai-workloads" });
    for (const r of (await examplePlan()).resources.filter((x) => x.type.startsWith("kubernetes:"))) expect(r.provider).toBe(provider.urn);
  });

  it("a caller's provider replaces the kubeconfig, and the two are mutually exclusive", async () => {
    const args = {
      service: "ai-gateway",
      chart: "oci://registry.example.com/charts/ai-gateway",
      gitlabRelease: "17.9",
      gitlabUrl: "https://gitlab.example.com",
      egress: [{ cidr: "10.0.0.0/8", ports: [443], gitlab: true }],
      kubeApiServer: [{ cidr: "172.16.0.2/32", ports: [443] }],
    };
    const p = await runWithMocks(() => {
      const provider = new k8s.Provider("theirs", { kubeconfig: "{}" });
      new SelfHostedTurnUp("ai-gateway", args, { providers: [provider] });
    });
    expect(p.ofType("pulumi:providers:kubernetes").map((r) => r.name)).toEqual(["theirs"]);
    expect(p.one(T.namespace, "ai-gateway").provider).toMatch(/::theirs$/);
    await expect(
      runWithMocks(() => new SelfHostedTurnUp("ai-gateway", { ...args, kubeContext: "x" }, { providers: [new k8s.Provider("theirs", { kubeconfig: "{}" })] })),
    ).rejects.toThrow("SelfHostedTurnUp ai-gateway: kubeconfig/kubeContext and opts.provider(s) are mutually exclusive: pass a Kubernetes provider or a kubeconfig. Choose one.");
  });
});
