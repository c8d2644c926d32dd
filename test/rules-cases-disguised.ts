/**
 * Cases for the rules that judge meaning rather than the shape Runway's components emit: each control broken in a
 * form someone trying to get around the guardrails would use (another subject kind, a patch, a namespace made
 * elsewhere, a union of harmless-looking blocks, an authoritative or conditioned grant, another tenant's policy),
 * and the legitimate neighbours of those forms that must keep passing.
 */
import type { PlannedResource } from "../src/plan/engine";
import { add, AGENT_CONFIG, resource, type RuleCase, set } from "./rules-fixtures";

type Cases = { compliant: RuleCase[]; violating: RuleCase[] };

const on = (target: string, why: string, path: string, v: unknown, message?: RegExp): RuleCase => ({ why, target, change: (r) => set(r.inputs, path, v), message, field: path });
/** A case that adds its target resource to the compliant stack. */
const adding = (why: string, r: PlannedResource, message?: RegExp, also?: string[]): RuleCase => ({ why, target: r.name, change: (_t, s) => add(s, r), message, also });

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const crb = (name: string, subjects: unknown[]) => resource(`${RBAC}:ClusterRoleBinding`, name, { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects });
const role = (name: string, namespace: string, rules: unknown[]) => resource(`${RBAC}:Role`, name, { metadata: { name, namespace }, rules });
const clusterRole = (name: string, labels: Record<string, string>, rules: unknown[]) => resource(`${RBAC}:ClusterRole`, name, { metadata: { name, labels }, rules });
const AGGREGATE_TO_ADMIN = { "rbac.authorization.k8s.io/aggregate-to-admin": "true" };

const networkPolicy = (name: string, spec: Record<string, unknown>, namespace = "ai-gateway") =>
  resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", name, { metadata: { name, namespace }, spec: { podSelector: {}, ...spec } });
const egressTo = (name: string, cidrs: string[], ports = [{ protocol: "TCP", port: 443 }]) =>
  networkPolicy(name, { policyTypes: ["Egress"], egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports }] });

const deployment = (name: string, namespace: string, podSpec: Record<string, unknown>) =>
  resource("kubernetes:apps/v1:Deployment", name, { metadata: { name, namespace }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } } });
const RESTRICTED_CONTAINER = {
  name: "app",
  image: "registry.gitlab.com/app:1",
  securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
};
const withContainer = (extra: Record<string, unknown>) => ({ containers: [{ ...RESTRICTED_CONTAINER, ...extra, securityContext: { ...RESTRICTED_CONTAINER.securityContext, ...(extra.securityContext as object) } }] });

const fleetBinding = (kind: "membership" | "scope", name: string, who: Record<string, string>, predefinedRole = "ADMIN") =>
  kind === "membership"
    ? resource("gcp:gkehub/membershipRbacRoleBinding:MembershipRbacRoleBinding", name, { project: "runway-test-1", location: "us-east1", membershipId: "runway-test", membershipRbacRoleBindingId: name, role: { predefinedRole }, ...who })
    : resource("gcp:gkehub/scopeRbacRoleBinding:ScopeRbacRoleBinding", name, { project: "runway-test-1", scopeId: "tenants", scopeRbacRoleBindingId: name, role: { predefinedRole }, ...who });
const MCI_AGENT = "serviceAccount:service-123456789012@gcp-sa-multiclusteringress.iam.gserviceaccount.com";
const iam = (type: string, name: string, inputs: Record<string, unknown>) => resource(type, name, inputs);
const policyData = (bindings: { role: string; members: string[] }[]) => JSON.stringify({ bindings });

const agentConfig = (entries: string) => `ci_access:\n${entries}`;
const project = (id: string, user: string) => `  projects:\n    - id: ${id}\n      access_as:\n        impersonate:\n          username: ${user}\n`;

const TENANT_POLICY_PATH = "runway/env/test/data/service/{{identity.entity.aliases.auth_kubernetes_1234.metadata.service_account_namespace}}/*";
const policyText = (...paths: string[]) => paths.map((p) => `path "${p}" {\n  capabilities = ["read"]\n}\n`).join("");

/** Every tenant control a namespace without the tenant objects lacks. */
const BARE_NAMESPACE = ["K1", "K2", "K2-dns", "K3", "K4", "D1", "D2"];

