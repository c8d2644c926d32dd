import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitLabClient, type GitLabClientOptions, GitLabError, gitlabMessage, retryAfterMs } from "../src/gitlab/api";
import { FakeGitLab } from "./fakes/gitlab-server";

const TOKEN = "glpat-maintainer-secret-value";
let gl: FakeGitLab;
let slept: number[];

function client(opts: Partial<GitLabClientOptions> = {}): GitLabClient {
  return new GitLabClient({ url: gl.url, auth: { privateToken: TOKEN }, sleep: async (ms) => void slept.push(ms), ...opts });
}

async function failure(p: Promise<unknown>): Promise<GitLabError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof GitLabError)) throw new Error(`expected a GitLabError, got ${String(e)}`);
  return e;
}

beforeEach(async () => {
  gl = await FakeGitLab.start();
  slept = [];
  gl.addProject("platform/agents", { id: 42 });
  gl.addUser(TOKEN, "runway-bot", { "platform/agents": "maintainer" });
  gl.addUser("glpat-guest", "guest", { "platform/agents": "guest" });
});
afterEach(() => gl.close());

describe("GitLab client errors", () => {
  it("a request without a valid token fails with 401 and says the token was rejected", async () => {
    const e = await failure(client({ auth: { privateToken: "glpat-wrong" } }).listAgents(42));
    expect(e.message).toBe("GitLab GET /projects/42/cluster_agents: 401 Unauthorized: the token is missing, invalid, expired or revoked");
    expect(e.status).toBe(401);
  });

  it("a token without the role gets a 403 that names the role it needs", async () => {
    const e = await failure(client({ auth: { privateToken: "glpat-guest" } }).registerAgent(42, "prod"));
    expect(e.message).toBe("GitLab POST /projects/42/cluster_agents: 403 Forbidden: insufficient permissions; the token needs the Maintainer role on the agent project");
  });

  it("an unknown project is a 404 with GitLab's message, addressed by URL-encoded path", async () => {
    const e = await failure(client().listAgents("platform/missing"));
    expect(e.message).toBe("GitLab GET /projects/platform%2Fmissing/cluster_agents: 404 Not Found: Project Not Found");
  });

  it("an unknown agent is a 404", async () => {
    const e = await failure(client().getAgent("platform/agents", 999));
    expect(e.message).toBe("GitLab GET /projects/platform%2Fagents/cluster_agents/999: 404 Not Found: it does not exist, or the token cannot see it");
  });

  it("a taken agent name is a 400 naming the field", async () => {
    await client().registerAgent(42, "prod");
    const e = await failure(client().registerAgent(42, "prod"));
    expect(e.message).toBe("GitLab POST /projects/42/cluster_agents: 400 Bad Request: name has already been taken");
  });

  it("a taken agent name answered with 409 is reported the same way and not retried", async () => {
    gl.duplicateAgentStatus = 409;
    await client().registerAgent(42, "prod");
    const e = await failure(client().registerAgent(42, "prod"));
    expect(e.message).toBe("GitLab POST /projects/42/cluster_agents: 409 Conflict: name has already been taken");
    expect(gl.log.filter((r) => r.route === "POST /projects/:id/cluster_agents")).toHaveLength(2);
  });

  it("a third active token is refused with GitLab's message", async () => {
    const agent = await client().registerAgent(42, "prod");
    await client().createAgentToken(42, agent.id, { name: "a" });
    await client().createAgentToken(42, agent.id, { name: "b" });
    const e = await failure(client().createAgentToken(42, agent.id, { name: "c" }));
    expect(e.message).toBe(`GitLab POST /projects/42/cluster_agents/${agent.id}/tokens: 400 Bad Request: An agent can have only two active tokens at a time`);
  });
});

