/**
 * Tenant RBAC (F3 of the security checklist), judged by what a binding grants and to whom, in every form Kubernetes
 * accepts, not only the one Runway's components emit: a service account is a `ServiceAccount` subject, a `User`
 * named `system:serviceaccount:<ns>:<name>`, or a member of the groups `system:serviceaccounts:<ns>`,
 * `system:serviceaccounts` and `system:authenticated`. The roles tenants hold are checked too: a Role in a tenant
 * namespace, and any ClusterRole that aggregates into `admin`, `edit` or `view` (which every tenant reconciler is
 * bound to), may not use wildcards or the escalate, bind and impersonate verbs, nor let a tenant lift its own quota.
 */
import { at, type CheckedResource, type Finding, isOpaque, isRecord, k8sName, k8sNamespace, list, type Rule, show, T, unverified } from "./rule";
import { isTenantName } from "./tenancy";

/** ClusterRoles a tenant namespace may bind through a RoleBinding: Kubernetes' user-facing roles, namespaced by the binding. */
export const TENANT_CLUSTER_ROLES: readonly string[] = ["admin", "edit", "view"];

/** Groups that hold every tenant's service accounts (and more): binding one grants every tenant. */
const BROAD_GROUPS = ["system:serviceaccounts", "system:authenticated", "system:unauthenticated"];

const SA_USER = /^system:serviceaccount:([^:]+):(.+)$/;
const SA_GROUP = "system:serviceaccounts:";

/** Who a subject is, as far as tenants go: a service account of a namespace, a group of them, or anyone else. */
type Subject = { sa: { ns: unknown; name: unknown } } | { group: string; ns?: string } | { other: true } | { unseen: Finding };

/** A subject read in every form Kubernetes accepts; a ServiceAccount's namespace defaults to the binding's. */
function subject(s: unknown, i: number, bindingNs: string | undefined): Subject {
  const kind = at(s, "kind");
  const name = at(s, "name");
  if (isOpaque(kind)) return { unseen: unverified(`subjects[${i}].kind`, kind) };
  if (isOpaque(name)) return { unseen: unverified(`subjects[${i}].name`, name) };
  if (kind === "ServiceAccount") {
    const ns = at(s, "namespace") ?? bindingNs;
    return isOpaque(ns) ? { unseen: unverified(`subjects[${i}].namespace`, ns) } : { sa: { ns, name } };
  }
  if (kind === "User" && typeof name === "string") {
    const m = SA_USER.exec(name);
    return m ? { sa: { ns: m[1], name: m[2] } } : { other: true };
  }
  if (kind === "Group" && typeof name === "string") {
    if (BROAD_GROUPS.includes(name)) return { group: name };
    if (name.startsWith(SA_GROUP)) return { group: name, ns: name.slice(SA_GROUP.length) };
  }
  return { other: true };
}

/** A ClusterRoleBinding may bind no tenant's service account, in any form, and none of the groups that hold them. */
function checkClusterRoleBinding(r: CheckedResource): Finding[] {
  const subjects = at(r.inputs, "subjects");
  if (isOpaque(subjects)) return [unverified("subjects", subjects)];
  return list(subjects).flatMap((s, i): Finding[] => {
    const who = subject(s, i, undefined);
    if ("unseen" in who) return [who.unseen];
    if ("sa" in who && who.sa.ns === undefined) return [`subjects[${i}] is service account ${show(who.sa.name)} without a namespace; name the namespace`];
    if ("sa" in who && isTenantName(who.sa.ns)) {
      return [`subjects[${i}] binds service account "${String(who.sa.ns)}/${String(who.sa.name)}" of a tenant namespace cluster-wide; use a RoleBinding in the tenant's namespace`];
    }
    if ("group" in who && (who.ns === undefined || isTenantName(who.ns))) {
      return [`subjects[${i}] binds group ${show(who.group)} cluster-wide, which holds ${who.ns === undefined ? "every tenant's service accounts" : `the service accounts of tenant namespace "${who.ns}"`}; bind named platform service accounts only`];
    }
    return [];
  });
}

/**
 * A RoleBinding grants only within its namespace. In a tenant namespace it binds only the user-facing ClusterRoles or
 * a Role of the namespace, and only the namespace's own service accounts; no binding anywhere grants a tenant's
 * service accounts, or a group holding every tenant's, anything in another namespace.
 */
