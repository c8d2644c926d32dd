/**
 * IAM controls I1–I4 of the security checklist, judged on every form a grant takes: a member (IAMMember), the members
 * of an authoritative binding (IAMBinding) and the bindings of an authoritative policy (IAMPolicy's policyData), at
 * every scope. A condition on a grant does not exempt it: conditions narrow when a grant applies, not what it grants.
 * Beyond the checklist's letter: authoritative grants, grants above the project, roles and custom roles that let
 * their holder grant itself more, and public members on anything but buckets (S5).
 */
import { isPrescribedAgentGrant, isWorkloadIdentityMember } from "../gcp/project";
import { at, type CheckedResource, type Finding, isOpaque, list, type Rule, show, unverified } from "./rule";

/** The member, binding and policy types of one IAM resource kind (`gcp:<module>/<prefix>IAMMember:<Prefix>IAMMember`). */
const grantTypes = (module: string, kind = "") =>
  ["Member", "Binding", "Policy"].map((k) => `gcp:${module}/${kind ? `${kind}IAM${k}` : `iAM${k}`}:${kind ? `${kind[0].toUpperCase()}${kind.slice(1)}IAM${k}` : `IAM${k}`}`);

/** Grants on a project, folder or organization: where basic roles and impersonation reach everything. */
export const RESOURCE_MANAGER_IAM: readonly string[] = ["projects", "folder", "organizations"].flatMap((m) => grantTypes(m));

/** Grants above the project: they reach every project under the folder or organization. */
const ABOVE_PROJECT_IAM: readonly string[] = ["folder", "organizations"].flatMap((m) => grantTypes(m));

export const ALL_IAM: readonly string[] = [
  ...RESOURCE_MANAGER_IAM,
  ...grantTypes("serviceaccount"),
  ...grantTypes("storage", "bucket"),
  ...grantTypes("kms", "cryptoKey"),
  ...grantTypes("kms", "keyRing"),
];

const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];
const IMPERSONATION_ROLES = [
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.serviceAccountKeyAdmin",
  "roles/iam.serviceAccountOpenIdTokenCreator",
];

/** Predefined roles whose holder can grant itself (or anyone) any role. */
const GRANTING_ROLES = [
  "roles/resourcemanager.projectIamAdmin",
  "roles/resourcemanager.folderIamAdmin",
  "roles/resourcemanager.folderAdmin",
  "roles/resourcemanager.organizationAdmin",
  "roles/iam.securityAdmin",
  "roles/iam.roleAdmin",
  "roles/iam.organizationRoleAdmin",
];

/**
 * Permissions that let their holder act as another identity or grant itself more (Rhino Security Labs, "Privilege
 * escalation in Google Cloud Platform", and Google's IAM docs on service account impersonation).
 */
export const ESCALATION_PERMISSIONS = [
  "iam.serviceAccounts.actAs",
  "iam.serviceAccounts.getAccessToken",
  "iam.serviceAccounts.getOpenIdToken",
  "iam.serviceAccounts.implicitDelegation",
  "iam.serviceAccounts.signBlob",
  "iam.serviceAccounts.signJwt",
  "iam.serviceAccounts.setIamPolicy",
  "iam.serviceAccountKeys.create",
  "iam.roles.create",
  "iam.roles.update",
  "resourcemanager.projects.setIamPolicy",
  "resourcemanager.folders.setIamPolicy",
  "resourcemanager.organizations.setIamPolicy",
  "orgpolicy.policy.set",
  "deploymentmanager.deployments.create",
  "cloudbuild.builds.create",
  "compute.instances.setServiceAccount",
  "compute.instances.setMetadata",
  "compute.projects.setCommonInstanceMetadata",
];

const CUSTOM_ROLES = ["gcp:projects/iAMCustomRole:IAMCustomRole", "gcp:organizations/iAMCustomRole:IAMCustomRole"];

const DEFAULT_SA = /(-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com)$/;
const ADMIN_ROLE = /admin$|^roles\/(editor|owner)$/i;
const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