export const DISGUISED: Record<string, Cases> = {
  "F1-source": {
    compliant: [
      { why: "the platform's own source in flux-system", target: "runway-platform" },
      on("runway-platform", "source namespace implied", "spec.sourceRef.namespace", undefined),
    ],
    violating: [
      on("runway-platform", "applies a tenant namespace's source as the controller", "spec.sourceRef", { kind: "OCIRepository", name: "ai-gateway", namespace: "ai-gateway" }, /flux-system's own sources/),
      {
        why: "applies a flux-system copy of a tenant's source as the controller",
        target: "runway-platform",
        change: (r, s) => {
          add(s, resource("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "tenant-copy", { metadata: { name: "tenant-copy", namespace: "flux-system" }, spec: { url: "oci://registry.gitlab.com/runway/charts/ai-gateway", interval: "5m" } }));
          set(r.inputs, "spec.sourceRef", { kind: "OCIRepository", name: "tenant-copy" });
        },
        message: /fetches a tenant's artifact/,
      },
      on("runway-platform", "applies a source the stack does not define", "spec.sourceRef.name", "somewhere-else", /not in the stack/),
      adding(
        "a flux-system HelmRelease of a tenant's chart",
        resource("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", "sneaky-release", {
          metadata: { name: "sneaky", namespace: "flux-system" },
          spec: { serviceAccountName: "helm-controller", chartRef: { kind: "OCIRepository", name: "ai-gateway", namespace: "ai-gateway" }, interval: "5m" },
        }),
      ),
    ],
  },
  F2: {
    compliant: [on("ai-gateway-release", "targets its own namespace", "spec.targetNamespace", "ai-gateway")],
    violating: [
      on("ai-gateway-release", "applies with a kubeconfig instead of the tenant's account", "spec.kubeConfig", { secretRef: { name: "cluster-admin-kubeconfig" } }, /kubeConfig is set/),
      on("ai-gateway-release", "installs into another namespace", "spec.targetNamespace", "kube-system", /applies to its own namespace only/),
      on("ai-gateway-release", "stores its release in flux-system", "spec.storageNamespace", "flux-system"),
    ],
  },
  F3: {
    compliant: [
      adding("a fleet admin binding for the platform's group", fleetBinding("membership", "sre-admin", { group: "gke-security-groups-sre@gitlab.com" })),
      adding("a fleet scope binding for a person", fleetBinding("scope", "alice-view", { user: "alice@gitlab.com" }, "VIEW")),
      adding("a platform account bound cluster-wide", crb("platform-reader", [{ kind: "ServiceAccount", name: "metrics", namespace: "gmp-system" }])),
      adding("a person bound cluster-wide", crb("oncall-view", [{ kind: "User", name: "oncall@gitlab.com" }])),
    ],
    violating: [
      adding("a tenant's service account made admin of a member cluster through the fleet", fleetBinding("membership", "tenant-admin", { user: "system:serviceaccount:ai-gateway:ai-gateway" }), /user binds service account "ai-gateway\/ai-gateway" of a tenant namespace cluster-wide on the member cluster/),
      adding("every service account of the fleet scope's clusters", fleetBinding("scope", "all-sa-edit", { group: "system:serviceaccounts" }, "EDIT"), /in every namespace of the fleet scope/),
      adding("a tenant namespace's accounts through a fleet group", fleetBinding("membership", "tenant-group", { group: "system:serviceaccounts:glgo" })),
      adding("a tenant account bound cluster-wide as a User", crb("disguised-user", [{ kind: "User", name: "system:serviceaccount:ai-gateway:flux-reconciler" }]), /"ai-gateway\/flux-reconciler" of a tenant namespace cluster-wide/),
      adding("every service account bound cluster-wide", crb("all-accounts", [{ kind: "Group", name: "system:serviceaccounts" }]), /holds every tenant's service accounts/),
      adding("every authenticated user bound cluster-wide", crb("all-users", [{ kind: "Group", name: "system:authenticated" }])),
      adding("a service account without a namespace bound cluster-wide", crb("no-namespace", [{ kind: "ServiceAccount", name: "flux-reconciler" }]), /without a namespace/),
      adding(
        "every service account bound in kube-system",
        resource(`${RBAC}:RoleBinding`, "kube-system-all", {
          metadata: { name: "all", namespace: "kube-system" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
          subjects: [{ kind: "Group", name: "system:serviceaccounts" }],
        }),
      ),
      on("ai-gateway-reconciler", "a tenant binding of another tenant's accounts as a group", "subjects", [{ kind: "Group", name: "system:serviceaccounts:glgo" }], /another namespace than "ai-gateway"/),
    ],
  },
  "F3-roles": {
    compliant: [
      adding("a tenant Role with named verbs", role("deployer", "ai-gateway", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "patch"] }])),
      adding("a platform ClusterRole with wildcards, aggregated nowhere", clusterRole("platform-operator", {}, [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])),
      adding("a view extension that reads a CRD", clusterRole("view-widgets", { "rbac.authorization.k8s.io/aggregate-to-view": "true" }, [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] }])),
    ],
    violating: [
      adding("a tenant Role with wildcard verbs", role("everything", "ai-gateway", [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]), /has "\*" in verbs/),
      adding("a tenant Role that may bind and escalate", role("escalator", "ai-gateway", [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"] }]), /grants bind, escalate/),
      adding("a tenant Role that lifts its quota", role("quota-editor", "ai-gateway", [{ apiGroups: [""], resources: ["resourcequotas"], verbs: ["patch"] }]), /change its own resourcequotas/),
      adding("a ClusterRole aggregated into admin with wildcards", clusterRole("admin-extras", AGGREGATE_TO_ADMIN, [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }]), /aggregates into admin, so every tenant holds it/),
      adding("a ClusterRole aggregated into edit that impersonates", clusterRole("edit-extras", { "rbac.authorization.k8s.io/aggregate-to-edit": "true" }, [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }])),
      adding("the built-in admin ClusterRole redefined", clusterRole("admin", {}, [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), /redefines the built-in ClusterRole "admin"/),
    ],
  },
  GL1: {
    compliant: [
      on("agent-config", "two projects, each impersonating its own tenant", "content", agentConfig(project("gitlab-org/ai-gateway", "system:serviceaccount:ai-gateway:ai-gateway-ci"))),
    ],
    violating: [
      on("agent-config", "another project impersonating this tenant", "content", agentConfig(project("gitlab-org/glgo", "system:serviceaccount:ai-gateway:ai-gateway-ci")), /lets project "gitlab-org\/glgo" act as a service account of tenant namespace "ai-gateway", whose project is "gitlab-org\/ai-gateway"/),
      on(
        "agent-config",
        "a group impersonating a tenant",
        "content",
        `ci_access:\n  groups:\n    - id: gitlab-org\n      access_as:\n        impersonate:\n          username: system:serviceaccount:ai-gateway:ai-gateway-ci\n`,
        /every project of group "gitlab-org"/,
      ),
      on("agent-config", "a project impersonating a namespace the stack does not create", "content", AGENT_CONFIG.replace("system:serviceaccount:ai-gateway:", "system:serviceaccount:other-team:")),
    ],
  },
  K1: {
    compliant: [
      adding("a patch of a platform namespace", resource("kubernetes:core/v1:NamespacePatch", "kube-system-patch", { metadata: { name: "kube-system", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } })),
      adding("a patch of a tenant namespace's annotations only", resource("kubernetes:core/v1:NamespacePatch", "ai-gateway-annotate", { metadata: { name: "ai-gateway", annotations: { note: "x" } } })),
    ],
    violating: [
      adding("a patch relaxing a tenant namespace's Pod Security", resource("kubernetes:core/v1:NamespacePatch", "ai-gateway-relax", { metadata: { name: "ai-gateway", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }), /in a patch of a tenant namespace/),
      adding("a patch removing a tenant namespace's enforce label", resource("kubernetes:core/v1:NamespacePatch", "ai-gateway-unlabel", { metadata: { name: "ai-gateway", labels: { "pod-security.kubernetes.io/enforce": null } } })),
      adding("a patch of a namespace outside the stack", resource("kubernetes:core/v1:NamespacePatch", "legacy-relax", { metadata: { name: "legacy-team", labels: { "pod-security.kubernetes.io/warn": "baseline" } } })),
      adding("a namespace made outside the Tenant component, without labels", resource("kubernetes:core/v1:Namespace", "side-door", { metadata: { name: "side-door" } }), /runway\.gitlab\.com\/tenant"\] is unset/, BARE_NAMESPACE),
    ],
  },
  "K1-workloads": {
    compliant: [
      adding("a restricted Deployment in a tenant namespace", deployment("app", "ai-gateway", withContainer({}))),
      adding("a node agent with hostPath in kube-system", deployment("node-agent", "kube-system", { hostNetwork: true, volumes: [{ name: "root", hostPath: { path: "/" } }], containers: [{ name: "agent", image: "x", securityContext: { privileged: true } }] })),
    ],
    violating: [
      adding("a privileged container", deployment("priv", "ai-gateway", withContainer({ securityContext: { privileged: true } })), /privileged is true/),
      adding("a hostPath volume", deployment("hostpath", "ai-gateway", { ...withContainer({}), volumes: [{ name: "root", hostPath: { path: "/var/run/docker.sock" } }] }), /mounts hostPath "\/var\/run\/docker\.sock"/),
      adding("the node's network", deployment("hostnet", "ai-gateway", { ...withContainer({}), hostNetwork: true }), /hostNetwork is true/),
      adding("an added capability in a CronJob", resource("kubernetes:batch/v1:CronJob", "cron", { metadata: { name: "cron", namespace: "ai-gateway" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: withContainer({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }) } } } } }), /SYS_ADMIN/),
      adding("a bare root Pod", resource("kubernetes:core/v1:Pod", "root-pod", { metadata: { name: "root", namespace: "ai-gateway" }, spec: { securityContext: { runAsUser: 0 }, containers: [RESTRICTED_CONTAINER] } }), /runAsUser is 0/),
      adding("a host port", deployment("hostport", "ai-gateway", withContainer({ ports: [{ containerPort: 8080, hostPort: 80 }] })), /hostPort is 80/),
    ],
  },
  "K2-peers": {
    compliant: [{ why: "Runway's DNS and scraping allows", target: "ai-gateway-allow-dns" }],
    violating: [
      adding("an allow-all policy beside default deny", networkPolicy("allow-all", { policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] }), /has no from, so it allows every source/),
      adding("ingress from every namespace", networkPolicy("from-anywhere", { policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] }), /selects namespaces by something other than their name/),
      adding("egress to every tenant by label", networkPolicy("to-tenants", { policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "runway.gitlab.com/tenant": "true" } } }] }] })),
      adding("egress into another tenant's namespace", networkPolicy("to-glgo", { policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "glgo" } } }] }] }), /reaches tenant namespace "glgo"/),
      adding("DNS to any resolver", networkPolicy("any-dns", { policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }] }] }), /allows every destination on its ports/),
    ],
  },
  "K2-egress": {
    compliant: [
      { why: "declared egress to one public address", target: "ai-gateway", change: (_r, s) => add(s, egressTo("llm", ["34.102.136.180/32"])) },
      { why: "the GKE metadata server's endpoints on their ports", target: "ai-gateway", change: (_r, s) => add(s, networkPolicy("metadata", { policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] }] })) },
    ],
    violating: [
      { why: "egress to 0.0.0.0/0", target: "ai-gateway", change: (_r, s) => add(s, egressTo("internet", ["0.0.0.0/0"])), message: /'0\.0\.0\.0\/0' opens the tenant's egress to the internet/ },
      { why: "egress to IPv6 ::/0", target: "ai-gateway", change: (_r, s) => add(s, egressTo("internet6", ["::/0"])) },
      { why: "egress to two halves of the internet in two policies", target: "ai-gateway", change: (_r, s) => (add(s, egressTo("low", ["0.0.0.0/1"])), add(s, egressTo("high", ["128.0.0.0/1"]))) },
      { why: "egress to many public /8s", target: "ai-gateway", change: (_r, s) => add(s, egressTo("many", ["11.0.0.0/8", "12.0.0.0/8", "13.0.0.0/8"])), message: /together open 3 \/8s/ },
      { why: "egress to the metadata server on another port", target: "ai-gateway", change: (_r, s) => add(s, egressTo("metadata-any", ["169.254.169.254/32"], [{ protocol: "TCP", port: 8080 }])), message: /link-local/ },
      { why: "egress to all of link-local", target: "ai-gateway", change: (_r, s) => add(s, egressTo("link-local", ["169.254.0.0/16"])) },
      { why: "egress to the cluster's pod range", target: "ai-gateway", change: (_r, s) => add(s, egressTo("pods", ["10.64.0.0/16"])), message: /the cluster's own pods range of main-us-east1/ },
      { why: "egress to all of 10/8, which holds the nodes", target: "ai-gateway", change: (_r, s) => add(s, egressTo("ten", ["10.0.0.0/8"])) },
      { why: "egress to the control plane", target: "ai-gateway", change: (_r, s) => add(s, egressTo("master", ["172.16.0.0/28"])), message: /control plane/ },
    ],
  },
  "P1-firewall": {
    compliant: [{ why: "health checks from Google's ranges", target: "allow-health-checks" }, { why: "deny all ingress", target: "deny-all-ingress" }],
    violating: [
      on("allow-health-checks", "ingress from the internet", "sourceRanges", ["0.0.0.0/0"], /'0\.0\.0\.0\/0' opens the network to the internet/),
      on("allow-health-checks", "ingress from IPv6 everywhere", "sourceRanges", ["::/0"]),
      on("allow-health-checks", "ingress from two halves of the internet", "sourceRanges", ["0.0.0.0/1", "128.0.0.0/1"]),
      on("allow-health-checks", "ingress without any source", "sourceRanges", undefined, /GCP takes as 0\.0\.0\.0\/0/),
      { why: "deny turned into allow", target: "deny-all-ingress", change: (r) => (set(r.inputs, "denies", undefined), set(r.inputs, "allows", [{ protocol: "all" }])) },
    ],
  },
  I1: {
    compliant: [],
    violating: [
      { why: "owner with a condition", target: "nodes-log-writer", change: (r) => (set(r.inputs, "role", "roles/owner"), set(r.inputs, "member", "user:alice@gitlab.com"), set(r.inputs, "condition", { title: "until 2099", expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' })) },
    ],
  },
  "I1-authoritative": {
    compliant: [{ why: "non-authoritative member", target: "nodes-log-writer" }],
    violating: [
      adding("an authoritative project binding of a harmless role", iam("gcp:projects/iAMBinding:IAMBinding", "log-writers", { project: "runway-test-1", role: "roles/logging.logWriter", members: ["group:sre@gitlab.com"] }), /IAMBinding is authoritative/),
      adding("an authoritative service account policy", iam("gcp:serviceaccount/iAMPolicy:IAMPolicy", "sa-policy", { serviceAccountId: "x", policyData: policyData([{ role: "roles/iam.serviceAccountUser", members: ["group:sre@gitlab.com"] }]) })),
    ],
  },
  "I1-scope": {
    compliant: [{ why: "project-level grant", target: "nodes-log-writer" }],
    violating: [
      adding("an organization-level grant", iam("gcp:organizations/iAMMember:IAMMember", "org-viewer", { orgId: "123", role: "roles/logging.viewer", member: "group:sre@gitlab.com" }), /organization reach every project/),
      adding("a folder-level grant", iam("gcp:folder/iAMMember:IAMMember", "folder-viewer", { folder: "folders/1", role: "roles/logging.viewer", member: "group:sre@gitlab.com" })),
    ],
  },
  I2: {
    compliant: [],
    violating: [
      adding("impersonation through an authoritative project policy", iam("gcp:projects/iAMPolicy:IAMPolicy", "project-policy", { project: "runway-test-1", policyData: policyData([{ role: "roles/iam.serviceAccountTokenCreator", members: ["group:dev@gitlab.com"] }]) }), /policyData\.bindings\[0\]\.role/, ["I1-authoritative"]),
    ],
  },
  "I2-escalation": {
    compliant: [adding("a custom role without escalation", iam("gcp:projects/iAMCustomRole:IAMCustomRole", "reader", { roleId: "reader", title: "Reader", permissions: ["storage.objects.get"] }))],
    violating: [
      adding("a custom role with actAs", iam("gcp:projects/iAMCustomRole:IAMCustomRole", "deployer", { roleId: "deployer", title: "Deployer", permissions: ["run.services.create", "iam.serviceAccounts.actAs"] }), /"iam\.serviceAccounts\.actAs"/),
      adding("a custom role that sets IAM policy", iam("gcp:organizations/iAMCustomRole:IAMCustomRole", "iam-setter", { orgId: "1", roleId: "setter", title: "Setter", permissions: ["resourcemanager.projects.setIamPolicy"] })),
      { ...on("nodes-log-writer", "project IAM admin", "role", "roles/resourcemanager.projectIamAdmin", /grant itself any role/), also: ["I4"] },
    ],
  },
  I3: {
    compliant: [],
    violating: [
      adding("a default service account in an authoritative policy", iam("gcp:projects/iAMPolicy:IAMPolicy", "default-sa-policy", { project: "runway-test-1", policyData: policyData([{ role: "roles/logging.logWriter", members: ["serviceAccount:1234-compute@developer.gserviceaccount.com"] }]) }), undefined, ["I1-authoritative"]),
    ],
  },
  "I3-public": {
    compliant: [{ why: "named member", target: "nodes-log-writer" }],
    violating: [
      on("nodes-log-writer", "project role for everyone signed in to Google", "member", "allAuthenticatedUsers", /anyone on the internet/),
      adding("a service account anyone may use", iam("gcp:serviceaccount/iAMMember:IAMMember", "sa-public", { serviceAccountId: "x", role: "roles/iam.serviceAccountTokenCreator", member: "allUsers" })),
      adding("a KMS key anyone may decrypt with", iam("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "key-public", { cryptoKeyId: "k", role: "roles/cloudkms.cryptoKeyDecrypter", member: "allUsers" })),
    ],
  },
  I4: {
    compliant: [
      adding("the multi-cluster Gateway controller's service agent with the role Google's setup prescribes", iam("gcp:projects/iAMMember:IAMMember", "gateway-controller", { project: "runway-test-1", role: "roles/container.admin", member: MCI_AGENT })),
      adding("the multi-cluster Services importer's Workload Identity with a viewer role", iam("gcp:projects/iAMMember:IAMMember", "services-importer", { project: "runway-test-1", role: "roles/compute.networkViewer", member: "serviceAccount:runway-test-1.svc.id.goog[gke-mcs/gke-mcs-importer]" })),
      adding("a person through a workforce pool", iam("gcp:projects/iAMMember:IAMMember", "workforce-admin", { project: "runway-test-1", role: "roles/container.admin", member: "principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/alice" })),
    ],
    violating: [
      adding("a tenant's Kubernetes service account through Workload Identity", iam("gcp:projects/iAMMember:IAMMember", "ksa-admin", { project: "runway-test-1", role: "roles/container.admin", member: "serviceAccount:runway-test-1.svc.id.goog[ai-gateway/ai-gateway]" }), /narrower roles/),
      adding("a Kubernetes service account as a federated principal", iam("gcp:projects/iAMMember:IAMMember", "principal-admin", { project: "runway-test-1", role: "roles/gkehub.admin", member: "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/runway-test-1.svc.id.goog/subject/ns/ai-gateway/sa/ai-gateway" })),
      adding("every workload of a namespace as a federated principal set", iam("gcp:projects/iAMMember:IAMMember", "namespace-admin", { project: "runway-test-1", role: "roles/container.admin", member: "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/runway-test-1.svc.id.goog/namespace/ai-gateway" })),
      adding("a service account written with another case of the member type", iam("gcp:projects/iAMMember:IAMMember", "case-admin", { project: "runway-test-1", role: "roles/container.admin", member: "serviceaccount:deployer@runway-test-1.iam.gserviceaccount.com" })),
      adding("a user-managed account named like the controller's agent", iam("gcp:projects/iAMMember:IAMMember", "lookalike-admin", { project: "runway-test-1", role: "roles/container.admin", member: "serviceAccount:service-123456789012@gcp-sa-multiclusteringress-runway.iam.gserviceaccount.com" })),
      adding("the controller's agent with another admin role", iam("gcp:projects/iAMMember:IAMMember", "agent-cluster-admin", { project: "runway-test-1", role: "roles/container.clusterAdmin", member: MCI_AGENT })),
      adding("another service agent with the controller's role", iam("gcp:projects/iAMMember:IAMMember", "build-agent-admin", { project: "runway-test-1", role: "roles/container.admin", member: "serviceAccount:service-123456789012@gcp-sa-cloudbuild.iam.gserviceaccount.com" })),
    ],
  },
  G1: {
    compliant: [
      on("main-general", "a node pool that inherits the cluster's private nodes", "networkConfig", undefined),
      on("main-general", "a node pool that repeats private nodes", "networkConfig.enablePrivateNodes", true),
    ],
    violating: [on("main-general", "a node pool of a private cluster with public nodes", "networkConfig.enablePrivateNodes", false, /networkConfig\.enablePrivateNodes is false/)],
  },
  "D4-options": {
    compliant: [adding("the multi-region Gateway's address, replaced only as the provider decides", resource("gcp:compute/globalAddress:GlobalAddress", "gateway-multi-region", { project: "runway-test-1", name: "gateway-multi-region" }))],
    violating: [
      adding("the multi-region Gateway's address replaced delete-first", resource("gcp:compute/globalAddress:GlobalAddress", "gateway-dbr", { project: "runway-test-1", name: "gateway-dbr" }, { deleteBeforeReplace: true }), /deleteBeforeReplace/),
      adding("a fleet membership replaced delete-first", resource("gcp:gkehub/membership:Membership", "fleet-europe-west4", { project: "runway-test-1", membershipId: "runway-test-europe-west4", location: "europe-west4" }, { deleteBeforeReplace: true }), /deleteBeforeReplace/),
    ],
  },
  "V4-policies": {
    compliant: [],
    violating: [
      {
        why: "another tenant's policy",
        target: "ai-gateway-vault-role",
        change: (r, s) => {
          add(s, resource("vault:index/policy:Policy", "glgo-vault-policy", { name: "glgo", policy: policyText("runway/env/test/data/service/glgo/*") }));
          set(r.inputs, "tokenPolicies", ["glgo"]);
        },
        message: /the policy of tenant "glgo", but the role belongs to tenant "ai-gateway"/,
        also: ["V5", "V5-scope"],
      },
      on("ai-gateway-vault-role", "a policy the stack does not define", "tokenPolicies", ["admin"], /not a Vault policy of this stack/),
    ],
  },
  "V5-scope": {
    compliant: [{ why: "the templated tenant policy", target: "ai-gateway-vault-policy" }, on("ai-gateway-vault-policy", "the explicit tenant policy", "policy", policyText("runway/env/test/data/service/ai-gateway/*", "auth/token/lookup-self"))],
    violating: [
      { ...on("ai-gateway-vault-policy", "a path into another tenant's prefix", "policy", policyText(TENANT_POLICY_PATH, "runway/env/test/data/service/glgo/*"), /reaches beyond tenant "ai-gateway"'s secrets/), also: ["V5", "V4-policies"] },
      { ...on("ai-gateway-vault-policy", "a glob at the tenant segment", "policy", policyText("runway/env/test/data/service/ai-gateway*")), also: ["V5"] },
      { ...on("ai-gateway-vault-policy", "a + segment before the tenant", "policy", policyText("runway/env/+/data/service/ai-gateway/*")), also: ["V5"] },
      { ...on("ai-gateway-vault-policy", "a glob over every service", "policy", policyText("runway/env/test/data/service/*")), also: ["V5"] },
      { ...on("ai-gateway-vault-policy", "a platform path", "policy", policyText(TENANT_POLICY_PATH, "sys/policies/acl/*")), also: ["V5"] },
      {
        ...on("ai-gateway-vault-policy", "the same tenant's secrets of another environment", "policy", policyText(TENANT_POLICY_PATH, "runway/env/production/data/service/ai-gateway/*"), /reaches beyond tenant "ai-gateway"'s secrets; grant only <mount>\/env\/test\//),
        also: ["V5"],
      },
      { ...on("ai-gateway-vault-policy", "the tenant's prefix in a mount other than the environment's", "policy", policyText(TENANT_POLICY_PATH, "secret/data/service/ai-gateway/*")), also: ["V5"] },
    ],
  },
};
