/**
 * A small OCI distribution client (https://github.com/opencontainers/distribution-spec): blob upload (monolithic
 * or chunked), HEAD to skip blobs the registry has, manifests by digest or tag, tag listing. Every failure is an
 * OciError with one line saying what was being done, where, and what to do.
 */
import { createHash } from "node:crypto";
import { basicHeader, type Challenge, type Credentials, fetchBearerToken, networkReason, parseChallenge } from "./auth";
import { isLoopback, OciError } from "./reference";

export interface ClientOptions {
  credentials?: Credentials;
  /** Use http://. Only allowed (and automatic) for loopback registries. */
  plainHttp?: boolean;
  /** Blobs larger than this go up in PATCH chunks of this size. Default 8 MiB. */
  chunkSize?: number;
  timeoutMs?: number;
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

interface RegistryRequest {
  method: string;
  /** Path (or absolute URL from a Location header). */
  url: string;
  /** Actions the request needs on the repository: pull, or pull,push. */
  actions: "pull" | "pull,push";
  headers?: Record<string, string>;
  body?: Buffer;
  /** What is being done, for error messages: "uploading chart layer". */
  doing: string;
}

function registryErrors(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(": ");
  } catch {
    // not the spec's JSON error body
  }
  return "";
}

export class RegistryClient {
  readonly base: string;
  private readonly credentials: Credentials;
  private readonly chunkSize: number;
  private readonly timeoutMs: number;
  /** Bearer tokens per scope; basic auth once a Basic challenge was seen. */
  private readonly tokens = new Map<string, string>();
  private useBasic = false;

