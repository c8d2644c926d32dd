/**
 * Decisions of the `ServiceProject` component and the project IAM guard, as pure functions over plain values.
 * No provider imports: the component turns these plain args into resources.
 */
import { gcpProjectId } from "../config/schema/common";
import { gcpLabels, type RunwayLabels } from "../naming";

/** APIs every Runway project enables; a stack adds more with `apis`. */
export const DEFAULT_PROJECT_APIS = [
  "artifactregistry.googleapis.com",
  "billingbudgets.googleapis.com",
  "binaryauthorization.googleapis.com",
  // The shared Gateway's managed certificates, DNS authorizations and certificate map.
  "certificatemanager.googleapis.com",
  "cloudkms.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "compute.googleapis.com",
  "container.googleapis.com",
  // The VPC's private zone that sends Google API calls to private.googleapis.com.
  "dns.googleapis.com",
  "essentialcontacts.googleapis.com",
  "gkebackup.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "logging.googleapis.com",
  "monitoring.googleapis.com",
  "sts.googleapis.com",
] as const;

/** Budget alert thresholds when a budget lists none: half, most and all of the amount. */
export const DEFAULT_BUDGET_THRESHOLDS = [0.5, 0.9, 1.0];

/** Essential-contact categories every contact subscribes to. */
export const CONTACT_CATEGORIES = ["SECURITY", "TECHNICAL", "BILLING"];

/** Audit log types turned on for all services (P2); `exemptedMembers` is never set. */
export const AUDIT_LOG_TYPES = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"];

/** What a stack decides about its project (the ServiceProject component's args). */
export interface ProjectSettings {
  /**
   * GCP project id, 6-30 characters, lowercase letters, digits and '-'; GCP refuses ids containing 'google'.
   * Also the project's display name. https://cloud.google.com/resource-manager/reference/rest/v3/projects
   */
  projectId: string;
  /** Numeric id of the folder the project is created in. */
  folderId: string;
  /** Billing account id such as `01ABCD-234567-89ABCD`; also the account the budget is created on. */
  billingAccount: string;
  /** Runway labels; `managed-by: runway` is always added. */
  labels: RunwayLabels;
  /** Further project labels, normalised to GCP label syntax. Default none. */
  extraLabels?: Record<string, string>;
  /**
   * APIs to enable on top of Runway's defaults (`DEFAULT_PROJECT_APIS`: container, compute, iam, sts, cloudkms,
   * gkebackup, ...). Default none. https://cloud.google.com/service-usage/docs/reference/rest/v1/services
   */
  apis?: string[];
  /**
   * Monthly budget on this project: `amount` in the billing account's currency and alert `thresholds` as fractions
   * (default 0.5, 0.9, 1.0). Default: no budget. https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets
   */
  budget?: { amount: number; thresholds?: number[] };
  /** Attach the project as a service project of this Shared VPC host project. Default: not attached. */
  sharedVpcHostProject?: string;
  /** Essential contacts for security, technical and billing notices. Default none. https://cloud.google.com/resource-manager/docs/managing-notification-contacts */
  contacts?: string[];
}

/** A stack's `runway:gcp` as ServiceProject settings, with the stack's Runway labels. */
export function stackProjectSettings(
  g: Pick<ProjectSettings, "projectId" | "folderId" | "billingAccount" | "apis" | "budget" | "sharedVpcHostProject" | "contacts"> & { labels?: Record<string, string> },
  labels: RunwayLabels,
): ProjectSettings {
  return {
    projectId: g.projectId,
    folderId: g.folderId,
    billingAccount: g.billingAccount,
    labels,
    extraLabels: g.labels,
    apis: g.apis,
    budget: g.budget,
    sharedVpcHostProject: g.sharedVpcHostProject,
    contacts: g.contacts,
  };
}

const API = /^[a-z0-9.-]+\.googleapis\.com$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FOLDER = /^[0-9]{6,20}$/;
const BILLING = /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/;

function projectIdProblem(field: string, id: string): string | undefined {
  const r = gcpProjectId.safeParse(id);
  return r.success ? undefined : `ServiceProject ${field} '${id}' ${r.error.issues[0].message}`;
}

/** Every problem of ServiceProject args, as messages that name the field, the value and the fix. */
export function serviceProjectProblems(s: ProjectSettings): string[] {
  const out: string[] = [];
  const idProblem = projectIdProblem("projectId", s.projectId);
  if (idProblem) out.push(idProblem);
  if (!FOLDER.test(s.folderId)) out.push(`ServiceProject folderId '${s.folderId}' must be a numeric folder id such as 123456789012`);
  if (!BILLING.test(s.billingAccount)) {
    out.push(`ServiceProject billingAccount '${s.billingAccount}' must be a billing account id such as 01ABCD-234567-89ABCD`);
  }
  for (const api of s.apis ?? []) {
    if (!API.test(api)) out.push(`ServiceProject apis entry '${api}' must be a service name such as pubsub.googleapis.com`);
  }
  if (s.budget) {
    if (!(s.budget.amount > 0)) out.push(`ServiceProject budget.amount ${s.budget.amount} must be a positive amount`);
    for (const t of s.budget.thresholds ?? []) {
      if (!(t > 0 && t <= 2)) out.push(`ServiceProject budget.thresholds entry ${t} must be a fraction in (0, 2], e.g. 0.9 for 90%`);
    }
  }
  if (s.sharedVpcHostProject !== undefined) {
    const hostProblem = projectIdProblem("sharedVpcHostProject", s.sharedVpcHostProject);
    if (hostProblem) out.push(hostProblem);
    else if (s.sharedVpcHostProject === s.projectId) out.push(`ServiceProject sharedVpcHostProject '${s.sharedVpcHostProject}' is the project itself; name the host project or omit it`);
  }
  for (const c of s.contacts ?? []) {
    if (!EMAIL.test(c)) out.push(`ServiceProject contacts entry '${c}' must be an email address`);
  }
  return out;
}