function checkRoleBinding(r: CheckedResource): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  const bindingNs = typeof ns === "string" ? ns : "default";
  const inTenant = isTenantName(bindingNs);
  const out: Finding[] = [];
  if (inTenant) {
    const kind = at(r.inputs, "roleRef.kind");
    const role = at(r.inputs, "roleRef.name");
    if (isOpaque(kind) || isOpaque(role)) out.push(unverified("roleRef", isOpaque(kind) ? kind : role));
    else if (kind === "ClusterRole" && !TENANT_CLUSTER_ROLES.includes(String(role))) {
      out.push(`roleRef is ClusterRole ${show(role)} in tenant namespace "${bindingNs}"; bind the ClusterRole admin, edit or view, or a Role of the namespace`);
    }
  }
  const subjects = at(r.inputs, "subjects");
  if (isOpaque(subjects)) return [...out, unverified("subjects", subjects)];
  list(subjects).forEach((s, i) => {
    const who = subject(s, i, bindingNs);
    if ("unseen" in who) out.push(who.unseen);
    else if ("sa" in who && who.sa.ns !== bindingNs && (inTenant || isTenantName(who.sa.ns))) {
      out.push(`subjects[${i}] is service account "${String(who.sa.ns)}/${String(who.sa.name)}" of another namespace than "${bindingNs}"; a RoleBinding grants only its own namespace's service accounts`);
    } else if ("group" in who && who.ns === undefined) {
      out.push(`subjects[${i}] is group ${show(who.group)}, which holds every tenant's service accounts; bind named service accounts of "${bindingNs}" only`);
    } else if ("group" in who && who.ns !== bindingNs && (inTenant || isTenantName(who.ns))) {
      out.push(`subjects[${i}] is group ${show(who.group)}, service accounts of another namespace than "${bindingNs}"; bind only the namespace's own service accounts`);
    }
  });
  return out;
}

/** Fleet RBAC bindings: GKE Hub writes them into member clusters as Kubernetes RBAC (user or group, a predefined role). */
const FLEET_RBAC = ["gcp:gkehub/membershipRbacRoleBinding:MembershipRbacRoleBinding", "gcp:gkehub/scopeRbacRoleBinding:ScopeRbacRoleBinding"];

/**
 * A fleet RBAC binding judged as the ClusterRoleBinding it means: a membership binding binds its `user` or `group`
 * cluster-wide on the member cluster, and a scope binding in every namespace of the scope on every cluster bound to
 * it, which the rule cannot enumerate, so it is held to the same standard. Its subject is named as in the input.
 */
function checkFleetBinding(r: CheckedResource): Finding[] {
  const user = at(r.inputs, "user");
  const group = at(r.inputs, "group");
  if (isOpaque(user)) return [unverified("user", user)];
  if (isOpaque(group)) return [unverified("group", group)];
  const subjects = [...(typeof user === "string" ? [{ kind: "User", name: user }] : []), ...(typeof group === "string" ? [{ kind: "Group", name: group }] : [])];
  const where = r.type.includes("scope") ? "in every namespace of the fleet scope, on every cluster bound to it" : "cluster-wide on the member cluster";
  return checkClusterRoleBinding({ ...r, inputs: { subjects } }).map((f) =>
    typeof f === "string" ? f.replace(/^subjects\[(\d+)\]/, (_m, i: string) => (subjects[Number(i)].kind === "User" ? "user" : "group")).replace("cluster-wide", where) : f,
  );
}

const F3: Rule = {
  id: "F3",
  title: "Tenant RBAC is namespaced",
  severity: "mandatory",
  rationale: "A ClusterRoleBinding, a RoleBinding to a cluster-wide role, or a binding of another namespace's accounts gives a tenant's reconciler rights beyond its namespace.",
  source: "fluxcd/flux2-multi-tenancy tenants/base/dev-team/rbac.yaml",
  appliesTo: [T.clusterRoleBinding, T.roleBinding, ...FLEET_RBAC],
  scope: "resource",
  check: (r) => (r.type === T.roleBinding ? checkRoleBinding(r) : FLEET_RBAC.includes(r.type) ? checkFleetBinding(r) : checkClusterRoleBinding(r)),
};

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const ROLE_PATCH = "kubernetes:rbac.authorization.k8s.io/v1:RolePatch";
const CLUSTER_ROLE_PATCH = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRolePatch";

