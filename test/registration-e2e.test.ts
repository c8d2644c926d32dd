/**
 * The registration callback end to end: the chart rendered by real Helm, its hook Job run as a kubelet would run it
 * (test/helpers/run-job.ts: the rendered script, env and mounts, with this machine's sh and curl), against the local
 * GitLab (test/fakes/gitlab-server.ts, the registration API of docs/self-managed.md) and a Kubernetes API stand-in
 * that grants exactly what the rendered Role grants. Both serve TLS from a private CA, as a customer's GitLab may.
 * The outcome is read back from the status ConfigMap through the same reader as the turn-up's outputs.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTRATION_FIELD_MANAGER } from "../src/chart/registration";
import { readRegistrationStatus } from "../src/selfhosted/status";
import { FakeGitLab, REGISTRATION_ROUTE } from "./fakes/gitlab-server";
import { FakeKubeApi } from "./fakes/kube-api";
import { compiled, manifest, tmp, writeChart } from "./helpers/chart";
import { helmBin } from "./helpers/helm";
import { NS, runHook as runHookIn, STATUS, type HookWorld, type Scenario } from "./helpers/registration-hook";
import { makeTestCa, type TestCa } from "./helpers/tls";

const TOKEN = "rwreg-Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC10b2tlbi1hYmM";

let ca: TestCa;
let gitlab: FakeGitLab;
let kube: FakeKubeApi;
const chart = compiled(manifest("ai-gateway"));
const dir = writeChart(chart);

beforeAll(async () => {
  await helmBin();
  ca = makeTestCa();
  gitlab = await FakeGitLab.start({ tls: ca });
  kube = await FakeKubeApi.start(ca);
});
afterAll(async () => {
  await Promise.all([gitlab?.close(), kube?.close()]);
  rmSync(tmp(), { recursive: true, force: true });
});

const world = (): HookWorld => ({ dir, ca, gitlab, kube, token: TOKEN });
const runHook = (s: Scenario = {}) => runHookIn(world(), s);

const status = () => readRegistrationStatus(kube.configMap(NS, STATUS)?.data);
const data = () => kube.configMap(NS, STATUS)?.data ?? {};

/** A fresh GitLab record and an empty status ConfigMap for each test. */
function fresh(token = TOKEN): void {
  gitlab.clearFaults();
  gitlab.addRegistration(token, "ai-gateway");
  kube.addConfigMap(NS, STATUS, { "runway.gitlab.com/status-contract": "v1" });
}

