/**
 * IAM controls I1–I4 of the security checklist, on non-authoritative IAM grants (IAMMember, IAMBinding).
 */
import { isPrescribedAgentGrant } from "../gcp/project";
import { at, type CheckedResource, type Finding, isOpaque, list, type Rule, show, unverified } from "./rule";

/** Grants on a project, folder or organization: where basic roles and impersonation reach everything. */
export const RESOURCE_MANAGER_IAM = [
  "gcp:projects/iAMMember:IAMMember",
  "gcp:projects/iAMBinding:IAMBinding",
  "gcp:folder/iAMMember:IAMMember",
  "gcp:folder/iAMBinding:IAMBinding",
  "gcp:organizations/iAMMember:IAMMember",
  "gcp:organizations/iAMBinding:IAMBinding",
];

export const ALL_IAM = [
  ...RESOURCE_MANAGER_IAM,
  "gcp:serviceaccount/iAMMember:IAMMember",
  "gcp:serviceaccount/iAMBinding:IAMBinding",
  "gcp:storage/bucketIAMMember:BucketIAMMember",
  "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
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
const DEFAULT_SA = /(-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com)$/;
const USER_MANAGED_SA = /^serviceAccount:.+\.iam\.gserviceaccount\.com$/;
const ADMIN_ROLE = /admin$|^roles\/(editor|owner)$/i;

/** The members a grant names: `member` (IAMMember) or `members` (IAMBinding). */
export function grantMembers(r: CheckedResource): { path: string; value: unknown }[] {
  if ("members" in r.inputs) {
    const ms = r.inputs.members;
    if (isOpaque(ms)) return [{ path: "members", value: ms }];
    return list(ms).map((value, i) => ({ path: `members[${i}]`, value }));
  }
  return [{ path: "member", value: r.inputs.member }];
}

/** Role check shared by I1 and I2. */
function roleNotIn(roles: readonly string[], why: string) {
  return (g: CheckedResource): Finding[] => {
    const role = at(g.inputs, "role");
    if (isOpaque(role)) return [unverified("role", role)];
    return typeof role === "string" && roles.includes(role) ? [`role is ${show(role)}; ${why}`] : [];
  };
}

const I1: Rule = {
  id: "I1",
  title: "No basic roles",
  severity: "mandatory",
  rationale: "Owner, Editor and Viewer grant thousands of permissions across every service.",
  source: "CKV_GCP_117",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: roleNotIn(BASIC_ROLES, "grant a predefined or custom role with only the permissions needed"),
};

const I2: Rule = {
  id: "I2",
  title: "No project-level impersonation",
  severity: "mandatory",
  rationale: "Impersonation roles on a project let the member act as every service account in it.",
  source: "CKV_GCP_41, CKV_GCP_49",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: roleNotIn(IMPERSONATION_ROLES, "grant it on the one service account instead (gcp.serviceaccount.IAMMember)"),
};

const I3: Rule = {
  id: "I3",
  title: "No default service accounts as members",
  severity: "mandatory",
  rationale: "Default service accounts are shared by every VM or App Engine app of the project.",
  source: "CKV_GCP_46",
  appliesTo: ALL_IAM,
  scope: "resource",
  check: (g) =>
    grantMembers(g).flatMap(({ path, value }): Finding[] => {
      if (isOpaque(value)) return [unverified(path, value)];
      return typeof value === "string" && DEFAULT_SA.test(value) ? [`${path} is ${show(value)}, a default service account; grant a dedicated service account`] : [];
    }),
};

function checkAdminForServiceAccounts(g: CheckedResource): Finding[] {
  const role = at(g.inputs, "role");
  if (isOpaque(role)) return [unverified("role", role)];
  if (typeof role !== "string" || !ADMIN_ROLE.test(role)) return [];
  return grantMembers(g).flatMap(({ path, value }): Finding[] => {
    if (isOpaque(value)) return [unverified(path, value)];
    // Only the exact service-agent grants Google's setup prescribes are admitted (src/gcp/project.ts).
    return typeof value === "string" && USER_MANAGED_SA.test(value) && !isPrescribedAgentGrant(role, value) ? [`${path} ${show(value)} gets ${show(role)}; grant service accounts narrower roles than admin, editor or owner`] : [];
  });
}

const I4: Rule = {
  id: "I4",
  title: "No admin roles for service accounts",
  severity: "mandatory",
  rationale: "A leaked service account key with admin rights compromises the whole project.",
  source: "CKV_GCP_42",
  appliesTo: RESOURCE_MANAGER_IAM,
  scope: "resource",
  check: checkAdminForServiceAccounts,
};

export const iamRules: Rule[] = [I1, I2, I3, I4];
