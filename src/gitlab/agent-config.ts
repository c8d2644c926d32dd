/**
 * The GitLab agent's configuration file, `.gitlab/agents/<name>/config.yaml`, generated from the tenants that
 * may use the agent from CI. Each tenant's jobs reach the cluster as that tenant's own service account
 * (`access_as.impersonate`), never as the agent itself (security checklist GL1; GitLab epic 5783,
 * gitlab-org/gitlab#459946). Pure: no Pulumi, no I/O.
 * https://docs.gitlab.com/user/clusters/agent/ci_cd_workflow/#use-impersonation-to-restrict-project-and-group-access
 */
import { stringify } from "yaml";

/** One tenant allowed to use the agent from CI/CD jobs. */
export interface AgentTenant {
  /** Full path of the GitLab project (or group, with `kind: "group"`) whose jobs may use the agent, e.g. `satellites/billing`. */
  path: string;
  /** Whether `path` is a project (default) or a group (every project below it). */
  kind?: "project" | "group";
  /** Kubernetes namespace of the tenant's service account. */
  namespace: string;
  /** Name of the service account the jobs act as. */
  serviceAccount: string;
}

export interface AgentIdentity {
  /** Agent name as registered in GitLab. */
  agentName: string;
  /** Namespace the agent runs in. */
  namespace: string;
  /** Service account of the agent's own pods: never to be impersonated by tenants. */
  serviceAccount: string;
}

const AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// GitLab paths: segments of letters, digits, '_', '-', '.', not starting with '-' or '.', joined by '/'.
const GITLAB_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/** The file's path in the agent's configuration project. */
export function agentConfigPath(agentName: string): string {
  return `.gitlab/agents/${agentName}/config.yaml`;
}

/** The username Kubernetes gives a service account: what `impersonate.username` must say. */
export function serviceAccountUsername(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** What is wrong with an agent name, or undefined. GitLab's rule, plus Helm's 53-character release-name limit. */
export function agentNameProblem(name: string): string | undefined {
  if (!AGENT_NAME.test(name)) return `agentName: "${name}" must be lowercase letters, digits and '-', starting and ending with a letter or digit`;
  if (name.length > 53) return `agentName: "${name}" is ${name.length} characters; at most 53 (it also names the Helm release)`;
  return undefined;
}

/**
 * Every problem with the tenants, one line each naming the field, the value and the fix. A tenant may not
 * impersonate the agent's own service account, nor act in the agent's namespace: either would hand CI jobs
 * the agent's cluster-wide identity (GL1).
 */
export function tenantProblems(tenants: readonly AgentTenant[], agent: AgentIdentity): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  tenants.forEach((t, i) => {
    const at = `tenants[${i}]`;
    if (!GITLAB_PATH.test(t.path) || t.path.length > 255) problems.push(`${at}.path: "${t.path}" is not a GitLab project or group path such as "group/project"`);
    if (t.kind !== undefined && t.kind !== "project" && t.kind !== "group") problems.push(`${at}.kind: "${String(t.kind)}" must be "project" or "group"`);
    if (!DNS_LABEL.test(t.namespace) || t.namespace.length > 63) problems.push(`${at}.namespace: "${t.namespace}" is not a Kubernetes namespace name (lowercase letters, digits, '-', at most 63)`);
    if (!DNS_SUBDOMAIN.test(t.serviceAccount) || t.serviceAccount.length > 253) {
      problems.push(`${at}.serviceAccount: "${t.serviceAccount}" is not a Kubernetes service account name (lowercase letters, digits, '-', '.')`);
    }
    if (t.namespace === agent.namespace) {
      problems.push(`${at}.namespace: "${t.namespace}" is the agent's own namespace; give each tenant a service account in its own namespace (GL1)`);
    }
    if (t.namespace === agent.namespace && t.serviceAccount === agent.serviceAccount) {
      problems.push(`${at}.serviceAccount: impersonating the agent's own service account "${serviceAccountUsername(agent.namespace, agent.serviceAccount)}" is not allowed (GL1)`);
    }
    const key = `${t.kind ?? "project"}:${t.path}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${at}.path: "${t.path}" is already granted by tenants[${first}]; a ${t.kind ?? "project"} can impersonate only one service account`);
    else seen.set(key, i);
  });
  return problems;
}

interface AccessEntry {
  id: string;
  access_as: { impersonate: { username: string } };
}

/**
 * The agent's config.yaml. Deterministic: entries sorted by path, so the same tenants in any order give the same
 * text (and the same commit). Validate with `tenantProblems` first; this function only renders.
 */
