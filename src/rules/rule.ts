/**
 * The shape of a guardrail rule and the helpers rules use to read resource inputs. Rules are plain functions over
 * a resource's type, inputs and options, shared by `runway check` (offline plans) and the policy pack (`policy/`).
 * Pure: no provider SDK, no Pulumi runtime.
 */

export type Severity = "mandatory" | "advisory";

/** Markers the plan engine writes for secret and unknown values (src/plan/engine.ts SECRET, UNKNOWN). */
export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";

/** Resource options a rule may read; `undefined` where the caller cannot see the option (policy packs and retainOnDelete). */
export interface CheckedOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: readonly string[];
  replaceOnChanges?: readonly string[];
  aliases?: readonly string[];
  parent?: string | null;
}

/** One resource as a rule sees it. */
export interface CheckedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  options: CheckedOptions;
}

export interface RuleContext {
  /** Every resource of the stack, the checked one included. */
  resources: readonly CheckedResource[];
}

/**
 * What kept a rule from seeing a value: a Pulumi secret ("[secret]" in a plan), a value unknown until apply
 * ("[unknown]"), or a resource option the runner is not shown at all (policy packs do not see retainOnDelete).
 */
export type Unseen = "secret" | "unknown" | "hidden";

/**
 * A finding the rule cannot decide because it cannot see a value it needs. A mandatory rule fails closed on a secret
 * or unknown value (its finding is mandatory); advisory rules and hidden options give advisory findings.
 */
export class Unverified {
  constructor(
    readonly message: string,
    readonly unseen: Unseen = "unknown",
  ) {}
}

/** A violation message, or an undecidable finding. */
export type Finding = string | Unverified;

export interface Rule {
  /** Stable id: the checklist id (G1, K2, V1, D1, ...), with a suffix when one control has several rules (K2-dns). */
  id: string;
  title: string;
  severity: Severity;
  /** One line: why the control matters. */
  rationale: string;
  /** CIS / Checkov / documentation reference, from the checklist. */
  source: string;
  /** Pulumi type tokens the rule checks. */
  appliesTo: readonly string[];
  /** `stack` rules read other resources of the stack through the context; the policy pack runs them as validateStack. */
  scope: "resource" | "stack";
  check(resource: CheckedResource, context: RuleContext): Finding[];
}

export const T = {
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  project: "gcp:organizations/project:Project",
  auditConfig: "gcp:projects/iAMAuditConfig:IAMAuditConfig",
  keyRing: "gcp:kms/keyRing:KeyRing",
  cryptoKey: "gcp:kms/cryptoKey:CryptoKey",
  bucket: "gcp:storage/bucket:Bucket",
  bucketIamMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
  bucketIamBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  bucketIamPolicy: "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
  backupPlan: "gcp:gkebackup/backupPlan:BackupPlan",
  namespace: "kubernetes:core/v1:Namespace",
  namespacePatch: "kubernetes:core/v1:NamespacePatch",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  serviceAccountPatch: "kubernetes:core/v1:ServiceAccountPatch",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  limitRange: "kubernetes:core/v1:LimitRange",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  externalSecret: "kubernetes:external-secrets.io/v1:ExternalSecret",
  helmReleaseV3: "kubernetes:helm.sh/v3:Release",
  authBackendRole: "vault:kubernetes/authBackendRole:AuthBackendRole",
  vaultPolicy: "vault:index/policy:Policy",
  vaultMount: "vault:index/mount:Mount",
  dynamic: "pulumi-nodejs:dynamic:Resource",
} as const;

/** Flux custom resources, in every API version Runway may register. */
export const FLUX_KUSTOMIZATION = ["kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "kubernetes:kustomize.toolkit.fluxcd.io/v1beta2:Kustomization"];
export const FLUX_HELMRELEASE = ["kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", "kubernetes:helm.toolkit.fluxcd.io/v2beta2:HelmRelease"];
export const FLUX_OCIREPOSITORY = ["kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "kubernetes:source.toolkit.fluxcd.io/v1beta2:OCIRepository"];

/** The namespace Flux runs in: the platform's own, never a tenant's (F1). */
export const FLUX_NS = "flux-system";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export function isSecret(v: unknown): boolean {
  return v === SECRET;
}

/** Neither unknown nor secret: a value a rule can judge. */
export function isOpaque(v: unknown): boolean {
  return v === UNKNOWN || v === SECRET;
}

/** Whether an unknown or secret marker occurs anywhere in a value. */
export function hasOpaque(v: unknown): boolean {
  if (isOpaque(v)) return true;
  if (Array.isArray(v)) return v.some(hasOpaque);
  return v !== null && typeof v === "object" && Object.values(v).some(hasOpaque);
}

/** The first unknown or secret marker in a value (a secret before an unknown makes no difference to the caller). */
export function firstOpaque(v: unknown): unknown {
  if (isOpaque(v)) return v;
  const items = Array.isArray(v) ? v : v !== null && typeof v === "object" ? Object.values(v) : [];
  for (const x of items) {
    const found = firstOpaque(x);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The value at a dotted path (`nodeConfig.shieldedInstanceConfig.enableSecureBoot`). An unknown or secret
 * object on the way yields that marker, since everything below it is unknown or secret too.
 */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (isOpaque(cur)) return cur;
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** An array input as an array; anything else (absent, scalar, marker) as []. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A value as the user would write it in a message. */
export function show(v: unknown): string {
  if (v === undefined) return "unset";
  if (typeof v === "string") return `"${v}"`;
  return JSON.stringify(v);
}

/** The finding for a value the rule needs at `path` that is secret or unknown; the message names the field. */
export function unverified(path: string, v: unknown): Unverified {
  return isSecret(v)
    ? new Unverified(`cannot verify: ${path} is a Pulumi secret, hidden from the check`, "secret")
    : new Unverified(`cannot verify: ${path} is unknown until apply`, "unknown");
}

/** What a mandatory finding on an unseen value tells the user to do. */
export function failClosedFix(unseen: Unseen): string {
  return unseen === "secret"
    ? "a mandatory control fails closed on a value it cannot see: pass it as a plain value (it is configuration, not a credential)"
    : "a mandatory control fails closed on a value it cannot see: compute it from known inputs (`runway plan` without --preview resolves them), or run the policy pack on `pulumi up --skip-preview`, where every input is known";
}

/**
 * The common check: the value at `path` must satisfy `ok`. Unknown or secret values give an Unverified finding,
 * a failing value gives `${path} is <value>; <fix>`.
 */
export function expectField(inputs: unknown, path: string, ok: (v: unknown) => boolean, fix: string): Finding[] {
  const v = at(inputs, path);
  if (isOpaque(v)) return [unverified(path, v)];
  return ok(v) ? [] : [`${path} is ${show(v)}; ${fix}`];
}

/** `expectField` over several paths, all findings together. */
export function expectFields(inputs: unknown, checks: readonly [path: string, ok: (v: unknown) => boolean, fix: string][]): Finding[] {
  return checks.flatMap(([path, ok, fix]) => expectField(inputs, path, ok, fix));
}

export const isTrue = (v: unknown): boolean => v === true;
export const notTrue = (v: unknown): boolean => v !== true;
export const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== "";
export const equals =
  (...allowed: unknown[]) =>
  (v: unknown): boolean =>
    allowed.includes(v);

/** Metadata of a Kubernetes object. */
export function k8sName(r: CheckedResource): unknown {
  return at(r.inputs, "metadata.name");
}

export function k8sNamespace(r: CheckedResource): unknown {
  return at(r.inputs, "metadata.namespace");
}
