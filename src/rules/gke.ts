/**
 * GKE cluster controls G1–G23 (cluster level) of the security checklist; node settings are in gke-nodes.ts.
 * CIS numbers are CIS GKE Benchmark 1.6.0.
 */
import { internetExposure } from "../net/exposure";
import {
  at,
  equals,
  expectField,
  expectFields,
  type Finding,
  isOpaque,
  isRecord,
  isSet,
  isTrue,
  list,
  notTrue,
  type Rule,
  show,
  T,
  UNKNOWN,
  unverified,
} from "./rule";

const clusterRule = (r: Omit<Rule, "appliesTo" | "scope">): Rule => ({ ...r, appliesTo: [T.cluster], scope: "resource" });

/**
 * Private nodes on the cluster, and on every node pool: a NodePool's `networkConfig.enablePrivateNodes` overrides the
 * cluster's setting for its nodes (GKE "private nodes per node pool"), so `false` there gives a private cluster public
 * nodes. Unset on a pool inherits the cluster's.
 */
const G1: Rule = {
  id: "G1",
  title: "Private nodes",
  severity: "mandatory",
  rationale: "Nodes without public IPs cannot be reached from the internet.",
  source: "CIS 5.6.5; CKV_GCP_64, CKV_GCP_25 (block only)",
  appliesTo: [T.cluster, T.nodePool],
  scope: "resource",
  check: (r) =>
    r.type === T.nodePool
      ? expectField(r.inputs, "networkConfig.enablePrivateNodes", equals(undefined, true), "remove it (the pool inherits the cluster's private nodes) or set it to true")
      : expectField(r.inputs, "privateClusterConfig.enablePrivateNodes", isTrue, "set it to true, or except G1 in runway:cluster.exceptions with a justification"),
};

/**
 * A public endpoint is acceptable only when authorized networks are listed and, judged together, they do not open
 * the control plane to the internet (src/net/exposure.ts, shared with stack validation): no /0, no set that covers
 * every address, no block broader than a /8, no more than a /8 of public addresses in all (G2).
 */
function checkEndpoint(inputs: Record<string, unknown>): Finding[] {
  const priv = at(inputs, "privateClusterConfig.enablePrivateEndpoint");
  if (priv === true) return [];
  if (isOpaque(priv)) return [unverified("privateClusterConfig.enablePrivateEndpoint", priv)];
  const path = "masterAuthorizedNetworksConfig.cidrBlocks";
  const blocks = at(inputs, path);
  if (isOpaque(blocks)) return [unverified(path, blocks)];
  const cidrs = list(blocks).map((b) => at(b, "cidrBlock"));
  if (cidrs.length === 0) {
    return [`the control plane endpoint is public (privateClusterConfig.enablePrivateEndpoint is not true) and ${path} is empty; set enablePrivateEndpoint: true or list authorized networks`];
  }
  const opaque = cidrs.findIndex(isOpaque);
  if (opaque >= 0) return [unverified(`${path}[${opaque}].cidrBlock`, cidrs[opaque])];
  return internetExposure(cidrs.map(String), "the control plane").map((p) => `${path}${p.index === undefined ? "" : `[${p.index}].cidrBlock`}: ${p.message}`);
}

const G2 = clusterRule({
  id: "G2",
  title: "Private or restricted control plane endpoint",
  severity: "mandatory",
  rationale: "The Kubernetes API is the cluster's most powerful door; it must not face the whole internet.",
  source: "CIS 5.6.4, 5.6.3; CKV_GCP_20, CKV_GCP_18",
  check: (c) => checkEndpoint(c.inputs),
});

const G3 = clusterRule({
  id: "G3",
  title: "VPC-native networking",
  severity: "mandatory",
  rationale: "Alias IPs give pods VPC addresses that firewall rules and network policies can target.",
  source: "CIS 5.6.2; CKV_GCP_23",
  check: (c) =>
    expectFields(c.inputs, [
      ["ipAllocationPolicy", isRecord, "set ipAllocationPolicy with the pods and services secondary ranges"],
      ["networkingMode", (v) => v === undefined || v === "VPC_NATIVE", 'set networkingMode to "VPC_NATIVE"'],
    ]),
});

function checkWorkloadPool(inputs: Record<string, unknown>): Finding[] {
  const pool = at(inputs, "workloadIdentityConfig.workloadPool");
  const project = at(inputs, "project");
  if (isOpaque(pool)) return [unverified("workloadIdentityConfig.workloadPool", pool)];
  const expected = typeof project === "string" && !isOpaque(project) ? `${project}.svc.id.goog` : undefined;
  if (typeof pool === "string" && (expected ? pool === expected : pool.endsWith(".svc.id.goog"))) return [];
  return [`workloadIdentityConfig.workloadPool is ${show(pool)}; set it to "${expected ?? "<project>.svc.id.goog"}"`];
}

