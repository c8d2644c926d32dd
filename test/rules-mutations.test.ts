/**
 * Mutation tests on real plans: each example stack is planned once as `runway plan` does, one control is broken in
 * a copy of the plan, and exactly the rule guarding that control must fail, as mandatory. A review found each of
 * these mutations passing `runway check`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";

const STACKS = ["platform-staging", "ai-gateway-selfhosted"] as const;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  for (const s of STACKS) plans.set(s, await planStack(s));
}, 120_000);

/** A copy of a stack's plan with `change` applied to its resources. */
function mutated(stack: (typeof STACKS)[number], change: (rs: PlannedResource[]) => void): Plan {
  const plan = structuredClone(plans.get(stack)!);
  change(plan.resources);
  return plan;
}

/** The mandatory findings of a plan, as `<rule> <resource name>`. */
function mandatory(plan: Plan): string[] {
  return [...new Set(checkPlan(plan).violations.filter((v) => v.severity === "mandatory").map((v) => `${v.rule} ${v.name}`))];
}

/** The one resource of the plan that `pred` selects. */
function only(rs: readonly PlannedResource[], pred: (r: PlannedResource) => boolean): PlannedResource {
  const found = rs.filter(pred);
  expect(found.map((r) => r.urn)).toHaveLength(1);
  return found[0];
}

const ofType = (type: string) => (r: PlannedResource) => r.type === type;
const named = (type: string, name: string) => (r: PlannedResource) => r.type === type && r.name === name;
const without = (rs: PlannedResource[], r: PlannedResource) => rs.splice(rs.indexOf(r), 1);

