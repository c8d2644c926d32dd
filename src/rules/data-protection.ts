/**
 * Data-loss controls D1–D4 of the security checklist: resource options and provider guards on stateful
 * resources. The plan-to-plan replacement guard (D4, D5) is in replacement.ts.
 */
import { at, type CheckedResource, type Finding, isOpaque, k8sName, type Rule, show, T, unverified, Unverified } from "./rule";
import { isPlatformNamespace } from "../naming";
import { isTenantNamespace, TENANT_BY_NAME } from "./tenancy";

/** Types whose deletion or replacement loses data or takes services down (D4). */
export const STATEFUL_TYPES: readonly string[] = [
  T.project,
  T.cluster,
  T.nodePool,
  T.keyRing,
  T.cryptoKey,
  T.namespace,
  T.bucket,
  T.backupPlan,
  T.pvc,
  T.vaultMount,
  "vault:index/authBackend:AuthBackend",
  "gcp:compute/network:Network",
  "gcp:compute/subnetwork:Subnetwork",
  // What a new address, zone, certificate or fleet registration cannot restore: the public IP that DNS records and
  // customers' allow-lists name, a zone's records and its delegated name servers, the DNS authorization record and
  // the issued certificates (re-issuing takes the hosts' TLS down), and a cluster's fleet membership, the multi-cluster
  // Gateway's config membership (deleting the Gateway feature or the config membership removes the global load balancer).
  "gcp:compute/globalAddress:GlobalAddress",
  "gcp:dns/managedZone:ManagedZone",
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization",
  "gcp:certificatemanager/certificate:Certificate",
  "gcp:certificatemanager/certificateMap:CertificateMap",
  "gcp:gkehub/membership:Membership",
  "gcp:gkehub/feature:Feature",
];

/**
 * An option a tenant Namespace (and every other resource of the rule's types) must carry: the finding when it lacks
 * it; for a Namespace whose name is hidden, which may be a tenant's, the finding names the name it cannot see.
 */
function requireOption(r: CheckedResource, has: boolean, missing: string): Finding[] {
  if (has) return [];
  if (r.type !== T.namespace) return [missing];
  const name = k8sName(r);
  if (isOpaque(name)) return [unverified(TENANT_BY_NAME, name)];
  return isTenantNamespace(r) ? [missing] : [];
}

const D1: Rule = {
  id: "D1",
  title: "protect on stateful resources",
  severity: "mandatory",
  rationale: "Pulumi refuses to delete a protected resource, so no refactor or stack mistake destroys it.",
  source: "Pulumi resource options docs (protect); pulumi-policy-opa deny_protect_prod",
  appliesTo: [T.project, T.cluster, T.nodePool, T.keyRing, T.cryptoKey, T.backupPlan, T.vaultMount, T.namespace, T.pvc],
  scope: "resource",
  check: (r) => requireOption(r, r.options.protect === true, "the protect option is not set; pass { protect: true } (Pulumi then refuses to delete it)"),
};

const D2: Rule = {
  id: "D2",
  title: "retainOnDelete on tenant namespaces and buckets",
  severity: "mandatory",
  rationale: "A retained resource leaves Pulumi's state on delete or replace instead of being deleted with its data.",
  source: "pulumi.com/docs resource options retainOnDelete",
  appliesTo: [T.namespace, T.bucket],
  scope: "resource",
  check(r): Finding[] {
    if (r.type === T.namespace && isPlatformNamespace(String(k8sName(r)))) return [];
    if (r.options.retainOnDelete === undefined) return [new Unverified("cannot verify here: retainOnDelete is not visible to policy packs; runway check verifies it", "hidden")];
    return requireOption(r, r.options.retainOnDelete, "the retainOnDelete option is not set; pass { retainOnDelete: true } (set it on the resource itself: it does not reach children from a component)");
  },
};

function checkProviderGuard(r: CheckedResource): Finding[] {
  const [path, ok, fix] =
    r.type === T.cluster
      ? ["deletionProtection", (v: unknown) => v === undefined || v === true, "remove it or set it to true"]
      : ["deletionPolicy", (v: unknown) => v === undefined || v === "PREVENT", 'remove it or set it to "PREVENT"'];
  const v = at(r.inputs, path);
  if (isOpaque(v)) return [unverified(path, v)];
  return ok(v) ? [] : [`${path} is ${show(v)}; ${fix}`];
}

const D3: Rule = {
  id: "D3",
  title: "Provider deletion guards",
  severity: "mandatory",
  rationale: "The provider itself refuses to delete a guarded cluster or project, even outside Pulumi's protect.",
  source: "pulumi-gcp #1394; magic-modules #9087",
  appliesTo: [T.cluster, T.project],
  scope: "resource",
  check: checkProviderGuard,
};

function checkReplaceOptions(r: CheckedResource): Finding[] {
  const out: Finding[] = [];
  if (r.options.deleteBeforeReplace === true) {
    out.push("deleteBeforeReplace is set; remove it: a replacement would delete first (for a Namespace, everything in it)");
  }
  if (r.options.replaceOnChanges?.includes("*")) out.push('replaceOnChanges contains "*", which replaces the resource on every update; list specific properties or remove it');
  return out;
}

const D4_OPTIONS: Rule = {
  id: "D4-options",
  title: "No forced or delete-first replacement of stateful resources",
  severity: "mandatory",
  rationale: "deleteBeforeReplace on a Namespace caused production outages; replaceOnChanges [\"*\"] replaces on any diff.",
  source: "pulumi/pulumi PR #7226; pulumi-kubernetes #2459; simple-container-com/api PR #255",
  appliesTo: STATEFUL_TYPES,
  scope: "resource",
  check: checkReplaceOptions,
};

export const dataProtectionRules: Rule[] = [D1, D2, D3, D4_OPTIONS];