/** Verbs that hand out more than the role itself holds (Kubernetes RBAC privilege-escalation prevention). */
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
/** What a tenant must not change about its own namespace: its share of the cluster (K3). */
const QUOTA_RESOURCES = ["resourcequotas", "limitranges"];
const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];
const AGGREGATE = /^rbac\.authorization\.k8s\.io\/aggregate-to-(admin|edit|view)$/;

/** What a role's rules grant beyond what a tenant may hold. */
function ruleProblems(inputs: Record<string, unknown>): Finding[] {
  const rules = at(inputs, "rules");
  if (isOpaque(rules)) return [unverified("rules", rules)];
  return list(rules).flatMap((rule, i): Finding[] => {
    const field = (k: string) => at(rule, k);
    for (const k of ["apiGroups", "resources", "verbs"]) if (isOpaque(field(k))) return [unverified(`rules[${i}].${k}`, field(k))];
    const verbs = list(field("verbs")).map(String);
    const resources = list(field("resources")).map(String);
    const out: string[] = [];
    const wild = ["apiGroups", "resources", "verbs"].filter((k) => list(field(k)).includes("*"));
    if (wild.length) out.push(`rules[${i}] has "*" in ${wild.join(", ")}; list the API groups, resources and verbs the tenant needs`);
    const escalating = verbs.filter((v) => ESCALATING_VERBS.includes(v));
    if (escalating.length) out.push(`rules[${i}] grants ${escalating.join(", ")}, which let the holder grant itself more than the role; remove them`);
    const quota = resources.filter((r) => QUOTA_RESOURCES.includes(r));
    if (quota.length && verbs.some((v) => WRITE_VERBS.includes(v))) out.push(`rules[${i}] lets the tenant change its own ${quota.join(" and ")} (K3); grant read access only`);
    if (list(field("nonResourceURLs")).length) out.push(`rules[${i}] grants nonResourceURLs, which are cluster-wide; remove them`);
    return out;
  });
}

/**
 * A Role (or patch of one) in a tenant namespace, and a ClusterRole that tenants hold: one that aggregates into
 * admin, edit or view, or that redefines those built-ins.
 */
function checkRole(r: CheckedResource): Finding[] {
  if (r.type === ROLE || r.type === ROLE_PATCH) {
    const ns = k8sNamespace(r);
    if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
    return isTenantName(ns ?? "default") ? ruleProblems(r.inputs) : [];
  }
  const name = k8sName(r);
  if (isOpaque(name)) return [unverified("metadata.name", name)];
  if (TENANT_CLUSTER_ROLES.includes(String(name))) {
    return [`redefines the built-in ClusterRole ${show(name)}, which every tenant's reconciler is bound to; add a ClusterRole that aggregates into it instead, within the limits of F3-roles`];
  }
  const labels = at(r.inputs, "metadata.labels");
  if (isOpaque(labels)) return [unverified("metadata.labels (they decide whether the role aggregates into admin, edit or view)", labels)];
  const aggregated = Object.entries(isRecord(labels) ? labels : {}).filter(([k, v]) => AGGREGATE.test(k) && v !== "false");
  if (!aggregated.length) return [];
  const opaque = aggregated.find(([, v]) => isOpaque(v));
  if (opaque) return [unverified(`metadata.labels["${opaque[0]}"]`, opaque[1])];
  return ruleProblems(r.inputs).map((f) => (typeof f === "string" ? `aggregates into ${aggregated.map(([k]) => k.replace(/^.*aggregate-to-/, "")).join(", ")}, so every tenant holds it: ${f}` : f));
}

const F3_ROLES: Rule = {
  id: "F3-roles",
  title: "Roles tenants hold grant no escalation",
  severity: "mandatory",
  rationale: "Wildcards, escalate, bind or impersonate in a role a tenant holds, or write access to its own quota, lift the tenant out of its namespace's limits.",
  source: "kubernetes.io RBAC: privilege escalation prevention, aggregated ClusterRoles; CIS 5.1.3 (minimize wildcards)",
  appliesTo: [ROLE, ROLE_PATCH, CLUSTER_ROLE, CLUSTER_ROLE_PATCH],
  scope: "resource",
  check: checkRole,
};

export const rbacRules: Rule[] = [F3, F3_ROLES];