describe("GitLab client retries", () => {
  it("a 429 is retried after the Retry-After GitLab sent, then succeeds", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents", status: 429, times: 2, retryAfter: 3 });
    const agent = await client().registerAgent(42, "prod");
    expect(agent.name).toBe("prod");
    expect(slept).toEqual([3000, 3000]);
    expect(gl.agents(42)).toHaveLength(1);
  });

  it("a 429 without Retry-After backs off exponentially", async () => {
    gl.inject({ route: "GET /projects/:id/cluster_agents", status: 429, times: 3 });
    await client().listAgents(42);
    expect(slept).toEqual([1000, 2000, 4000]);
  });

  it("a 429 that never ends fails clearly after the bounded attempts", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents", status: 429, retryAfter: 2 });
    const e = await failure(client().registerAgent(42, "prod"));
    expect(e.message).toBe("GitLab POST /projects/42/cluster_agents: 429 Too Many Requests: rate limited; gave up after 5 attempts and 8s of waiting");
    expect(gl.log).toHaveLength(5);
  });

  it("a Retry-After beyond the retry budget fails at once instead of waiting", async () => {
    gl.inject({ route: "GET /projects/:id/cluster_agents", status: 429, retryAfter: 3600 });
    const e = await failure(client().listAgents(42));
    expect(e.message).toBe("GitLab GET /projects/42/cluster_agents: 429 Too Many Requests: rate limited; gave up after 1 attempts: GitLab asked to wait 3600s, beyond the 60s retry budget");
    expect(slept).toEqual([]);
  });

  it("502, 503 and 504 are retried on idempotent calls", async () => {
    gl.inject({ route: "GET /projects/:id/cluster_agents", status: 502, times: 1 });
    gl.inject({ route: "GET /projects/:id/cluster_agents", status: 503, times: 1 });
    gl.inject({ route: "GET /projects/:id/cluster_agents", status: 504, times: 1 });
    expect(await client().listAgents(42)).toEqual([]);
    expect(gl.log.map((r) => r.status)).toEqual([502, 503, 504, 200]);
  });

  it("a 5xx on a POST is not retried, since GitLab may have done the work", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents", status: 502, afterHandling: true });
    const e = await failure(client().registerAgent(42, "prod"));
    expect(e.message).toBe("GitLab POST /projects/42/cluster_agents: 502 Bad Gateway");
    expect(gl.log).toHaveLength(1);
  });

  it("a 5xx that persists on an idempotent call gives up after the bounded attempts", async () => {
    gl.inject({ route: "DELETE /projects/:id/cluster_agents/:agent_id", status: 503 });
    const e = await failure(client().deleteAgent(42, 7));
    expect(e.message).toBe("GitLab DELETE /projects/42/cluster_agents/7: 503 Service Unavailable: gave up after 5 attempts and 15s of waiting");
  });

  it("401, 403, 404 and 400 are never retried", async () => {
    await failure(client({ auth: { privateToken: "nope" } }).listAgents(42));
    await failure(client({ auth: { privateToken: "glpat-guest" } }).registerAgent(42, "x"));
    await failure(client().getAgent(42, 1));
    await failure(client().registerAgent(42, "-bad-"));
    expect(gl.log.map((r) => r.status)).toEqual([401, 403, 404, 400]);
    expect(slept).toEqual([]);
  });

  it("an unreachable GitLab is reported as a failed request after retries", async () => {
    const url = gl.url;
    await gl.close();
    const e = await failure(new GitLabClient({ url, auth: { privateToken: TOKEN }, sleep: async () => {}, retry: { maxAttempts: 2 } }).listAgents(42));
    expect(e.message).toMatch(/^GitLab GET \/projects\/42\/cluster_agents: request failed: .*ECONNREFUSED.*; gave up after 2 attempts and 1s of waiting$/);
    gl = await FakeGitLab.start();
  });
});

describe("GitLab client authentication", () => {
  it("sends a job token in the JOB-TOKEN header", async () => {
    gl.addJobToken("ci-job-token", { "platform/agents": "developer" }, ["GET /projects/:id/cluster_agents"]);
    await client({ auth: { jobToken: "ci-job-token" } }).listAgents(42);
    expect(gl.log[0]).toMatchObject({ auth: "JOB-TOKEN", status: 200 });
  });

  it("the token appears in no error message, stack or inspection of the client", async () => {
    const c = client({ auth: { privateToken: TOKEN } });
    gl.inject({ route: "*", status: 429, retryAfter: 1 });
    const errors = [await failure(c.listAgents(42))];
    gl.clearFaults();
    errors.push(await failure(client({ auth: { privateToken: `${TOKEN}x` } }).listAgents(42)));
    errors.push(await failure(c.getAgent(42, 5)));
    for (const e of errors) {
      expect(`${e.message}\n${e.stack}\n${inspect(e)}\n${JSON.stringify(e)}`).not.toContain(TOKEN);
    }
    expect(inspect(c)).not.toContain(TOKEN);
    expect(JSON.stringify(c)).not.toContain(TOKEN);
  });
});

describe("GitLab client lists", () => {
  it("follows x-next-page through every page", async () => {
    gl.addMergeRequest(42, 1);
    for (let i = 0; i < 230; i++) gl.addNote(42, 1, `note ${i}`);
    const notes = await client().listMergeRequestNotes(42, 1);
    expect(notes).toHaveLength(230);
    expect(gl.log.filter((r) => r.route.startsWith("GET"))).toHaveLength(3);
  });
});

describe("GitLab error bodies", () => {
  it("reduce to GitLab's own words", () => {
    expect(gitlabMessage(403, { message: "403 Forbidden" })).toBe("");
    expect(gitlabMessage(404, { message: "404 Project Not Found" })).toBe("Project Not Found");
    expect(gitlabMessage(400, { message: { name: ["has already been taken"], base: ["is invalid"] } })).toBe("name has already been taken; is invalid");
    expect(gitlabMessage(400, { error: "name is missing" })).toBe("name is missing");
    expect(gitlabMessage(502, "<html>bad gateway</html>")).toBe("");
  });

  it("Retry-After is read as seconds or as a date", () => {
    expect(retryAfterMs("7")).toBe(7000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
