/**
 * The status contract between a turned-up workload and the GitLab side (docs/self-managed.md, "Status contract"):
 * the workload writes its registration progress into a ConfigMap Runway creates empty, and Flux writes the
 * release's Ready condition into the HelmRelease. Pure readers of both, so the component's outputs and the
 * tests agree on what "ready" and "finalized" mean.
 */

/** Version of the contract, annotated on the status ConfigMap so a workload can tell what it must write. */
export const STATUS_CONTRACT_VERSION = "v1";

/** Annotation carrying STATUS_CONTRACT_VERSION. */
export const STATUS_CONTRACT_ANNOTATION = "runway.gitlab.com/status-contract";

/** Keys the workload writes into the status ConfigMap. */
export const STATUS_KEYS = {
  /** `pending` until GitLab accepted the registration token, then `finalized`; `failed` when GitLab refused it. */
  registration: "registration",
  /** RFC 3339 time GitLab accepted the registration. */
  finalizedAt: "finalizedAt",
  /** Human-readable detail, e.g. GitLab's answer to a refused registration. */
  message: "message",
} as const;

/**
 * Where a turn-up's registration stands: `pending` (the workload has not reported, or reported pending),
 * `finalized`, `failed`, or `revoked` after a turn-down deleted the tokens.
 */
export type RegistrationState = "pending" | "finalized" | "failed" | "revoked";

/** Registration state from the status ConfigMap's data; anything unrecognised reads as pending. */
export function registrationState(data: Record<string, string> | undefined | null): RegistrationState {
  const v = data?.[STATUS_KEYS.registration];
  return v === "finalized" || v === "failed" ? v : "pending";
}

interface Condition {
  type?: unknown;
  status?: unknown;
  observedGeneration?: unknown;
}

/**
 * Whether a HelmRelease status says the release is installed and healthy: its `Ready` condition is `True` and
 * not older than the object's generation (a condition from before the last spec change says nothing about it).
 * Missing or malformed status reads as not ready.
 */
export function helmReleaseReady(status: unknown, generation?: number): boolean {
  const conditions = (status as { conditions?: unknown } | undefined | null)?.conditions;
  if (!Array.isArray(conditions)) return false;
  const ready = (conditions as Condition[]).find((c) => c?.type === "Ready");
  if (!ready || ready.status !== "True") return false;
  return generation === undefined || typeof ready.observedGeneration !== "number" || ready.observedGeneration >= generation;
}
