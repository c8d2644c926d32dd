/**
 * Network controls beyond the default deny (K2): what the allows of a tenant's NetworkPolicies open, judged over all
 * of the namespace's policies together, and VPC firewall rules that open ingress from the internet (P1: no
 * permissive firewall, which is why the default network is not used). Address lists are judged by their union
 * (src/net/exposure.ts, shared with catalog validation).
 */
import { clusterRangeProblems, type ClusterRange, egressProblems, internetExposure } from "../net/exposure";
import { GKE_METADATA_ENDPOINTS, parseBlock, subtract } from "../net/ranges";
import { isPlatformNamespace } from "../naming";
import { at, type CheckedResource, type Finding, firstOpaque, isOpaque, isRecord, k8sNamespace, list, type Rule, type RuleContext, show, T, unverified } from "./rule";
import { isTenantName } from "./tenancy";

const NAME_LABEL = "kubernetes.io/metadata.name";

/** The namespaces a namespaceSelector selects by the immutable name label, or undefined when it selects by anything else. */
function pinnedNamespaces(sel: unknown): string[] | undefined {
  if (!isRecord(sel)) return undefined;
  const labels = isRecord(sel.matchLabels) ? sel.matchLabels : {};
  const exprs = list(sel.matchExpressions);
  const byLabel = Object.keys(labels).length === 1 && typeof labels[NAME_LABEL] === "string" ? [labels[NAME_LABEL] as string] : undefined;
  const byExpr =
    exprs.length === 1 && at(exprs[0], "key") === NAME_LABEL && at(exprs[0], "operator") === "In" ? list(at(exprs[0], "values")).map(String) : undefined;
  if (byLabel && exprs.length === 0) return byLabel;
  if (byExpr && Object.keys(labels).length === 0) return byExpr;
  return undefined;
}

type Direction = "ingress" | "egress";
const PEERS: Record<Direction, string> = { ingress: "from", egress: "to" };

/**
 * Each allow names its peers, and a peer outside the namespace is a namespace pinned by name (its own, or a platform
 * namespace such as kube-system for DNS): an allow without peers, an empty or label-based namespaceSelector, or
 * another tenant's namespace opens the tenant to every pod, to whatever a label matches, or to another tenant.
 */
function peerProblems(np: CheckedResource, ns: string): Finding[] {
  const spec = at(np.inputs, "spec");
  if (isOpaque(spec)) return [unverified("spec", spec)];
  return (["ingress", "egress"] as const).flatMap((dir) => {
    const rules = at(spec, dir);
    if (isOpaque(rules)) return [unverified(`spec.${dir}`, rules)];
    return list(rules).flatMap((rule, i): Finding[] => {
      const where = `spec.${dir}[${i}]`;
      const peers = at(rule, PEERS[dir]);
      if (isOpaque(peers)) return [unverified(`${where}.${PEERS[dir]}`, peers)];
      if (list(peers).length === 0) return [`${where} has no ${PEERS[dir]}, so it allows ${dir === "ingress" ? "every source" : "every destination"}${list(at(rule, "ports")).length ? " on its ports" : ""}; name the peers`];
      return list(peers).flatMap((peer, j): Finding[] => {
        const sel = at(peer, "namespaceSelector");
        if (sel === undefined) return [];
        const hiddenSel = firstOpaque(sel);
        if (hiddenSel !== undefined) return [unverified(`${where}.${PEERS[dir]}[${j}].namespaceSelector`, hiddenSel)];
        const pinned = pinnedNamespaces(sel);
        if (!pinned) return [`${where}.${PEERS[dir]}[${j}].namespaceSelector is ${show(sel)}, which selects namespaces by something other than their name (every namespace, or whichever carries a label); pin ${NAME_LABEL} to the namespace`];
        const foreign = pinned.filter((n) => n !== ns && !isPlatformNamespace(n));
        return foreign.length ? [`${where}.${PEERS[dir]}[${j}] reaches tenant namespace ${foreign.map((n) => `"${n}"`).join(", ")}; tenants reach other services through their Gateway host`] : [];
      });
    });
  });
}

function checkPeers(np: CheckedResource): Finding[] {
  const ns = k8sNamespace(np);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  return isTenantName(ns ?? "default") ? peerProblems(np, String(ns ?? "default")) : [];
}

