/**
 * Workload Identity Federation for GitLab CI, as pure functions: the OIDC issuer, the attribute mapping, the
 * condition that admits only the configured group's pipelines, and the principal set allowed to impersonate
 * the deployer. https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines
 */
import { gitlabPath, httpsUrl } from "../config/schema/common";
import { serviceAccountId } from "../naming";

export interface CiTrust {
  /** GitLab instance URL, e.g. https://gitlab.com. */
  gitlabUrl: string;
  /** The `aud` every accepted id_token carries. */
  audience: string;
  /** GitLab group path whose projects (and subgroups' projects) may deploy. */
  ciGroup: string;
  /** Admit only pipelines of protected branches and tags. */
  protectedRefsOnly: boolean;
}

/** Every problem of CiIdentity args, naming the field, the value and the fix. */
export function ciTrustProblems(t: CiTrust): string[] {
  const out: string[] = [];
  if (!httpsUrl.safeParse(t.gitlabUrl).success) out.push(`CiIdentity gitlabUrl '${t.gitlabUrl}' must be an https:// URL such as https://gitlab.com`);
  if (!gitlabPath.safeParse(t.ciGroup).success) out.push(`CiIdentity ciGroup '${t.ciGroup}' must be a GitLab group path such as gitlab-org/ai-framework`);
  if (t.audience.trim() === "") out.push("CiIdentity audience '' must name the audience of the CI job's id_token, e.g. https://iam.googleapis.com");
  return out;
}

/** The OIDC issuer GitLab puts in `iss`: the instance URL with one trailing slash (https://gitlab.com/). */
export function gitlabIssuerUri(url: string): string {
  return `${url.replace(/\/+$/, "")}/`;
}

/** CEL that is true when the token's project lives in `group` or one of its subgroups. */
function inGroup(group: string): string {
  return `assertion.namespace_path == "${group}" || assertion.namespace_path.startsWith("${group}/")`;
}

/**
 * GitLab id_token claims mapped to Google attributes. `attribute.ci_group` is the configured group for tokens
 * inside it and empty otherwise, so the impersonation grant covers subgroups too (a principal set on
 * `attribute.namespace_path` would only match projects directly in the group).
 */
export function gitlabAttributeMapping(group: string): Record<string, string> {
  return {
    "google.subject": "assertion.sub",
    "attribute.project_path": "assertion.project_path",
    "attribute.project_id": "assertion.project_id",
    "attribute.namespace_path": "assertion.namespace_path",
    "attribute.namespace_id": "assertion.namespace_id",
    "attribute.ref": "assertion.ref",
    "attribute.ref_type": "assertion.ref_type",
    "attribute.ref_protected": "assertion.ref_protected",
    "attribute.ci_group": `${inGroup(group)} ? "${group}" : ""`,
  };
}

/** Token exchange is refused unless the token comes from the group and, by default, a protected ref. */
export function gitlabAttributeCondition(group: string, protectedRefsOnly: boolean): string {
  return protectedRefsOnly ? `(${inGroup(group)}) && assertion.ref_protected == "true"` : inGroup(group);
}

/** The principal set of every pipeline of the group, as an IAM member. */
export function ciPrincipalSet(poolName: string, group: string): string {
  return `principalSet://iam.googleapis.com/${poolName}/attribute.ci_group/${group}`;
}

/**
 * A workload identity pool or provider id: 4-32 characters of lowercase letters, digits and '-', not starting
 * with the reserved `gcp-`. Pool ids stay reserved for 30 days after deletion, so they must be stable.
 */
export function workloadIdentityId(...parts: string[]): string {
  const id = serviceAccountId(...parts);
  return id.startsWith("gcp-") ? serviceAccountId("wif", ...parts) : id;
}
