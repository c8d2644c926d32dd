/**
 * The registration hook of a rendered chart, run against the local GitLab and Kubernetes API stand-ins: renders the
 * chart with registration on, grants the hook's service account exactly what the rendered Role grants, and runs the
 * rendered Job (test/helpers/run-job.ts).
 */
import { expect } from "vitest";
import type { FakeGitLab } from "../fakes/gitlab-server";
import type { FakeKubeApi } from "../fakes/kube-api";
import { helmTemplate } from "./chart";
import { runJob, type JobRun } from "./run-job";
import type { TestCa } from "./tls";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export const NS = "ai-gateway";
export const STATUS = "ai-gateway-runway-status";
export const TOKEN_SECRET = "ai-gateway-registration-token";
const SA_TOKEN = "kube-sa-token-of-the-hook";

export interface HookWorld {
  /** Directory of the chart built from the AI Gateway manifest. */
  dir: string;
  ca: TestCa;
  gitlab: FakeGitLab;
  kube: FakeKubeApi;
  /** The registration token in the Secret. */
  token: string;
}

export interface Scenario {
  gitlabUrl?: string;
  caCertificate?: string;
  requestId?: string;
  /** The token in the Secret, when it is not the world's; undefined: no Secret. */
  secretToken?: string;
  attempts?: number;
  /** Create the status ConfigMap first, as the turn-up does. Default true. */
  statusConfigMap?: boolean;
}

export async function runHook(w: HookWorld, s: Scenario = {}): Promise<JobRun & { objs: Loose[] }> {
  const values = {
    registration: {
      enabled: true,
      gitlabUrl: s.gitlabUrl ?? w.gitlab.url,
      tokenSecret: { name: TOKEN_SECRET },
      statusConfigMap: STATUS,
      requestId: s.requestId ?? "req.1",
      caCertificate: s.caCertificate ?? w.ca.caPem,
      retry: { attempts: s.attempts ?? 3, backoffSeconds: 0 },
    },
  };
  const objs: Loose[] = await helmTemplate(w.dir, { release: "ai-gateway", namespace: NS, values });
  const role = objs.find((o) => o.kind === "Role");
  const binding = objs.find((o) => o.kind === "RoleBinding");
  const job = objs.find((o) => o.kind === "Job");
  const rule = role.rules.find((r: Loose) => r.resources.includes("configmaps") && r.verbs.includes("patch"));
  expect(job.spec.template.spec.serviceAccountName).toBe(binding.subjects[0].name);
  w.kube.addServiceAccountToken(SA_TOKEN, { serviceAccount: binding.subjects[0].name, namespace: NS, configMap: rule.resourceNames[0] });
  if (s.statusConfigMap !== false && !w.kube.configMap(NS, STATUS)) w.kube.addConfigMap(NS, STATUS, { "runway.gitlab.com/status-contract": "v1" });
  const scriptMap = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === job.spec.template.spec.volumes.find((v: Loose) => v.name === "script").configMap.name);
  const run = await runJob(job, {
    namespace: NS,
    configMaps: { [scriptMap.metadata.name]: scriptMap.data, "kube-root-ca.crt": { "ca.crt": w.ca.caPem } },
    secrets: "secretToken" in s && s.secretToken === undefined ? {} : { [TOKEN_SECRET]: { token: s.secretToken ?? w.token } },
    serviceAccountToken: SA_TOKEN,
    api: { host: w.kube.host, port: w.kube.port },
  });
  return { ...run, objs };
}
