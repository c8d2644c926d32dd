/**
 * Pulumi dynamic providers for the GitLab agent for Kubernetes (there is no @pulumi/gitlab package):
 *
 * - the registration: registers the agent with its configuration project and creates its token; a change of
 *   `rotation` creates a new token and keeps the old one active;
 * - the token retirement: once the agent runs with the current token (it depends on the Helm release), revokes
 *   the agent's other tokens. Revoking inside the registration's update would cut off the running pods, which
 *   still hold the old token until the Secret changes and they restart; GitLab allows two active tokens per
 *   agent precisely so that rotation never leaves the agent without a valid one.
 *
 * Pulumi serializes these objects with its closure serializer and runs them in its dynamic-provider host: they
 * capture only ./api (Node globals, no packages) and the optional client tuning.
 * https://docs.gitlab.com/api/cluster_agents/
 */
import type * as pulumi from "@pulumi/pulumi";
import { type Agent, type ClientTuning, GitLabClient, GitLabError, unlessGone } from "./api";

export interface AgentRegistrationInputs {
  /** GitLab URL, e.g. `https://gitlab.com`. */
  gitlabUrl: string;
  /** Path (or numeric id) of the agent's configuration project. */
  projectPath: string;
  agentName: string;
  /** Access token with the Maintainer role on the project. */
  apiToken: string;
  /** Any value; changing it rotates the agent token. */
  rotation: string;
}

export interface AgentRegistrationOutputs extends AgentRegistrationInputs {
  agentId: number;
  tokenId: number;
  /** The agent token: a secret output (additionalSecretOutputs). */
  token: string;
  /** The token the current one replaced, still active until the retirement revokes it; 0 when none. */
  previousTokenId: number;
}

export interface TokenRetirementInputs {
  gitlabUrl: string;
  projectPath: string;
  apiToken: string;
  agentId: number;
  /** The token the agent runs with: every other active token of the agent is revoked. */
  keepTokenId: number;
}

export interface TokenRetirementOutputs extends TokenRetirementInputs {
  /** Ids revoked by the last create or update. */
  revokedTokenIds: number[];
}

function client(i: { gitlabUrl: string; apiToken: string }, tuning: ClientTuning): GitLabClient {
  return new GitLabClient({ url: i.gitlabUrl, auth: { privateToken: i.apiToken }, ...tuning });
}

/** The token's name in GitLab, telling which rotation made it. */
export function agentTokenName(rotation: string): string {
  return (rotation ? `runway-${rotation}` : "runway").slice(0, 255);
}

/** Which registration inputs replace the agent, and whether its name stays (then the old one must go first). */
export function registrationDiff(olds: AgentRegistrationInputs, news: AgentRegistrationInputs): pulumi.dynamic.DiffResult {
  const replaces = (["gitlabUrl", "projectPath", "agentName"] as const).filter((k) => olds[k] !== news[k]);
  const changes = replaces.length > 0 || olds.rotation !== news.rotation || olds.apiToken !== news.apiToken;
  // A new agent with the same name in the same GitLab would collide ("has already been taken").
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.agentName === news.agentName };
}

/** Inputs as the provider uses them: trimmed URL, rotation as text; failures for what is missing. */
export function checkRegistration(news: Record<string, unknown>): { inputs: AgentRegistrationInputs; failures: pulumi.dynamic.CheckFailure[] } {
  const failures = (["gitlabUrl", "projectPath", "agentName", "apiToken"] as const)
    .filter((k) => typeof news[k] !== "string" || news[k] === "")
    .map((property) => ({ property, reason: `${property} must be a non-empty string` }));
  const inputs = {
    ...(news as unknown as AgentRegistrationInputs),
    gitlabUrl: String(news.gitlabUrl ?? "").replace(/\/+$/, ""),
    rotation: news.rotation === undefined || news.rotation === null ? "" : String(news.rotation),
  };
  return { inputs, failures };
}

/** Revokes every active token of the agent, then deletes it; what is already gone is fine. */
async function removeAgent(gl: GitLabClient, project: string, agentId: number): Promise<void> {
  let tokens: { id: number }[] = [];
  try {
    tokens = await gl.listAgentTokens(project, agentId);
  } catch (e) {
    if (!(e instanceof GitLabError && e.status === 404)) throw e;
  }
  for (const t of tokens) await unlessGone(gl.revokeAgentToken(project, agentId, t.id));
  await unlessGone(gl.deleteAgent(project, agentId));
}

/** Runs the clean-up after a failed create and rethrows the failure, with the clean-up's own failure if any. */
async function undo(failure: unknown, cleanup: () => Promise<void>, manual: string): Promise<never> {
  try {
    await cleanup();
  } catch (e) {
    throw new Error(`${(failure as Error).message}; the clean-up failed too (${(e as Error).message}): ${manual}`);
  }
  throw failure;
}

