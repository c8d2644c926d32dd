import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  agentRegistrationProvider,
  type AgentRegistrationInputs,
  type AgentRegistrationOutputs,
  checkRegistration,
  registrationDiff,
  tokenRetirementProvider,
} from "../src/gitlab/agent-provider";
import { FakeGitLab } from "./fakes/gitlab-server";

const TOKEN = "glpat-runway-maintainer";
const tuning = { sleep: async () => {} };
let gl: FakeGitLab;
let inputs: AgentRegistrationInputs;
const registration = agentRegistrationProvider(tuning);
const retirement = tokenRetirementProvider(tuning);

beforeEach(async () => {
  gl = await FakeGitLab.start();
  gl.addProject("platform/agents", { id: 42 });
  gl.addUser(TOKEN, "runway-bot", { "platform/agents": "maintainer" });
  inputs = checkRegistration({ gitlabUrl: `${gl.url}/`, projectPath: "platform/agents", agentName: "prod", apiToken: TOKEN, rotation: 1 }).inputs;
});
afterEach(() => gl.close());

async function create(i: AgentRegistrationInputs = inputs): Promise<{ id: string; outs: AgentRegistrationOutputs }> {
  return (await registration.create!(i)) as { id: string; outs: AgentRegistrationOutputs };
}

async function createError(i: AgentRegistrationInputs = inputs): Promise<string> {
  return registration.create!(i).then(() => "created", (e: Error) => e.message);
}

const activeIds = (agentId: number) => gl.activeTokens(agentId).map((t) => t.id);

describe("agent registration lifecycle", () => {
  it("create registers the agent with exactly one active token and returns its value", async () => {
    const { id, outs } = await create();
    const [agent] = gl.agents(42);
    expect(id).toBe(String(agent.id));
    expect(outs.agentId).toBe(agent.id);
    expect(gl.activeTokens(agent.id)).toHaveLength(1);
    expect(outs.token).toBe(gl.activeTokens(agent.id)[0].token);
    expect(outs.previousTokenId).toBe(0);
  });

  it("rotation creates the new token first and the retirement revokes the old one once the agent uses the new one", async () => {
    const { id, outs } = await create();
    await retirement.create!({ ...inputs, agentId: outs.agentId, keepTokenId: outs.tokenId });
    expect(activeIds(outs.agentId)).toEqual([outs.tokenId]);

    const rotated = { ...inputs, rotation: "2" };
    expect(registrationDiff(outs, rotated)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs: next } = (await registration.update!(id, outs, rotated)) as { outs: AgentRegistrationOutputs };
    // Both valid while the Secret and the pods switch over: never zero valid tokens.
    expect(activeIds(outs.agentId)).toEqual([outs.tokenId, next.tokenId]);
    expect(next.previousTokenId).toBe(outs.tokenId);
    expect(next.token).not.toBe(outs.token);

    const retired = await retirement.update!(String(outs.agentId), { ...inputs, agentId: outs.agentId, keepTokenId: outs.tokenId, revokedTokenIds: [] }, { ...inputs, agentId: outs.agentId, keepTokenId: next.tokenId });
    expect(retired.outs?.revokedTokenIds).toEqual([outs.tokenId]);
    expect(activeIds(outs.agentId)).toEqual([next.tokenId]);
    expect(gl.allTokens().find((t) => t.id === outs.tokenId)?.status).toBe("revoked");
  });

  it("delete revokes the token and deletes the agent", async () => {
    const { id, outs } = await create();
    const tokenId = outs.tokenId;
    await registration.delete!(id, outs);
    expect(gl.agents(42)).toEqual([]);
    expect(gl.allTokens().find((t) => t.id === tokenId)?.status).toBe("revoked");
    expect(gl.log.filter((r) => r.method === "DELETE").map((r) => r.route)).toEqual([
      "DELETE /projects/:id/cluster_agents/:agent_id/tokens/:token_id",
      "DELETE /projects/:id/cluster_agents/:agent_id",
    ]);
  });

  it("delete of an agent that is already gone succeeds", async () => {
    const { id, outs } = await create();
    await registration.delete!(id, outs);
    await expect(registration.delete!(id, outs)).resolves.toBeUndefined();
  });

  it("an apiToken change updates the stored credential without touching GitLab", async () => {
    const { id, outs } = await create();
    const before = gl.log.length;
    const { outs: next } = (await registration.update!(id, outs, { ...inputs, apiToken: "glpat-new" })) as { outs: AgentRegistrationOutputs };
    expect(next).toEqual({ ...outs, apiToken: "glpat-new" });
    expect(gl.log).toHaveLength(before);
  });
});

