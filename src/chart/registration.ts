/**
 * The chart's registration hook (docs/self-managed.md, "Registration callback"): the last step of a GitLab-managed
 * self-hosted turn-up, where the workload calls back to GitLab to finalize its registration. Off by default; a
 * Runway turn-up switches it on through `registration.*` values.
 *
 * A Helm post-install/post-upgrade hook Job rather than an init container: it runs once per install and upgrade,
 * after Helm saw the workload become ready, instead of once per pod start (every replica, restart and scale-up);
 * GitLab being down never keeps a pod from starting; and the token Secret and the right to write the status are
 * given to the hook's own service account, not to the workload's.
 *
 * The Job runs registration.sh (POSIX sh and curl) in a small public curl image pinned by digest, under Pod
 * Security `restricted` (K1): non-root, read-only root filesystem, no privilege escalation, every capability
 * dropped, seccomp RuntimeDefault. Its service account may only `patch` the one status ConfigMap, by name. The
 * token is mounted from its Secret and never appears in values, env or logs.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import { IMAGE_DIGEST, IMAGE_REPOSITORY, IMAGE_TAG } from "../manifest/image";
import { restrictedContainer } from "../manifest/to-kubernetes";
import { QUANTITY_PATTERN } from "../manifest/quantity";
import { Hole } from "./holes";

/**
 * curl's official image (github.com/curl/curl-container, Alpine with BusyBox sh), pinned by the digest of its
 * multi-architecture index: the chart never pulls anything that can change under it. Its user `curl_user` is uid
 * 100; the pod sets the uid explicitly, so the kubelet can enforce runAsNonRoot.
 */
export const REGISTRATION_IMAGE = {
  repository: "docker.io/curlimages/curl",
  tag: "8.11.1",
  digest: "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
} as const;

/** Pod label of the hook: the turn-up's NetworkPolicy opens GitLab (and only GitLab) to pods with it. */
export const REGISTRATION_COMPONENT_LABEL = "runway.gitlab.com/component";
export const REGISTRATION_COMPONENT = "registration";

/** GitLab's registration API (docs/self-managed.md, "Registration API"), under the instance's URL. */
export const REGISTRATION_API_PATH = "/api/v4/runway/registrations";

/** The field manager of the hook's status patches. */
export const REGISTRATION_FIELD_MANAGER = "runway-registration";

/** How long the Job may run: below Helm's and helm-controller's default 5 minute timeout, above the retry budget. */
export const REGISTRATION_DEADLINE_SECONDS = 280;

const USER = 100;
const GROUP = 101;
const SCRIPT_DIR = "/opt/runway";
const SCRIPT = "registration.sh";
const CA_FILE = "gitlab-ca.crt";
const TOKEN_DIR = "/var/run/runway/registration-token";
const KUBE_DIR = "/var/run/runway/kube";

/** registration.sh, as the chart carries it. */
export function registrationScript(): string {
  return readFileSync(path.join(__dirname, SCRIPT), "utf8");
}

const dnsSubdomain = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, { error: "must be empty or a Kubernetes object name" })
  .max(253);
const quantity = (what: string) =>
  z.union([z.string().regex(new RegExp(QUANTITY_PATTERN), { error: "must be a quantity such as 10m or 32Mi" }), z.number().positive()]).describe(what);

