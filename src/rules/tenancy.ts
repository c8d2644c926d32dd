/**
 * Tenant namespace controls K1–K4 of the security checklist. A tenant namespace is recognised by what it is, not by
 * the component that made it or a label an attacker would drop: every Namespace that is not the platform's (a
 * reserved name, `runway-*` or `kube-*`: src/naming.ts) is a tenant's and is held to the tenant controls, wherever it
 * is created. A Namespace whose name cannot be seen is taken for a tenant's (fail closed).
 */
import { isPlatformNamespace } from "../naming";
import { TENANT_LABEL } from "../tenancy/objects";
import { at, type CheckedResource, FLUX_NS, type Finding, firstOpaque, hasOpaque, isOpaque, isRecord, k8sName, k8sNamespace, list, type Rule, type RuleContext, show, T, unverified } from "./rule";
import { canonicalUrn, urnType } from "./urn";

export { TENANT_LABEL };

/** Components whose Namespaces belong to one tenant (components/tenancy/tenant.ts, components/platform/selfhosted-turn-up.ts). */
export const TENANT_COMPONENTS: readonly string[] = ["runway:tenancy:Tenant", "runway:platform:SelfHostedTurnUp"];

/** What a finding names when a Namespace's name is hidden: the name decides whether it is a tenant's. */
export const TENANT_BY_NAME = "metadata.name (every namespace without a platform name is a tenant's)";

/** Whether a namespace name (of a Namespace, a patch or a namespaced object) is a tenant's: any name but the platform's. */
export function isTenantName(name: unknown): boolean {
  return typeof name === "string" && !isOpaque(name) && !isPlatformNamespace(name);
}

/** Whether `r` is a tenant namespace: a Namespace without a platform name (an unseen or unset name included). */
export function isTenantNamespace(r: CheckedResource, _ctx?: RuleContext): boolean {
  if (r.type !== T.namespace) return false;
  const name = k8sName(r);
  return typeof name !== "string" || isOpaque(name) || !isPlatformNamespace(name);
}

const urnIndex = new WeakMap<readonly CheckedResource[], ReadonlyMap<string, CheckedResource>>();

/** The stack's resources by (canonical) URN. */
function byUrn(ctx: RuleContext): ReadonlyMap<string, CheckedResource> {
  let index = urnIndex.get(ctx.resources);
  if (!index) {
    index = new Map(ctx.resources.map((r) => [canonicalUrn(r.urn), r]));
    urnIndex.set(ctx.resources, index);
  }
  return index;
}

/**
 * The name of the tenant namespace `r` belongs to by structure: the Namespace created by the nearest Tenant or
 * SelfHostedTurnUp component above `r` (flux-system aside), or the unknown or secret marker its name is. Undefined
 * when there is none.
 */
export function owningTenantNamespace(r: CheckedResource, ctx: RuleContext): string | undefined {
  const index = byUrn(ctx);
  const seen = new Set<string>();
  for (let parent = r.options.parent; parent && !seen.has(parent); parent = index.get(canonicalUrn(parent))?.options.parent) {
    seen.add(parent);
    if (!TENANT_COMPONENTS.includes(urnType(parent) ?? "")) continue;
    const component = canonicalUrn(parent);
    const names = ctx.resources.filter((n) => n.type === T.namespace && n.options.parent && canonicalUrn(n.options.parent) === component).map(k8sName);
    const name = names.find((n) => n !== FLUX_NS);
    return typeof name === "string" ? name : undefined;
  }
  return undefined;
}

/** A Namespace whose name is unknown or secret: any name checked against the tenants may be its. */
export function unnamedTenantNamespace(ctx: RuleContext): Finding | undefined {
  const ns = ctx.resources.find((r) => r.type === T.namespace && isOpaque(k8sName(r)));
  return ns && unverified(`metadata.name of namespace ${ns.name}`, k8sName(ns));
}

/** Names of the stack's tenant namespaces (those with a known name). */
export function tenantNamespaceNames(ctx: RuleContext): Set<string> {
  const names = ctx.resources.filter((r) => r.type === T.namespace).map(k8sName);
  return new Set(names.filter(isTenantName) as string[]);
}

const PSS = "pod-security.kubernetes.io";

/**
 * K1 on a tenant Namespace, or on a NamespacePatch of one: a patch is judged on the labels it sets, since it merges
 * them into the namespace; setting one to anything but the restricted value (null included, which removes it)
 * relaxes the namespace's Pod Security.
 */
