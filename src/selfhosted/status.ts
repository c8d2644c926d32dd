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

/** Keys the chart's registration hook (src/chart/registration.sh) writes into the status ConfigMap. */
export const STATUS_KEYS = {
  /** `pending` until GitLab accepted the registration token, then `finalized`; `failed` when GitLab refused it. */
  registration: "registration",
  /** RFC 3339 time GitLab accepted the registration. */
  finalizedAt: "finalizedAt",
  /** Human-readable detail, e.g. GitLab's answer to a refused registration. */
  message: "message",
  /** GitLab's last HTTP status; empty when it never answered. */
  httpStatus: "httpStatus",
  /** Requests the last run made. */
  attempts: "attempts",
  /** RFC 3339 time of the last request. */
  lastAttemptAt: "lastAttemptAt",
  /** The `registration.requestId` of the run that wrote the status. */
  requestId: "requestId",
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

/** What the registration hook records (docs/self-managed.md, "Status contract"), read back. */
export interface RegistrationStatus {
  /** `pending` while the hook retries or before it ran, then `finalized` or `failed`. */
  state: "pending" | "finalized" | "failed";
  /** GitLab's last HTTP status, e.g. "201", "401", "503"; empty when GitLab never answered. */
  httpStatus: string;
  /** GitLab's message, the network error, or what to fix; never the token. */
  message: string;
  /** Requests the last run made. */
  attempts: number;
  /** RFC 3339 time of the last request. */
  lastAttemptAt?: string;
  /** RFC 3339 time GitLab finalized the registration (its own, for a token already finalized). */
  finalizedAt?: string;
  /** `registration.requestId` of the run that wrote the status. */
  requestId: string;
}

/** The status ConfigMap's data as a RegistrationStatus; missing or unknown values read as pending and empty. */
export function readRegistrationStatus(data: Record<string, string> | undefined | null): RegistrationStatus {
  const d = data ?? {};
  const attempts = Number.parseInt(d[STATUS_KEYS.attempts] ?? "", 10);
  return {
    state: registrationState(d) === "revoked" ? "pending" : (registrationState(d) as RegistrationStatus["state"]),
    httpStatus: d[STATUS_KEYS.httpStatus] ?? "",
    message: d[STATUS_KEYS.message] ?? "",
    attempts: Number.isFinite(attempts) && attempts >= 0 ? attempts : 0,
    ...(d[STATUS_KEYS.lastAttemptAt] ? { lastAttemptAt: d[STATUS_KEYS.lastAttemptAt] } : {}),
    ...(d[STATUS_KEYS.finalizedAt] ? { finalizedAt: d[STATUS_KEYS.finalizedAt] } : {}),
    requestId: d[STATUS_KEYS.requestId] ?? "",
  };
}

export interface RegistrationVerdictInput {
  service: string;
  gitlabUrl: string;
  /** The request the current release carries (`registration.requestId`). */
  requestId: string;
  /** runway:registrationRetry, for the fix in the message. */
  retry: number;
  /** `pulumi preview`: the release has not been applied yet, so the status may be older than the request. */
  preview: boolean;
  /** Say nothing of a status not written yet (the offline plan, which reaches no cluster). */
  quietPending: boolean;
}

/**
 * What `pulumi up` makes of the status after the release (and so its hook) finished: `fail` for a registration
 * GitLab refused or never answered, with GitLab's message and the fix; `warn` for a status that does not answer the
 * current request (a hook that did not run) or, in a preview, for a failure that the next `pulumi up` will report;
 * `ok` otherwise. Never includes the token: the status never holds it.
 */
export function registrationVerdict(s: RegistrationStatus, i: RegistrationVerdictInput): { level: "ok" | "warn" | "fail"; state: RegistrationState; message?: string } {
  const current = s.requestId === i.requestId;
  const who = `registration of ${i.service} with ${i.gitlabUrl}`;
  if (!current || s.state === "pending") {
    if (i.preview || i.quietPending) return { level: "ok", state: "pending" };
    const seen = s.requestId ? `the status answers request ${s.requestId}` : "the status is empty";
    return {
      level: "warn",
      state: "pending",
      message: `${who} is not reported for request ${i.requestId} (${seen}): is the chart's registration hook in this chart version? See the hook Job and the HelmRelease: kubectl -n ${i.service} get jobs,helmreleases`,
    };
  }
  if (s.state === "finalized") return { level: "ok", state: "finalized" };
  const answer = s.httpStatus ? `HTTP ${s.httpStatus}` : "no HTTP answer";
  const detail = `${s.message} (${answer}, ${s.attempts} attempt${s.attempts === 1 ? "" : "s"}${s.lastAttemptAt ? `, last at ${s.lastAttemptAt}` : ""})`;
  const fix = `fix the cause, then set runway:registrationRetry to ${i.retry + 1} and run pulumi up again`;
  return { level: i.preview ? "warn" : "fail", state: "failed", message: `${who} failed: ${detail}; ${fix}` };
}