export const registrationValuesSchema = z
  .strictObject({
    enabled: z.boolean().describe("Run the registration hook after every install and upgrade. Off for plain self-managed installs; a Runway self-hosted turn-up switches it on."),
    gitlabUrl: z
      .string()
      .regex(/^(https:\/\/[^\s"?#]+)?$/, { error: "must be GitLab's https:// URL, without query or fragment" })
      .describe("GitLab's external URL, with its relative URL root if it has one, e.g. https://gitlab.example.com or https://example.com/gitlab. Required when enabled."),
    tokenSecret: z
      .strictObject({
        name: dnsSubdomain.describe("Secret name. Required when enabled."),
        key: z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key" }).describe("Key of the token in the Secret."),
      })
      .describe("The Secret holding the registration token; the hook mounts it, the token never enters values."),
    statusConfigMap: dnsSubdomain.describe("ConfigMap the hook records the outcome in (the status contract); it must exist, the hook only patches it. Required when enabled."),
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{0,128}$/, { error: "must be at most 128 letters, digits, '.', '_' or '-'" })
      .describe("Opaque id sent with the request and recorded in the status, so a caller can tell which request a status answers. A new value also reruns the hook (it upgrades the release)."),
    caCertificate: z
      .string()
      .regex(/^(-----BEGIN CERTIFICATE-----[\s\S]*-----END CERTIFICATE-----\s*)?$/, { error: "must be empty or PEM certificates" })
      .describe("PEM certificate(s) of the CA that signed GitLab's TLS certificate, when it is private; the hook then trusts only these. Empty: the image's public CA bundle."),
    retry: z
      .strictObject({
        attempts: z.int().min(1).max(6).describe("Requests before giving up on 429, 5xx and network errors."),
        backoffSeconds: z.int().min(0).max(10).describe("Wait before the second request, doubled after each (at most 30 s); a 429's Retry-After wins."),
      })
      .describe("Retries; attempts x 20 s plus the waits stay below the hook's 280 s deadline."),
    image: z
      .strictObject({
        repository: z.string().regex(IMAGE_REPOSITORY, { error: "must be an image repository without tag" }).describe("Image with POSIX sh and curl 7.55 or later, e.g. a mirror of the default."),
        tag: z.string().regex(IMAGE_TAG, { error: "must be an image tag" }).describe("Tag, kept for readers; the digest pins the image."),
        digest: z.string().regex(IMAGE_DIGEST, { error: "must be sha256:<64 hex digits>: the hook image is always pinned" }).describe("Digest of the image (sha256:...)."),
        pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
      })
      .describe("Image of the hook, pinned by digest."),
    resources: z
      .strictObject({
        requests: z.strictObject({ cpu: quantity("CPU request."), memory: quantity("Memory request.") }).describe("Resource requests."),
        limits: z.strictObject({ cpu: quantity("CPU limit."), memory: quantity("Memory limit.") }).describe("Resource limits."),
      })
      .describe("Resources of the hook's container."),
  })
  .superRefine((r, ctx) => {
    if (!r.enabled) return;
    for (const [p, v] of [[["gitlabUrl"], r.gitlabUrl], [["tokenSecret", "name"], r.tokenSecret.name], [["statusConfigMap"], r.statusConfigMap]] as const) {
      if (!v) ctx.addIssue({ code: "custom", path: [...p], message: "is required when registration.enabled is true" });
    }
  })
  // The same rule for Helm, which only sees the JSON Schema.
  .meta({
    if: { properties: { enabled: { const: true } } },
    then: {
      properties: {
        gitlabUrl: { minLength: 1 },
        tokenSecret: { properties: { name: { minLength: 1 } } },
        statusConfigMap: { minLength: 1 },
      },
    },
  })
  .describe("Registration callback of a GitLab-managed self-hosted install (docs/self-managed.md).");

export type RegistrationValues = z.output<typeof registrationValuesSchema>;

export function defaultRegistrationValues(): RegistrationValues {
  return {
    enabled: false,
    gitlabUrl: "",
    tokenSecret: { name: "", key: "token" },
    statusConfigMap: "",
    requestId: "",
    caCertificate: "",
    retry: { attempts: 5, backoffSeconds: 2 },
    image: { ...REGISTRATION_IMAGE, pullPolicy: "IfNotPresent" },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
  };
}

const on = <T>(object: T): T => Hole.when("registration.enabled", object);
const name = () => Hole.include("registrationName");
const metadata = () => ({ name: name(), labels: Hole.includeMap("labels") });

export function registrationServiceAccount(): IServiceAccount {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(), automountServiceAccountToken: false };
}

/** Patch of the one status ConfigMap, by name; nothing else (not even get: the hook never reads it). */
export function registrationRole(): IRole {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: metadata(),
    rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [Hole.value("registration.statusConfigMap", true)], verbs: ["patch"] }],
  };
}

export function registrationRoleBinding(): IRoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: metadata(),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: name() },
    subjects: [{ kind: "ServiceAccount", name: name(), namespace: Hole.include("namespace") }],
  };
}

/** The script, and GitLab's CA when there is one. */
export function registrationConfigMap(): IConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(),
    data: {
      [SCRIPT]: registrationScript(),
      [CA_FILE]: Hole.when("registration.caCertificate", Hole.value("registration.caCertificate", true)),
    },
  };
}

