/**
 * Does the customer's GitLab instance answer? Checked at the start of a real `pulumi up` or `pulumi preview` of a
 * turn-up (never under the offline plan engine), so a typo or an unreachable instance fails before anything is
 * created rather than as a workload that never finalizes its registration.
 *
 * The probe is `GET /.well-known/openid-configuration`: GitLab documents it as its OpenID Connect discovery
 * document (https://docs.gitlab.com/integration/openid_connect_provider/), it needs no token, and its `issuer` is
 * the instance's external URL, so the answer also proves the URL is a GitLab. The health endpoints (`/-/health`,
 * `/-/readiness`, `/-/liveness`) answer 404 to any address outside GitLab's monitoring IP allowlist
 * (https://docs.gitlab.com/administration/monitoring/health_check/), and `/api/v4/version` needs a token.
 */

/** Path of the probe, appended to the GitLab URL (which may carry a relative URL root). */
export const GITLAB_PROBE_PATH = "/.well-known/openid-configuration";

export interface ProbeOptions {
  /** The fetch to use; tests pass their own. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
}

export type ProbeResult = { ok: true; issuer: string; warning?: string } | { ok: false; message: string };

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found (DNS)",
  EAI_AGAIN: "host name lookup failed temporarily (DNS)",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/** The most specific error code of a failed fetch (undici wraps the socket error as `cause`). */
function errorCode(e: unknown): string | undefined {
  for (let cur = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    if (typeof cur.code === "string") return cur.code;
  }
  return undefined;
}

function networkReason(e: unknown, timeoutMs: number): string {
  if ((e as Error)?.name === "TimeoutError" || (e as Error)?.name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  const code = errorCode(e);
  if (code && NETWORK_REASONS[code]) return `${NETWORK_REASONS[code]} (${code})`;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return `its TLS certificate is not trusted (${code}); give Node.js the CA with NODE_EXTRA_CA_CERTS`;
  }
  return code ? code : ((e as Error)?.message ?? String(e));
}

/** Probes a GitLab URL. Never throws: the result says what is wrong and how to fix it. */
export async function probeGitLab(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const base = url.replace(/\/+$/, "");
  const target = `${base}${GITLAB_PROBE_PATH}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(target, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    return { ok: false, message: `cannot reach GitLab at ${base}: ${networkReason(e, timeoutMs)}; check runway:gitlabUrl and that this machine can reach it` };
  }
  const answered = `GET ${GITLAB_PROBE_PATH} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (res.status >= 500) {
    return { ok: false, message: `GitLab at ${base} is unhealthy: ${answered}; retry once it recovers` };
  }
  let issuer: unknown;
  if (res.ok) {
    try {
      issuer = ((await res.json()) as { issuer?: unknown })?.issuer;
    } catch {
      issuer = undefined;
    }
  }
  if (!res.ok || typeof issuer !== "string") {
    const what = res.ok ? `${answered} without an OpenID Connect issuer` : answered;
    return { ok: false, message: `${base} does not look like a GitLab instance: ${what}; check runway:gitlabUrl (include the relative URL root if GitLab is served under a path)` };
  }
  const normalized = issuer.replace(/\/+$/, "");
  if (normalized !== base) {
    return { ok: true, issuer: normalized, warning: `GitLab at ${base} calls itself ${normalized} (its external_url); the workload will call ${base}` };
  }
  return { ok: true, issuer: normalized };
}

/** Probes and throws the probe's message when GitLab does not answer as it should. Returns the warning, if any. */
export async function assertGitLabReachable(url: string, opts: ProbeOptions = {}): Promise<string | undefined> {
  const r = await probeGitLab(url, opts);
  if (!r.ok) throw new Error(r.message);
  return r.warning;
}
