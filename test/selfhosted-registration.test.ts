/**
 * The turn-up reports the callback: the chart's hook runs against the local GitLab and records its outcome in the
 * Kubernetes API stand-in (test/helpers/registration-hook.ts); the selfhosted program then reads that ConfigMap, as
 * `pulumi up` does after the release is Ready, and exports it, or fails with GitLab's message.
 */
import * as path from "node:path";
import { rmSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfhostedComposition } from "../src/compositions/selfhosted";
import { loadStackFile } from "../src/config/stack";
import { recordProgram } from "../src/plan/engine";
import { planMocks } from "../src/plan/mocks";
import { readRegistrationStatus, registrationVerdict } from "../src/selfhosted/status";
import { FakeGitLab } from "./fakes/gitlab-server";
import { FakeKubeApi } from "./fakes/kube-api";
import { compiled, manifest, tmp, writeChart } from "./helpers/chart";
import { helmBin } from "./helpers/helm";
import { NS, runHook, STATUS, type HookWorld } from "./helpers/registration-hook";
import { makeTestCa } from "./helpers/tls";

const STACK = loadStackFile(path.join(__dirname, "..", "stacks", "Pulumi.ai-gateway-selfhosted.yaml"));
/** The request id the program gives the release under the plan's mocks: `<registration token id>.<retry>`. */
const REQUEST = "ai-gateway-registration-token-id.0";
const TOKEN = "rwreg-dGhlLXRva2VuLWdpdGxhYi1yZWNvcmRlZC1hdC10dXJuLXVw";

let w: HookWorld;

beforeAll(async () => {
  await helmBin();
  const ca = makeTestCa();
  w = { dir: writeChart(compiled(manifest("ai-gateway"))), ca, gitlab: await FakeGitLab.start({ tls: ca }), kube: await FakeKubeApi.start(ca), token: TOKEN };
});
afterAll(async () => {
  await Promise.all([w?.gitlab.close(), w?.kube.close()]);
  rmSync(tmp(), { recursive: true, force: true });
});

/** Mocks that answer the program's read of the status ConfigMap with what the hook wrote; the rest as `runway plan`. */
function clusterMocks(): pulumi.runtime.Mocks {
  const plan = planMocks(false);
  return {
    call: plan.call,
    newResource(args) {
      if (args.type === "kubernetes:core/v1:ConfigMap" && args.id === `${NS}/${STATUS}`) {
        return { id: args.id, state: { ...args.inputs, data: w.kube.configMap(NS, STATUS)?.data } };
      }
      return plan.newResource(args);
    },
  };
}

const turnUp = () => {
  if (STACK.config["runway:kind"] !== "selfhosted") throw new Error("expected a selfhosted stack");
  const config = STACK.config;
  return recordProgram(() => selfhostedComposition({ stack: STACK, allStacks: [STACK], catalog: [] }, config, {}), { stack: STACK.name, mocks: clusterMocks() });
};

function fresh(): void {
  w.gitlab.clearFaults();
  w.gitlab.addRegistration(TOKEN, "ai-gateway");
  w.kube.addConfigMap(NS, STATUS, { "runway.gitlab.com/status-contract": "v1" });
}

describe("the turn-up reports the registration callback", () => {
  it("a callback GitLab accepted shows in the stack outputs as finalized", async () => {
    fresh();
    await runHook(w, { requestId: REQUEST });
    const o = (await turnUp()).outputs;
    expect([o.registration, o.registrationFinalized]).toEqual(["finalized", true]);
    expect(o.registrationStatus).toMatchObject({ state: "finalized", httpStatus: "201", attempts: 1, requestId: REQUEST, finalizedAt: w.gitlab.registration(TOKEN)?.finalizedAt });
  });

  it("a callback GitLab refused fails pulumi up with GitLab's message and the fix", async () => {
    fresh();
    await runHook(w, { requestId: REQUEST, secretToken: "rwreg-a-token-gitlab-never-recorded" });
    const at = w.kube.configMap(NS, STATUS)?.data?.lastAttemptAt;
    await expect(turnUp()).rejects.toThrow(
      `registration of ai-gateway with https://gitlab.example.com failed: GitLab refused the registration: 401 Unauthorized (HTTP 401, 1 attempt, last at ${at}); fix the cause, then set runway:registrationRetry to 1 and run pulumi up again`,
    );
  });

  it("a GitLab that stayed down fails pulumi up with the last answer and the number of attempts", async () => {
    fresh();
    w.gitlab.inject({ route: "POST /runway/registrations", status: 503 });
    await runHook(w, { requestId: REQUEST, attempts: 2 });
    await expect(turnUp()).rejects.toThrow(/failed: gave up after 2 attempts: GitLab answered 503: .* \(HTTP 503, 2 attempts, last at /);
  });

  it("a status written for an earlier request reads as pending, not as that request's outcome", async () => {
    fresh();
    await runHook(w, { requestId: "an-earlier-token-id.0" });
    const o = (await turnUp()).outputs;
    expect([o.registration, o.registrationFinalized]).toEqual(["pending", false]);
  });
});

describe("registration verdict", () => {
  const failed = readRegistrationStatus({ registration: "failed", httpStatus: "401", message: "GitLab refused the registration: 401 Unauthorized", attempts: "1", requestId: "r.0" });
  const base = { service: "ai-gateway", gitlabUrl: "https://gitlab.example.com", requestId: "r.0", retry: 0, preview: false, quietPending: false };

  it("a preview warns of a refused callback instead of failing", () => {
    expect(registrationVerdict(failed, { ...base, preview: true })).toMatchObject({ level: "warn", state: "failed" });
    expect(registrationVerdict(failed, base)).toMatchObject({ level: "fail", state: "failed" });
  });

  it("pulumi up warns when the status does not answer the current request, naming where to look", () => {
    const v = registrationVerdict(readRegistrationStatus({}), base);
    expect(v).toEqual({
      level: "warn",
      state: "pending",
      message: "registration of ai-gateway with https://gitlab.example.com is not reported for request r.0 (the status is empty): is the chart's registration hook in this chart version? See the hook Job and the HelmRelease: kubectl -n ai-gateway get jobs,helmreleases",
    });
    expect(registrationVerdict(readRegistrationStatus({}), { ...base, quietPending: true })).toEqual({ level: "ok", state: "pending" });
  });

  it("the fix names the next retry number", () => {
    expect(registrationVerdict(failed, { ...base, retry: 3 }).message).toContain("set runway:registrationRetry to 4");
  });
});