const G4 = clusterRule({
  id: "G4",
  title: "Workload Identity",
  severity: "mandatory",
  rationale: "Pods get their own Google identity instead of the node's service account.",
  source: "CIS 5.2.2",
  check: (c) => checkWorkloadPool(c.inputs),
});

const G6 = clusterRule({
  id: "G6",
  title: "Shielded GKE nodes",
  severity: "mandatory",
  rationale: "Shielded nodes prove their identity to the control plane, stopping node impersonation.",
  source: "CIS 5.5.5; CKV_GCP_71",
  check: (c) => expectField(c.inputs, "enableShieldedNodes", (v) => v !== false, "remove it or set it to true"),
});

const G8 = clusterRule({
  id: "G8",
  title: "Legacy ABAC disabled",
  severity: "mandatory",
  rationale: "ABAC grants bypass RBAC and cannot be audited per binding.",
  source: "CIS 5.8.3; CKV_GCP_7",
  check: (c) => expectField(c.inputs, "enableLegacyAbac", notTrue, "remove it or set it to false"),
});

const G9 = clusterRule({
  id: "G9",
  title: "Client certificates disabled",
  severity: "mandatory",
  rationale: "Client certificates are long-lived credentials that cannot be revoked.",
  source: "CIS 5.8.1; CKV_GCP_13",
  check: (c) =>
    expectField(c.inputs, "masterAuth.clientCertificateConfig.issueClientCertificate", (v) => v === false, "set it to false explicitly"),
});

/** A secret password is still a password: only an unknown value leaves G10 undecided. */
function checkBasicAuth(inputs: Record<string, unknown>): Finding[] {
  const auth = at(inputs, "masterAuth");
  if (isOpaque(auth)) return [unverified("masterAuth", auth)];
  return ["masterAuth.username", "masterAuth.password"].flatMap((p): Finding[] => {
    const v = at(inputs, p);
    if (v === UNKNOWN) return [unverified(p, v)];
    return isSet(v) ? [`${p} is set; remove it (basic authentication is not allowed)`] : [];
  });
}

const G10 = clusterRule({
  id: "G10",
  title: "Basic authentication disabled",
  severity: "mandatory",
  rationale: "Static passwords on the API server were removed from GKE; none may be configured.",
  source: "n/a (masterAuth username/password removed in TF provider 4.0; Checkov CKV_GCP_19 deleted)",
  check: (c) => checkBasicAuth(c.inputs),
});

function checkNetworkPolicy(inputs: Record<string, unknown>): Finding[] {
  const datapath = at(inputs, "datapathProvider");
  if (datapath === "ADVANCED_DATAPATH") return [];
  const enabled = at(inputs, "networkPolicy.enabled");
  if (enabled === true) return [];
  if (isOpaque(datapath)) return [unverified("datapathProvider", datapath)];
  if (isOpaque(enabled)) return [unverified("networkPolicy.enabled", enabled)];
  return [`datapathProvider is ${show(datapath)} and networkPolicy.enabled is ${show(enabled)}; set datapathProvider: "ADVANCED_DATAPATH" (Dataplane V2)`];
}

const G11 = clusterRule({
  id: "G11",
  title: "NetworkPolicy enforcement",
  severity: "mandatory",
  rationale: "Without an enforcing dataplane, tenant NetworkPolicies are ignored.",
  source: "CIS 4.3.1; CKV_GCP_12",
  check: (c) => checkNetworkPolicy(c.inputs),
});

const G12 = clusterRule({
  id: "G12",
  title: "Release channel",
  severity: "mandatory",
  rationale: "A release channel keeps the control plane and nodes on supported, patched versions.",
  source: "CIS 5.5.4; CKV_GCP_70",
  check: (c) => expectField(c.inputs, "releaseChannel.channel", equals("REGULAR", "STABLE"), 'set it to "REGULAR" or "STABLE"'),
});

const KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

const G15 = clusterRule({
  id: "G15",
  title: "Secrets encrypted with Cloud KMS",
  severity: "mandatory",
  rationale: "Application-layer encryption keeps Kubernetes Secrets unreadable in etcd backups without the key.",
  source: "CIS 5.3.1",
  check: (c) =>
    expectFields(c.inputs, [
      ["databaseEncryption.state", equals("ENCRYPTED"), 'set it to "ENCRYPTED"'],
      ["databaseEncryption.keyName", (v) => typeof v === "string" && KMS_KEY.test(v), "set it to a key id projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>"],
    ]),
});

