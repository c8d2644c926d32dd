/**
 * Decisions of the `SelfHostedTurnUp` component as plain values: names, the isolated namespace (the same objects
 * as a Runway tenant), the token Secrets, the Flux source pinned to the GitLab-release tag, the HelmRelease and
 * its values, the status ConfigMap, and what a turn-down keeps. Pure: no provider imports.
 */
import { egressProblems, internetExposure } from "../net/exposure";
import { helmRelease, ociRepository, type FluxObject, type HelmReleaseSpec, type OciRepositorySpec } from "../flux/objects";
import { k8sLabels } from "../naming";
import {
  defaultServiceAccountPatch,
  limitRange,
  namespaceObject,
  networkPolicies,
  reconcilerRoleBinding,
  reconcilerServiceAccount,
  resourceQuota,
  TENANT_LABEL,
  tenantNames,
  workloadServiceAccount,
} from "../tenancy/objects";
import { REGISTRATION_COMPONENT, REGISTRATION_COMPONENT_LABEL } from "../chart/registration";
import { STATUS_CONTRACT_ANNOTATION, STATUS_CONTRACT_VERSION } from "./status";

/** The `runway.gitlab.com/environment` of every self-hosted object. */
export const SELFHOSTED_ENVIRONMENT = "selfhosted";

/** Key of the token in each token Secret. */
export const TOKEN_KEY = "token";

/**
 * Environment variables Runway hands the workload through the chart's `env` values (a Runway-generated chart's
 * values schema is strict, so nothing outside its keys can be passed). Names only: the tokens stay in their Secrets.
 */
export const WORKLOAD_ENV = {
  gitlabUrl: "RUNWAY_GITLAB_URL",
  namespace: "RUNWAY_NAMESPACE",
  registrationTokenSecret: "RUNWAY_REGISTRATION_TOKEN_SECRET",
  accessTokenSecret: "RUNWAY_ACCESS_TOKEN_SECRET",
  statusConfigMap: "RUNWAY_STATUS_CONFIGMAP",
} as const;

/** The tenant network policies that are about GKE only and would open a hole elsewhere (K2). */
const GKE_ONLY_POLICIES = new Set(["allow-metadata-server", "allow-google-apis", "allow-metrics-scraping"]);

export interface NetworkAllow {
  /** IPv4 range. */
  cidr: string;
  /** TCP ports. */
  ports: number[];
  /** Egress only: the range is the GitLab instance, which the registration hook may reach too. Default false. */
  gitlab?: boolean;
}

/**
 * How long `pulumi up` waits for the HelmRelease to be Ready, which includes the registration hook (the chart's
 * post-install/post-upgrade Job): helm-controller's install timeout (5 m) with room for a retried install.
 */
export const RELEASE_WAIT_SECONDS = 900;

export interface TurnUpInput {
  service: string;
  chart: string;
  gitlabRelease: string;
  gitlabUrl: string;
  state: "up" | "down";
  installFlux: boolean;
  values: Record<string, unknown>;
  egress: NetworkAllow[];
  ingress: NetworkAllow[];
  quota: { cpu: string; memory: string; pods: number };
  keepData: string[];
  /** The Kubernetes API server's addresses as pods reach them: the registration hook writes its status there. */
  kubeApiServer: NetworkAllow[];
  /** PEM of the CA that signed GitLab's certificate, when private. */
  gitlabCaCertificate?: string;
  /** Raised to run the registration again. */
  registrationRetry: number;
}

export interface TurnUpNames {
  namespace: string;
  /** Service account Flux applies the release as (F2, F3). */
  reconciler: string;
  /** Service account the workload runs as. */
  workload: string;
  /** OCIRepository and HelmRelease. */
  release: string;
  registrationTokenSecret: string;
  accessTokenSecret: string;
  /** ConfigMap the workload writes its registration status into. */
  statusConfigMap: string;
  /** Role and RoleBinding that let the workload read its two token Secrets and write its status ConfigMap, nothing else. */
  registrationRole: string;
}

export function turnUpNames(service: string): TurnUpNames {
  const t = tenantNames({ name: service });
  return {
    namespace: t.namespace,
    reconciler: t.reconciler,
    workload: t.workload,
    release: service,
    registrationTokenSecret: `${service}-registration-token`,
    accessTokenSecret: `${service}-access-token`,
    statusConfigMap: `${service}-runway-status`,
    registrationRole: `${service}-runway-registration`,
  };
}

