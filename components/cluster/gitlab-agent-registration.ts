import * as pulumi from "@pulumi/pulumi";
import { agentRegistrationProvider, tokenRetirementProvider } from "../../src/gitlab/agent-provider";

export interface GitLabAgentRegistrationArgs {
  /** GitLab URL, e.g. `https://gitlab.com`. */
  gitlabUrl: pulumi.Input<string>;
  /** Path (`group/project`) or numeric id of the agent's configuration project. Changing it replaces the agent. */
  projectPath: pulumi.Input<string>;
  /** Agent name: lowercase letters, digits and '-'. Changing it replaces the agent. */
  agentName: pulumi.Input<string>;
  /** Access token with the Maintainer role on the project; kept in state only as a secret. */
  apiToken: pulumi.Input<string>;
  /** Any value; changing it creates a new agent token (the old one stays valid until retired). Default "". */
  rotation?: pulumi.Input<string | number>;
}

/**
 * A GitLab agent for Kubernetes registered with its configuration project, with one agent token.
 * https://docs.gitlab.com/api/cluster_agents/
 */
export class GitLabAgentRegistration extends pulumi.dynamic.Resource {
  /** GitLab's id of the agent. */
  declare readonly agentId: pulumi.Output<number>;
  /** Id of the current agent token. */
  declare readonly tokenId: pulumi.Output<number>;
  /** Id of the token the current one replaced (still active until retired); 0 when none. */
  declare readonly previousTokenId: pulumi.Output<number>;
  /** The agent token, as a secret. */
  declare readonly token: pulumi.Output<string>;

  constructor(name: string, args: GitLabAgentRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { agentId: undefined, tokenId: undefined, previousTokenId: undefined, token: undefined };
    const props = { ...args, apiToken: pulumi.secret(args.apiToken), rotation: args.rotation ?? "", ...outputs };
    super(agentRegistrationProvider(), name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token", "apiToken"] }));
    // The engine applies additionalSecretOutputs; wrapping here keeps the token secret wherever it flows in the program too.
    (this as unknown as { token: pulumi.Output<string> }).token = pulumi.secret(this.token);
  }
}

export interface GitLabAgentTokenRetirementArgs {
  gitlabUrl: pulumi.Input<string>;
  projectPath: pulumi.Input<string>;
  /** Access token with the Maintainer role on the project; kept in state only as a secret. */
  apiToken: pulumi.Input<string>;
  agentId: pulumi.Input<number>;
  /** The token the agent now runs with; every other active token of the agent is revoked. */
  keepTokenId: pulumi.Input<number>;
}

/**
 * Revokes the agent's tokens other than the current one. Make it depend on whatever rolls the agent onto the
 * current token (the Helm release), so that a rotation revokes the old token only once nothing uses it.
 */
export class GitLabAgentTokenRetirement extends pulumi.dynamic.Resource {
  /** Tokens revoked by the last run. */
  declare readonly revokedTokenIds: pulumi.Output<number[]>;

  constructor(name: string, args: GitLabAgentTokenRetirementArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...args, apiToken: pulumi.secret(args.apiToken), revokedTokenIds: undefined };
    super(tokenRetirementProvider(), name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiToken"] }));
  }
}
