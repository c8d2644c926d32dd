/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with filesystem storage
 * in a temp dir. Around it, loopback helpers that are real HTTP servers, never mocks:
 * - a token server for the registry's own `auth: token` mode (ES256 JWTs whose x5c certificate the registry trusts),
 *   as GitLab's container registry authenticates;
 * - a reverse proxy that demands basic auth, or fails on purpose (500, dropped connection) for chosen requests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { REGISTRY_BIN } from "./tools";

export { REGISTRY_BIN };

export interface Server {
  host: string;
  port: number;
  stop(): Promise<void>;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await listen(s);
  await closer(s)();
  return port;
}

// --- minimal DER, enough for one self-signed ECDSA certificate ---
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 255]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const enc = [n & 127];
    for (let v = n >> 7; v > 0; v >>= 7) enc.unshift((v & 127) | 128);
    bytes.push(...enc);
  }
  return tlv(0x06, Buffer.from(bytes));
}
function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, "").slice(2, 14);
  return tlv(0x17, Buffer.from(`${s}Z`, "ascii"));
}
function name(cn: string): Buffer {
  return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))));
}

function selfSignedCertificate(key: KeyObject, pub: KeyObject, cn: string): Buffer {
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.concat([Buffer.from([1]), randomBytes(8)])),
    ecdsaSha256,
    name(cn),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86400_000))),
    name(cn),
    pub.export({ format: "der", type: "spki" }),
  );
  const signature = sign("sha256", tbs, key);
  return seq(tbs, ecdsaSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export interface TokenServer extends Server {
  realm: string;
  service: string;
  issuer: string;
  certPem: string;
  /** Scopes asked for, in order. */
  requests: { scope: string; user?: string }[];
}

/** Issues registry JWTs to the listed users (basic auth at the realm); anonymous requests get 401. */
export async function startTokenServer(users: Record<string, string>): Promise<TokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cert = selfSignedCertificate(privateKey, publicKey, "runway-test-token-issuer");
  const service = "runway-test-registry";
  const issuer = "runway-test-issuer";
  const requests: TokenServer["requests"] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const scope = url.searchParams.get("scope") ?? "";
    const auth = req.headers.authorization ?? "";
    const [user, pass] = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8").split(":") : [];
    requests.push({ scope, user });
    if (user === undefined || users[user] !== pass) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="runway-test-token"' });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const [type, repo, actions] = scope.split(":");
    const t = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "ES256", x5c: [cert.toString("base64")] };
    const claims = {
      iss: issuer,
      sub: user,
      aud: url.searchParams.get("service"),
      exp: t + 300,
      nbf: t - 10,
      iat: t,
      jti: randomBytes(8).toString("hex"),
      access: type === "repository" ? [{ type, name: repo, actions: (actions ?? "").split(",") }] : [],
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    const token = `${input}.${b64url(sig)}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  const port = await listen(server);
  const certPem = `-----BEGIN CERTIFICATE-----\n${cert.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  return { host: `127.0.0.1:${port}`, port, realm: `http://127.0.0.1:${port}/token`, service, issuer, certPem, requests, stop: closer(server) };
}

export interface Registry extends Server {
  dir: string;
  /** Output of the registry process, for failure messages. */
  log(): string;
}

/** Starts docker-registry on a free loopback port; with `token`, in the registry's token auth mode. */
export async function startRegistry(o: { token?: TokenServer } = {}): Promise<Registry> {
  if (!existsSync(REGISTRY_BIN)) {
    // The global setup (test/setup/provision.ts) installs it when the tests run as root.
    throw new Error(`${REGISTRY_BIN} not found: install it with 'apt-get install -y docker-registry' as root, or set RUNWAY_TEST_REGISTRY_BIN`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "runway-registry-"));
  const port = await freePort();
  const auth = o.token
    ? (() => {
        writeFileSync(path.join(dir, "token-ca.pem"), o.token.certPem);
        return [
          "auth:",
          "  token:",
          `    realm: ${o.token.realm}`,
          `    service: ${o.token.service}`,
          `    issuer: ${o.token.issuer}`,
          `    rootcertbundle: ${path.join(dir, "token-ca.pem")}`,
        ];
      })()
    : [];
  const config = [
    "version: 0.1",
    "log: { level: warn, accesslog: { disabled: true } }",
    "storage:",
    `  filesystem: { rootdirectory: ${path.join(dir, "data")} }`,
    "  delete: { enabled: true }",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${createHash("sha256").update(dir).digest("hex")}`,
    ...auth,
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "config.yml"), config);
  let output = "";
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (!exited) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`docker-registry exited at start:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer GET /v2/ within 20s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, port, dir, log: () => output, stop };
}

/** 500: answer an error; drop: close the connection; redirect: 307 to the same path on the registry itself. */
export type Fault = "500" | "drop" | "redirect";

export interface Proxy extends Server {
  /** Requests seen, as "METHOD /path". */
  seen: string[];
}

/**
 * A reverse proxy to `target` on loopback. `basicAuth` demands those credentials (the registry behind stays
 * open); `fault` decides per request whether to answer 500, drop the connection or redirect instead of forwarding.
 */
export async function startProxy(
  target: Server,
  o: { basicAuth?: { user: string; password: string }; fault?: (method: string, pathname: string) => Fault | undefined } = {},
): Promise<Proxy> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    seen.push(`${req.method} ${pathname}`);
    if (o.basicAuth) {
      const want = `Basic ${Buffer.from(`${o.basicAuth.user}:${o.basicAuth.password}`).toString("base64")}`;
      if (req.headers.authorization !== want) {
        req.resume();
        res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="runway-test"' });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        return;
      }
    }
    const fault = o.fault?.(req.method ?? "GET", pathname);
    if (fault === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault === "redirect") {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${target.port}${req.url ?? "/"}` });
      res.end();
      return;
    }
    if (fault === "500") {
      req.resume();
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "injected failure" }] }));
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = http.request({ host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, port, seen, stop: closer(server) };
}
