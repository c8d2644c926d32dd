/**
 * Flux multi-tenancy controls F1–F3 and the GitLab agent's CI access (GL1) of the security checklist.
 */
import { parse as parseYaml } from "yaml";
import {
  at,
  type CheckedResource,
  expectField,
  FLUX_HELMRELEASE,
  FLUX_KUSTOMIZATION,
  FLUX_NS,
  type Finding,
  isOpaque,
  isRecord,
  k8sName,
  k8sNamespace,
  list,
  type Rule,
  type RuleContext,
  show,
  T,
  unverified,
} from "./rule";
import { tenantNamespaceNames, unnamedTenantNamespace } from "./tenancy";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** What each controller must run with (fluxcd/website multitenancy.md), and its flux2 chart values key. */
const LOCKDOWN: Record<string, { valuesKey: string; flags: string[] }> = {
  "kustomize-controller": { valuesKey: "kustomizeController", flags: ["--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=default"] },
  "helm-controller": { valuesKey: "helmController", flags: ["--no-cross-namespace-refs=true", "--default-service-account=default"] },
  "notification-controller": { valuesKey: "notificationController", flags: ["--no-cross-namespace-refs=true"] },
  "image-reflector-controller": { valuesKey: "imageReflectionController", flags: ["--no-cross-namespace-refs=true"] },
  "image-automation-controller": { valuesKey: "imageAutomationController", flags: ["--no-cross-namespace-refs=true"] },
};

/** The flux2 chart (fluxcd-community), by repository name or OCI URL. */
export function isFluxChart(r: CheckedResource): boolean {
  const chart = at(r.inputs, "chart");
  return r.type === T.helmReleaseV3 && typeof chart === "string" && /(^|\/)flux2$/.test(chart);
}

/**
 * Controller args the flux2 chart renders from its values: `multitenancy.enabled` adds the lockdown, then
 * additionalArgs. Unknown or secret values stay in the list as markers.
 */
function chartArgs(values: Record<string, unknown>, controller: string, valuesKey: string): unknown[] {
  const args: unknown[] = [];
  const enabled = at(values, "multitenancy.enabled");
  if (isOpaque(enabled)) args.push(enabled);
  else if (enabled === true) {
    args.push("--no-cross-namespace-refs=true");
    if (controller === "kustomize-controller" || controller === "helm-controller") {
      const sa = at(values, "multitenancy.defaultServiceAccount");
      args.push(isOpaque(sa) ? sa : `--default-service-account=${typeof sa === "string" && sa ? sa : "default"}`);
    }
  }
  const extra = at(values, `${valuesKey}.container.additionalArgs`);
  return [...args, ...(isOpaque(extra) ? [extra] : list(extra))];
}

/**
 * Lockdown flags `controller` lacks; the effective value of a flag is its last occurrence (Go's flag package). An
 * unknown or secret argument after a flag's last known occurrence may override it, so that flag cannot be seen.
 */
function lockdownFindings(controller: string, args: readonly unknown[], where: string, fix: string): Finding[] {
  const missing: string[] = [];
  let unseen: unknown;
  for (const f of LOCKDOWN[controller].flags) {
    const name = f.slice(0, f.indexOf("=") + 1);
    let last = args.length - 1;
    while (last >= 0 && !isOpaque(args[last]) && !(typeof args[last] === "string" && (args[last] as string).startsWith(name))) last--;
    if (last >= 0 && isOpaque(args[last])) unseen ??= args[last];
    else if (last < 0 || args[last] !== f) missing.push(f);
  }
  if (missing.length) return [`${controller} runs without ${missing.join(", ")}; ${fix}`];
  return unseen === undefined ? [] : [unverified(where, unseen)];
}

