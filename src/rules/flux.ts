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
  FLUX_OCIREPOSITORY,
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
import { GITLAB_PROJECT_ANNOTATION } from "../tenancy/objects";
import { isTenantName, owningTenantNamespace, tenantNamespaceNames, unnamedTenantNamespace } from "./tenancy";

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

/** Where a Kustomization or HelmRelease names its source. */
const sourceRefPaths = (r: CheckedResource) => (FLUX_KUSTOMIZATION.includes(r.type) ? ["spec.sourceRef"] : ["spec.chartRef", "spec.chart.spec.sourceRef"]);

/** Fields that move what a Flux object applies, or as whom, out of its own namespace. */
const FOREIGN_TARGETS = ["spec.targetNamespace", "spec.storageNamespace"];

function checkTenantFluxObject(r: CheckedResource): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (ns === FLUX_NS) return [];
  const out: Finding[] = expectField(r.inputs, "spec.serviceAccountName", (v) => typeof v === "string" && v.length > 0, "set it to the tenant's reconciler service account");
  for (const ref of sourceRefPaths(r)) {
    const path = `${ref}.namespace`;
    const refNs = at(r.inputs, path);
    if (isOpaque(refNs)) out.push(unverified(path, refNs));
    else if (refNs !== undefined && refNs !== ns) out.push(`${path} is ${show(refNs)} but the object is in ${show(ns)}; keep the source in the tenant's own namespace`);
  }
  for (const path of FOREIGN_TARGETS) {
    const target = at(r.inputs, path);
    if (isOpaque(target)) out.push(unverified(path, target));
    else if (target !== undefined && target !== ns) out.push(`${path} is ${show(target)} but the object is in ${show(ns)}; a tenant applies to its own namespace only`);
  }
  // With a kubeConfig, Flux applies with that config's identity instead of impersonating serviceAccountName.
  const kubeConfig = at(r.inputs, "spec.kubeConfig");
  if (isOpaque(kubeConfig)) out.push(unverified("spec.kubeConfig", kubeConfig));
  else if (kubeConfig !== undefined && kubeConfig !== null) out.push("spec.kubeConfig is set, so Flux applies with that kubeconfig's identity instead of the tenant's service account; remove it");
  return out;
}

/** Flux source objects, in every API version Runway may register. */
const FLUX_SOURCES = [...FLUX_OCIREPOSITORY, ...["GitRepository", "HelmRepository", "Bucket", "HelmChart"].flatMap((k) => [`kubernetes:source.toolkit.fluxcd.io/v1:${k}`, `kubernetes:source.toolkit.fluxcd.io/v1beta2:${k}`])];

/** Where a source fetches from: its URL, or for a HelmChart the repository it names. */
const sourceOrigin = (src: CheckedResource) => at(src.inputs, "spec.url") ?? at(src.inputs, "spec.bucketName") ?? at(src.inputs, "spec.chart");

/**
 * A flux-system Kustomization or HelmRelease applies as its controller (cluster-admin), so it may apply only the
 * platform's own sources: a source object of the stack in flux-system, not created by a tenant component, that
 * fetches from nowhere a tenant namespace's source fetches from. A source the rule cannot find fails closed.
 */