const T = {
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  quota: "kubernetes:core/v1:ResourceQuota",
  saPatch: "kubernetes:core/v1:ServiceAccountPatch",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  vaultRole: "vault:kubernetes/authBackendRole:AuthBackendRole",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
const TENANT_LABEL = "runway.gitlab.com/tenant";

function dropTenantLabel(rs: PlannedResource[], name = "ai-gateway"): PlannedResource {
  const ns = only(rs, named(T.namespace, name));
  delete (ns.inputs.metadata as { labels: Record<string, string> }).labels[TENANT_LABEL];
  return ns;
}

describe("mutations of the example stacks' plans", () => {
  it.each(STACKS)("%s passes as planned", (stack) => {
    expect(mandatory(plans.get(stack)!)).toEqual([]);
  });

  it("G2: authorized networks 0.0.0.0/1 and 128.0.0.0/1 (the whole internet together) fail", () => {
    const plan = mutated("platform-staging", (rs) => {
      const cluster = only(rs, ofType("gcp:container/cluster:Cluster"));
      (cluster.inputs.masterAuthorizedNetworksConfig as { cidrBlocks: unknown[] }).cidrBlocks = [{ cidrBlock: "0.0.0.0/1" }, { cidrBlock: "128.0.0.0/1" }];
    });
    expect(mandatory(plan)).toEqual(["G2 runway-staging"]);
  });

  it("K1: a tenant namespace without the tenant label fails, recognised by its Tenant parent", () => {
    expect(mandatory(mutated("platform-staging", (rs) => dropTenantLabel(rs)))).toEqual(["K1 ai-gateway"]);
  });

  it("K1: a self-hosted tenant namespace without the tenant label fails, recognised by its SelfHostedTurnUp parent", () => {
    expect(mandatory(mutated("ai-gateway-selfhosted", (rs) => dropTenantLabel(rs)))).toEqual(["K1 ai-gateway"]);
  });

  it("K1: an unlabelled namespace outside any tenant component is a tenant's when it holds the tenant's workload", () => {
    const plan = mutated("platform-staging", (rs) => {
      const ns = dropTenantLabel(rs);
      ns.parent = only(rs, ofType("pulumi:pulumi:Stack")).urn;
      ns.urn = ns.urn.replace("runway:tenancy:Tenant$", "");
    });
    expect(mandatory(plan)).toEqual(["K1 ai-gateway"]);
  });

  const tenantBreaks: [string, string, (rs: PlannedResource[]) => void][] = [
    ["K2 ai-gateway", "no default deny", (rs) => without(rs, only(rs, named(T.networkPolicy, "ai-gateway-default-deny")))],
    ["K3 ai-gateway", "no quota", (rs) => without(rs, only(rs, named(T.quota, "ai-gateway-quota")))],
    ["K4 ai-gateway", "token automounted", (rs) => (only(rs, named(T.saPatch, "ai-gateway-default-sa")).inputs.automountServiceAccountToken = true)],
    ["D1 ai-gateway", "namespace unprotected", (rs) => (only(rs, named(T.namespace, "ai-gateway")).protect = false)],
    ["D2 ai-gateway", "namespace not retained", (rs) => (only(rs, named(T.namespace, "ai-gateway")).retainOnDelete = false)],
    [
      "F3 ai-gateway-admin",
      "tenant reconciler bound cluster-wide",
      (rs) => {
        const crb = structuredClone(only(rs, ofType(T.clusterRoleBinding)));
        Object.assign(crb, { name: "ai-gateway-admin", urn: crb.urn.replace(/::[^:]+$/, "::ai-gateway-admin") });
        Object.assign(crb.inputs, { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "ai-gateway" }] });
        rs.push(crb);
      },
    ],
  ];

  it.each(tenantBreaks)("without the tenant label, %s still fails: %s", (finding, _why, change) => {
    const plan = mutated("platform-staging", (rs) => (dropTenantLabel(rs), change(rs)));
    expect(mandatory(plan).sort()).toEqual(["K1 ai-gateway", finding].sort());
  });

  it.each([
    ["gcp:kms/keyRing:KeyRing", "runway-staging-keys"],
    ["gcp:gkebackup/backupPlan:BackupPlan", "runway-staging-backup"],
    ["vault:index/mount:Mount", "runway-staging-vault-kv"],
    ["gcp:container/nodePool:NodePool", "runway-staging-general"],
  ])("D1: unprotecting the %s fails", (type, name) => {
    expect(mandatory(mutated("platform-staging", (rs) => (only(rs, ofType(type)).protect = false)))).toEqual([`D1 ${name}`]);
  });

  const aiGatewayRole = (rs: PlannedResource[]) => only(rs, named(T.vaultRole, "ai-gateway-vault-role"));

  it("V1: a Vault role bound to several namespaces fails", () => {
    const plan = mutated("platform-staging", (rs) => (aiGatewayRole(rs).inputs.boundServiceAccountNamespaces = ["ai-gateway", "glgo"]));
    expect(mandatory(plan)).toEqual(["V1 ai-gateway-vault-role"]);
  });

  it("V1: a tenant's Vault role bound to another tenant's namespace fails", () => {
    const plan = mutated("platform-staging", (rs) => (aiGatewayRole(rs).inputs.boundServiceAccountNamespaces = ["glgo"]));
    expect(mandatory(plan)).toEqual(["V1 ai-gateway-vault-role"]);
  });

  it("V1: a Vault role bound to service account names with '*' fails", () => {
    const plan = mutated("platform-staging", (rs) => (aiGatewayRole(rs).inputs.boundServiceAccountNames = ["ai-*"]));
    expect(mandatory(plan)).toEqual(["V1 ai-gateway-vault-role"]);
  });

  it("V1: deleting the Vault role of a tenant that has ExternalSecrets fails", () => {
    const plan = mutated("platform-staging", (rs) => without(rs, aiGatewayRole(rs)));
    expect(mandatory(plan)).toEqual(["V1 ai-gateway"]);
  });

  const reconcilerBinding = (rs: PlannedResource[]) => only(rs, named(T.roleBinding, "ai-gateway-reconciler")).inputs as { roleRef: { name: string }; subjects: unknown[] };

  it("F3: a tenant's RoleBinding to the ClusterRole cluster-admin fails", () => {
    expect(mandatory(mutated("platform-staging", (rs) => (reconcilerBinding(rs).roleRef.name = "cluster-admin")))).toEqual(["F3 ai-gateway-reconciler"]);
  });

  it("F3: a tenant's RoleBinding to a ClusterRole other than admin, edit or view fails", () => {
    expect(mandatory(mutated("platform-staging", (rs) => (reconcilerBinding(rs).roleRef.name = "system:aggregate-to-admin")))).toEqual(["F3 ai-gateway-reconciler"]);
  });

  it("F3: a tenant's RoleBinding whose subjects include another namespace's service account fails", () => {
    const plan = mutated("platform-staging", (rs) => reconcilerBinding(rs).subjects.push({ kind: "ServiceAccount", name: "flux-reconciler", namespace: "glgo" }));
    expect(mandatory(plan)).toEqual(["F3 ai-gateway-reconciler"]);
  });

  it("F3: a self-hosted tenant's RoleBinding to cluster-admin fails", () => {
    const plan = mutated("ai-gateway-selfhosted", (rs) => ((only(rs, named(T.roleBinding, "ai-gateway-reconciler")).inputs.roleRef as { name: string }).name = "cluster-admin"));
    expect(mandatory(plan)).toEqual(["F3 ai-gateway-reconciler"]);
  });

  it("GL1: the agent config impersonating flux-system's kustomize-controller fails", () => {
    const plan = mutated("platform-staging", (rs) => {
      const config = only(rs, (r) => r.type === "pulumi-nodejs:dynamic:Resource" && r.name.endsWith("-agent-config"));
      const content = String(config.inputs.content);
      expect(content).toContain("system:serviceaccount:ai-gateway:flux-reconciler");
      config.inputs.content = content.replace("system:serviceaccount:ai-gateway:flux-reconciler", "system:serviceaccount:flux-system:kustomize-controller");
    });
    expect(mandatory(plan)).toEqual(["GL1 runway-staging-agent-config"]);
  });
});