const K2_PEERS: Rule = {
  id: "K2-peers",
  title: "Tenant network allows name their peers",
  severity: "mandatory",
  rationale: "Beside a default deny, an allow without peers or with an open namespaceSelector reopens the namespace to every pod of the cluster, other tenants included.",
  source: "CIS 4.3.2; kubernetes.io network-policies (namespaceSelector, kubernetes.io/metadata.name)",
  appliesTo: [T.networkPolicy],
  scope: "resource",
  check: checkPeers,
};

/** The cluster's own ranges as the stack declares them: subnets and their secondary ranges, the control plane. */
export function clusterRanges(ctx: RuleContext): ClusterRange[] {
  const out: ClusterRange[] = [];
  for (const r of ctx.resources) {
    if (r.type === "gcp:compute/subnetwork:Subnetwork") {
      const cidr = at(r.inputs, "ipCidrRange");
      if (typeof cidr === "string") out.push({ label: `node subnet ${r.name}`, cidr });
      for (const s of list(at(r.inputs, "secondaryIpRanges"))) {
        const c = at(s, "ipCidrRange");
        if (typeof c === "string") out.push({ label: `${String(at(s, "rangeName") ?? "secondary")} range of ${r.name}`, cidr: c });
      }
    }
    if (r.type === T.cluster) {
      for (const [path, label] of [
        ["privateClusterConfig.masterIpv4CidrBlock", "control plane range"],
        ["ipAllocationPolicy.clusterIpv4CidrBlock", "pods range"],
        ["ipAllocationPolicy.servicesIpv4CidrBlock", "services range"],
      ]) {
        const c = at(r.inputs, path);
        if (typeof c === "string" && !isOpaque(c)) out.push({ label, cidr: c });
      }
    }
  }
  return out.filter((r) => !isOpaque(r.cidr));
}

/**
 * Google service ranges a tenant reaches without reaching the internet: Private Google Access (private.googleapis.com,
 * restricted.googleapis.com), which Runway's tenants use for Google APIs (src/gcp/network.ts).
 */
const GOOGLE_SERVICE_RANGES = ["199.36.153.8/30", "199.36.153.4/30"];

/** An allow to exactly one GKE metadata server endpoint on its own port only (G5 keeps node credentials out of it). */
function metadataEndpoint(cidr: string, ports: unknown[]): boolean {
  const b = parseBlock(cidr);
  const e = b && GKE_METADATA_ENDPOINTS.find((m) => m.block.start === b.start && m.block.end === b.end && m.block.family === b.family);
  return e !== undefined && ports.length > 0 && ports.every((p) => at(p, "port") === e.port);
}

/**
 * The egress destinations of every NetworkPolicy of a tenant namespace together: not the internet (a /0, blocks
 * that cover it, more than a /8 of public space), not the link-local metadata range beyond the GKE metadata
 * server's two endpoints, not the cluster's own node, pod, service or control-plane ranges. `except` carve-outs
 * count for the ranges they cut from, never for internet exposure.
 */
function checkEgress(ns: CheckedResource, ctx: RuleContext): Finding[] {
  const name = at(ns.inputs, "metadata.name");
  if (isOpaque(name) || !isTenantName(name)) return [];
  const policies = ctx.resources.filter((r) => r.type === T.networkPolicy && k8sNamespace(r) === name);
  const blocks: { cidr: string; except: string[]; where: string }[] = [];
  let hidden: { where: string; value: unknown } | undefined;
  for (const np of policies) {
    const egress = at(np.inputs, "spec.egress");
    if (isOpaque(egress)) return [unverified(`spec.egress of NetworkPolicy ${np.name}`, egress)];
    list(egress).forEach((rule, i) => {
      const ports = list(at(rule, "ports"));
      list(at(rule, "to")).forEach((peer, j) => {
        const cidr = at(peer, "ipBlock.cidr");
        if (cidr === undefined) return;
        const where = `NetworkPolicy ${np.name} spec.egress[${i}].to[${j}].ipBlock`;
        if (isOpaque(cidr)) hidden ??= { where, value: cidr };
        else if (!metadataEndpoint(String(cidr), ports) && !GOOGLE_SERVICE_RANGES.includes(String(cidr))) blocks.push({ cidr: String(cidr), except: list(at(peer, "ipBlock.except")).map(String), where });
      });
    });
  }
  if (hidden) return [unverified(`${hidden.where}.cidr`, hidden.value)];
  const cidrs = blocks.map((b) => b.cidr);
  const own = egressProblems(cidrs);
  const reach = own.length ? [] : clusterRangeProblems(cidrs, clusterRanges(ctx)).filter((p) => p.index === undefined || !carvedOut(blocks[p.index], ctx));
  return [...own, ...reach].map((p) => (p.index === undefined ? `egress of tenant namespace "${String(name)}": ${p.message}` : `${blocks[p.index].where}: ${p.message}`));
}

