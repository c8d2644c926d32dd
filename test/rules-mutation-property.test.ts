/**
 * Property: weakening any control of a real plan, in any of the forms someone would use to get it past the
 * guardrails, never passes `runway check`. The example stacks are planned once; each run picks a weakening, the
 * resource it hits, the disguise (plain, another subject or selector form, a union of blocks, a patch, a hidden
 * value), and asserts that the rule guarding that control fails, as mandatory.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";
import { SECRET, UNKNOWN } from "../src/rules/rule";

const STACKS = ["platform-staging", "ai-gateway-selfhosted"] as const;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  for (const s of STACKS) plans.set(s, await planStack(s));
}, 120_000);

type Rs = PlannedResource[];

/** A weakening: where it applies, and what it does to one of those resources (or the stack) given random choices. */
interface Weakening {
  rule: string;
  why: string;
  targets(rs: Rs): PlannedResource[];
  apply(target: PlannedResource, rs: Rs, pick: (n: number) => number): void;
}

const T = {
  cluster: "gcp:container/cluster:Cluster",
  pool: "gcp:container/nodePool:NodePool",
  ns: "kubernetes:core/v1:Namespace",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  rb: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  crb: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  role: "vault:kubernetes/authBackendRole:AuthBackendRole",
  policy: "vault:index/policy:Policy",
  member: "gcp:projects/iAMMember:IAMMember",
  firewall: "gcp:compute/firewall:Firewall",
};

const ofType = (type: string) => (rs: Rs) => rs.filter((r) => r.type === type);
const tenants = (rs: Rs) => rs.filter((r) => r.type === T.ns && (r.inputs.metadata as { labels?: Record<string, string> }).labels?.["runway.gitlab.com/tenant"] === "true");
const nsOf = (r: PlannedResource) => String((r.inputs.metadata as { namespace?: string; name?: string }).namespace ?? (r.inputs.metadata as { name: string }).name);
const nameOf = (r: PlannedResource) => String((r.inputs.metadata as { name: string }).name);
const hidden = [SECRET, UNKNOWN];
const choose = <V>(xs: readonly V[], pick: (n: number) => number): V => xs[pick(xs.length)];

/** Adds a resource next to `near` (same parent), as a change in a component would. */
function addNear(rs: Rs, near: PlannedResource, type: string, name: string, inputs: Record<string, unknown>): void {
  rs.push({ ...structuredClone(near), type, name, urn: `${near.urn.slice(0, near.urn.lastIndexOf("::"))}::${name}`.replace(near.type, type), inputs, protect: false, aliases: [] });
}

/** Every tenant namespace other than `ns`. */
const others = (rs: Rs, ns: string) => tenants(rs).map(nameOf).filter((n) => n !== ns);