function checkFluxInstall(r: CheckedResource): Finding[] {
  if (r.type === DEPLOYMENT) {
    const name = k8sName(r);
    if (k8sNamespace(r) !== FLUX_NS || typeof name !== "string" || !(name in LOCKDOWN)) return [];
    const containers = at(r.inputs, "spec.template.spec.containers");
    if (isOpaque(containers)) return [unverified("spec.template.spec.containers", containers)];
    const manager = list(containers).find((c) => at(c, "name") === "manager") ?? list(containers)[0];
    const args = at(manager, "args");
    return lockdownFindings(name, isOpaque(args) ? [args] : list(args), "the manager container's args", "add them to the manager container's args");
  }
  if (!isFluxChart(r)) return [];
  const values = at(r.inputs, "values");
  if (isOpaque(values)) return [unverified("values", values)];
  const v = isRecord(values) ? values : {};
  return Object.entries(LOCKDOWN).flatMap(([controller, { valuesKey }]) => {
    if (at(v, `${valuesKey}.create`) === false) return [];
    return lockdownFindings(
      controller,
      chartArgs(v, controller, valuesKey),
      `values.multitenancy or values.${valuesKey}.container.additionalArgs`,
      `set values.multitenancy.enabled: true and add the rest to values.${valuesKey}.container.additionalArgs`,
    );
  });
}

const F1: Rule = {
  id: "F1",
  title: "Flux multi-tenancy lockdown",
  severity: "mandatory",
  rationale: "Without the lockdown a tenant's Flux object can read other namespaces' sources or reconcile as cluster-admin.",
  source: "fluxcd/website flux/installation/configuration/multitenancy.md",
  appliesTo: [T.helmReleaseV3, DEPLOYMENT],
  scope: "resource",
  check: checkFluxInstall,
};

/** The account each Flux object in flux-system must name, since the lockdown defaults everything else to `default`. */
function checkPlatformFluxObject(r: CheckedResource): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (ns !== FLUX_NS) return [];
  const sa = FLUX_KUSTOMIZATION.includes(r.type) ? "kustomize-controller" : "helm-controller";
  return expectField(r.inputs, "spec.serviceAccountName", (v) => v === sa, `set it to "${sa}" (flux-system objects reconcile as the controller)`);
}

const F1_SYNC: Rule = {
  id: "F1-sync",
  title: "flux-system objects name their controller account",
  severity: "mandatory",
  rationale: "With --default-service-account=default the platform's own sync must name its privileged account explicitly.",
  source: "fluxcd/website flux/installation/configuration/multitenancy.md",
  appliesTo: [...FLUX_KUSTOMIZATION, ...FLUX_HELMRELEASE],
  scope: "resource",
  check: checkPlatformFluxObject,
};

function checkTenantFluxObject(r: CheckedResource): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (ns === FLUX_NS) return [];
  const out: Finding[] = expectField(r.inputs, "spec.serviceAccountName", (v) => typeof v === "string" && v.length > 0, "set it to the tenant's reconciler service account");
  const refs = FLUX_KUSTOMIZATION.includes(r.type) ? ["spec.sourceRef.namespace"] : ["spec.chart.spec.sourceRef.namespace", "spec.chartRef.namespace"];
  for (const path of refs) {
    const refNs = at(r.inputs, path);
    if (isOpaque(refNs)) out.push(unverified(path, refNs));
    else if (refNs !== undefined && refNs !== ns) out.push(`${path} is ${show(refNs)} but the object is in ${show(ns)}; keep the source in the tenant's own namespace`);
  }
  return out;
}

const F2: Rule = {
  id: "F2",
  title: "Tenant Flux objects reconcile as the tenant",
  severity: "mandatory",
  rationale: "A tenant Kustomization or HelmRelease must act with the tenant's rights and its own sources only.",
  source: "fluxcd/flux2-multi-tenancy infrastructure/kyverno-policies/flux-multi-tenancy.yaml",
  appliesTo: [...FLUX_KUSTOMIZATION, ...FLUX_HELMRELEASE],
  scope: "resource",
  check: checkTenantFluxObject,
};

function checkClusterRoleBinding(r: CheckedResource, tenants: ReadonlySet<string>): Finding[] {
  const subjects = at(r.inputs, "subjects");
  if (isOpaque(subjects)) return [unverified("subjects", subjects)];
  return list(subjects).flatMap((s, i): Finding[] => {
    const kind = at(s, "kind");
    const ns = at(s, "namespace");
    const name = at(s, "name");
    if (kind === "ServiceAccount" && isOpaque(ns)) return [unverified(`subjects[${i}].namespace`, ns)];
    const tenantSa = kind === "ServiceAccount" && typeof ns === "string" && tenants.has(ns);
    const tenantGroup = kind === "Group" && typeof name === "string" && tenants.has(name.replace(/^system:serviceaccounts:/, "")) && name.startsWith("system:serviceaccounts:");
    return tenantSa || tenantGroup
      ? [`subjects[${i}] binds ${show(tenantSa ? `${String(ns)}/${String(name)}` : name)} of tenant namespace cluster-wide; use a RoleBinding in the tenant's namespace`]
      : [];
  });
}