describe("registration callback against the local GitLab", () => {
  it("a first callback finalizes the registration and the status contract shows it", async () => {
    fresh();
    const run = await runHook();
    expect(run.code).toBe(0);
    const r = gitlab.registration(TOKEN);
    expect(r?.status).toBe("finalized");
    expect(r?.requests).toEqual([{ service: "ai-gateway", namespace: NS, release: "ai-gateway", chart_version: chart.version, app_version: "v1.42.0", request_id: "req.1" }]);
    expect(status()).toEqual({ state: "finalized", httpStatus: "201", message: "GitLab finalized the registration", attempts: 1, lastAttemptAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), finalizedAt: r?.finalizedAt, requestId: "req.1" });
    expect(kube.configMap(NS, STATUS)?.managers.at(-1)).toBe(REGISTRATION_FIELD_MANAGER);
    expect(gitlab.log.at(-1)).toMatchObject({ route: REGISTRATION_ROUTE, status: 201, auth: "Bearer" });
  });

  it("the hook rerunning on an upgrade is idempotent: GitLab's 409 keeps the registration finalized at its first time", async () => {
    fresh();
    await runHook();
    const first = gitlab.registration(TOKEN)?.finalizedAt;
    const run = await runHook({ requestId: "req.2" });
    expect(run.code).toBe(0);
    expect(status()).toMatchObject({ state: "finalized", httpStatus: "409", finalizedAt: first, requestId: "req.2", message: "already registered: 409 Registration already finalized" });
  });

  it("a token GitLab does not know is a failed registration with GitLab's 401 message, recorded without retrying", async () => {
    fresh();
    const run = await runHook({ secretToken: "rwreg-not-the-token-gitlab-recorded" });
    expect(run.code).toBe(0);
    expect(status()).toMatchObject({ state: "failed", httpStatus: "401", attempts: 1, message: "GitLab refused the registration: 401 Unauthorized" });
    expect(data().finalizedAt).toBeUndefined();
  });

  it("a revoked token (a turned-down instance) is refused the same way", async () => {
    fresh();
    gitlab.revokeRegistration(TOKEN);
    await runHook();
    expect(status()).toMatchObject({ state: "failed", httpStatus: "401" });
  });

  it("5xx answers are retried, and the registration finalizes once GitLab recovers", async () => {
    fresh();
    gitlab.inject({ route: REGISTRATION_ROUTE, status: 503, times: 2 });
    const run = await runHook();
    expect(status()).toMatchObject({ state: "finalized", httpStatus: "201", attempts: 3 });
    expect(run.stdout).toContain("attempt 1 of 3: GitLab answered 503");
  });

  it("a GitLab that stays down is a failed registration after the last attempt, with its answer", async () => {
    fresh();
    gitlab.inject({ route: REGISTRATION_ROUTE, status: 502 });
    const run = await runHook({ attempts: 2 });
    expect(run.code).toBe(0);
    expect(status()).toMatchObject({ state: "failed", httpStatus: "502", attempts: 2, message: "gave up after 2 attempts: GitLab answered 502: <html><body>upstream error</body></html>" });
    expect(gitlab.log.filter((l) => l.route === REGISTRATION_ROUTE).slice(-2).map((l) => l.status)).toEqual([502, 502]);
  });

  it("a 429 is retried after its Retry-After", async () => {
    fresh();
    gitlab.inject({ route: REGISTRATION_ROUTE, status: 429, times: 1, retryAfter: 1 });
    const run = await runHook();
    expect(status()).toMatchObject({ state: "finalized", attempts: 2 });
    expect(run.stdout).toContain("retrying in 1s");
  });

  it("a lost answer is retried, and GitLab's 409 for the finalized token completes it (idempotent retry)", async () => {
    fresh();
    gitlab.inject({ route: REGISTRATION_ROUTE, status: 502, times: 1, afterHandling: true });
    await runHook();
    expect(gitlab.registration(TOKEN)?.requests).toHaveLength(2);
    expect(status()).toMatchObject({ state: "finalized", httpStatus: "409", attempts: 2, finalizedAt: gitlab.registration(TOKEN)?.finalizedAt });
  });

  it("a missing token Secret is a failed registration, not a pod that never starts", async () => {
    fresh();
    const run = await runHook({ secretToken: undefined });
    expect(run.code).toBe(0);
    expect(status()).toMatchObject({ state: "failed", httpStatus: "", attempts: 0 });
    expect(status().message).toContain("no registration token");
  });

  it("GitLab behind a private CA is refused without the CA and reached with registration.caCertificate", async () => {
    fresh();
    await runHook({ caCertificate: "" });
    expect(status()).toMatchObject({ state: "failed", httpStatus: "", attempts: 1 });
    expect(status().message).toMatch(/^GitLab's TLS certificate is not trusted: curl: \(60\) .*registration\.caCertificate/);
    await runHook();
    expect(status()).toMatchObject({ state: "finalized", httpStatus: "201" });
  });

  it("a GitLab under a relative URL root is called there, and a URL without the root is a 404 with the fix", async () => {
    const rooted = await FakeGitLab.start({ tls: ca, relativeRoot: "/gitlab" });
    try {
      rooted.addRegistration(TOKEN, "ai-gateway");
      kube.addConfigMap(NS, STATUS);
      await runHook({ gitlabUrl: rooted.url.replace(/\/gitlab$/, "") });
      expect(status()).toMatchObject({ state: "failed", httpStatus: "404" });
      expect(status().message).toContain("check registration.gitlabUrl (with the relative URL root)");
      await runHook({ gitlabUrl: `${rooted.url}/` });
      expect(status()).toMatchObject({ state: "finalized", httpStatus: "201" });
      expect(rooted.registration(TOKEN)?.status).toBe("finalized");
    } finally {
      await rooted.close();
    }
  });

  it("the token appears nowhere but in the Authorization header: not in the status, the log, or the request body", async () => {
    fresh();
    gitlab.inject({ route: REGISTRATION_ROUTE, status: 503, times: 1 });
    const run = await runHook();
    const seen = JSON.stringify([data(), run.stdout, run.stderr, gitlab.registration(TOKEN)?.requests]);
    expect(seen).not.toContain(TOKEN);
    expect(seen).not.toContain(TOKEN.slice(6));
  });

  it("a GitLab answer that echoes the token is not recorded", async () => {
    fresh();
    gitlab.revokeRegistration(TOKEN);
    gitlab.echoAuthorization = true;
    try {
      const run = await runHook({ attempts: 1 });
      expect(JSON.stringify([data(), run.stdout])).not.toContain(TOKEN);
      expect(status()).toMatchObject({ state: "failed", httpStatus: "401", message: "GitLab refused the registration: (GitLab's answer contained the registration token; not recorded)" });
    } finally {
      gitlab.echoAuthorization = false;
    }
  });

  it("a status ConfigMap that is missing fails the hook (and so the release) rather than hiding the outcome", async () => {
    fresh();
    kube.removeConfigMap(NS, STATUS);
    const run = await runHook({ statusConfigMap: false });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`cannot write the status ConfigMap ${NS}/${STATUS}: the Kubernetes API answered 404: configmaps "${STATUS}" not found`);
  });
});