function checkPodSecurity(ns: CheckedResource, patch = false): Finding[] {
  const labels = at(ns.inputs, "metadata.labels");
  if (isOpaque(labels)) return [unverified("metadata.labels", labels)];
  const l = isRecord(labels) ? labels : {};
  const judged = (key: string) => !patch || key in l;
  const out: Finding[] = [];
  const tenant = l[TENANT_LABEL];
  if (isOpaque(tenant)) out.push(unverified(`metadata.labels["${TENANT_LABEL}"]`, tenant));
  else if (judged(TENANT_LABEL) && tenant !== "true") {
    out.push(`metadata.labels["${TENANT_LABEL}"] is ${show(tenant)} on a tenant namespace; set it to "true" (the shared Gateway admits HTTPRoutes only from namespaces with this label)`);
  }
  for (const mode of ["enforce", "warn", "audit"]) {
    const v = l[`${PSS}/${mode}`];
    if (isOpaque(v)) out.push(unverified(`metadata.labels["${PSS}/${mode}"]`, v));
    else if (judged(`${PSS}/${mode}`) && v !== "restricted") out.push(`metadata.labels["${PSS}/${mode}"] is ${show(v)}${patch ? " in a patch of a tenant namespace" : ""}; set it to "restricted"`);
  }
  const version = l[`${PSS}/enforce-version`];
  if (isOpaque(version)) out.push(unverified(`metadata.labels["${PSS}/enforce-version"]`, version));
  else if (judged(`${PSS}/enforce-version`) && (typeof version !== "string" || !/^v\d+\.\d+$/.test(version))) {
    out.push(`metadata.labels["${PSS}/enforce-version"] is ${show(version)}; pin it to a Kubernetes minor version such as "v1.33"`);
  }
  return out;
}

/** Rules on tenant namespaces only; which namespaces are tenants depends on the stack, so they are stack rules. */
const tenantRule = (r: Omit<Rule, "appliesTo" | "check" | "scope"> & { checkTenant(ns: CheckedResource, ctx: RuleContext): Finding[] }): Rule => {
  const { checkTenant, ...rest } = r;
  return { ...rest, appliesTo: [T.namespace], scope: "stack", check: (ns, ctx) => (isTenantNamespace(ns, ctx) ? checkTenant(ns, ctx) : []) };
};

/** K1 on a Namespace, or on a NamespacePatch whose target is a tenant namespace (by name: it may exist outside the stack). */
function checkNamespacePodSecurity(r: CheckedResource): Finding[] {
  const name = k8sName(r);
  if (isOpaque(name)) return [unverified(r.type === T.namespace ? TENANT_BY_NAME : "metadata.name of the patched namespace", name)];
  if (r.type === T.namespace) return isTenantNamespace(r) ? checkPodSecurity(r) : [];
  return isTenantName(name) ? checkPodSecurity(r, true) : [];
}

const K1: Rule = {
  id: "K1",
  title: "Pod Security Standards restricted",
  severity: "mandatory",
  rationale: "Restricted pods cannot run privileged, as root or with host access.",
  source: "CIS 4.2.1; kubernetes.io Enforce Pod Security Standards with namespace labels",
  appliesTo: [T.namespace, T.namespacePatch],
  scope: "resource",
  check: checkNamespacePodSecurity,
};

/**
 * Objects of `types` in the tenant namespace `ns`, or the finding that says why they cannot be looked up.
 * `unsure` tells that some object of those types has an unknown namespace: a missing object may be that one.
 */
function objectsIn(ns: CheckedResource, ctx: RuleContext, types: readonly string[]): { objects: CheckedResource[]; problem?: Finding; unsure?: Finding } {
  const name = k8sName(ns);
  if (isOpaque(name)) return { objects: [], problem: unverified("metadata.name", name) };
  if (typeof name !== "string") return { objects: [], problem: "metadata.name is unset, so objects in the namespace cannot be matched; give tenant namespaces a fixed name" };
  const candidates = ctx.resources.filter((r) => types.includes(r.type));
  const opaque = candidates.find((r) => isOpaque(k8sNamespace(r)));
  return {
    objects: candidates.filter((r) => k8sNamespace(r) === name),
    unsure: opaque && unverified(`metadata.namespace of ${opaque.name}`, k8sNamespace(opaque)),
  };
}

/** An undecidable finding when some policy's spec is not fully known: a missing rule may be in there. */
function partlyKnown(policies: readonly CheckedResource[]): Finding | undefined {
  const p = policies.find((x) => hasOpaque(x.inputs.spec));
  return p && unverified(`spec of NetworkPolicy ${p.name}`, firstOpaque(p.inputs.spec));
}

function emptySelector(sel: unknown): boolean {
  if (!isRecord(sel)) return false;
  const labels = sel.matchLabels;
  return (labels === undefined || (isRecord(labels) && Object.keys(labels).length === 0)) && list(sel.matchExpressions).length === 0;
}

