import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  apiSuffix,
  auditLogConfigs,
  budgetMoney,
  budgetThresholdRules,
  CONTACT_CATEGORIES,
  contactSuffix,
  projectApis,
  projectArgs,
  projectIamProblem,
  type ProjectSettings,
  serviceProjectProblems,
} from "../../src/gcp/project";
import { serviceAccountId } from "../../src/naming";

export interface ServiceProjectArgs extends ProjectSettings {
  /** Create the workload's runtime service account (`<service>-runtime`). Default true. */
  runtimeServiceAccount?: boolean;
}

/**
 * A GCP project for one service: no default network (P1), data-access audit logs for all services (P2),
 * deletion prevented by the provider and by Pulumi (D1, D3), the APIs Runway needs, a budget, essential contacts
 * and the workload's runtime service account.
 */
export class ServiceProject extends pulumi.ComponentResource {
  public readonly projectId: pulumi.Output<string>;
  public readonly projectNumber: pulumi.Output<string>;
  /** Email of the runtime service account; undefined when `runtimeServiceAccount` is false. */
  public readonly runtimeServiceAccountEmail: pulumi.Output<string> | undefined;

  constructor(name: string, args: ServiceProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = serviceProjectProblems(args);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:ServiceProject", name, {}, opts);

    const project = new gcp.organizations.Project(name, projectArgs(args), { parent: this, protect: true });
    this.projectId = project.projectId;
    this.projectNumber = project.number;

    const services: Record<string, gcp.projects.Service> = {};
    for (const api of projectApis(args.apis)) {
      services[api] = new gcp.projects.Service(
        `${name}-${apiSuffix(api)}`,
        // Disabling an API on destroy would break whatever still runs in the (protected) project.
        { project: project.projectId, service: api, disableOnDestroy: false, disableDependentServices: false },
        { parent: this },
      );
    }
    const after = (api: string) => ({ parent: this, dependsOn: [services[api]] });

    new gcp.projects.IAMAuditConfig(`${name}-audit`, { project: project.projectId, service: "allServices", auditLogConfigs: auditLogConfigs() }, { parent: this });

    if (args.budget) {
      new gcp.billing.Budget(
        `${name}-budget`,
        {
          billingAccount: args.billingAccount,
          displayName: `${args.projectId} monthly`,
          budgetFilter: { projects: [pulumi.interpolate`projects/${project.number}`], calendarPeriod: "MONTH" },
          amount: { specifiedAmount: budgetMoney(args.budget.amount) },
          thresholdRules: budgetThresholdRules(args.budget.thresholds),
        },
        after("billingbudgets.googleapis.com"),
      );
    }

    if (args.sharedVpcHostProject) {
      new gcp.compute.SharedVPCServiceProject(
        `${name}-shared-vpc`,
        { hostProject: args.sharedVpcHostProject, serviceProject: project.projectId },
        after("compute.googleapis.com"),
      );
    }

    for (const email of args.contacts ?? []) {
      new gcp.essentialcontacts.Contact(
        `${name}-contact-${contactSuffix(email)}`,
        { parent: pulumi.interpolate`projects/${project.projectId}`, email, languageTag: "en", notificationCategorySubscriptions: CONTACT_CATEGORIES },
        after("essentialcontacts.googleapis.com"),
      );
    }

    if (args.runtimeServiceAccount ?? true) {
      const sa = new gcp.serviceaccount.Account(
        `${name}-runtime`,
        {
          project: project.projectId,
          accountId: serviceAccountId(args.labels.service ?? "workload", "runtime"),
          displayName: `Runtime identity of ${args.labels.service ?? args.projectId}`,
        },
        after("iam.googleapis.com"),
      );
      this.runtimeServiceAccountEmail = sa.email;
    }

    this.registerOutputs({ projectId: this.projectId, projectNumber: this.projectNumber, runtimeServiceAccountEmail: this.runtimeServiceAccountEmail });
  }
}

/** An IAM member: a literal such as `group:sre@example.com`, or a service account by (possibly computed) email. */
export type IamMember = string | { serviceAccount: pulumi.Input<string> };

export interface ProjectIamMemberArgs {
  /** Project the role is granted on. */
  project: pulumi.Input<string>;
  /** Role such as `roles/logging.logWriter`; never a basic role (I1) nor an impersonation role (I2). */
  role: string;
  /**
   * Never a default service account (I3); a service account never gets an admin role (I4). A computed service
   * account email must be one Runway created (it cannot be a default one); everything else is checked at once.
   */
  member: IamMember;
}

/**
 * The only way Runway grants a project role: an additive `IAMMember` (never `IAMBinding`/`IAMPolicy`, which wipe
 * members set elsewhere), refusing the grants of the checklist's I1–I4 before anything is registered.
 */
export function projectIamMember(name: string, args: ProjectIamMemberArgs, opts?: pulumi.CustomResourceOptions): gcp.projects.IAMMember {
  const m = args.member;
  const sa = typeof m === "string" ? undefined : m.serviceAccount;
  const checked = sa === undefined ? (m as string) : `serviceAccount:${typeof sa === "string" ? sa : "<computed>"}`;
  const problem = projectIamProblem(args.role, checked);
  if (problem) throw new Error(problem);
  const member = sa === undefined ? checked : pulumi.interpolate`serviceAccount:${sa}`;
  return new gcp.projects.IAMMember(name, { project: args.project, role: args.role, member }, opts);
}
