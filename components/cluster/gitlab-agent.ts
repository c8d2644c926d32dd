import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformNamespaceLabels } from "../../src/flux/chart";
import { AGENT_CHART, agentChartValues, agentConfigPath, agentProblems, type AgentTenant, renderAgentConfig } from "../../src/gitlab/agent-config";
import { k8sLabels, type RunwayLabels } from "../../src/naming";
import { GitLabAgentRegistration, GitLabAgentTokenRetirement } from "./gitlab-agent-registration";
import { GitLabRepositoryFile } from "./gitlab-repository-file";

export interface GitLabAgentArgs {
  /**
   * Name of the agent in GitLab, of its config directory (`.gitlab/agents/<agentName>/`), of the Helm release and
   * of the agent's service account: lowercase letters, digits and '-', at most 53 characters. Changing it
   * registers a new agent. https://docs.gitlab.com/user/clusters/agent/install/#create-an-agent-configuration-file
   */
  agentName: string;
  /** Path (`group/project`) or numeric id of the agent's configuration project, where the agent is registered and its config.yaml committed. */
  projectPath: string;
  /** GitLab URL, e.g. `https://gitlab.com`. */
  gitlabUrl: string;
  /** KAS address the agent connects to: `wss://kas.gitlab.com` on GitLab.com, `wss://<host>/-/kubernetes-agent/` self-managed. */
  kasAddress: string;
  /**
   * GitLab access token with the Maintainer role on the configuration project (registering agents and tokens,
   * committing the config). Pass a secret (`config.requireSecret`); it is kept in state only as a secret.
   */
  apiToken: pulumi.Input<string>;
  /** Namespace the agent runs in, created with Pod Security Standards `restricted` (K1). Default "gitlab-agent". */
  namespace?: string;
  /** Exact gitlab-agent chart version. Default AGENT_CHART.version. */
  chartVersion?: string;
  /** Branch KAS reads the agent configuration from: the project's default branch. Default "main". */
  configBranch?: string;
  /**
   * Projects and groups whose CI/CD jobs may use the agent, each acting as its own service account through
   * impersonation (GL1), never as the agent. The service accounts and their RBAC belong to the tenants' namespaces.
   */
  tenants: AgentTenant[];
  /** Any value; changing it rotates the agent token on the next `pulumi up`. Default: no rotation. */
  rotation?: pulumi.Input<string | number>;
  /** Labels of the Kubernetes objects (service, environment). */
  labels?: RunwayLabels;
}

/**
 * The GitLab agent for Kubernetes on one cluster: the agent registered with GitLab (dynamic provider), its token
 * only in a Kubernetes Secret and as a Pulumi secret, the gitlab-agent chart reading that Secret, the agent's
 * config.yaml committed to its project, and the retirement of replaced tokens once the agent runs with the new one.
 * Kubernetes children use the caller's Kubernetes provider (pass `providers` in opts).
 */
export class GitLabAgent extends pulumi.ComponentResource {
  /** GitLab's id of the agent. */
  readonly agentId: pulumi.Output<number>;
  /** Name of the Secret (key `token`) holding the agent token, in the agent namespace. */
  readonly tokenSecretName: pulumi.Output<string>;
  /** Path of the agent's config file in its configuration project. */
  readonly configPath: string;

  constructor(name: string, args: GitLabAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = {
      agentName: args.agentName,
      projectPath: args.projectPath,
      gitlabUrl: args.gitlabUrl,
      kasAddress: args.kasAddress,
      namespace: args.namespace ?? "gitlab-agent",
      chartVersion: args.chartVersion ?? AGENT_CHART.version,
      configBranch: args.configBranch ?? "main",
      tenants: args.tenants ?? [],
    };
    // Validated before anything is registered, the component included.
    const problems = agentProblems(settings);
    if (problems.length) throw new Error(`GitLabAgent ${name}: ${problems.join("; ")}`);
    super("runway:cluster:GitLabAgent", name, {}, opts);
    const gitlab = { gitlabUrl: settings.gitlabUrl, projectPath: settings.projectPath, apiToken: args.apiToken };

    const registration = new GitLabAgentRegistration(
      `${name}-registration`,
      { ...gitlab, agentName: settings.agentName, rotation: args.rotation },
      { parent: this },
    );
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: settings.namespace, labels: platformNamespaceLabels(args.labels ?? {}) } },
      { parent: this },
    );
    const tokenSecretName = `${settings.agentName}-token`;
    const secret = new k8s.core.v1.Secret(
      `${name}-token`,
      {
        metadata: { name: tokenSecretName, namespace: ns.metadata.name, labels: k8sLabels(args.labels ?? {}) },
        type: "Opaque",
        stringData: { token: pulumi.secret(registration.token) },
      },
      { parent: this },
    );
    const release = new k8s.helm.v3.Release(
      `${name}-chart`,
      {
        name: settings.agentName,
        chart: AGENT_CHART.name,
        version: settings.chartVersion,
        repositoryOpts: { repo: AGENT_CHART.repository },
        namespace: ns.metadata.name,
        values: agentChartValues({
          kasAddress: settings.kasAddress,
          secretName: tokenSecretName,
          serviceAccount: settings.agentName,
          tokenId: registration.tokenId.apply(String),
        }),
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 5,
      },
      // The Secret's name is known up front, so the values stay known in preview; the chart still waits for the Secret.
      { parent: this, dependsOn: [secret] },
    );
    // Runs after the release has rolled the pods onto the current token: only then is the old one unused.
    new GitLabAgentTokenRetirement(
      `${name}-token-retirement`,
      { ...gitlab, agentId: registration.agentId, keepTokenId: registration.tokenId },
      { parent: this, dependsOn: [release] },
    );
    this.configPath = agentConfigPath(settings.agentName);
    new GitLabRepositoryFile(
      `${name}-config`,
      {
        ...gitlab,
        filePath: this.configPath,
        branch: settings.configBranch,
        content: renderAgentConfig(settings.agentName, settings.tenants),
        commitMessage: `Configure GitLab agent ${settings.agentName} (Runway)`,
      },
      { parent: this },
    );

    this.agentId = registration.agentId;
    this.tokenSecretName = secret.metadata.name;
    this.registerOutputs({ agentId: this.agentId, tokenSecretName: this.tokenSecretName, configPath: this.configPath });
  }
}