async function registerAgent(gl: GitLabClient, i: AgentRegistrationInputs): Promise<Agent> {
  const taken = (await gl.listAgents(i.projectPath)).find((a) => a.name === i.agentName);
  if (taken) {
    throw new Error(
      `GitLab agent "${i.agentName}" is already registered in ${i.projectPath} (agent id ${taken.id}); ` +
        "Runway registers its agents itself: choose another agentName, or delete that agent in GitLab",
    );
  }
  try {
    return await gl.registerAgent(i.projectPath, i.agentName);
  } catch (e) {
    // No answer or a 5xx: GitLab may still have registered it. It was absent before, so any agent of that name is ours.
    if (!(e instanceof GitLabError) || (e.status !== undefined && e.status < 500)) throw e;
    return undo(e, async () => {
      const orphan = (await gl.listAgents(i.projectPath)).find((a) => a.name === i.agentName);
      if (orphan) await removeAgent(gl, i.projectPath, orphan.id);
    }, `check ${i.projectPath} for an agent "${i.agentName}" and delete it`);
  }
}

/** The registration provider. `tuning` is for tests (no real waits); the component passes nothing. */
export function agentRegistrationProvider(tuning: ClientTuning = {}): pulumi.dynamic.ResourceProvider<AgentRegistrationInputs, AgentRegistrationOutputs> {
  return {
    async check(_olds, news) {
      return checkRegistration(news as unknown as Record<string, unknown>);
    },

    async diff(_id, olds, news) {
      return registrationDiff(olds, news);
    },

    async create(inputs) {
      const gl = client(inputs, tuning);
      const agent = await registerAgent(gl, inputs);
      try {
        const description = `Managed by Runway; rotation "${inputs.rotation}"`;
        const t = await gl.createAgentToken(inputs.projectPath, agent.id, { name: agentTokenName(inputs.rotation), description });
        const outs: AgentRegistrationOutputs = { ...inputs, agentId: agent.id, tokenId: t.id, token: t.token, previousTokenId: 0 };
        return { id: String(agent.id), outs };
      } catch (e) {
        // Deleting the agent also revokes any token whose creation answer was lost.
        return undo(e, () => removeAgent(gl, inputs.projectPath, agent.id), `delete agent ${agent.id} in ${inputs.projectPath} by hand`);
      }
    },

    async update(_id, olds, news) {
      if (olds.rotation === news.rotation) return { outs: { ...olds, apiToken: news.apiToken } };
      const gl = client(news, tuning);
      const description = `Managed by Runway; rotation "${news.rotation}"`;
      let t: { id: number; token: string };
      try {
        t = await gl.createAgentToken(news.projectPath, olds.agentId, { name: agentTokenName(news.rotation), description });
      } catch (e) {
        if (e instanceof GitLabError && e.status === 400 && /two active tokens/.test(e.gitlabMessage)) {
          throw new Error(`${e.message}; a previous rotation has not finished: run \`pulumi up\` again without changing rotation, which revokes the old token once the agent uses the new one`);
        }
        throw e;
      }
      return { outs: { ...news, agentId: olds.agentId, tokenId: t.id, token: t.token, previousTokenId: olds.tokenId } };
    },

    async delete(_id, props) {
      await removeAgent(client(props, tuning), props.projectPath, props.agentId);
    },
  };
}

async function retireTokens(i: TokenRetirementInputs, tuning: ClientTuning): Promise<TokenRetirementOutputs> {
  const gl = client(i, tuning);
  const others = (await gl.listAgentTokens(i.projectPath, i.agentId)).filter((t) => t.id !== i.keepTokenId);
  for (const t of others) await unlessGone(gl.revokeAgentToken(i.projectPath, i.agentId, t.id));
  return { ...i, revokedTokenIds: others.map((t) => t.id) };
}

/** The retirement provider: converges the agent to its one current token. Deleting it revokes nothing. */
export function tokenRetirementProvider(tuning: ClientTuning = {}): pulumi.dynamic.ResourceProvider<TokenRetirementInputs, TokenRetirementOutputs> {
  return {
    async diff(_id, olds, news) {
      const keys = ["gitlabUrl", "projectPath", "apiToken", "agentId", "keepTokenId"] as const;
      return { changes: keys.some((k) => olds[k] !== news[k]) };
    },

    async create(inputs) {
      return { id: `${inputs.agentId}`, outs: await retireTokens(inputs, tuning) };
    },

    async update(_id, _olds, news) {
      return { outs: await retireTokens(news, tuning) };
    },
  };
}