/** ClusterRoles a tenant namespace may bind through a RoleBinding: Kubernetes' user-facing roles, namespaced by the binding. */
export const TENANT_CLUSTER_ROLES: readonly string[] = ["admin", "edit", "view"];

/** Groups of service accounts beyond any one namespace's own: every account, or the accounts of another namespace. */
function foreignGroup(name: unknown, ns: string): boolean {
  if (typeof name !== "string") return false;
  if (["system:serviceaccounts", "system:authenticated", "system:unauthenticated"].includes(name)) return true;
  return name.startsWith("system:serviceaccounts:") && name.slice("system:serviceaccounts:".length) !== ns;
}

/**
 * The service account a subject names: a ServiceAccount, its namespace defaulting to the binding's as in Kubernetes
 * RBAC, or a User with a service account's username (`system:serviceaccount:<ns>:<name>`).
 */
function subjectAccount(s: unknown, bindingNs: string): { ns: unknown; name: unknown } | undefined {
  const kind = at(s, "kind");
  const name = at(s, "name");
  if (kind === "ServiceAccount") return { ns: at(s, "namespace") ?? bindingNs, name };
  const m = kind === "User" && typeof name === "string" ? /^system:serviceaccount:([^:]+):(.+)$/.exec(name) : null;
  return m ? { ns: m[1], name: m[2] } : undefined;
}

/**
 * A tenant's RoleBinding grants only the user-facing ClusterRoles (or a Role of its namespace), and only to its own
 * namespace's service accounts; no RoleBinding elsewhere grants a tenant's service account anything.
 */
function checkRoleBinding(r: CheckedResource, tenants: ReadonlySet<string>): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (typeof ns !== "string") return [];
  const inTenant = tenants.has(ns);
  const out: Finding[] = [];
  if (inTenant) {
    const kind = at(r.inputs, "roleRef.kind");
    const role = at(r.inputs, "roleRef.name");
    if (isOpaque(kind) || isOpaque(role)) out.push(unverified("roleRef", isOpaque(kind) ? kind : role));
    else if (kind === "ClusterRole" && !TENANT_CLUSTER_ROLES.includes(String(role))) {
      out.push(`roleRef is ClusterRole ${show(role)} in tenant namespace "${ns}"; bind the ClusterRole admin, edit or view, or a Role of the namespace`);
    }
  }
  const subjects = at(r.inputs, "subjects");
  if (isOpaque(subjects)) return [...out, unverified("subjects", subjects)];
  list(subjects).forEach((s, i) => {
    const sa = subjectAccount(s, ns);
    const name = at(s, "name");
    if (sa && isOpaque(sa.ns)) out.push(unverified(`subjects[${i}].namespace`, sa.ns));
    else if (sa && sa.ns !== ns && (inTenant || tenants.has(String(sa.ns)))) {
      out.push(`subjects[${i}] is service account ${show(`${String(sa.ns)}/${String(sa.name)}`)} of another namespace than "${ns}"; a RoleBinding grants only its own namespace's service accounts`);
    } else if (inTenant && at(s, "kind") === "Group") {
      if (isOpaque(name)) out.push(unverified(`subjects[${i}].name`, name));
      else if (foreignGroup(name, ns)) out.push(`subjects[${i}] is group ${show(name)}, service accounts beyond tenant namespace "${ns}"; bind only the namespace's own service accounts`);
    }
  });
  return out;
}

const F3: Rule = {
  id: "F3",
  title: "Tenant RBAC is namespaced",
  severity: "mandatory",
  rationale: "A ClusterRoleBinding, a RoleBinding to a cluster-wide role, or a binding of another namespace's accounts gives a tenant's reconciler rights beyond its namespace.",
  source: "fluxcd/flux2-multi-tenancy tenants/base/dev-team/rbac.yaml",
  appliesTo: [T.clusterRoleBinding, T.roleBinding],
  scope: "stack",
  check: (r, ctx) => (r.type === T.roleBinding ? checkRoleBinding(r, tenantNamespaceNames(ctx)) : checkClusterRoleBinding(r, tenantNamespaceNames(ctx))),
};