/** The OCI tag a chart compatible with a GitLab release carries: `gitlab-X.Y`. */
export function chartTag(gitlabRelease: string): string {
  if (!/^[0-9]+\.[0-9]+$/.test(gitlabRelease)) {
    throw new Error(`gitlabRelease '${gitlabRelease}' is not a GitLab release: use MAJOR.MINOR such as 17.9`);
  }
  return `gitlab-${gitlabRelease}`;
}

/** The GitLab URL as the workload is given it: without trailing slashes. */
export function workloadGitlabUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Problems of the customer's extra values: each names the key and the fix. */
export function valuesProblems(values: Record<string, unknown>): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if ("registration" in values) {
    out.push({ path: ["registration"], message: "`registration` is set by Runway (the callback to GitLab); use runway:gitlabUrl and runway:gitlabCaFile, and remove it" });
  }
  if ("serviceAccount" in values) {
    out.push({ path: ["serviceAccount"], message: "`serviceAccount` is set by Runway (the workload runs as the namespace's isolated service account); remove it" });
  }
  const env = values.env;
  if (env !== undefined && (env === null || typeof env !== "object" || Array.isArray(env))) {
    out.push({ path: ["env"], message: "`env` must be a mapping of NAME: value" });
  } else if (env) {
    for (const k of Object.keys(env)) {
      if (k.startsWith("RUNWAY_")) out.push({ path: ["env", k], message: `${k}: RUNWAY_* variables are set by Runway (GitLab URL, token Secret names, status ConfigMap); rename it` });
    }
  }
  return out;
}

/**
 * Problems of network allows, judged together as the guardrails judge them (src/net/exposure.ts, K2): egress reaches
 * neither the internet as a whole nor the link-local range (the node's metadata server and credentials); ingress is
 * not open to the internet. `index` is unset for a problem of the list as a whole.
 */
export function networkProblems(kind: "egress" | "ingress", allows: NetworkAllow[]): { index?: number; message: string }[] {
  const cidrs = allows.map((a) => a.cidr);
  return kind === "egress" ? egressProblems(cidrs) : internetExposure(cidrs, "the workload");
}

/** The TCP port of an https URL. */
export function urlPort(url: string): number {
  const m = /^https:\/\/[^/:]+(?::([0-9]+))?/.exec(url);
  return m?.[1] ? Number(m[1]) : 443;
}

/**
 * Problems of the registration hook's reach (K2): a turn-up that is up must mark the GitLab instance's range with
 * `gitlab: true` on the GitLab URL's port, and name the Kubernetes API server the hook writes its status to.
 */
export function registrationNetworkProblems(i: Pick<TurnUpInput, "state" | "egress" | "kubeApiServer" | "gitlabUrl">): { field: "egress" | "kubeApiServer"; message: string }[] {
  if (i.state !== "up") return [];
  const out: { field: "egress" | "kubeApiServer"; message: string }[] = [];
  const port = urlPort(i.gitlabUrl);
  const gitlab = i.egress.filter((e) => e.gitlab);
  if (gitlab.length === 0) {
    out.push({ field: "egress", message: "no entry is marked `gitlab: true`: mark the GitLab instance's range, the only one the registration hook may reach" });
  } else if (!gitlab.some((e) => e.ports.includes(port))) {
    out.push({ field: "egress", message: `the entries marked \`gitlab: true\` do not open port ${port} of ${i.gitlabUrl}: add it to their ports` });
  }
  if (i.kubeApiServer.length === 0) {
    out.push({
      field: "kubeApiServer",
      message: "is required: the registration hook records its outcome through the Kubernetes API; list the API server's addresses (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes) and port",
    });
  }
  return out;
}