/** The APIs to enable: Runway's defaults plus extras, deduplicated and sorted so the order never causes a diff. */
export function projectApis(extra: readonly string[] = []): string[] {
  return [...new Set([...DEFAULT_PROJECT_APIS, ...extra])].sort();
}

/** Logical-name suffix of an API's Service resource: `container.googleapis.com` -> `container`. */
export function apiSuffix(api: string): string {
  return api.replace(/\.googleapis\.com$/, "").replace(/\./g, "-");
}

/** Logical-name suffix for a contact, stable under reordering: `Ops.Team@x.com` -> `ops-team-x-com`. */
export function contactSuffix(email: string): string {
  return email.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Plain args of the project itself: no default network (P1), deletion prevented (D3). */
export function projectArgs(s: ProjectSettings) {
  return {
    projectId: s.projectId,
    name: s.projectId,
    folderId: s.folderId,
    billingAccount: s.billingAccount,
    labels: gcpLabels(s.labels, s.extraLabels),
    autoCreateNetwork: false,
    deletionPolicy: "PREVENT",
  };
}

/** Data-access audit logging for every service, with nobody exempted (P2). */
export function auditLogConfigs(): { logType: string }[] {
  return AUDIT_LOG_TYPES.map((logType) => ({ logType }));
}

/** The budget amount as the Billing Budget API's Money: whole units as a string plus nanos. */
export function budgetMoney(amount: number): { units: string; nanos: number } {
  const units = Math.floor(amount);
  return { units: String(units), nanos: Math.round((amount - units) * 1e9) };
}

/** Threshold rules on current spend, sorted and deduplicated. */
export function budgetThresholdRules(thresholds: readonly number[] = DEFAULT_BUDGET_THRESHOLDS): { thresholdPercent: number; spendBasis: string }[] {
  return [...new Set(thresholds)].sort((a, b) => a - b).map((thresholdPercent) => ({ thresholdPercent, spendBasis: "CURRENT_SPEND" }));
}

const BASIC_ROLES = new Set(["roles/owner", "roles/editor", "roles/viewer"]);

/** Roles that let a member act as any service account of the project when granted at project level (I2). */
export const IMPERSONATION_ROLES = new Set([
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountOpenIdTokenCreator",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.serviceAccountKeyAdmin",
]);

const DEFAULT_SA = /-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$/;
const ADMIN_ROLE = /admin|editor|owner/i;

/**
 * Admin grants to Google-managed service agents that Google's own setup prescribes. I4 is about service accounts
 * whose keys or tokens someone could hold; a service agent of a `gcp-sa-*` domain is Google's own identity, and only
 * these exact role and agent pairs are admitted, never a blanket exception for service agents.
 */
const PRESCRIBED_AGENT_GRANTS: readonly { role: string; member: RegExp }[] = [
  // The multi-cluster Gateway controller manages the fleet clusters' Gateway resources:
  // https://cloud.google.com/kubernetes-engine/docs/how-to/enabling-multi-cluster-gateways
  { role: "roles/container.admin", member: /^serviceAccount:service-[0-9]+@gcp-sa-multiclusteringress\.iam\.gserviceaccount\.com$/ },
];

/**
 * Whether a member is a workload's identity rather than a person's (I4): any `serviceAccount:` (a user-managed
 * account, a service agent, or a Kubernetes service account through Workload Identity,
 * `serviceAccount:<project>.svc.id.goog[<ns>/<sa>]`), and Workload Identity Federation principals (`principal://` or
 * `principalSet://` of a workload identity pool: a Kubernetes service account, a namespace of them, a CI job). The
 * member type is read regardless of case. Workforce pools (people) are not workloads.
 * https://cloud.google.com/iam/docs/principal-identifiers
 */
export function isWorkloadIdentityMember(member: string): boolean {
  return /^serviceaccount:|^principal(set)?:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/[^/]+\/workloadIdentityPools\//i.test(member);
}

/** Whether a project-level grant is one of the service-agent grants Google's setup prescribes (I4 admits them). */
export function isPrescribedAgentGrant(role: string, member: string): boolean {
  return PRESCRIBED_AGENT_GRANTS.some((g) => g.role === role && g.member.test(member));
}

/**
 * Why a project-level grant of `role` to `member` is refused, or undefined when it is allowed. The checks are
 * the checklist's I1–I4, in that order.
 */
export function projectIamProblem(role: string, member: string): string | undefined {
  if (BASIC_ROLES.has(role)) {
    return `role ${role} is a basic role (I1); grant a predefined or custom role with only the permissions needed`;
  }
  if (IMPERSONATION_ROLES.has(role)) {
    return `role ${role} at project level allows impersonating every service account of the project (I2); grant it on one service account with gcp.serviceaccount.IAMMember`;
  }
  if (DEFAULT_SA.test(member)) {
    return `member ${member} is a default service account (I3); create a dedicated service account for the workload`;
  }
  if (isWorkloadIdentityMember(member) && ADMIN_ROLE.test(role) && !isPrescribedAgentGrant(role, member)) {
    return `role ${role} is an administrative role and ${member} is a service account (I4); grant a narrower role`;
  }
  return undefined;
}