/** Every `ci_access` block in a resource's inputs, as objects or inside YAML text (the agent's config.yaml). */
function ciAccessBlocks(v: unknown, path: string, out: { path: string; value: unknown }[] = []): { path: string; value: unknown }[] {
  if (typeof v === "string" && v.includes("ci_access")) {
    try {
      ciAccessBlocks(parseYaml(v), path, out);
    } catch {
      // not YAML: nothing to check
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => ciAccessBlocks(x, `${path}[${i}]`, out));
  } else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === "ci_access") out.push({ path: path ? `${path}.ci_access` : "ci_access", value: x });
      else ciAccessBlocks(x, path ? `${path}.${k}` : k, out);
    }
  }
  return out;
}

const IMPERSONATED_SA = /^system:serviceaccount:([a-z0-9-]+):([a-z0-9.-]+)$/;

/**
 * CI jobs act as the CI job (`ci_job`), or impersonate a service account of a tenant namespace by username alone:
 * groups, uid or extra would widen what they may do, another namespace's account (the agent's, a Flux controller's)
 * would hand them the platform's rights.
 */
function checkAccessAs(accessAs: unknown, where: string, ctx: RuleContext): Finding[] {
  if (isOpaque(accessAs)) return [unverified(`${where}.access_as`, accessAs)];
  if (isRecord(accessAs) && "ci_job" in accessAs && Object.keys(accessAs).length === 1) return [];
  const impersonate = at(accessAs, "impersonate");
  const user = at(impersonate, "username");
  if (isOpaque(user)) return [unverified(`${where}.access_as.impersonate.username`, user)];
  const sa = typeof user === "string" ? IMPERSONATED_SA.exec(user) : null;
  if (!sa) {
    return [`${where}.access_as is ${show(accessAs)}, so CI jobs act as the agent itself; set access_as: { impersonate: { username: "system:serviceaccount:<ns>:<sa>" } } or { ci_job: {} }`];
  }
  const out: Finding[] = [];
  const extra = Object.keys(impersonate as Record<string, unknown>).filter((k) => k !== "username");
  if (extra.length) out.push(`${where}.access_as.impersonate also sets ${extra.join(", ")}; impersonate the tenant's service account by username only`);
  if (!tenantNamespaceNames(ctx).has(sa[1])) {
    out.push(
      unnamedTenantNamespace(ctx) ??
        `${where}.access_as.impersonate.username is ${show(user)}, a service account outside the tenant namespaces; impersonate a service account of the tenant's own namespace`,
    );
  }
  return out;
}

/** Where the GitLab agent reads its configuration: `.gitlab/agents/<agent>/config.yaml` in its project. */
const AGENT_CONFIG_PATH = /(^|\/)\.gitlab\/agents\/[^/]+\/config\.ya?ml$/;

/** A dynamic resource that writes the agent's config.yaml (by its `filePath`), whose content the rule must see. */
function hiddenAgentConfig(r: CheckedResource): Finding[] {
  const file = at(r.inputs, "filePath");
  if (isOpaque(file)) return [unverified("filePath (it may be an agent's config.yaml)", file)];
  if (typeof file !== "string" || !AGENT_CONFIG_PATH.test(file)) return [];
  const content = at(r.inputs, "content");
  return isOpaque(content) ? [unverified(`content of ${file}`, content)] : [];
}

function checkAgentConfig(r: CheckedResource, ctx: RuleContext): Finding[] {
  const hidden = hiddenAgentConfig(r);
  if (hidden.length) return hidden;
  return ciAccessBlocks(r.inputs, "").flatMap(({ path, value }) => {
    if (isOpaque(value)) return [unverified(path, value)];
    return ["projects", "groups"].flatMap((k) => list(at(value, k)).flatMap((entry, i) => checkAccessAs(at(entry, "access_as"), `${path}.${k}[${i}]`, ctx)));
  });
}

const GL1: Rule = {
  id: "GL1",
  title: "GitLab agent CI access impersonates",
  severity: "mandatory",
  rationale: "CI jobs using the agent's own identity, or impersonating a platform service account, get cluster-wide rights.",
  source: "GitLab epic 5783; gitlab-org/gitlab #459946",
  appliesTo: [T.dynamic],
  // A stack rule: the impersonated account must be in one of the stack's tenant namespaces.
  scope: "stack",
  check: checkAgentConfig,
};

export const fluxRules: Rule[] = [F1, F1_SYNC, F2, F3, GL1];