/** Validates a turn-up before anything is registered; the messages name the field, the value and the fix. */
export function turnUpProblems(i: TurnUpInput): string[] {
  const out: string[] = [];
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(i.service) || i.service.length > 40) {
    out.push(`service '${i.service}' must be a DNS label of at most 40 characters, e.g. ai-gateway`);
  }
  if (!/^[0-9]+\.[0-9]+$/.test(i.gitlabRelease)) out.push(`gitlabRelease '${i.gitlabRelease}' is not a GitLab release: use MAJOR.MINOR such as 17.9`);
  if (!/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[^\s?#]*)?$/.test(i.gitlabUrl)) out.push(`gitlabUrl '${i.gitlabUrl}' must be an https:// URL such as https://gitlab.example.com`);
  if (i.state !== "up" && i.state !== "down") out.push(`state '${String(i.state)}' must be up or down`);
  if (i.egress.length === 0) out.push("egress is empty: list at least the GitLab instance's range, or the workload cannot finalize its registration");
  for (const p of networkProblems("egress", i.egress)) out.push(`egress${p.index === undefined ? "" : `[${p.index}]`}: ${p.message}`);
  for (const p of networkProblems("ingress", i.ingress)) out.push(`ingress${p.index === undefined ? "" : `[${p.index}]`}: ${p.message}`);
  for (const p of networkProblems("egress", i.kubeApiServer)) out.push(`kubeApiServer${p.index === undefined ? "" : `[${p.index}]`}: ${p.message}`);
  for (const p of registrationNetworkProblems(i)) out.push(`${p.field}: ${p.message}`);
  if (!Number.isInteger(i.registrationRetry) || i.registrationRetry < 0) out.push(`registrationRetry '${i.registrationRetry}' must be a whole number of at least 0`);
  for (const p of valuesProblems(i.values)) out.push(`values.${p.path.join(".")}: ${p.message}`);
  i.keepData.forEach((n, k) => {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63) out.push(`keepData[${k}] '${n}' is not a PersistentVolumeClaim name: use lowercase letters, digits and '-'`);
  });
  const dup = i.keepData.find((n, k) => i.keepData.indexOf(n) !== k);
  if (dup) out.push(`keepData lists '${dup}' twice`);
  return out;
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

/** The namespace and the objects that give it the isolation of a Runway tenant (K1-K4, F3). */
export function isolationObjects(i: TurnUpInput) {
  const t = {
    name: i.service,
    environment: SELFHOSTED_ENVIRONMENT,
    owner: workloadGitlabUrl(i.gitlabUrl),
    quota: i.quota,
    egress: [],
    exposure: { visibility: "none" as const, port: 0, targetPort: 0, service: i.service },
  };
  const labels = { ...k8sLabels({ service: i.service, environment: SELFHOSTED_ENVIRONMENT }), [TENANT_LABEL]: "true" };
  const ns = tenantNames(t).namespace;
  const meta = (name: string) => ({ name, namespace: ns, labels });
  // networkProblems keeps egress off the link-local range and the internet as a whole (K2), so blocks stay as declared.
  const peers = (allows: NetworkAllow[], kind: "egress" | "ingress") =>
    allows.map((a) => ({ [kind === "egress" ? "to" : "from"]: [{ ipBlock: { cidr: a.cidr } }], ports: a.ports.map((port) => ({ protocol: "TCP", port })) }));
  const policies: Obj[] = networkPolicies(t).filter((p) => !GKE_ONLY_POLICIES.has(p.metadata.name));
  // The registration hook's pods get GitLab and the API server only; every other pod gets the declared egress.
  const hook = { matchLabels: { [REGISTRATION_COMPONENT_LABEL]: REGISTRATION_COMPONENT } };
  const notHook = { matchExpressions: [{ key: REGISTRATION_COMPONENT_LABEL, operator: "NotIn", values: [REGISTRATION_COMPONENT] }] };
  policies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-declared-egress"), spec: { podSelector: notHook, policyTypes: ["Egress"], egress: peers(i.egress, "egress") } });
  const hookEgress = [...i.egress.filter((e) => e.gitlab), ...i.kubeApiServer];
  if (hookEgress.length > 0) {
    policies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-registration-egress"), spec: { podSelector: hook, policyTypes: ["Egress"], egress: peers(hookEgress, "egress") } });
  }
  if (i.ingress.length > 0) {
    policies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-declared-ingress"), spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: peers(i.ingress, "ingress") } });
  }
  return {
    namespace: namespaceObject(t) as Obj,
    reconciler: reconcilerServiceAccount(t) as Obj,
    workload: workloadServiceAccount(t) as Obj,
    defaultServiceAccount: defaultServiceAccountPatch(t) as Obj,
    reconcilerBinding: reconcilerRoleBinding(t) as Obj,
    quota: resourceQuota(t) as Obj,
    limits: limitRange(t) as Obj,
    networkPolicies: policies,
  };
}

/**
 * The chart values: the customer's, plus what the workload needs to call GitLab back. Tokens travel by Secret
 * name only: a value would land in the HelmRelease and in Helm's release Secret, readable by anyone who can read
 * those objects.
 */
export function workloadValues(i: TurnUpInput, names: TurnUpNames): Record<string, unknown> {
  return {
    ...i.values,
    registration: {
      enabled: true,
      gitlabUrl: workloadGitlabUrl(i.gitlabUrl),
      tokenSecret: { name: names.registrationTokenSecret, key: TOKEN_KEY },
      statusConfigMap: names.statusConfigMap,
      ...(i.gitlabCaCertificate ? { caCertificate: i.gitlabCaCertificate } : {}),
    },
    serviceAccount: { create: false, name: names.workload },
    env: {
      ...(i.values.env as Record<string, string> | undefined),
      [WORKLOAD_ENV.gitlabUrl]: workloadGitlabUrl(i.gitlabUrl),
      [WORKLOAD_ENV.namespace]: names.namespace,
      [WORKLOAD_ENV.registrationTokenSecret]: names.registrationTokenSecret,
      [WORKLOAD_ENV.accessTokenSecret]: names.accessTokenSecret,
      [WORKLOAD_ENV.statusConfigMap]: names.statusConfigMap,
    },
  };
}

export interface WorkloadObjects {
  source: FluxObject<"OCIRepository", OciRepositorySpec>;
  release: FluxObject<"HelmRelease", HelmReleaseSpec>;
  /** The two token Secrets, without data: the component fills `stringData` with the generated secret. */
  tokenSecrets: { purpose: "registration" | "access"; secret: Obj }[];
  statusConfigMap: Obj;
  registrationRole: Obj;
  registrationRoleBinding: Obj;
}

/** What exists only while the service is up. */
export function workloadObjects(i: TurnUpInput, names: TurnUpNames): WorkloadObjects {
  const labels = k8sLabels({ service: i.service, environment: SELFHOSTED_ENVIRONMENT });
  const ns = names.namespace;
  const secret = (name: string): Obj => ({ apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, namespace: ns, labels } });
  const release = helmRelease({ name: names.release, namespace: ns, labels, chartSource: names.release, serviceAccountName: names.reconciler, values: workloadValues(i, names) });
  return {
    source: ociRepository({ name: names.release, namespace: ns, labels, url: i.chart, tag: chartTag(i.gitlabRelease), helmChart: true }),
    release: {
      ...release,
      // `pulumi up` waits for the release, its registration hook included (pulumi-kubernetes' await annotations).
      metadata: { ...release.metadata, annotations: { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": String(RELEASE_WAIT_SECONDS) } },
    },
    tokenSecrets: [
      { purpose: "registration", secret: secret(names.registrationTokenSecret) },
      { purpose: "access", secret: secret(names.accessTokenSecret) },
    ],
    // Created without data: the workload owns the keys (server-side apply leaves fields of other managers alone).
    statusConfigMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: names.statusConfigMap, namespace: ns, labels, annotations: { [STATUS_CONTRACT_ANNOTATION]: STATUS_CONTRACT_VERSION } },
    },
    // Exactly these objects by name (F3: namespaced, least privilege). The status ConfigMap is written by the
    // chart's registration hook under its own service account, never by the workload, so the workload cannot
    // forge its own registration.
    registrationRole: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: names.registrationRole, namespace: ns, labels },
      rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [names.registrationTokenSecret, names.accessTokenSecret], verbs: ["get"] }],
    },
    registrationRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: names.registrationRole, namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.registrationRole },
      subjects: [{ kind: "ServiceAccount", name: names.workload, namespace: ns }],
    },
  };
}