/** One grant: a role to members, with the input paths to name in findings. */
interface Grant {
  role: unknown;
  rolePath: string;
  members: { path: string; value: unknown }[];
}

/** Whether a grant type is authoritative: it replaces what else holds the role (Binding) or the whole policy (Policy). */
const isAuthoritative = (type: string) => /(Binding|Policy)$/.test(type);

/**
 * The grants a resource makes: `role` and `member`, `role` and `members`, or each binding of `policyData`. A policy
 * whose text cannot be read as JSON is one grant of an unseen role, so the rules fail closed on it.
 */
export function grantsOf(r: CheckedResource): Grant[] {
  if (r.type.endsWith("Policy")) {
    const data = r.inputs.policyData;
    if (isOpaque(data)) return [{ role: data, rolePath: "policyData", members: [] }];
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data));
    } catch {
      return [{ role: "[unknown]", rolePath: "policyData (not JSON)", members: [] }];
    }
    return list(at(parsed, "bindings")).map((b, i) => ({
      role: at(b, "role"),
      rolePath: `policyData.bindings[${i}].role`,
      members: list(at(b, "members")).map((value, j) => ({ path: `policyData.bindings[${i}].members[${j}]`, value })),
    }));
  }
  return [{ role: r.inputs.role, rolePath: "role", members: grantMembers(r) }];
}

/** The members a grant names: `member` (IAMMember) or `members` (IAMBinding). */
export function grantMembers(r: CheckedResource): { path: string; value: unknown }[] {
  if ("members" in r.inputs) {
    const ms = r.inputs.members;
    if (isOpaque(ms)) return [{ path: "members", value: ms }];
    return list(ms).map((value, i) => ({ path: `members[${i}]`, value }));
  }
  return [{ path: "member", value: r.inputs.member }];
}

/** Findings over every grant's role. */
function byRole(judge: (role: string, path: string) => Finding[]) {
  return (r: CheckedResource): Finding[] =>
    grantsOf(r).flatMap((g) => {
      if (isOpaque(g.role)) return [unverified(g.rolePath, g.role)];
      return typeof g.role === "string" ? judge(g.role, g.rolePath) : [];
    });
}

/** Findings over every grant's members. */
function byMember(judge: (member: string, path: string, role: unknown) => Finding[]) {
  return (r: CheckedResource): Finding[] =>
    grantsOf(r).flatMap((g) =>
      isOpaque(g.role) && g.members.length === 0
        ? [unverified(g.rolePath, g.role)]
        : g.members.flatMap(({ path, value }) => (isOpaque(value) ? [unverified(path, value)] : typeof value === "string" ? judge(value, path, g.role) : [])),
    );
}

const I1: Rule = {
  id: "I1",
  title: "No basic roles",
  severity: "mandatory",
  rationale: "Owner, Editor and Viewer grant thousands of permissions across every service.",
  source: "CKV_GCP_117",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: byRole((role, path) => (BASIC_ROLES.includes(role) ? [`${path} is ${show(role)}; grant a predefined or custom role with only the permissions needed`] : [])),
};

const I1_AUTHORITATIVE: Rule = {
  id: "I1-authoritative",
  title: "No authoritative IAM grants",
  severity: "mandatory",
  rationale: "An IAMBinding or IAMPolicy replaces every member granted elsewhere, Google's service agents included, and hides broad grants in one resource.",
  source: "pulumi-gcp docs (IAMPolicy/IAMBinding are authoritative); Runway pulumi notes",
  appliesTo: ALL_IAM,
  scope: "resource",
  check: (r) =>
    isAuthoritative(r.type)
      ? [`${r.type.replace(/^.*:/, "")} is authoritative: it removes every other grant of ${r.type.endsWith("Policy") ? "the resource" : "its role"}; grant each member with the matching IAMMember instead`]
      : [],
};

const I1_SCOPE: Rule = {
  id: "I1-scope",
  title: "No grants above the project",
  severity: "mandatory",
  rationale: "A grant on a folder or the organization reaches every project under it, other services' included.",
  source: "Google Cloud IAM docs (policy inheritance); CIS GCP 1.x",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: (r) => (!ABOVE_PROJECT_IAM.includes(r.type) ? [] : [`grants on the ${r.type.startsWith("gcp:folder/") ? "folder" : "organization"} reach every project under it; grant on the stack's project or resource instead`]),
};