export function renderAgentConfig(agentName: string, tenants: readonly AgentTenant[]): string {
  const entries = (kind: "project" | "group"): AccessEntry[] =>
    tenants
      .filter((t) => (t.kind ?? "project") === kind)
      .map((t) => ({ id: t.path, access_as: { impersonate: { username: serviceAccountUsername(t.namespace, t.serviceAccount) } } }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ciAccess: { projects?: AccessEntry[]; groups?: AccessEntry[] } = {};
  const projects = entries("project");
  const groups = entries("group");
  if (projects.length) ciAccess.projects = projects;
  if (groups.length) ciAccess.groups = groups;
  const doc = { ...(projects.length || groups.length ? { ci_access: ciAccess } : {}), observability: { logging: { level: "info" } } };
  const header = `# Generated by Runway for agent "${agentName}": do not edit; changes are overwritten on the next deployment.\n`;
  return header + stringify(doc, { lineWidth: 0 });
}

/**
 * The gitlab-agent chart (agentk) Runway installs. 2.12.2 is a published release of charts.gitlab.io
 * (chart repository gitlab-org/charts/gitlab-agent); bump it deliberately, with the agent's KAS compatibility in mind.
 */
export const AGENT_CHART = { name: "gitlab-agent", repository: "https://charts.gitlab.io", version: "2.12.2" } as const;

/** Pod annotation carrying the current token's id: a rotation changes it, so the agent pods restart with the new token. */
export const TOKEN_ID_ANNOTATION = "runway.gitlab.com/agent-token-id";

export interface AgentSettings {
  agentName: string;
  projectPath: string;
  gitlabUrl: string;
  kasAddress: string;
  namespace: string;
  chartVersion: string;
  configBranch: string;
  tenants: readonly AgentTenant[];
}

/** Every problem with a GitLabAgent's settings, one line each: field, value, fix. */
export function agentProblems(s: AgentSettings): string[] {
  const problems: string[] = [];
  const nameProblem = agentNameProblem(s.agentName);
  if (nameProblem) problems.push(nameProblem);
  if (!/^\d+$/.test(s.projectPath) && !GITLAB_PATH.test(s.projectPath)) {
    problems.push(`projectPath: "${s.projectPath}" must be the agent configuration project's path ("group/project") or numeric id`);
  }
  if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(s.gitlabUrl)) problems.push(`gitlabUrl: "${s.gitlabUrl}" must be an http(s) URL such as https://gitlab.com`);
  if (!/^(wss?|grpcs?):\/\/[^/\s]+(\/[^\s]*)?$/.test(s.kasAddress)) {
    problems.push(`kasAddress: "${s.kasAddress}" must be a wss://, ws://, grpcs:// or grpc:// URL, e.g. wss://kas.gitlab.com or wss://gitlab.example.com/-/kubernetes-agent/`);
  }
  if (!DNS_LABEL.test(s.namespace) || s.namespace.length > 63) problems.push(`namespace: "${s.namespace}" is not a Kubernetes namespace name (lowercase letters, digits, '-', at most 63)`);
  if (!/^\d+\.\d+\.\d+$/.test(s.chartVersion)) problems.push(`chartVersion: "${s.chartVersion}" is not an exact chart version: pin one such as ${AGENT_CHART.version}`);
  if (!s.configBranch.trim()) problems.push(`configBranch: must name the branch KAS reads the agent configuration from (the default branch)`);
  problems.push(...tenantProblems(s.tenants, { agentName: s.agentName, namespace: s.namespace, serviceAccount: s.agentName }));
  return problems;
}

/**
 * Values of the gitlab-agent chart: the token comes from an existing Secret (`config.secretName`, key `token`),
 * never from `config.token`, so it stays out of the Helm release's values and Pulumi's plain state. The chart's
 * security contexts default to empty; these satisfy Pod Security Standards `restricted` (K1).
 */
export function agentChartValues<Id>(a: { kasAddress: string; secretName: string; serviceAccount: string; tokenId: Id }): Record<string, unknown> {
  return {
    config: { kasAddress: a.kasAddress, secretName: a.secretName },
    rbac: { create: true },
    serviceAccount: { create: true, name: a.serviceAccount },
    replicas: 2,
    // The token id may be a Pulumi output: only this value is then unknown in preview, the rest stays reviewable.
    podAnnotations: { [TOKEN_ID_ANNOTATION]: a.tokenId },
    podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
  };
}