/** G15, key side: keys rotate at least every 90 days (the key's protect is D1). */
const G15_KEY: Rule = {
  id: "G15-key",
  title: "KMS keys rotate within 90 days",
  severity: "mandatory",
  rationale: "Regular rotation bounds how much data one key version protects.",
  source: "CIS 5.3.1; CKV_GCP_43",
  appliesTo: [T.cryptoKey],
  scope: "resource",
  check: (k) =>
    expectField(
      k.inputs,
      "rotationPeriod",
      (v) => typeof v === "string" && /^\d+(\.\d+)?s$/.test(v) && parseFloat(v) <= 90 * 86400,
      'set it to at most "7776000s" (90 days)',
    ),
};

const G16 = clusterRule({
  id: "G16",
  title: "Binary Authorization",
  severity: "mandatory",
  rationale: "Only images that satisfy the project's policy may run.",
  source: "CIS 5.10.4; CKV_GCP_66",
  check: (c) =>
    expectField(c.inputs, "binaryAuthorization.evaluationMode", equals("PROJECT_SINGLETON_POLICY_ENFORCE"), 'set it to "PROJECT_SINGLETON_POLICY_ENFORCE", or except G16 with a justification'),
});

const G17 = clusterRule({
  id: "G17",
  title: "Intranode visibility",
  severity: "mandatory",
  rationale: "Pod-to-pod traffic on one node goes through the VPC, so flow logs and firewalls see it.",
  source: "CIS 5.6.1; CKV_GCP_61",
  check: (c) => expectField(c.inputs, "enableIntranodeVisibility", isTrue, "set it to true, or except G17 with a justification"),
});

function checkLogging(inputs: Record<string, unknown>): Finding[] {
  const out = expectFields(inputs, [
    ["loggingService", (v) => v !== "none", 'remove it or set "logging.googleapis.com/kubernetes"'],
    ["monitoringService", (v) => v !== "none", 'remove it or set "monitoring.googleapis.com/kubernetes"'],
  ]);
  const comps = at(inputs, "loggingConfig.enableComponents");
  if (isOpaque(comps)) return [...out, unverified("loggingConfig.enableComponents", comps)];
  const missing = ["SYSTEM_COMPONENTS", "WORKLOADS"].filter((x) => !list(comps).includes(x));
  const opaque = list(comps).find(isOpaque);
  if (missing.length && opaque) out.push(unverified("loggingConfig.enableComponents", opaque));
  else if (missing.length) out.push(`loggingConfig.enableComponents is ${show(comps)}; include ${missing.join(" and ")}`);
  return out;
}

const G18 = clusterRule({
  id: "G18",
  title: "Logging and monitoring",
  severity: "mandatory",
  rationale: "System and workload logs are the record of what happened in an incident.",
  source: "CIS 5.7.1; CKV_GCP_1, CKV_GCP_8",
  check: (c) => checkLogging(c.inputs),
});

const G20 = clusterRule({
  id: "G20",
  title: "Kubernetes alpha features off",
  severity: "mandatory",
  rationale: "Alpha clusters are unsupported, cannot be upgraded and expire after 30 days.",
  source: "CIS 5.10.2; CKV2_GCP_19",
  check: (c) => expectField(c.inputs, "enableKubernetesAlpha", notTrue, "remove it or set it to false"),
});

const G21 = clusterRule({
  id: "G21",
  title: "Google Groups for RBAC",
  severity: "mandatory",
  rationale: "RBAC bindings to groups follow people joining and leaving teams.",
  source: "CIS 5.8.2; CKV_GCP_65",
  check: (c) =>
    expectField(c.inputs, "authenticatorGroupsConfig.securityGroup", (v) => typeof v === "string" && /^gke-security-groups@[^@\s]+$/.test(v), 'set it to "gke-security-groups@<domain>", or except G21 with a justification'),
});

function checkSeparatePools(inputs: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const pools = at(inputs, "nodePools");
  if (isOpaque(pools)) out.push(unverified("nodePools", pools));
  else if (list(pools).length) out.push(`nodePools has ${list(pools).length} inline pool(s); declare node pools as separate gcp.container.NodePool resources`);
  return [...out, ...expectField(inputs, "removeDefaultNodePool", isTrue, "set it to true (node pools are separate resources)")];
}

const G23 = clusterRule({
  id: "G23",
  title: "Separately managed node pools",
  severity: "mandatory",
  rationale: "Inline and default node pools tie node changes to the cluster and have replaced whole clusters.",
  source: "CKV_GCP_123; pulumi-gcp #744",
  check: (c) => checkSeparatePools(c.inputs),
});

export const gkeClusterRules: Rule[] = [G1, G2, G3, G4, G6, G8, G9, G10, G11, G12, G15, G15_KEY, G16, G17, G18, G20, G21, G23];
