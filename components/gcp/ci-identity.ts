import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  ciPrincipalSet,
  ciTrustProblems,
  gitlabAttributeCondition,
  gitlabAttributeMapping,
  gitlabIssuerUri,
  workloadIdentityId,
} from "../../src/gcp/ci-identity";
import { serviceAccountId } from "../../src/naming";

export interface CiIdentityArgs {
  /** Project that holds the pool and the deployer service account; needs the iam, sts and iamcredentials APIs. */
  project: pulumi.Input<string>;
  /**
   * GitLab instance URL such as `https://gitlab.com`; the issuer is this URL with a trailing slash.
   * https://docs.gitlab.com/ci/cloud_services/google_cloud/
   */
  gitlabUrl: string;
  /** Audience of the CI job's `id_tokens` entry (`aud`); the only audience the provider accepts. */
  audience: string;
  /** GitLab group path (e.g. `gitlab-org/ai-framework`): only its projects and subgroups' projects may deploy. */
  ciGroup: string;
  /** Accept tokens only from pipelines of protected branches and tags (`ref_protected`). Default true. */
  protectedRefsOnly?: boolean;
}

/**
 * Lets the configured GitLab group's CI pipelines act as a deployer service account through Workload Identity
 * Federation: short-lived tokens only, no service account keys anywhere.
 */
export class CiIdentity extends pulumi.ComponentResource {
  /** Full resource name of the pool provider, for `gcloud iam workload-identity-pools create-cred-config`. */
  public readonly poolProviderName: pulumi.Output<string>;
  public readonly deployerEmail: pulumi.Output<string>;

  constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    const trust = { ...args, protectedRefsOnly: args.protectedRefsOnly ?? true };
    const problems = ciTrustProblems(trust);
    if (problems.length) throw new Error(problems.join("\n"));
    super("runway:gcp:CiIdentity", name, {}, opts);

    const pool = new gcp.iam.WorkloadIdentityPool(
      name,
      { project: args.project, workloadIdentityPoolId: workloadIdentityId(name), displayName: "GitLab CI", description: `CI pipelines of ${args.ciGroup}` },
      { parent: this },
    );
    const provider = new gcp.iam.WorkloadIdentityPoolProvider(
      `${name}-gitlab`,
      {
        project: args.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: "gitlab",
        displayName: "GitLab",
        oidc: { issuerUri: gitlabIssuerUri(args.gitlabUrl), allowedAudiences: [args.audience] },
        attributeMapping: gitlabAttributeMapping(args.ciGroup),
        attributeCondition: gitlabAttributeCondition(args.ciGroup, trust.protectedRefsOnly),
      },
      { parent: this },
    );
    const deployer = new gcp.serviceaccount.Account(
      `${name}-deployer`,
      { project: args.project, accountId: serviceAccountId(name, "deployer"), displayName: `GitLab CI deployer for ${args.ciGroup}` },
      { parent: this },
    );
    new gcp.serviceaccount.IAMMember(
      `${name}-deployer-wif`,
      {
        serviceAccountId: deployer.name,
        role: "roles/iam.workloadIdentityUser",
        member: pool.name.apply((poolName) => ciPrincipalSet(poolName, args.ciGroup)),
      },
      { parent: this },
    );

    this.poolProviderName = provider.name;
    this.deployerEmail = deployer.email;
    this.registerOutputs({ poolProviderName: this.poolProviderName, deployerEmail: this.deployerEmail });
  }
}
