/**
 * Registry authentication against real servers: docker-registry in token mode with a loopback token server (the
 * challenge flow GitLab's container registry uses), and docker-registry behind a basic-auth proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileChart, packageChart } from "../src/chart/build";
import { credentialsFromEnv, fetchBearerToken } from "../src/oci/auth";
import { RegistryClient } from "../src/oci/client";
import { promoteChart, publishChart } from "../src/oci/publish";
import { OciError } from "../src/oci/reference";
import { loadManifest } from "../src/manifest/load";
import { startProxy, startRegistry, startTokenServer, type Proxy, type Registry, type TokenServer } from "./helpers/registry";

const chart = packageChart(compileChart(loadManifest("examples/ai-gateway/.runway/runway.yml"), { version: "2.0.0" }));
const ci = { username: "gitlab-ci-token", password: "job-token-123" };

let tokens: TokenServer;
let tokenRegistry: Registry;
let openRegistry: Registry;
let basicProxy: Proxy;

beforeAll(async () => {
  tokens = await startTokenServer({ [ci.username]: ci.password });
  tokenRegistry = await startRegistry({ token: tokens });
  openRegistry = await startRegistry();
  basicProxy = await startProxy(openRegistry, { basicAuth: { user: "deployer", password: "hunter2" } });
});
afterAll(async () => {
  await basicProxy?.stop();
  await tokenRegistry?.stop();
  await openRegistry?.stop();
  await tokens?.stop();
});

async function tagsWithToken(repository: string): Promise<string[]> {
  return new RegistryClient(tokenRegistry.host, repository, { credentials: ci }).listTags();
}

describe("registry authentication", () => {
  it("answers a bearer challenge with a token for the repository's pull,push scope", async () => {
    tokens.requests.length = 0;
    const r = await publishChart(chart, `oci://${tokenRegistry.host}/bearer`, { credentials: ci });
    expect(tokens.requests).toEqual([{ scope: "repository:bearer/ai-gateway:pull,push", user: ci.username }]);
    expect(await tagsWithToken("bearer/ai-gateway")).toEqual(["2.0.0"]);
    await promoteChart(`oci://${tokenRegistry.host}/bearer/ai-gateway:2.0.0`, "staging", { credentials: ci });
    const staged = await new RegistryClient(tokenRegistry.host, "bearer/ai-gateway", { credentials: ci }).getManifest("staging", [
      "application/vnd.oci.image.manifest.v1+json",
    ]);
    expect(staged?.digest).toBe(r.digest);
  });

  it("without credentials a push fails with one clear line and leaves no tag", async () => {
    const err = await publishChart(chart, `oci://${tokenRegistry.host}/anonymous`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciError);
    expect((err as Error).message).toBe(
      `registry token service http://${tokens.host}/token requires credentials (401); set RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN`,
    );
    expect(await tagsWithToken("anonymous/ai-gateway")).toEqual([]);
  });

  it("a wrong password is refused with one clear line and leaves no tag", async () => {
    await expect(publishChart(chart, `oci://${tokenRegistry.host}/wrong`, { credentials: { ...ci, password: "nope" } })).rejects.toThrow(
      `registry token service http://${tokens.host}/token refused the credentials of RUNWAY_REGISTRY_USER (401); check RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD`,
    );
    expect(await tagsWithToken("wrong/ai-gateway")).toEqual([]);
  });

  it("sends a ready RUNWAY_REGISTRY_TOKEN as the bearer token", async () => {
    const res = await fetch(`${tokens.realm}?service=${tokens.service}&scope=repository:static/ai-gateway:pull,push`, {
      headers: { authorization: `Basic ${Buffer.from(`${ci.username}:${ci.password}`).toString("base64")}` },
    });
    const { token } = (await res.json()) as { token: string };
    tokens.requests.length = 0;
    const credentials = credentialsFromEnv({ RUNWAY_REGISTRY_TOKEN: token });
    await publishChart(chart, `oci://${tokenRegistry.host}/static`, { credentials });
    expect(tokens.requests).toEqual([]);
    expect(await tagsWithToken("static/ai-gateway")).toEqual(["2.0.0"]);
  });

  it("a token for another repository is refused by the registry, clearly", async () => {
    const res = await fetch(`${tokens.realm}?service=${tokens.service}&scope=repository:elsewhere/x:pull,push`, {
      headers: { authorization: `Basic ${Buffer.from(`${ci.username}:${ci.password}`).toString("base64")}` },
    });
    const { token } = (await res.json()) as { token: string };
    await expect(publishChart(chart, `oci://${tokenRegistry.host}/scoped`, { credentials: { token } })).rejects.toThrow(
      /^reading 2\.0\.0 at 127\.0\.0\.1:[0-9]+\/scoped\/ai-gateway was refused: the registry rejected the credentials \(401 UNAUTHORIZED: authentication required\); check RUNWAY_REGISTRY_USER\/RUNWAY_REGISTRY_PASSWORD or RUNWAY_REGISTRY_TOKEN$/,
    );
  });

  it("answers a basic challenge with user and password", async () => {
    const r = await publishChart(chart, `oci://${basicProxy.host}/basic`, { credentials: { username: "deployer", password: "hunter2" } });
    expect(r.tags).toEqual(["2.0.0"]);
    expect(await new RegistryClient(openRegistry.host, "basic/ai-gateway").listTags()).toEqual(["2.0.0"]);
  });

  it("a basic-auth registry without credentials fails with one clear line and leaves no tag", async () => {
    await expect(publishChart(chart, `oci://${basicProxy.host}/basic-anon`)).rejects.toThrow(
      /^reading 2\.0\.0 at 127\.0\.0\.1:[0-9]+\/basic-anon\/ai-gateway was refused: the registry requires credentials \(401 UNAUTHORIZED: authentication required\); set RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN$/,
    );
    expect(await new RegistryClient(openRegistry.host, "basic-anon/ai-gateway").listTags()).toEqual([]);
  });

  it("takes credentials from the environment and rejects half of a user/password pair", () => {
    expect(credentialsFromEnv({ RUNWAY_REGISTRY_USER: "u", RUNWAY_REGISTRY_PASSWORD: "p" })).toEqual({ username: "u", password: "p", token: undefined });
    expect(() => credentialsFromEnv({ RUNWAY_REGISTRY_USER: "u" })).toThrow(
      "RUNWAY_REGISTRY_PASSWORD is not set; set both RUNWAY_REGISTRY_USER and RUNWAY_REGISTRY_PASSWORD, or RUNWAY_REGISTRY_TOKEN",
    );
  });

  it("allows plain HTTP only for loopback registries", () => {
    expect(new RegistryClient("127.0.0.1:5000", "x").base).toBe("http://127.0.0.1:5000");
    expect(new RegistryClient("localhost:5000", "x").base).toBe("http://localhost:5000");
    expect(new RegistryClient("registry.gitlab.com", "x").base).toBe("https://registry.gitlab.com");
    expect(() => new RegistryClient("registry.gitlab.com", "x", { plainHttp: true })).toThrow(
      "plain HTTP is only allowed for 127.0.0.1 or localhost registries, not registry.gitlab.com",
    );
  });

  it("never sends credentials to a plain-HTTP token realm off loopback", async () => {
    await expect(
      fetchBearerToken({ scheme: "bearer", params: { realm: "http://auth.example.com/token" } }, "repository:x:pull", ci, 1000),
    ).rejects.toThrow("registry token realm http://auth.example.com/token is not https; refusing to send credentials over plain HTTP");
  });
});