const WEAKENINGS: Weakening[] = [
  { rule: "G1", why: "public nodes, plainly or hidden", targets: ofType(T.cluster), apply: (c, _rs, pick) => ((c.inputs.privateClusterConfig as Record<string, unknown>).enablePrivateNodes = choose([false, ...hidden], pick)) },
  {
    rule: "G2",
    why: "public endpoint open to the internet, in one block or many",
    targets: ofType(T.cluster),
    apply: (c, _rs, pick) => {
      (c.inputs.privateClusterConfig as Record<string, unknown>).enablePrivateEndpoint = false;
      const n = 2 + pick(5);
      const blocks = choose([["0.0.0.0/0"], ["::/0"], ["0.0.0.0/1", "128.0.0.0/1"], Array.from({ length: n }, (_, i) => `${20 + i}.0.0.0/8`), ["64.0.0.0/3"]], pick);
      c.inputs.masterAuthorizedNetworksConfig = { cidrBlocks: blocks.map((cidrBlock) => ({ cidrBlock })) };
    },
  },
  { rule: "G4", why: "another pool or a hidden one", targets: ofType(T.cluster), apply: (c, _rs, pick) => (c.inputs.workloadIdentityConfig = { workloadPool: choose(["other.svc.id.goog", ...hidden], pick) }) },
  { rule: "G5", why: "node metadata exposed", targets: ofType(T.pool), apply: (p, _rs, pick) => ((p.inputs.nodeConfig as Record<string, unknown>).workloadMetadataConfig = { mode: choose(["GCE_METADATA", "MODE_UNSPECIFIED", ...hidden], pick) }) },
  {
    rule: "K1",
    why: "Pod Security relaxed on the namespace or through a patch",
    targets: tenants,
    apply: (ns, rs, pick) => {
      const value = choose(["privileged", "baseline", null, ...hidden], pick);
      if (pick(2) === 0) (ns.inputs.metadata as { labels: Record<string, unknown> }).labels["pod-security.kubernetes.io/enforce"] = value;
      else addNear(rs, ns, "kubernetes:core/v1:NamespacePatch", `${nameOf(ns)}-relax`, { metadata: { name: nameOf(ns), labels: { "pod-security.kubernetes.io/enforce": value } } });
    },
  },
  {
    rule: "K2-peers",
    why: "an allow-all policy beside the default deny",
    targets: tenants,
    apply: (ns, rs, pick) => {
      const spec = choose([{ ingress: [{}] }, { egress: [{}] }, { ingress: [{ from: [{ namespaceSelector: {} }] }] }, { egress: [{ to: [{ namespaceSelector: { matchLabels: { "runway.gitlab.com/tenant": "true" } } }] }] }], pick);
      addNear(rs, ns, T.np, `${nameOf(ns)}-open`, { metadata: { name: "open", namespace: nameOf(ns) }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ...spec } });
    },
  },
  {
    rule: "K2-egress",
    why: "egress to the internet, the metadata server or the cluster's ranges",
    targets: tenants,
    apply: (ns, rs, pick) => {
      // The cluster's own ranges are known where the stack declares its network (not on a customer's cluster).
      const own = rs.some((r) => r.type === "gcp:compute/subnetwork:Subnetwork") ? [["10.64.0.0/16"], ["10.0.0.0/8"]] : [];
      const cidrs = choose([["0.0.0.0/0"], ["::/0"], ["0.0.0.0/1", "128.0.0.0/1"], ["169.254.0.0/16"], ["30.0.0.0/8", "31.0.0.0/8"], ...own], pick);
      addNear(rs, ns, T.np, `${nameOf(ns)}-out`, { metadata: { name: "out", namespace: nameOf(ns) }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }] } });
    },
  },
  {
    rule: "F3",
    why: "a tenant account bound cluster-wide in any subject form, or a tenant binding to cluster-admin",
    targets: ofType(T.rb),
    apply: (rb, rs, pick) => {
      const ns = nsOf(rb);
      if (pick(3) === 0) return void (rb.inputs.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: choose(["cluster-admin", "system:controller:namespace-controller"], pick) });
      const subject = choose(
        [
          { kind: "ServiceAccount", name: "flux-reconciler", namespace: ns },
          { kind: "User", name: `system:serviceaccount:${ns}:flux-reconciler` },
          { kind: "Group", name: `system:serviceaccounts:${ns}` },
          { kind: "Group", name: "system:serviceaccounts" },
          { kind: "Group", name: "system:authenticated" },
        ],
        pick,
      );
      addNear(rs, rb, T.crb, `${ns}-cluster-wide`, { metadata: { name: `${ns}-cluster-wide` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [subject] });
    },
  },
  {
    rule: "V1",
    why: "a Vault role bound to every namespace or another tenant's",
    targets: ofType(T.role),
    apply: (r, rs, pick) => (r.inputs.boundServiceAccountNamespaces = choose([["*"], [...others(rs, String(r.inputs.roleName)).slice(0, 1), "kube-system"], ["kube-system"]], pick)),
  },
  {
    rule: "V4-policies",
    why: "a Vault role carrying another tenant's policy",
    targets: (rs) => ofType(T.role)(rs).filter((r) => others(rs, String(r.inputs.roleName)).length > 0),
    apply: (r, rs, pick) => {
      const other = choose(others(rs, String(r.inputs.roleName)), pick);
      const policy = rs.find((p) => p.type === T.policy && String(p.inputs.name).endsWith(`-${other}`))!;
      r.inputs.tokenPolicies = [policy.inputs.name];
    },
  },
  {
    rule: "V5-scope",
    why: "a tenant policy path into another tenant's prefix, or a glob escaping its own",
    targets: (rs) => ofType(T.policy)(rs).filter((p) => others(rs, String(p.inputs.name).replace(/^.*-staging-/, "")).length > 0),
    apply: (p, rs, pick) => {
      const own = String(p.inputs.name).replace(/^.*-staging-/, "");
      const path = choose([`runway/env/staging/data/service/${choose(others(rs, own), pick)}/*`, `runway/env/staging/data/service/${own}*`, `runway/env/+/data/service/${own}/*`, "runway/env/staging/data/*"], pick);
      p.inputs.policy = `${String(p.inputs.policy)}path "${path}" {\n  capabilities = ["read"]\n}\n`;
    },
  },
  {
    rule: "GL1",
    why: "CI access impersonating another tenant or a platform account",
    targets: (rs) => rs.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && String(r.inputs.content ?? "").includes("ci_access")),
    apply: (r, rs, pick) => {
      const m = /system:serviceaccount:([a-z0-9-]+):/.exec(String(r.inputs.content))!;
      const target = choose([...others(rs, m[1]), "flux-system", "gitlab-agent"], pick);
      r.inputs.content = String(r.inputs.content).replace(m[0], `system:serviceaccount:${target}:`);
    },
  },
  {
    rule: "I1",
    why: "a basic role, with or without a condition",
    targets: ofType(T.member),
    apply: (m, _rs, pick) => {
      m.inputs.role = choose(["roles/owner", "roles/editor"], pick);
      if (pick(2)) m.inputs.condition = { title: "temporary", expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' };
    },
  },
  { rule: "I3-public", why: "a public member", targets: ofType(T.member), apply: (m, _rs, pick) => (m.inputs.member = choose(["allUsers", "allAuthenticatedUsers"], pick)) },
  {
    rule: "P1-firewall",
    why: "ingress from the internet in any form",
    targets: (rs) => ofType(T.firewall)(rs).filter((f) => Array.isArray(f.inputs.allows)),
    apply: (f, _rs, pick) => (f.inputs.sourceRanges = choose([["0.0.0.0/0"], ["::/0"], ["0.0.0.0/1", "128.0.0.0/1"], undefined], pick)),
  },
  {
    rule: "D1",
    why: "a stateful resource unprotected",
    targets: (rs) => rs.filter((r) => r.protect && r.custom),
    apply: (r) => (r.protect = false),
  },
];

describe("mutations of real plans", () => {
  it("no weakening of a control, in any disguise, passes runway check", () => {
    fc.assert(
      fc.property(fc.constantFrom(...STACKS), fc.constantFrom(...WEAKENINGS), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (stack, w, choices) => {
        const plan = structuredClone(plans.get(stack)!);
        const targets = w.targets(plan.resources);
        fc.pre(targets.length > 0);
        let next = 0;
        const pick = (n: number) => choices[next++ % choices.length] % n;
        const target = choose(targets, pick);
        w.apply(target, plan.resources, pick);
        const failed = checkPlan(plan).violations.filter((v) => v.severity === "mandatory").map((v) => v.rule);
        expect(failed, `${w.rule} (${w.why}) on ${target.name} in ${stack}`).toContain(w.rule);
      }),
      { numRuns: Number(process.env.RUNWAY_PROPERTY_RUNS ?? 200) },
    );
  });

  it.each(STACKS)("%s passes as planned (the mutations start from a passing plan)", (stack) => {
    expect(checkPlan(plans.get(stack)!).violations.filter((v) => v.severity === "mandatory")).toEqual([]);
  });
});