function checkPlatformSource(r: CheckedResource, ctx: RuleContext): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (ns !== FLUX_NS) return [];
  const sources = ctx.resources.filter((x) => FLUX_SOURCES.includes(x.type));
  const tenantOrigins = new Set(sources.filter((x) => isTenantName(k8sNamespace(x))).map(sourceOrigin));
  return sourceRefPaths(r).flatMap((path): Finding[] => {
    const ref = at(r.inputs, path);
    if (ref === undefined) return [];
    if (isOpaque(ref)) return [unverified(path, ref)];
    const [refNs, name, kind] = [at(ref, "namespace") ?? ns, at(ref, "name"), at(ref, "kind")];
    for (const [k, v] of [["namespace", refNs], ["name", name], ["kind", kind]] as const) if (isOpaque(v)) return [unverified(`${path}.${k}`, v)];
    if (refNs !== FLUX_NS) return [`${path} is ${kind} "${String(refNs)}/${String(name)}": a flux-system object applies as the controller, so it may apply only flux-system's own sources`];
    const src = sources.find((x) => k8sNamespace(x) === FLUX_NS && k8sName(x) === name && (kind === undefined || x.type.endsWith(`:${String(kind)}`)));
    const hidden = sources.find((x) => isOpaque(k8sName(x)) || isOpaque(k8sNamespace(x)));
    if (!src && hidden) return [unverified(`metadata.name or namespace of source ${hidden.name} (it may be the one ${path} names)`, isOpaque(k8sName(hidden)) ? k8sName(hidden) : k8sNamespace(hidden))];
    if (!src) return [`${path} names ${String(kind ?? "source")} "${String(name)}", which is not in the stack, so the rule cannot see what flux-system applies as the controller; define the platform's source in the stack`];
    const origin = sourceOrigin(src);
    if (isOpaque(origin)) return [unverified(`the URL of source ${src.name}`, origin)];
    if (owningTenantNamespace(src, ctx) !== undefined || (typeof origin === "string" && tenantOrigins.has(origin))) {
      return [`${path} names source ${src.name}, which fetches a tenant's artifact (${show(origin)}); a tenant's source is applied by the tenant's own Kustomization or HelmRelease, as the tenant`];
    }
    return [];
  });
}

const F1_SOURCE: Rule = {
  id: "F1-source",
  title: "flux-system applies only the platform's sources",
  severity: "mandatory",
  rationale: "A flux-system Kustomization or HelmRelease reconciles as the cluster-admin controller; pointed at a tenant's source it applies the tenant's manifests with the platform's rights.",
  source: "fluxcd/website flux/installation/configuration/multitenancy.md; fluxcd/flux2-multi-tenancy",
  appliesTo: [...FLUX_KUSTOMIZATION, ...FLUX_HELMRELEASE],
  scope: "stack",
  check: checkPlatformSource,
};

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
 * Whose CI an impersonation serves: the tenant namespace names its GitLab project in an annotation (src/tenancy/
 * objects.ts), and only that project's jobs may act as the namespace's service accounts. A group entry would let
 * every project of the group act as the tenant.
 */
function checkProjectOwnsNamespace(kind: string, id: unknown, ns: string, where: string, ctx: RuleContext): Finding[] {
  if (kind === "groups") return [`${where} lets every project of group ${show(id)} act as a service account of tenant namespace "${ns}"; grant the tenant's own project (projects[].id) instead`];
  if (isOpaque(id)) return [unverified(`${where}.id`, id)];
  const namespace = ctx.resources.find((r) => r.type === T.namespace && k8sName(r) === ns);
  if (!namespace) return [`${where} impersonates a service account of namespace "${ns}", which is not in the stack, so the rule cannot see which project owns it`];
  const annotations = at(namespace.inputs, "metadata.annotations");
  if (isOpaque(annotations)) return [unverified(`metadata.annotations of namespace "${ns}"`, annotations)];
  const owner = isRecord(annotations) ? annotations[GITLAB_PROJECT_ANNOTATION] : undefined;
  if (isOpaque(owner)) return [unverified(`metadata.annotations["${GITLAB_PROJECT_ANNOTATION}"] of namespace "${ns}"`, owner)];
  if (owner === id) return [];
  return [
    `${where} lets project ${show(id)} act as a service account of tenant namespace "${ns}", whose project is ${owner === undefined ? "not named" : show(owner)} (annotation ${GITLAB_PROJECT_ANNOTATION}); a project may impersonate only its own tenant's service accounts`,
  ];
}

/**
 * CI jobs act as the CI job (`ci_job`), or impersonate a service account of their own tenant's namespace by username
 * alone: groups, uid or extra would widen what they may do, another namespace's account (the agent's, a Flux
 * controller's, another tenant's) would hand them rights that are not theirs.
 */
function checkAccessAs(entry: unknown, kind: string, where: string, ctx: RuleContext): Finding[] {
  const accessAs = at(entry, "access_as");
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
  } else {
    out.push(...checkProjectOwnsNamespace(kind, at(entry, "id"), sa[1], where, ctx));
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
    return ["projects", "groups"].flatMap((k) => list(at(value, k)).flatMap((entry, i) => checkAccessAs(entry, k, `${path}.${k}[${i}]`, ctx)));
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

export const fluxRules: Rule[] = [F1, F1_SYNC, F1_SOURCE, F2, GL1];