/**
 * On turn-down, each claim the customer marks as data is annotated so that helm-controller's uninstall leaves it
 * (Helm skips resources with `helm.sh/resource-policy: keep`).
 */
export function keptClaims(i: TurnUpInput, names: TurnUpNames): Obj[] {
  return i.keepData.map((name) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: names.namespace, annotations: { "helm.sh/resource-policy": "keep", "runway.gitlab.com/kept-on-turn-down": "true" } },
  }));
}

export interface TurnUpPlan {
  names: TurnUpNames;
  chartTag: string;
  isolation: ReturnType<typeof isolationObjects>;
  /** Only while up. */
  workload?: WorkloadObjects;
  /** Only while down. */
  keptClaims: Obj[];
}

/** Validates a turn-up and decides what it registers. Throws with every problem at once. */
export function planTurnUp(i: TurnUpInput): TurnUpPlan {
  const problems = turnUpProblems(i);
  if (problems.length) throw new Error(`SelfHostedTurnUp ${i.service}: ${problems.join("; ")}`);
  const names = turnUpNames(i.service);
  return {
    names,
    chartTag: chartTag(i.gitlabRelease),
    isolation: isolationObjects(i),
    workload: i.state === "up" ? workloadObjects(i, names) : undefined,
    keptClaims: i.state === "down" ? keptClaims(i, names) : [],
  };
}