describe("failed create", () => {
  it("token creation refused with 403 leaves no agent and no active token", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents/:agent_id/tokens", status: 403 });
    expect(await createError()).toMatch(/^GitLab POST \/projects\/platform%2Fagents\/cluster_agents\/\d+\/tokens: 403 Forbidden: insufficient permissions; the token needs the Maintainer role on the agent project$/);
    expect(gl.agents(42)).toEqual([]);
    expect(gl.allTokens().filter((t) => t.status === "active")).toEqual([]);
  });

  it("token creation rate limited forever leaves no agent and no active token", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents/:agent_id/tokens", status: 429, retryAfter: 1 });
    expect(await createError()).toMatch(/tokens: 429 Too Many Requests: rate limited; gave up after 5 attempts and 4s of waiting$/);
    expect(gl.agents(42)).toEqual([]);
    expect(gl.allTokens().filter((t) => t.status === "active")).toEqual([]);
  });

  it("a lost answer to token creation leaves no active token", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents/:agent_id/tokens", status: 502, afterHandling: true, times: 1 });
    expect(await createError()).toMatch(/tokens: 502 Bad Gateway$/);
    expect(gl.allTokens()).toHaveLength(1);
    expect(gl.allTokens().filter((t) => t.status === "active")).toEqual([]);
    expect(gl.agents(42)).toEqual([]);
  });

  it("a lost answer to the registration leaves no orphan agent", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents", status: 504, afterHandling: true, times: 1 });
    expect(await createError()).toBe("GitLab POST /projects/platform%2Fagents/cluster_agents: 504 Gateway Timeout");
    expect(gl.agents(42)).toEqual([]);
    expect(gl.log.map((r) => `${r.route} ${r.status}`)).toContain("DELETE /projects/:id/cluster_agents/:agent_id 204");
  });

  it("a failed clean-up says what to delete by hand", async () => {
    gl.inject({ route: "POST /projects/:id/cluster_agents/:agent_id/tokens", status: 403 });
    gl.inject({ route: "DELETE /projects/:id/cluster_agents/:agent_id", status: 503 });
    const message = await createError();
    const agentId = gl.agents(42)[0].id;
    expect(message).toBe(
      `GitLab POST /projects/platform%2Fagents/cluster_agents/${agentId}/tokens: 403 Forbidden: insufficient permissions; the token needs the Maintainer role on the agent project; ` +
        `the clean-up failed too (GitLab DELETE /projects/platform%2Fagents/cluster_agents/${agentId}: 503 Service Unavailable: gave up after 5 attempts and 15s of waiting): ` +
        `delete agent ${agentId} in platform/agents by hand`,
    );
  });

  it("an agent name already registered is refused and the existing agent left alone", async () => {
    const other = await create({ ...inputs });
    expect(await createError()).toBe(
      `GitLab agent "prod" is already registered in platform/agents (agent id ${other.outs.agentId}); Runway registers its agents itself: choose another agentName, or delete that agent in GitLab`,
    );
    expect(gl.agents(42)).toHaveLength(1);
    expect(gl.activeTokens(other.outs.agentId)).toHaveLength(1);
  });
});

describe("rotation limits", () => {
  it("rotating again before the old token was retired explains how to finish the previous rotation", async () => {
    const { id, outs } = await create();
    const { outs: second } = (await registration.update!(id, outs, { ...inputs, rotation: "2" })) as { outs: AgentRegistrationOutputs };
    const message = await registration.update!(id, second, { ...inputs, rotation: "3" }).then(() => "", (e: Error) => e.message);
    expect(message).toBe(
      `GitLab POST /projects/platform%2Fagents/cluster_agents/${outs.agentId}/tokens: 400 Bad Request: An agent can have only two active tokens at a time; ` +
        "a previous rotation has not finished: run `pulumi up` again without changing rotation, which revokes the old token once the agent uses the new one",
    );
    expect(activeIds(outs.agentId)).toEqual([outs.tokenId, second.tokenId]);
  });
});

describe("registration diff", () => {
  it("a new project, URL or name replaces the agent; the same name deletes the old one first", () => {
    expect(registrationDiff(inputs, { ...inputs, projectPath: "platform/other" })).toEqual({ changes: true, replaces: ["projectPath"], deleteBeforeReplace: true });
    expect(registrationDiff(inputs, { ...inputs, agentName: "prod-2" })).toEqual({ changes: true, replaces: ["agentName"], deleteBeforeReplace: false });
    expect(registrationDiff(inputs, { ...inputs })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("check reports missing inputs and normalizes rotation and URL", () => {
    expect(checkRegistration({ gitlabUrl: "https://gitlab.com//", projectPath: "", agentName: "a", apiToken: "t", rotation: 7 })).toEqual({
      inputs: { gitlabUrl: "https://gitlab.com", projectPath: "", agentName: "a", apiToken: "t", rotation: "7" },
      failures: [{ property: "projectPath", reason: "projectPath must be a non-empty string" }],
    });
  });
});

describe("serialization", () => {
  it("the registration provider works after Pulumi's closure serialization, as the dynamic-provider host runs it", async () => {
    const provider = agentRegistrationProvider();
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(sf.text).not.toMatch(/require\("@pulumi\//);
    const module = { exports: {} as { handler(): typeof provider } };
    new Function("module", "exports", "require", sf.text)(module, module.exports, createRequire(__filename));
    const loaded = module.exports.handler();
    const { outs } = (await loaded.create!(inputs)) as { outs: AgentRegistrationOutputs };
    expect(gl.activeTokens(outs.agentId).map((t) => t.token)).toEqual([outs.token]);
    await loaded.delete!(String(outs.agentId), outs);
    expect(gl.agents(42)).toEqual([]);
  });
});