const I2: Rule = {
  id: "I2",
  title: "No project-level impersonation",
  severity: "mandatory",
  rationale: "Impersonation roles on a project let the member act as every service account in it.",
  source: "CKV_GCP_41, CKV_GCP_49",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: byRole((role, path) => (IMPERSONATION_ROLES.includes(role) ? [`${path} is ${show(role)}; grant it on the one service account instead (gcp.serviceaccount.IAMMember)`] : [])),
};

function checkCustomRole(r: CheckedResource): Finding[] {
  const perms = at(r.inputs, "permissions");
  if (isOpaque(perms)) return [unverified("permissions", perms)];
  const opaque = list(perms).findIndex(isOpaque);
  if (opaque >= 0) return [unverified(`permissions[${opaque}]`, list(perms)[opaque])];
  const bad = list(perms).filter((p) => ESCALATION_PERMISSIONS.includes(String(p)));
  return bad.length ? [`permissions include ${bad.map(show).join(", ")}, which let the holder act as another identity or grant itself more; remove them`] : [];
}

const I2_ESCALATION: Rule = {
  id: "I2-escalation",
  title: "No roles that grant roles",
  severity: "mandatory",
  rationale: "IAM admin roles, and custom roles with actAs, token, key or setIamPolicy permissions, let their holder grant itself anything.",
  source: "Google Cloud IAM docs (service account impersonation); Rhino Security Labs GCP privilege escalation",
  appliesTo: [...RESOURCE_MANAGER_IAM, ...CUSTOM_ROLES],
  scope: "resource",
  check: (r) =>
    CUSTOM_ROLES.includes(r.type)
      ? checkCustomRole(r)
      : byRole((role, path) => (GRANTING_ROLES.includes(role) ? [`${path} is ${show(role)}, which lets its holder grant itself any role; grant the roles it needs directly`] : []))(r),
};

const I3: Rule = {
  id: "I3",
  title: "No default service accounts as members",
  severity: "mandatory",
  rationale: "Default service accounts are shared by every VM or App Engine app of the project.",
  source: "CKV_GCP_46",
  appliesTo: ALL_IAM,
  scope: "resource",
  check: byMember((m, path) => (DEFAULT_SA.test(m) ? [`${path} is ${show(m)}, a default service account; grant a dedicated service account`] : [])),
};

const I3_PUBLIC: Rule = {
  id: "I3-public",
  title: "No public members",
  severity: "mandatory",
  rationale: "allUsers and allAuthenticatedUsers grant the role to anyone on the internet (buckets: S5).",
  source: "CKV_GCP_28 (and its equivalents for projects, service accounts and keys)",
  appliesTo: ALL_IAM.filter((t) => !t.startsWith("gcp:storage/")),
  scope: "resource",
  check: byMember((m, path) => (PUBLIC.includes(m) ? [`${path} is ${show(m)}, anyone on the internet; grant named principals only`] : [])),
};

const I4: Rule = {
  id: "I4",
  title: "No admin roles for service accounts",
  severity: "mandatory",
  rationale: "A leaked service account key or workload token with admin rights compromises the whole project.",
  source: "CKV_GCP_42",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: byMember((m, path, role) => {
    if (!isWorkloadIdentityMember(m)) return [];
    if (isOpaque(role)) return [unverified(`role granted to ${path} ${show(m)}`, role)];
    // Only the exact service-agent grants Google's setup prescribes are admitted (src/gcp/project.ts).
    return typeof role === "string" && ADMIN_ROLE.test(role) && !isPrescribedAgentGrant(role, m) ? [`${path} ${show(m)} gets ${show(role)}; grant service accounts narrower roles than admin, editor or owner`] : [];
  }),
};

export const iamRules: Rule[] = [I1, I1_AUTHORITATIVE, I1_SCOPE, I2, I2_ESCALATION, I3, I3_PUBLIC, I4];
