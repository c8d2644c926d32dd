/**
 * ServiceProject (P1, P2, D1, D3, APIs, budget, contacts, Shared VPC, runtime identity) and the project IAM guard
 * (I1–I4).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { projectIamMember, ServiceProject, type ServiceProjectArgs } from "../components/gcp/service-project";
import { DEFAULT_PROJECT_APIS, projectIamProblem } from "../src/gcp/project";
import { planThrowing } from "./helpers/gcp";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

const args: ServiceProjectArgs = {
  projectId: "ai-gateway-prod",
  folderId: "123456789012",
  billingAccount: "01ABCD-234567-89ABCD",
  labels: { service: "ai-gateway", owner: "AI Framework", environment: "production" },
  extraLabels: { "cost-center": "1234" },
  apis: ["pubsub.googleapis.com", "container.googleapis.com"],
  budget: { amount: 1500.5, thresholds: [1.0, 0.5] },
  sharedVpcHostProject: "net-host-prod",
  contacts: ["sre@example.com", "Security.Team@example.com"],
};

let plan: Recorded;
beforeAll(async () => {
  plan = await runWithMocks(() => {
    new ServiceProject("ai-gateway", args);
  });
});

const project = () => plan.one("gcp:organizations/project:Project");
const service = (api: string) => plan.ofType("gcp:projects/service:Service").find((s) => s.inputs.service === api);

describe("ServiceProject", () => {
  it("P1 the project has no default network", () => {
    expect(project().inputs.autoCreateNetwork).toBe(false);
  });

  it("P2 data-access audit logs are on for all services with nobody exempted", () => {
    const audit = plan.one("gcp:projects/iAMAuditConfig:IAMAuditConfig");
    expect(audit.inputs.service).toBe("allServices");
    expect(audit.inputs.auditLogConfigs).toEqual([{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }]);
  });

  it("D1 the project is protected", () => {
    expect(project().protect).toBe(true);
  });

  it("D3 the provider refuses to delete the project", () => {
    expect(project().inputs.deletionPolicy).toBe("PREVENT");
  });

  it("lives in the folder and billing account, labelled with service, owner, environment and managed-by", () => {
    expect(project().inputs).toMatchObject({ projectId: "ai-gateway-prod", folderId: "123456789012", billingAccount: "01ABCD-234567-89ABCD" });
    expect(project().inputs.labels).toEqual({
      "managed-by": "runway",
      service: "ai-gateway",
      owner: "ai_framework",
      environment: "production",
      "cost-center": "1234",
    });
  });

  it("enables Runway's APIs plus the extras once each, never disabling them on destroy", () => {
    const apis = plan.ofType("gcp:projects/service:Service");
    expect(apis.map((s) => s.inputs.service).sort()).toEqual([...DEFAULT_PROJECT_APIS, "pubsub.googleapis.com"].sort());
    for (const s of apis) expect(s.inputs).toMatchObject({ project: "ai-gateway-prod", disableOnDestroy: false, disableDependentServices: false });
  });

  it("enables Certificate Manager, which the shared Gateway's certificates need", () => {
    expect(plan.ofType("gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("certificatemanager.googleapis.com");
  });

  it("enables Cloud DNS, which the network's private googleapis.com zone needs", () => {
    expect(plan.ofType("gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("dns.googleapis.com");
  });

  it("creates what needs an API only after enabling it", () => {
    const needs: [string, string][] = [
      ["gcp:billing/budget:Budget", "billingbudgets.googleapis.com"],
      ["gcp:compute/sharedVPCServiceProject:SharedVPCServiceProject", "compute.googleapis.com"],
      ["gcp:serviceaccount/account:Account", "iam.googleapis.com"],
    ];
    for (const [type, api] of needs) expect(plan.one(type).dependsOn, type).toContain(service(api)?.urn);
    for (const c of plan.ofType("gcp:essentialcontacts/contact:Contact")) expect(c.dependsOn).toContain(service("essentialcontacts.googleapis.com")?.urn);
  });

  it("sets a monthly budget on this project with sorted alert thresholds", () => {
    const budget = plan.one("gcp:billing/budget:Budget").inputs as Record<string, unknown>;
    expect(budget.billingAccount).toBe("01ABCD-234567-89ABCD");
    expect(budget.amount).toEqual({ specifiedAmount: { units: "1500", nanos: 500000000 } });
    expect(budget.budgetFilter).toEqual({ projects: [expect.stringMatching(/^projects\/[0-9]{12}$/)], calendarPeriod: "MONTH" });
    expect(budget.thresholdRules).toEqual([
      { thresholdPercent: 0.5, spendBasis: "CURRENT_SPEND" },
      { thresholdPercent: 1, spendBasis: "CURRENT_SPEND" },
    ]);
  });

  it("attaches to the Shared VPC host", () => {
    expect(plan.one("gcp:compute/sharedVPCServiceProject:SharedVPCServiceProject").inputs).toEqual({ hostProject: "net-host-prod", serviceProject: "ai-gateway-prod" });
  });

  it("subscribes each essential contact to security, technical and billing notices, named after the address", () => {
    const contacts = plan.ofType("gcp:essentialcontacts/contact:Contact");
    expect(contacts.map((c) => c.name).sort()).toEqual(["ai-gateway-contact-security-team-example-com", "ai-gateway-contact-sre-example-com"]);
    for (const c of contacts) {
      expect(c.inputs).toMatchObject({ parent: "projects/ai-gateway-prod", languageTag: "en", notificationCategorySubscriptions: ["SECURITY", "TECHNICAL", "BILLING"] });
    }
  });

  it("creates the workload's runtime service account unless told not to", async () => {
    expect(plan.one("gcp:serviceaccount/account:Account").inputs).toMatchObject({ accountId: "ai-gateway-runtime", project: "ai-gateway-prod" });
    const without = await runWithMocks(() => {
      new ServiceProject("ai-gateway", { ...args, runtimeServiceAccount: false });
    });
    expect(without.ofType("gcp:serviceaccount/account:Account")).toEqual([]);
  });

  it("grants nothing through authoritative IAM resources", () => {
    expect(plan.resources.filter((r) => /IAMBinding|IAMPolicy/.test(r.type))).toEqual([]);
  });

  it("refuses invalid args before registering anything", async () => {
    const { error, resources } = await planThrowing(() => new ServiceProject("p", { ...args, projectId: "my-google-project", budget: { amount: 0 } }));
    expect(error?.message).toBe(
      [
        "ServiceProject projectId 'my-google-project' GCP refuses project ids containing 'google', 'null', 'undefined' or 'ssl'",
        "ServiceProject budget.amount 0 must be a positive amount",
      ].join("\n"),
    );
    expect(resources).toEqual([]);
  });
});

describe("projectIamMember", () => {
  const refusals: [string, string, string, string][] = [
    ["I1 basic roles", "roles/editor", "group:devs@example.com", "role roles/editor is a basic role (I1); grant a predefined or custom role with only the permissions needed"],
    [
      "I2 project-level impersonation",
      "roles/iam.serviceAccountTokenCreator",
      "group:devs@example.com",
      "role roles/iam.serviceAccountTokenCreator at project level allows impersonating every service account of the project (I2); grant it on one service account with gcp.serviceaccount.IAMMember",
    ],
    [
      "I3 the default compute service account",
      "roles/logging.logWriter",
      "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
      "member serviceAccount:123456789012-compute@developer.gserviceaccount.com is a default service account (I3); create a dedicated service account for the workload",
    ],
    [
      "I3 the App Engine default service account",
      "roles/logging.logWriter",
      "serviceAccount:ai-gateway-prod@appspot.gserviceaccount.com",
      "member serviceAccount:ai-gateway-prod@appspot.gserviceaccount.com is a default service account (I3); create a dedicated service account for the workload",
    ],
    [
      "I4 admin roles for service accounts",
      "roles/container.admin",
      "serviceAccount:deployer@ai-gateway-prod.iam.gserviceaccount.com",
      "role roles/container.admin is an administrative role and serviceAccount:deployer@ai-gateway-prod.iam.gserviceaccount.com is a service account (I4); grant a narrower role",
    ],
  ];

  for (const [what, role, member, message] of refusals) {
    it(`refuses ${what} before registering anything`, async () => {
      const { error, resources } = await planThrowing(() => projectIamMember("grant", { project: "p", role, member }));
      expect(error?.message).toBe(message);
      expect(resources).toEqual([]);
    });
  }

  it("refuses an admin role for a computed service account email before registering anything", async () => {
    const member = { serviceAccount: pulumi.output("deployer@ai-gateway-prod.iam.gserviceaccount.com") };
    const { error, resources } = await planThrowing(() => projectIamMember("grant", { project: "p", role: "roles/iam.roleAdmin", member }));
    expect(error?.message).toBe("role roles/iam.roleAdmin is an administrative role and serviceAccount:<computed> is a service account (I4); grant a narrower role");
    expect(resources).toEqual([]);
  });

  it("grants a service account by email with the serviceAccount: prefix", async () => {
    const plan = await runWithMocks(() => {
      projectIamMember("grant", { project: "p", role: "roles/logging.logWriter", member: { serviceAccount: pulumi.output("app@p.iam.gserviceaccount.com") } });
    });
    expect(plan.one("gcp:projects/iAMMember:IAMMember").inputs.member).toBe("serviceAccount:app@p.iam.gserviceaccount.com");
  });

  it("grants an allowed role additively with one IAMMember", async () => {
    const plan = await runWithMocks(() => {
      projectIamMember("grant", { project: "p", role: "roles/monitoring.viewer", member: "group:sre@example.com" });
    });
    expect(plan.resources.map((r) => r.type).filter((t) => t.startsWith("gcp:"))).toEqual(["gcp:projects/iAMMember:IAMMember"]);
    expect(plan.one("gcp:projects/iAMMember:IAMMember").inputs).toEqual({ project: "p", role: "roles/monitoring.viewer", member: "group:sre@example.com" });
  });

  it("lets admin roles go to people but not to service accounts", () => {
    expect(projectIamProblem("roles/container.clusterAdmin", "group:sre@example.com")).toBeUndefined();
    expect(projectIamProblem("roles/container.clusterAdmin", "serviceAccount:ci@p.iam.gserviceaccount.com")).toMatch(/\(I4\)/);
  });
});
