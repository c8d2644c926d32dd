/**
 * GKE node controls of the security checklist (G5, G7, G13, G14, G19, G22). They check every NodePool's
 * `nodeConfig`, and a Cluster's own `nodeConfig` when it has one (that configures the default pool, which exists
 * until removeDefaultNodePool deletes it).
 */
import { at, type CheckedResource, equals, expectField, expectFields, type Finding, isOpaque, isTrue, type Rule, show, T, unverified } from "./rule";

/** A node rule: `checkNode` gets the node config and the path prefix to name fields by. */
function nodeRule(r: Omit<Rule, "appliesTo" | "scope" | "check"> & { checkNode(nodeConfig: unknown, prefix: string): Finding[] }): Rule {
  const { checkNode, ...rest } = r;
  return {
    ...rest,
    appliesTo: [T.nodePool, T.cluster],
    scope: "resource",
    check(res: CheckedResource): Finding[] {
      const nc = res.inputs.nodeConfig;
      if (res.type === T.cluster && nc === undefined) return [];
      if (isOpaque(nc)) return [unverified("nodeConfig", nc)];
      return checkNode(nc ?? {}, "nodeConfig");
    },
  };
}

const G5 = nodeRule({
  id: "G5",
  title: "GKE metadata server",
  severity: "mandatory",
  rationale: "Pods must not reach the node's credentials through the Compute metadata server.",
  source: "CIS 5.4.1; CKV_GCP_69",
  checkNode: (nc, p) => expectField({ [p]: nc }, `${p}.workloadMetadataConfig.mode`, equals("GKE_METADATA"), 'set it to "GKE_METADATA"'),
});

const G7 = nodeRule({
  id: "G7",
  title: "Secure boot and integrity monitoring",
  severity: "mandatory",
  rationale: "Nodes boot only signed components and report integrity changes.",
  source: "CIS 5.5.7, 5.5.6; CKV_GCP_68, CKV_GCP_72",
  checkNode: (nc, p) =>
    expectFields({ [p]: nc }, [
      [`${p}.shieldedInstanceConfig.enableSecureBoot`, isTrue, "set it to true, or except G7 with a justification"],
      [`${p}.shieldedInstanceConfig.enableIntegrityMonitoring`, isTrue, "set it to true, or except G7 with a justification"],
    ]),
});

const G14 = nodeRule({
  id: "G14",
  title: "Container-Optimized OS",
  severity: "mandatory",
  rationale: "COS is a minimal, read-only, automatically patched node image.",
  source: "CIS 5.5.1; CKV_GCP_22",
  checkNode: (nc, p) => expectField({ [p]: nc }, `${p}.imageType`, equals("COS_CONTAINERD"), 'set it to "COS_CONTAINERD"'),
});

function checkNodeServiceAccount(nc: unknown, p: string): Finding[] {
  const sa = at(nc, "serviceAccount");
  if (isOpaque(sa)) return [unverified(`${p}.serviceAccount`, sa)];
  if (typeof sa !== "string" || sa === "" || sa === "default") {
    return [`${p}.serviceAccount is ${show(sa)}, so nodes run as the Compute Engine default service account; set a dedicated least-privilege service account`];
  }
  return /-compute@developer\.gserviceaccount\.com$/.test(sa) ? [`${p}.serviceAccount is ${show(sa)}, the Compute Engine default service account; set a dedicated least-privilege service account`] : [];
}

const G19 = nodeRule({
  id: "G19",
  title: "Dedicated node service account",
  severity: "mandatory",
  rationale: "The default Compute service account has Editor on the project.",
  source: "CIS 5.2.1; CKV2_GCP_1",
  checkNode: checkNodeServiceAccount,
});

const G22 = nodeRule({
  id: "G22",
  title: "Boot disks encrypted with CMEK",
  severity: "mandatory",
  rationale: "Node boot disks hold secrets and images; a customer-managed key can revoke access to them.",
  source: "CIS 5.9.2",
  checkNode: (nc, p) =>
    expectField({ [p]: nc }, `${p}.bootDiskKmsKey`, (v) => typeof v === "string" && v.length > 0, "set it to a Cloud KMS key id, or except G22 with a justification"),
});

const G13: Rule = {
  id: "G13",
  title: "Node auto-repair and auto-upgrade",
  severity: "mandatory",
  rationale: "Broken nodes are replaced and nodes follow the control plane's patches.",
  source: "CIS 5.5.2, 5.5.3; CKV_GCP_9, CKV_GCP_10",
  appliesTo: [T.nodePool],
  scope: "resource",
  check: (np) =>
    expectFields(np.inputs, [
      ["management.autoRepair", isTrue, "set it to true explicitly"],
      ["management.autoUpgrade", isTrue, "set it to true explicitly"],
    ]),
};

export const gkeNodeRules: Rule[] = [G5, G7, G13, G14, G19, G22];
