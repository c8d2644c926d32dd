import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkGitLab } from "../src/compositions/selfhosted";
import { loadStackFile } from "../src/config/stack";
import { recordProgram } from "../src/plan/engine";
import { GITLAB_PROBE_PATH, probeGitLab } from "../src/selfhosted/reachability";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A local HTTP server answering with `handler`; returns its base URL. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** GitLab's discovery document, with `issuer` defaulting to the server's own URL. */
const gitlab = (issuer?: string): RequestListener => (req, res) => {
  if (req.url !== GITLAB_PROBE_PATH) {
    res.writeHead(404).end();
    return;
  }
  const host = `http://${req.headers.host}`;
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: issuer ?? host, jwks_uri: `${host}/oauth/discovery/keys` }));
};

describe("GitLab reachability check", () => {
  it("a healthy GitLab passes", async () => {
    const url = await serve(gitlab());
    expect(await probeGitLab(`${url}/`)).toEqual({ ok: true, issuer: url });
  });

  it("a GitLab answering 500 fails with a clear message", async () => {
    const url = await serve((_req, res) => res.writeHead(500).end("oops"));
    expect(await probeGitLab(url)).toEqual({ ok: false, message: `GitLab at ${url} is unhealthy: GET /.well-known/openid-configuration answered 500 Internal Server Error; retry once it recovers` });
  });

  it("a refused connection fails with a clear message", async () => {
    const url = await serve(gitlab());
    await new Promise((r) => servers.pop()?.close(r));
    expect(await probeGitLab(url)).toEqual({
      ok: false,
      message: `cannot reach GitLab at ${url}: connection refused (ECONNREFUSED); check runway:gitlabUrl and that this machine can reach it`,
    });
  });

  it("a server that is not GitLab fails with a clear message", async () => {
    const url = await serve((_req, res) => res.writeHead(404, "Not Found").end());
    expect(await probeGitLab(url)).toEqual({
      ok: false,
      message: `${url} does not look like a GitLab instance: GET /.well-known/openid-configuration answered 404 Not Found; check runway:gitlabUrl (include the relative URL root if GitLab is served under a path)`,
    });
  });

  it("a GitLab that never answers fails after the timeout", async () => {
    const url = await serve(() => undefined);
    expect(await probeGitLab(url, { timeoutMs: 200 })).toEqual({
      ok: false,
      message: `cannot reach GitLab at ${url}: no answer within 0.2 s; check runway:gitlabUrl and that this machine can reach it`,
    });
  });

  it("a GitLab whose external_url differs passes with a warning", async () => {
    const url = await serve(gitlab("https://gitlab.example.com/"));
    expect(await probeGitLab(url)).toEqual({
      ok: true,
      issuer: "https://gitlab.example.com",
      warning: `GitLab at ${url} calls itself https://gitlab.example.com (its external_url); the workload will call ${url}`,
    });
  });
});

describe("GitLab check of a turn-up", () => {
  const stack = loadStackFile(path.join(__dirname, "..", "stacks", "Pulumi.ai-gateway-selfhosted.yaml"));
  if (stack.config["runway:kind"] !== "selfhosted") throw new Error("expected a selfhosted stack");
  const config = stack.config;
  const ctx = { stack, allStacks: [stack], catalog: [] };
  /** A fetch that sends the example's GitLab URL to a local server. */
  const to = (base: string): typeof fetch => (input, init) => fetch(String(input).replace(config["runway:gitlabUrl"], base), init);

  it("an unreachable GitLab fails the deployment at runway:gitlabUrl's position", async () => {
    const url = await serve((_req, res) => res.writeHead(502, "Bad Gateway").end());
    // As `pulumi up` runs it (a preview only warns: test/conformance-program.test.ts).
    await expect(checkGitLab(ctx, config, { fetch: to(url), dryRun: false })).rejects.toThrow(
      "stacks/Pulumi.ai-gateway-selfhosted.yaml:9:21: config.runway:gitlabUrl: GitLab at https://gitlab.example.com is unhealthy: GET /.well-known/openid-configuration answered 502 Bad Gateway; retry once it recovers",
    );
  });

  it("a reachable GitLab lets the deployment proceed", async () => {
    const url = await serve(gitlab("https://gitlab.example.com"));
    await expect(checkGitLab(ctx, config, { fetch: to(url) })).resolves.toBeUndefined();
  });

  it("offline plans and turn-downs never probe", async () => {
    const calls: string[] = [];
    const spy: typeof fetch = async (input) => {
      calls.push(String(input));
      throw new Error("no network");
    };
    await recordProgram(() => checkGitLab(ctx, config, { fetch: spy }), { stack: "t" });
    await checkGitLab(ctx, { ...config, "runway:state": "down" }, { fetch: spy });
    expect(calls).toEqual([]);
  });
});
