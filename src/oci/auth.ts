/**
 * Registry authentication: the `WWW-Authenticate` challenge of the distribution spec, answered with a bearer
 * token from the challenge's realm (as GitLab's container registry and Docker Hub do) or with basic auth.
 */
import { isLoopback, OciError } from "./reference";

export interface Credentials {
  username?: string;
  password?: string;
  /** A ready registry bearer token, sent as is. */
  token?: string;
}

export interface Challenge {
  scheme: "bearer" | "basic";
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://x/jwt/auth",service="registry",scope="repository:a/b:pull,push"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== "bearer" && scheme !== "basic") return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  }
  return { scheme, params };
}

/** Credentials from RUNWAY_REGISTRY_TOKEN, or RUNWAY_REGISTRY_USER with RUNWAY_REGISTRY_PASSWORD. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials {
  const token = env.RUNWAY_REGISTRY_TOKEN || undefined;
  const username = env.RUNWAY_REGISTRY_USER || undefined;
  const password = env.RUNWAY_REGISTRY_PASSWORD || undefined;
  if ((username === undefined) !== (password === undefined)) {
    throw new OciError(
      `RUNWAY_REGISTRY_${username === undefined ? "USER" : "PASSWORD"} is not set; set both RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN`,
    );
  }
  return { token, username, password };
}

export function basicHeader(c: Credentials): string | undefined {
  return c.username !== undefined && c.password !== undefined
    ? `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`
    : undefined;
}

/**
 * Asks the challenge's realm for a token covering `scope`. The realm gets the basic credentials, so it must be
 * https unless it is on loopback.
 */
export async function fetchBearerToken(challenge: Challenge, scope: string, credentials: Credentials, timeoutMs: number): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new OciError("registry sent a Bearer challenge without a realm; it cannot issue tokens");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new OciError(`registry token realm '${realm}' is not a URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.host))) {
    throw new OciError(`registry token realm ${realm} is not https; refusing to send credentials over plain HTTP`);
  }
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  url.searchParams.set("scope", scope);
  const headers: Record<string, string> = { accept: "application/json" };
  const basic = basicHeader(credentials);
  if (basic) headers.authorization = basic;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new OciError(`cannot reach the registry token service ${url.origin}${url.pathname}: ${networkReason(e)}`);
  }
  if (res.status === 401 || res.status === 403) {
    await res.arrayBuffer().catch(() => undefined);
    throw new OciError(
      basic
        ? `registry token service ${url.origin}${url.pathname} refused the credentials of RUNWAY_REGISTRY_USER (${res.status}); check RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD`
        : `registry token service ${url.origin}${url.pathname} requires credentials (${res.status}); set RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN`,
    );
  }
  if (!res.ok) {
    await res.arrayBuffer().catch(() => undefined);
    throw new OciError(`registry token service ${url.origin}${url.pathname} failed: ${res.status} ${res.statusText}`);
  }
  let body: { token?: unknown; access_token?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new OciError(`registry token service ${url.origin}${url.pathname} did not answer with JSON`);
  }
  const token = typeof body.token === "string" ? body.token : typeof body.access_token === "string" ? body.access_token : undefined;
  if (!token) throw new OciError(`registry token service ${url.origin}${url.pathname} answered without a token`);
  return token;
}

/** Why a fetch failed, in a few words: connection refused, dropped, timed out. */
export function networkReason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return "timed out";
  const code = err?.cause?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "EPIPE":
      return "the connection was dropped";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "ETIMEDOUT":
      return "timed out";
  }
  if (code && code.startsWith("ERR_TLS") || /certificate|self[- ]signed/i.test(err?.cause?.message ?? "")) return `TLS error (${err?.cause?.message})`;
  return err?.cause?.message ?? err?.message ?? String(e);
}