  constructor(
    readonly host: string,
    readonly repository: string,
    o: ClientOptions = {},
  ) {
    const plain = o.plainHttp ?? isLoopback(host);
    if (plain && !isLoopback(host)) throw new OciError(`plain HTTP is only allowed for 127.0.0.1 or localhost registries, not ${host}`);
    this.base = `${plain ? "http" : "https"}://${host}`;
    this.credentials = o.credentials ?? {};
    this.chunkSize = o.chunkSize ?? 8 * 1024 * 1024;
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  private scope(actions: string): string {
    return `repository:${this.repository}:${actions}`;
  }

  private authorization(actions: string): string | undefined {
    if (this.credentials.token) return `Bearer ${this.credentials.token}`;
    const t = this.tokens.get(this.scope(actions));
    if (t) return `Bearer ${t}`;
    return this.useBasic ? basicHeader(this.credentials) : undefined;
  }

  private async answer(challenge: Challenge | undefined, actions: string): Promise<boolean> {
    if (this.credentials.token || !challenge) return false;
    if (challenge.scheme === "basic") {
      if (this.useBasic || !basicHeader(this.credentials)) return false;
      this.useBasic = true;
      return true;
    }
    const scope = this.scope(actions);
    if (this.tokens.has(scope)) this.tokens.delete(scope); // expired or too narrow: ask again once
    this.tokens.set(scope, await fetchBearerToken(challenge, scope, this.credentials, this.timeoutMs));
    return true;
  }

  private where(): string {
    return `${this.host}/${this.repository}`;
  }

  /** Sends a request, answering one auth challenge. Returns the response for any status; errors are the caller's. */
  private async send(r: RegistryRequest, retried = false): Promise<Response> {
    const url = new URL(r.url, this.base);
    if (url.origin !== new URL(this.base).origin) throw new OciError(`registry ${this.host} redirected an upload to ${url.origin}; refusing to follow`);
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    const auth = this.authorization(r.actions);
    if (auth) headers.authorization = auth;
    let res: Response;
    try {
      res = await fetch(url, { method: r.method, headers, body: r.body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new OciError(`${r.doing} at ${this.where()} failed: ${networkReason(e)} (${r.method} ${url.pathname})`);
    }
    if (res.status === 401 && !retried) {
      const challenge = parseChallenge(res.headers.get("www-authenticate"));
      const text = await res.text().catch(() => "");
      if (await this.answer(challenge, r.actions)) return this.send(r, true);
      return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }

  /** Throws the one-line error for an unexpected status. */
  private async fail(r: RegistryRequest, res: Response): Promise<never> {
    const detail = registryErrors(await res.text().catch(() => ""));
    const status = `${res.status}${detail ? ` ${detail}` : ` ${res.statusText}`}`;
    const at = `${r.doing} at ${this.where()}`;
    if (res.status === 401) {
      const has = this.credentials.token || basicHeader(this.credentials);
      throw new OciError(
        has
          ? `${at} was refused: the registry rejected the credentials (${status}); check RUNWAY_REGISTRY_USER/RUNWAY_REGISTRY_PASSWORD or RUNWAY_REGISTRY_TOKEN`
          : `${at} was refused: the registry requires credentials (${status}); set RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN`,
      );
    }
    if (res.status === 403) throw new OciError(`${at} was refused: the credentials lack ${r.actions} access (${status})`);
    throw new OciError(`${at} failed: ${status} (${r.method} ${new URL(r.url, this.base).pathname})`);
  }

  private async expect(r: RegistryRequest, ok: number[]): Promise<Response> {
    const res = await this.send(r);
    if (!ok.includes(res.status)) await this.fail(r, res);
    return res;
  }

  async blobExists(digest: string): Promise<boolean> {
    const r: RegistryRequest = { method: "HEAD", url: `/v2/${this.repository}/blobs/${digest}`, actions: "pull,push", doing: `checking blob ${digest.slice(0, 19)}` };
    const res = await this.send(r);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.fail(r, res);
  }

  /** Uploads a blob unless the registry has it. Chunked when larger than chunkSize or when asked. */
  async pushBlob(data: Buffer, what: string, o: { chunked?: boolean } = {}): Promise<{ digest: string; uploaded: boolean }> {
    const digest = sha256(data);
    if (await this.blobExists(digest)) return { digest, uploaded: false };
    const doing = `uploading ${what} ${digest.slice(0, 19)}`;
    const start = await this.expect({ method: "POST", url: `/v2/${this.repository}/blobs/uploads/`, actions: "pull,push", doing }, [202]);
    let location = start.headers.get("location");
    await start.arrayBuffer().catch(() => undefined);
    if (!location) throw new OciError(`${doing} at ${this.where()} failed: the registry gave no upload location`);
    let body: Buffer | undefined = data;
    if (o.chunked || data.length > this.chunkSize) {
      const size = o.chunked ? Math.min(this.chunkSize, Math.max(1, Math.ceil(data.length / 3))) : this.chunkSize;
      for (let off = 0; off < data.length; off += size) {
        const chunk = data.subarray(off, Math.min(off + size, data.length));
        const res = await this.expect(
          {
            method: "PATCH",
            url: location,
            actions: "pull,push",
            doing,
            body: chunk,
            headers: { "content-type": "application/octet-stream", "content-range": `${off}-${off + chunk.length - 1}`, "content-length": String(chunk.length) },
          },
          [202],
        );
        location = res.headers.get("location") ?? location;
        await res.arrayBuffer().catch(() => undefined);
      }
      body = undefined;
    }
    const done = new URL(location, this.base);
    done.searchParams.set("digest", digest);
    const res = await this.expect(
      {
        method: "PUT",
        url: done.toString(),
        actions: "pull,push",
        doing,
        body: body ?? Buffer.alloc(0),
        headers: { "content-type": "application/octet-stream", "content-length": String(body?.length ?? 0) },
      },
      [201],
    );
    await res.arrayBuffer().catch(() => undefined);
    const got = res.headers.get("docker-content-digest");
    if (got && got !== digest) throw new OciError(`${doing} at ${this.where()} failed: the registry stored ${got}, expected ${digest}`);
    return { digest, uploaded: true };
  }

  /** PUTs a manifest by digest or tag; returns the digest the registry reports. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = sha256(bytes);
    const doing = reference.startsWith("sha256:") ? `storing manifest ${digest.slice(0, 19)}` : `tagging ${reference}`;
    const res = await this.expect(
      { method: "PUT", url: `/v2/${this.repository}/manifests/${reference}`, actions: "pull,push", doing, body: bytes, headers: { "content-type": mediaType } },
      [201],
    );
    await res.arrayBuffer().catch(() => undefined);
    const got = res.headers.get("docker-content-digest");
    if (got && got !== digest) throw new OciError(`${doing} at ${this.where()} failed: the registry stored ${got}, expected ${digest}`);
    return digest;
  }

  /** GETs a manifest; `undefined` when the registry has no such manifest or repository. */
  async getManifest(reference: string, accept: string[]): Promise<{ bytes: Buffer; mediaType: string; digest: string } | undefined> {
    const r: RegistryRequest = {
      method: "GET",
      url: `/v2/${this.repository}/manifests/${reference}`,
      actions: "pull,push",
      doing: `reading ${reference}`,
      headers: { accept: accept.join(", ") },
    };
    const res = await this.send(r);
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (res.status !== 200) return this.fail(r, res);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    const said = res.headers.get("docker-content-digest");
    if (said && said !== digest) throw new OciError(`reading ${reference} at ${this.where()} failed: content digest ${digest} does not match ${said}`);
    return { bytes, mediaType: (res.headers.get("content-type") ?? "").split(";")[0].trim(), digest };
  }

  async getBlob(digest: string): Promise<Buffer> {
    const r: RegistryRequest = { method: "GET", url: `/v2/${this.repository}/blobs/${digest}`, actions: "pull,push", doing: `reading blob ${digest.slice(0, 19)}` };
    let res = await this.expect(r, [200, 302, 303, 307, 308]);
    const location = res.headers.get("location");
    if (res.status !== 200 && location) {
      // Registries backed by object storage redirect blob reads to a signed URL, which takes no registry credentials.
      await res.arrayBuffer().catch(() => undefined);
      try {
        res = await fetch(new URL(location, this.base), { signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        throw new OciError(`${r.doing} at ${this.where()} failed: ${networkReason(e)} (redirected to ${new URL(location, this.base).origin})`);
      }
      if (res.status !== 200) throw new OciError(`${r.doing} at ${this.where()} failed: ${res.status} ${res.statusText} from the redirect target`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256(bytes) !== digest) throw new OciError(`reading blob ${digest} at ${this.where()} failed: content does not match its digest`);
    return bytes;
  }

  /** Tags of the repository; empty when the repository does not exist. */
  async listTags(): Promise<string[]> {
    const r: RegistryRequest = { method: "GET", url: `/v2/${this.repository}/tags/list`, actions: "pull,push", doing: "listing tags" };
    const res = await this.send(r);
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return [];
    }
    if (res.status !== 200) return this.fail(r, res);
    const body = (await res.json()) as { tags?: string[] | null };
    return [...(body.tags ?? [])].sort();
  }
}