/** A policy that selects every pod and allows nothing in `direction`. */
function deniesAll(np: CheckedResource, direction: "Ingress" | "Egress"): boolean {
  const spec = at(np.inputs, "spec");
  return emptySelector(at(spec, "podSelector")) && list(at(spec, "policyTypes")).includes(direction) && list(at(spec, direction.toLowerCase())).length === 0;
}

function checkDefaultDeny(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const { objects: policies, problem, unsure } = objectsIn(ns, ctx, [T.networkPolicy]);
  if (problem) return [problem];
  const missing = (["Ingress", "Egress"] as const).filter((d) => !policies.some((p) => deniesAll(p, d)));
  const undecided = unsure ?? partlyKnown(policies);
  if (missing.length && undecided) return [undecided];
  return missing.length ? [`no NetworkPolicy in ${show(k8sName(ns))} denies all ${missing.join(" and ")}; add one with podSelector: {} and policyTypes: [Ingress, Egress]`] : [];
}

const K2 = tenantRule({
  id: "K2",
  title: "Default-deny NetworkPolicy",
  severity: "mandatory",
  rationale: "Tenant pods reach and are reached only through explicit allows.",
  source: "CIS 4.3.2; kubernetes.io network-policies",
  checkTenant: checkDefaultDeny,
});

const DNS_PORTS: unknown[] = [53, "53", "dns", "dns-tcp"];

function checkDnsAllow(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const { objects: policies, problem, unsure } = objectsIn(ns, ctx, [T.networkPolicy]);
  if (problem) return [problem];
  const allowsDns = policies.some((p) => list(at(p.inputs, "spec.egress")).some((rule) => list(at(rule, "ports")).some((port) => DNS_PORTS.includes(at(port, "port")))));
  const undecided = unsure ?? partlyKnown(policies);
  if (!allowsDns && undecided) return [undecided];
  return allowsDns ? [] : [`no NetworkPolicy in ${show(k8sName(ns))} allows egress to DNS (port 53); add an explicit allow to kube-dns`];
}

const K2_DNS = tenantRule({
  id: "K2-dns",
  title: "Explicit DNS allow",
  severity: "mandatory",
  rationale: "Under default deny, name resolution works only through an explicit allow that names DNS.",
  source: "CIS 4.3.2; kubernetes.io network-policies",
  checkTenant: checkDnsAllow,
});

function checkQuota(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const { objects: objs, problem, unsure } = objectsIn(ns, ctx, [T.resourceQuota, T.limitRange]);
  if (problem) return [problem];
  const missing = [
    ["ResourceQuota", T.resourceQuota],
    ["LimitRange", T.limitRange],
  ]
    .filter(([, type]) => !objs.some((o) => o.type === type))
    .map(([kind]) => `tenant namespace ${show(k8sName(ns))} has no ${kind}; add one so one tenant cannot starve the others`);
  return missing.length && unsure ? [unsure] : missing;
}

const K3 = tenantRule({
  id: "K3",
  title: "ResourceQuota and LimitRange",
  severity: "mandatory",
  rationale: "Quotas stop one tenant from exhausting the shared cluster.",
  source: "Kubernetes multi-tenancy docs; kubernetes-retired/multi-tenancy benchmarks",
  checkTenant: checkQuota,
});

function checkDefaultServiceAccount(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const { objects: sas, problem, unsure } = objectsIn(ns, ctx, [T.serviceAccount, T.serviceAccountPatch]);
  if (problem) return [problem];
  const def = sas.filter((s) => k8sName(s) === "default");
  const unnamed = sas.find((s) => isOpaque(k8sName(s)));
  const undecided = unsure ?? (unnamed && unverified(`metadata.name of ${unnamed.name}`, k8sName(unnamed)));
  if (def.length === 0 && undecided) return [undecided];
  if (def.length === 0) return [`the default ServiceAccount of ${show(k8sName(ns))} is not managed; patch it with automountServiceAccountToken: false`];
  const v = at(def[0].inputs, "automountServiceAccountToken");
  if (isOpaque(v)) return [unverified("automountServiceAccountToken of the default ServiceAccount", v)];
  return v === false ? [] : [`the default ServiceAccount of ${show(k8sName(ns))} has automountServiceAccountToken ${show(v)}; set it to false`];
}

const K4 = tenantRule({
  id: "K4",
  title: "No token automount on the default ServiceAccount",
  severity: "mandatory",
  rationale: "Pods that need no API access must not carry a token an attacker can use.",
  source: "CIS 4.1.4, 4.1.5",
  checkTenant: checkDefaultServiceAccount,
});

export const tenancyRules: Rule[] = [K1, K2, K2_DNS, K3, K4];
