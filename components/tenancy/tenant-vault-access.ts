import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { k8sLabels } from "../../src/naming";
import { planTenantVaultAccess, type DeclaredSecret, type PolicyForm } from "../../src/vault/tenant";

export interface TenantVaultAccessArgs {
  /** Path of the cluster's Kubernetes auth backend (VaultIntegration.authBackendPath). */
  authBackendPath: string;
  /**
   * Accessor of that backend (VaultIntegration.authBackendAccessor). Required by the default templated policy
   * (V5); unused with `policyForm: "explicit"`.
   */
  authBackendAccessor?: pulumi.Input<string>;
  /**
   * Base of the per-environment KV v2 mounts (VaultIntegration.kvMount), e.g. `runway`. The tenant reads from the
   * mount `<mount>/env/<environment>`.
   */
  mount: string;
  /**
   * Environment; the tenant's secrets live at `<mount>/env/<environment>/service/<service>/` (KV v2 API:
   * `<mount>/env/<environment>/data/service/<service>/`).
   */
  environment: string;
  /** Service name (catalog `metadata.name`); also the Vault role name. */
  service: string;
  /** The tenant's namespace; the role admits tokens from this namespace only (V1). */
  namespace: string;
  /** Exact names of the service accounts that may log in (V1; never `*`). */
  serviceAccounts: string[];
  /** Service account the SecretStore logs in as. Default the first of `serviceAccounts`. */
  storeServiceAccount?: string;
  /** Secrets to deliver: one Kubernetes Secret `name` from `<prefix>/<path>` each. */
  secrets: DeclaredSecret[];
  /** Vault address the operator connects to (https). */
  vaultAddress: string;
  /** Audience of the tokens presented to Vault (V2). Default `vault`. */
  audience?: string;
  /**
   * `templated` (default): policy paths use the caller's namespace from its identity alias (V5), so the policy
   * grants nothing outside the namespace the token came from; needs `namespace === service`. `explicit`: the
   * literal service path, for namespaces not named after the service.
   */
  policyForm?: PolicyForm;
  /** Token TTL in seconds (V4). Default 600. */
  tokenTtl?: number;
  /** Token max TTL in seconds (V4). Default 1200. */
  tokenMaxTtl?: number;
  /** How often the operator re-reads Vault. Default `1h`. */
  refreshInterval?: string;
  /**
   * Resources that install the SecretStore and ExternalSecret CRDs (VaultIntegration.operatorRelease); those
   * objects depend on them. Default none (the CRDs exist).
   */
  crdsReady?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One tenant's access to Vault on one cluster: a policy that reads exactly its path, a Kubernetes auth role bound
 * to exactly its service accounts and namespace (V1–V4), and in its namespace a SecretStore plus one
 * ExternalSecret per declared secret. Vault and Kubernetes children use the caller's providers.
 */
export class TenantVaultAccess extends pulumi.ComponentResource {
  /** Name of the Vault policy. */
  readonly policyName: string;
  /** Name of the Vault role in the auth backend. */
  readonly roleName: string;
  /** Name of the SecretStore in the tenant namespace. */
  readonly secretStoreName: string;
  /** Names of the Kubernetes Secrets the operator maintains. */
  readonly secretNames: string[];

  constructor(name: string, args: TenantVaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:tenancy:TenantVaultAccess", name, {}, opts);
    const labels = k8sLabels({ service: args.service, environment: args.environment });
    const { crdsReady = [], ...input } = args;
    const plan = planTenantVaultAccess({ ...input, labels });

    const text = plan.policyForm === "templated" ? pulumi.output(args.authBackendAccessor).apply((acc) => plan.policy(acc)) : plan.policy();
    const policy = new vault.Policy(`${name}-policy`, { name: plan.policyName, policy: text }, { parent: this });

    const r = plan.role;
    const role = new vault.kubernetes.AuthBackendRole(
      `${name}-role`,
      {
        backend: args.authBackendPath,
        roleName: r.roleName,
        boundServiceAccountNames: r.boundServiceAccountNames,
        boundServiceAccountNamespaces: r.boundServiceAccountNamespaces,
        audience: r.audience,
        aliasNameSource: r.aliasNameSource,
        tokenTtl: r.tokenTtl,
        tokenMaxTtl: r.tokenMaxTtl,
        tokenPolicies: [policy.name],
        tokenNoDefaultPolicy: r.tokenNoDefaultPolicy,
      },
      { parent: this },
    );

    // The store logs in when it is created: create it once the role and policy exist.
    const store = new k8s.apiextensions.CustomResource(`${name}-store`, plan.secretStore, { parent: this, dependsOn: [role, policy, ...crdsReady] });
    for (const es of plan.externalSecrets) {
      new k8s.apiextensions.CustomResource(`${name}-secret-${es.metadata.name}`, es, { parent: this, dependsOn: [store, ...crdsReady] });
    }

    this.policyName = plan.policyName;
    this.roleName = r.roleName;
    this.secretStoreName = plan.secretStore.metadata.name;
    this.secretNames = plan.externalSecrets.map((es) => es.spec.target.name);
    this.registerOutputs({ policyName: this.policyName, roleName: this.roleName, secretStoreName: this.secretStoreName, secretNames: this.secretNames });
  }
}
