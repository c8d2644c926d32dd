/**
 * CiIdentity: only the configured GitLab group's protected pipelines can act as the deployer, and no key exists.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CiIdentity, type CiIdentityArgs } from "../components/gcp/ci-identity";
import { gitlabAttributeCondition, gitlabIssuerUri, workloadIdentityId } from "../src/gcp/ci-identity";
import { planThrowing } from "./helpers/gcp";
import { type Recorded, runWithMocks } from "./helpers/pulumi";

const PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const args: CiIdentityArgs = { project: "runway-ci", gitlabUrl: "https://gitlab.com", audience: "https://iam.googleapis.com", ciGroup: "gitlab-org/ai-framework" };

let plan: Recorded;
beforeAll(async () => {
  plan = await runWithMocks(() => {
    new CiIdentity("gitlab-ci", args);
  });
});

describe("CiIdentity", () => {
  it("trusts GitLab's issuer, with its trailing slash, for the configured audience only", () => {
    expect(plan.one(PROVIDER).inputs.oidc).toEqual({ issuerUri: "https://gitlab.com/", allowedAudiences: ["https://iam.googleapis.com"] });
    expect(gitlabIssuerUri("https://gitlab.example.com/")).toBe("https://gitlab.example.com/");
  });

  it("admits only tokens from the group or its subgroups, of protected refs", () => {
    expect(plan.one(PROVIDER).inputs.attributeCondition).toBe(
      '(assertion.namespace_path == "gitlab-org/ai-framework" || assertion.namespace_path.startsWith("gitlab-org/ai-framework/")) && assertion.ref_protected == "true"',
    );
  });

  it("admits unprotected refs only when protectedRefsOnly is false", async () => {
    const open = await runWithMocks(() => {
      new CiIdentity("gitlab-ci", { ...args, protectedRefsOnly: false });
    });
    const condition = String(open.one(PROVIDER).inputs.attributeCondition);
    expect(condition).not.toContain("ref_protected");
    expect(condition).toBe(gitlabAttributeCondition("gitlab-org/ai-framework", false));
  });

  it("maps the claims that identify project, group and ref", () => {
    expect(plan.one(PROVIDER).inputs.attributeMapping).toMatchObject({
      "google.subject": "assertion.sub",
      "attribute.project_path": "assertion.project_path",
      "attribute.namespace_path": "assertion.namespace_path",
      "attribute.ref_protected": "assertion.ref_protected",
      "attribute.ref_type": "assertion.ref_type",
      "attribute.ci_group":
        'assertion.namespace_path == "gitlab-org/ai-framework" || assertion.namespace_path.startsWith("gitlab-org/ai-framework/") ? "gitlab-org/ai-framework" : ""',
    });
  });

  it("lets only the group's pipelines impersonate the deployer", () => {
    const pool = plan.one("gcp:iam/workloadIdentityPool:WorkloadIdentityPool");
    const grant = plan.one("gcp:serviceaccount/iAMMember:IAMMember");
    expect(grant.inputs).toEqual({
      serviceAccountId: "projects/runway-ci/serviceAccounts/gitlab-ci-deployer@runway-ci.iam.gserviceaccount.com",
      role: "roles/iam.workloadIdentityUser",
      member: expect.stringMatching(/^principalSet:\/\/iam\.googleapis\.com\/projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/gitlab-ci\/attribute\.ci_group\/gitlab-org\/ai-framework$/),
    });
    expect(grant.dependsOn).toContain(pool.urn);
  });

  it("creates no service account key", () => {
    expect(plan.ofType("gcp:serviceaccount/key:Key")).toEqual([]);
    expect(plan.resources.map((r) => r.type).filter((t) => /key/i.test(t))).toEqual([]);
  });

  it("refuses invalid args before registering anything", async () => {
    const { error, resources } = await planThrowing(() => new CiIdentity("ci", { ...args, gitlabUrl: "http://gitlab.com", ciGroup: "gitlab org" }));
    expect(error?.message).toBe(
      [
        "CiIdentity gitlabUrl 'http://gitlab.com' must be an https:// URL such as https://gitlab.com",
        "CiIdentity ciGroup 'gitlab org' must be a GitLab group path such as gitlab-org/ai-framework",
      ].join("\n"),
    );
    expect(resources).toEqual([]);
  });
});

describe("workloadIdentityId", () => {
  it("is a valid pool or provider id for any input, and deterministic", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (parts) => {
        const id = workloadIdentityId(...parts);
        expect(id).toMatch(/^[a-z0-9-]{4,32}$/);
        expect(id.startsWith("gcp-")).toBe(false);
        expect(workloadIdentityId(...parts)).toBe(id);
      }),
      { numRuns: 500 },
    );
  });

  it("never takes the reserved gcp- prefix", () => {
    expect(workloadIdentityId("gcp", "ci")).toBe("wif-gcp-ci");
  });
});