export function registrationJob(service: string): IJob {
  const env = (n: string, value: string) => ({ name: n, value });
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: name(),
      labels: Hole.includeMap("labels"),
      annotations: {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-weight": "0",
        // A new run replaces the last one's Job; a run that recorded its outcome leaves nothing behind.
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      },
    },
    spec: {
      // The script retries GitLab itself; a failed pod means the outcome could not be recorded.
      backoffLimit: 0,
      activeDeadlineSeconds: REGISTRATION_DEADLINE_SECONDS,
      template: {
        metadata: { labels: Hole.includeMap("registrationPodLabels") },
        spec: {
          serviceAccountName: name(),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          restartPolicy: "Never",
          imagePullSecrets: Hole.with("imagePullSecrets"),
          // Where the workload may run, so may the hook (tainted or dedicated nodes).
          nodeSelector: Hole.with("nodeSelector"),
          tolerations: Hole.with("tolerations"),
          securityContext: { runAsNonRoot: true, runAsUser: USER, runAsGroup: GROUP, fsGroup: GROUP, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: REGISTRATION_COMPONENT,
              image: Hole.include("registrationImage", { quote: true }),
              imagePullPolicy: Hole.value("registration.image.pullPolicy"),
              command: ["/bin/sh", `${SCRIPT_DIR}/${SCRIPT}`],
              env: [
                { name: "RUNWAY_GITLAB_URL", value: Hole.value("registration.gitlabUrl", true) },
                env("RUNWAY_TOKEN_FILE", `${TOKEN_DIR}/token`),
                env("RUNWAY_KUBE_DIR", KUBE_DIR),
                { name: "RUNWAY_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "RUNWAY_STATUS_CONFIGMAP", value: Hole.value("registration.statusConfigMap", true) },
                { name: "RUNWAY_REQUEST_ID", value: Hole.value("registration.requestId", true) },
                env("RUNWAY_SERVICE", service),
                { name: "RUNWAY_RELEASE", value: Hole.include("release", { quote: true }) },
                { name: "RUNWAY_CHART_VERSION", value: Hole.include("chartVersion", { quote: true }) },
                { name: "RUNWAY_APP_VERSION", value: Hole.include("version", { quote: true }) },
                { name: "RUNWAY_ATTEMPTS", value: Hole.value("registration.retry.attempts", true) },
                { name: "RUNWAY_BACKOFF_SECONDS", value: Hole.value("registration.retry.backoffSeconds", true) },
                Hole.when("registration.caCertificate", env("RUNWAY_CA_FILE", `${SCRIPT_DIR}/${CA_FILE}`)),
                env("TMPDIR", "/tmp"),
              ],
              resources: Hole.yaml("registration.resources"),
              securityContext: restrictedContainer(),
              volumeMounts: [
                { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                { name: "token", mountPath: TOKEN_DIR, readOnly: true },
                { name: "kube", mountPath: KUBE_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "script", configMap: { name: name(), defaultMode: 0o444 } },
            // optional: a missing Secret or key is recorded as a failed registration instead of a pod that never starts.
            {
              name: "token",
              secret: {
                secretName: Hole.value("registration.tokenSecret.name", true),
                items: [{ key: Hole.value("registration.tokenSecret.key", true), path: "token" }],
                defaultMode: 0o440,
                optional: true,
              },
            },
            // What automountServiceAccountToken would mount, but only here and with a 10 minute token.
            {
              name: "kube",
              projected: {
                defaultMode: 0o440,
                sources: [
                  { serviceAccountToken: { path: "token", expirationSeconds: 600 } },
                  { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                ],
              },
            },
            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
          ],
        },
      },
    },
  };
}

/** The hook's template files, each present only while registration.enabled is true. */
export function registrationTemplates(service: string): { file: string; object: unknown }[] {
  return [
    { file: "registration-serviceaccount.yaml", object: on(registrationServiceAccount()) },
    { file: "registration-role.yaml", object: on(registrationRole()) },
    { file: "registration-rolebinding.yaml", object: on(registrationRoleBinding()) },
    { file: "registration-configmap.yaml", object: on(registrationConfigMap()) },
    { file: "registration-job.yaml", object: on(registrationJob(service)) },
  ];
}