/** Whether a block's excepts cut every cluster range out of it. */
function carvedOut(b: { cidr: string; except: string[] }, ctx: RuleContext): boolean {
  const block = parseBlock(b.cidr);
  if (!block || b.except.length === 0) return false;
  const rest = subtract([block], b.except.map(parseBlock).filter((x) => x !== undefined));
  return clusterRanges(ctx).every((r) => {
    const c = parseBlock(r.cidr);
    return !c || rest.every((i) => c.end < i.start || c.start > i.end);
  });
}

const K2_EGRESS: Rule = {
  id: "K2-egress",
  title: "Tenant egress stays off the internet, the metadata server and the cluster's ranges",
  severity: "mandatory",
  rationale: "An egress allow to 0.0.0.0/0, to link-local addresses or to the cluster's own pod and node ranges undoes the default deny.",
  source: "CIS 4.3.2; GKE network policy docs (metadata server 169.254.169.254:80, 169.254.169.252:988)",
  appliesTo: [T.namespace],
  scope: "stack",
  check: checkEgress,
};

/** Google's load balancer and health-check ranges, and IAP's TCP forwarding range: sources that are Google, not the internet. */
const GOOGLE_SOURCES = ["35.191.0.0/16", "130.211.0.0/22", "35.235.240.0/20"];

/**
 * An ingress allow of a VPC firewall: its sources (GCP takes 0.0.0.0/0 when it names no sourceRanges, sourceTags or
 * sourceServiceAccounts) judged together must not open the network to the internet. Deny rules, disabled rules and
 * egress rules are not judged.
 */
function checkFirewall(fw: CheckedResource): Finding[] {
  const f = fw.inputs;
  for (const k of ["direction", "disabled", "allows"]) if (isOpaque(at(f, k))) return [unverified(k, at(f, k))];
  if ((at(f, "direction") ?? "INGRESS") !== "INGRESS" || at(f, "disabled") === true || list(at(f, "allows")).length === 0) return [];
  const ranges = at(f, "sourceRanges");
  if (isOpaque(ranges)) return [unverified("sourceRanges", ranges)];
  const opaque = list(ranges).findIndex(isOpaque);
  if (opaque >= 0) return [unverified(`sourceRanges[${opaque}]`, list(ranges)[opaque])];
  const cidrs = list(ranges).map(String);
  if (cidrs.length === 0) {
    const named = ["sourceTags", "sourceServiceAccounts"].some((k) => list(at(f, k)).length > 0 || isOpaque(at(f, k)));
    return named ? [] : ["allows ingress without sourceRanges, sourceTags or sourceServiceAccounts, which GCP takes as 0.0.0.0/0 (the internet); name the sources"];
  }
  return internetExposure(
    cidrs.filter((c) => !GOOGLE_SOURCES.includes(c)),
    "the network",
  ).map((p) => `sourceRanges: ${p.message}`);
}

const P1_FIREWALL: Rule = {
  id: "P1-firewall",
  title: "No firewall ingress from the internet",
  severity: "mandatory",
  rationale: "A firewall allow from 0.0.0.0/0 or ::/0 (or from no source at all) opens every targeted node to the internet, as the default network's rules do.",
  source: "CKV_GCP_2, CKV_GCP_3, CKV_GCP_106, CKV_GCP_88 (firewall ingress from 0.0.0.0/0)",
  appliesTo: ["gcp:compute/firewall:Firewall"],
  scope: "resource",
  check: checkFirewall,
};

export const networkRules: Rule[] = [K2_PEERS, K2_EGRESS, P1_FIREWALL];
