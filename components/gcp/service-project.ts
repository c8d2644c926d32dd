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
  projectRoleProblem,
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

export interface ProjectIamMemberArgs {
  /** Project the role is granted on. */
  project: pulumi.Input<string>;
  /** Role such as `roles/logging.logWriter`; never a basic role (I1) nor an impersonation role (I2). */
  role: string;
  /**
   * Member such as `serviceAccount:x@p.iam.gserviceaccount.com`; never a default service account (I3), and a
   * service account never gets an admin role (I4). A plain string is checked at once, an Output when it resolves.
   */
  member: pulumi.Input<string>;
}

/**
 * The only way Runway grants a project role: an additive `IAMMember` (never `IAMBinding`/`IAMPolicy`, which wipe
 * members set elsewhere), refusing the grants of the checklist's I1–I4.
 */
export function projectIamMember(name: string, args: ProjectIamMemberArgs, opts?: pulumi.CustomResourceOptions): gcp.projects.IAMMember {
  const roleProblem = projectRoleProblem(args.role);
  if (roleProblem) throw new Error(roleProblem);
  const check = (m: string) => {
    const problem = projectIamProblem(args.role, m);
    if (problem) throw new Error(problem);
    return m;
  };
  const member = typeof args.member === "string" ? check(args.member) : pulumi.output(args.member).apply(check);
  return new gcp.projects.IAMMember(name, { project: args.project, role: args.role, member }, opts);
}
