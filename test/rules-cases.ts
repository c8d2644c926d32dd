/**
 * Per rule id: changes to the compliant fixture stack that keep the rule passing, and changes that break exactly
 * that control (with the other rule ids the same change legitimately breaks, if any).
 */
import { DISGUISED } from "./rules-cases-disguised";
import { add, AGENT_CONFIG, remove, resource, type RuleCase, set } from "./rules-fixtures";

type Cases = { compliant: RuleCase[]; violating: RuleCase[] };

const asIs = (target: string): RuleCase => ({ why: "compliant fixture", target });
const on = (target: string, why: string, path: string, v: unknown, message?: RegExp): RuleCase => ({ why, target, change: (r) => set(r.inputs, path, v), message, field: path });
const cluster = (why: string, path: string, v: unknown, message?: RegExp): RuleCase => on("main", why, path, v, message);
const pool = (why: string, path: string, v: unknown, message?: RegExp): RuleCase => on("main-general", why, path, v, message);

const FLUX_DEPLOYMENT_ARGS = ["--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=default", "--watch-all-namespaces=true"];
const fluxDeployment = (args: string[]): RuleCase["change"] => (_t, stack) =>
  add(
    stack,
    resource("kubernetes:apps/v1:Deployment", "kustomize-controller", {
      metadata: { name: "kustomize-controller", namespace: "flux-system" },
      spec: { template: { spec: { containers: [{ name: "manager", args }] } } },
    }),
  );

const SHAPED: Record<string, Cases> = {
  G1: { compliant: [asIs("main")], violating: [cluster("public nodes", "privateClusterConfig.enablePrivateNodes", false, /enablePrivateNodes is false/)] },
  G2: {
    compliant: [
      asIs("main"),
      { why: "public endpoint restricted to a network", target: "main", change: (r) => (set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false), set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", [{ cidrBlock: "10.0.0.0/8" }])) },
    ],
    violating: [
      cluster("public endpoint without authorized networks", "privateClusterConfig.enablePrivateEndpoint", false, /cidrBlocks is empty/),
      {
        why: "public endpoint open to 0.0.0.0/0",
        target: "main",
        change: (r) => (set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false), set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", [{ cidrBlock: "0.0.0.0/0" }])),
        message: /cidrBlocks\[0\]\.cidrBlock: '0\.0\.0\.0\/0' opens the control plane to the internet/,
      },
      {
        why: "public endpoint open to two halves of the internet",
        target: "main",
        change: (r) => (set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false), set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", [{ cidrBlock: "0.0.0.0/1" }, { cidrBlock: "128.0.0.0/1" }])),
        message: /'0\.0\.0\.0\/1', '128\.0\.0\.0\/1' together cover every IPv4 address/,
      },
      {
        why: "public endpoint open to a block broader than a /8",
        target: "main",
        change: (r) => (set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false), set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", [{ cidrBlock: "10.0.0.0/8" }, { cidrBlock: "64.0.0.0/3" }])),
        message: /cidrBlocks\[1\]\.cidrBlock: '64\.0\.0\.0\/3' is broader than a \/8/,
      },
      {
        why: "public endpoint open to many public /8s, each allowed alone",
        target: "main",
        change: (r) => (
          set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false),
          set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", ["11.0.0.0/8", "12.0.0.0/8", "13.0.0.0/8", "14.0.0.0/8"].map((cidrBlock) => ({ cidrBlock })))
        ),
        message: /together open 4 \/8s of public addresses to the control plane/,
      },
      {
        why: "public endpoint open to IPv6 ::/0",
        target: "main",
        change: (r) => (set(r.inputs, "privateClusterConfig.enablePrivateEndpoint", false), set(r.inputs, "masterAuthorizedNetworksConfig.cidrBlocks", [{ cidrBlock: "::/0" }])),
        message: /'::\/0' opens the control plane to the internet/,
      },
    ],
  },
  G3: { compliant: [asIs("main"), cluster("networkingMode left to its default", "networkingMode", undefined)], violating: [cluster("routes-based", "ipAllocationPolicy", undefined), cluster("ROUTES mode", "networkingMode", "ROUTES")] },
  G4: { compliant: [asIs("main")], violating: [cluster("no workload identity", "workloadIdentityConfig", undefined), cluster("another project's pool", "workloadIdentityConfig.workloadPool", "other.svc.id.goog", /runway-test-1\.svc\.id\.goog/)] },
  G5: {
    compliant: [asIs("main-general"), asIs("main")],
    violating: [pool("metadata exposed", "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"), {
        why: "default pool exposes metadata",
        target: "main",
        change: (r, s) => set(r.inputs, "nodeConfig", { ...structuredClone(s.find((x) => x.name === "main-general")!.inputs.nodeConfig as object), workloadMetadataConfig: { mode: "GCE_METADATA" } }),
      }],
  },
  G6: { compliant: [asIs("main"), cluster("default", "enableShieldedNodes", undefined)], violating: [cluster("shielded nodes off", "enableShieldedNodes", false)] },
  G7: { compliant: [asIs("main-general")], violating: [pool("no secure boot", "nodeConfig.shieldedInstanceConfig.enableSecureBoot", false), pool("no integrity monitoring", "nodeConfig.shieldedInstanceConfig", undefined)] },
  G8: { compliant: [asIs("main"), cluster("unset", "enableLegacyAbac", undefined)], violating: [cluster("ABAC on", "enableLegacyAbac", true)] },
  G9: { compliant: [asIs("main")], violating: [cluster("omitted", "masterAuth", undefined, /issueClientCertificate is unset/), cluster("issued", "masterAuth.clientCertificateConfig.issueClientCertificate", true)] },
  G10: { compliant: [asIs("main")], violating: [cluster("basic auth user", "masterAuth.username", "admin", /masterAuth.username is set/)] },
  G11: {
    compliant: [asIs("main"), { why: "Calico network policy", target: "main", change: (r) => (set(r.inputs, "datapathProvider", "LEGACY_DATAPATH"), set(r.inputs, "networkPolicy.enabled", true)) }],
    violating: [cluster("legacy datapath without network policy", "datapathProvider", "LEGACY_DATAPATH")],
  },
  G12: { compliant: [asIs("main"), cluster("stable", "releaseChannel.channel", "STABLE")], violating: [cluster("rapid", "releaseChannel.channel", "RAPID"), cluster("no channel", "releaseChannel", undefined)] },
  G13: { compliant: [asIs("main-general")], violating: [pool("no auto-upgrade", "management.autoUpgrade", false), pool("implicit", "management", undefined)] },
  G14: { compliant: [asIs("main-general")], violating: [pool("Ubuntu", "nodeConfig.imageType", "UBUNTU_CONTAINERD")] },
  G15: { compliant: [asIs("main")], violating: [cluster("decrypted", "databaseEncryption.state", "DECRYPTED"), cluster("no key", "databaseEncryption.keyName", "")] },
  "G15-key": { compliant: [asIs("gke-secrets")], violating: [on("gke-secrets", "yearly rotation", "rotationPeriod", "31536000s"), on("gke-secrets", "no rotation", "rotationPeriod", undefined)] },
  G16: { compliant: [asIs("main")], violating: [cluster("disabled", "binaryAuthorization.evaluationMode", "DISABLED")] },
  G17: { compliant: [asIs("main")], violating: [cluster("off", "enableIntranodeVisibility", false)] },
  G18: {
    compliant: [asIs("main")],
    violating: [cluster("logging off", "loggingService", "none"), cluster("system logs only", "loggingConfig.enableComponents", ["SYSTEM_COMPONENTS"], /include WORKLOADS/)],
  },
  G19: { compliant: [asIs("main-general")], violating: [pool("default SA", "nodeConfig.serviceAccount", "123456789-compute@developer.gserviceaccount.com"), pool("unset", "nodeConfig.serviceAccount", undefined)] },
  G20: { compliant: [asIs("main")], violating: [cluster("alpha", "enableKubernetesAlpha", true)] },
  G21: { compliant: [asIs("main")], violating: [cluster("no groups", "authenticatorGroupsConfig", undefined), cluster("wrong group", "authenticatorGroupsConfig.securityGroup", "admins@gitlab.com")] },
  G22: { compliant: [asIs("main-general")], violating: [pool("Google-managed key", "nodeConfig.bootDiskKmsKey", undefined)] },
  G23: { compliant: [asIs("main")], violating: [cluster("default pool kept", "removeDefaultNodePool", false), cluster("inline pool", "nodePools", [{ name: "inline" }], /1 inline pool/)] },
  P1: { compliant: [asIs("project")], violating: [on("project", "default network", "autoCreateNetwork", true), on("project", "unset", "autoCreateNetwork", undefined)] },
  P2: {
    compliant: [asIs("project")],
    violating: [
      { why: "no audit config", target: "project", change: (_r, s) => remove(s, "audit"), message: /has no gcp\.projects\.IAMAuditConfig/ },
      { why: "audit config for another project", target: "project", change: (_r, s) => set(s.find((r) => r.name === "audit")!.inputs, "project", "other-project") },
    ],
  },
  "P2-config": {
    compliant: [asIs("audit")],
    violating: [
      on("audit", "exempted members", "auditLogConfigs", [{ logType: "DATA_READ", exemptedMembers: ["user:bob@gitlab.com"] }, { logType: "DATA_WRITE" }], /exemptedMembers/),
      on("audit", "no data access logs", "auditLogConfigs", [{ logType: "ADMIN_READ" }], /DATA_READ and DATA_WRITE/),
    ],
  },
  I1: { compliant: [asIs("nodes-log-writer")], violating: [{ why: "owner", target: "nodes-log-writer", change: (r) => (set(r.inputs, "role", "roles/owner"), set(r.inputs, "member", "user:alice@gitlab.com")) }] },
  I2: { compliant: [asIs("nodes-log-writer")], violating: [{ why: "project-wide SA user", target: "nodes-log-writer", change: (r) => (set(r.inputs, "role", "roles/iam.serviceAccountUser"), set(r.inputs, "member", "group:dev@gitlab.com")) }] },
  I3: {
    compliant: [asIs("nodes-log-writer"), asIs("backups-reader")],
    violating: [
      on("nodes-log-writer", "compute default SA", "member", "serviceAccount:123456789-compute@developer.gserviceaccount.com"),
      on("backups-reader", "App Engine SA on a bucket", "member", `serviceAccount:runway-test-1@appspot.gserviceaccount.com`),
    ],
  },
  I4: { compliant: [asIs("nodes-log-writer")], violating: [on("nodes-log-writer", "SA gets container admin", "role", "roles/container.admin", /narrower roles/)] },
  S1: { compliant: [asIs("backups")], violating: [on("backups", "ACLs", "uniformBucketLevelAccess", false)] },
  S2: { compliant: [asIs("backups")], violating: [on("backups", "inherited", "publicAccessPrevention", "inherited")] },
  S3: { compliant: [asIs("backups")], violating: [on("backups", "unversioned", "versioning", undefined)] },
  S4: {
    compliant: [asIs("backups"), asIs("logs")],
    violating: [on("backups", "no access logs", "logging", undefined, /logBucket is unset/), on("backups", "logs to itself", "logging.logBucket", "runway-test-1-backups", /the bucket itself/)],
  },
  S5: {
    compliant: [asIs("backups-reader")],
    violating: [
      on("backups-reader", "public", "member", "allUsers", /"allUsers"/),
      {
        why: "public through an authoritative policy",
        target: "bucket-policy",
        change: (_r, s) => add(s, resource("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "bucket-policy", { bucket: "b", policyData: JSON.stringify({ bindings: [{ role: "roles/storage.objectViewer", members: ["allAuthenticatedUsers"] }] }) })),
        also: ["I1-authoritative"],
      },
    ],
  },
  F1: {
    compliant: [asIs("flux-chart"), { why: "install manifests with every flag", target: "kustomize-controller", change: fluxDeployment(FLUX_DEPLOYMENT_ARGS) }],
    violating: [
      on("flux-chart", "no multitenancy switch", "values.multitenancy.enabled", false, /kustomize-controller runs without --no-cross-namespace-refs=true/),
      on("flux-chart", "remote bases allowed", "values.kustomizeController.container.additionalArgs", [], /--no-remote-bases=true/),
      on("flux-chart", "lockdown undone by a later flag", "values.helmController.container.additionalArgs", ["--no-cross-namespace-refs=false"]),
      { why: "install manifests without --no-remote-bases", target: "kustomize-controller", change: fluxDeployment(FLUX_DEPLOYMENT_ARGS.filter((a) => !a.startsWith("--no-remote-bases"))) },
    ],
  },
  "F1-sync": { compliant: [asIs("runway-platform")], violating: [on("runway-platform", "runs as default", "spec.serviceAccountName", undefined, /"kustomize-controller"/)] },
  F2: {
    compliant: [asIs("ai-gateway-release"), on("ai-gateway-release", "source namespace implied", "spec.chartRef.namespace", undefined)],
    violating: [
      on("ai-gateway-release", "no service account", "spec.serviceAccountName", undefined),
      on("ai-gateway-release", "source in flux-system", "spec.chartRef.namespace", "flux-system", /keep the source in the tenant's own namespace/),
    ],
  },
  F3: {
    compliant: [
      asIs("flux-reconcilers"),
      asIs("ai-gateway-reconciler"),
      on("ai-gateway-reconciler", "tenant RoleBinding to edit", "roleRef.name", "edit"),
      on("ai-gateway-reconciler", "tenant RoleBinding to a Role of the namespace", "roleRef", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" }),
      on("ai-gateway-reconciler", "subject's namespace left to the binding's", "subjects", [{ kind: "ServiceAccount", name: "flux-reconciler" }]),
    ],
    violating: [
      on("flux-reconcilers", "tenant SA bound cluster-wide", "subjects", [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "ai-gateway" }], /RoleBinding/),
      on("flux-reconcilers", "tenant SA group bound cluster-wide", "subjects", [{ kind: "Group", name: "system:serviceaccounts:ai-gateway" }]),
      on("ai-gateway-reconciler", "tenant RoleBinding to cluster-admin", "roleRef.name", "cluster-admin", /roleRef is ClusterRole "cluster-admin" in tenant namespace "ai-gateway"; bind the ClusterRole admin, edit or view/),
      on("ai-gateway-reconciler", "tenant RoleBinding to another ClusterRole", "roleRef.name", "system:controller:namespace-controller"),
      on(
        "ai-gateway-reconciler",
        "tenant RoleBinding of another namespace's SA",
        "subjects",
        [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "ai-gateway" }, { kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }],
        /subjects\[1\] is service account "flux-system\/kustomize-controller" of another namespace than "ai-gateway"/,
      ),
      on("ai-gateway-reconciler", "tenant RoleBinding of another namespace's SA by username", "subjects", [{ kind: "User", name: "system:serviceaccount:glgo:flux-reconciler" }]),
      on("ai-gateway-reconciler", "tenant RoleBinding of every service account", "subjects", [{ kind: "Group", name: "system:serviceaccounts" }], /group "system:serviceaccounts"/),
      {
        why: "a tenant's SA bound in flux-system",
        target: "ai-gateway-reconciler",
        change: (r) => set(r.inputs, "metadata.namespace", "flux-system"),
        message: /"ai-gateway\/flux-reconciler" of another namespace than "flux-system"/,
      },
    ],
  },
  GL1: {
    compliant: [asIs("agent-config"), on("agent-config", "ci_job access", "content", "ci_access:\n  groups:\n    - id: gitlab-org\n      access_as:\n        ci_job: {}\n")],
    violating: [
      on("agent-config", "agent identity", "content", AGENT_CONFIG.replace(/access_as:[\s\S]*$/, "access_as:\n        agent: {}\n"), /act as the agent itself/),
      on("agent-config", "access_as omitted", "content", "ci_access:\n  projects:\n    - id: gitlab-org/ai-gateway\n"),
      on(
        "agent-config",
        "impersonates a Flux controller",
        "content",
        AGENT_CONFIG.replace("system:serviceaccount:ai-gateway:ai-gateway-ci", "system:serviceaccount:flux-system:kustomize-controller"),
        /username is "system:serviceaccount:flux-system:kustomize-controller", a service account outside the tenant namespaces/,
      ),
      on("agent-config", "impersonation adds a group", "content", `${AGENT_CONFIG}          groups: [system:masters]\n`, /impersonate also sets groups; impersonate the tenant's service account by username only/),
    ],
  },
  K1: {
    compliant: [asIs("ai-gateway"), asIs("flux-system")],
    violating: [
      { why: "no audit label", target: "ai-gateway", change: (r) => delete (r.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/audit"], message: /audit"\] is unset/ },
      { why: "baseline enforced", target: "ai-gateway", change: (r) => ((r.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"] = "baseline") },
      { why: "version not pinned", target: "ai-gateway", change: (r) => ((r.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce-version"] = "latest"), message: /pin it/ },
      {
        why: "tenant label dropped from a namespace that holds a tenant's HelmRelease",
        target: "ai-gateway",
        change: (r) => delete (r.inputs.metadata as { labels: Record<string, string> }).labels["runway.gitlab.com/tenant"],
        message: /labels\["runway\.gitlab\.com\/tenant"\] is unset on a tenant namespace; set it to "true"/,
      },
    ],
  },
  K2: { compliant: [asIs("ai-gateway")], violating: [{ why: "no default deny", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-default-deny"), message: /denies all Ingress/ }] },
  "K2-dns": { compliant: [asIs("ai-gateway")], violating: [{ why: "no DNS allow", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-allow-dns") }] },
  K3: {
    compliant: [asIs("ai-gateway")],
    violating: [
      { why: "no quota", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-quota"), message: /no ResourceQuota/ },
      { why: "no limit range", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-limits"), message: /no LimitRange/ },
    ],
  },
  K4: {
    compliant: [asIs("ai-gateway"), { why: "patched default SA", target: "ai-gateway", change: (_r, s) => (s.find((r) => r.name === "ai-gateway-default-sa")!.type = "kubernetes:core/v1:ServiceAccountPatch") }],
    violating: [
      { why: "token automounted", target: "ai-gateway", change: (_r, s) => set(s.find((r) => r.name === "ai-gateway-default-sa")!.inputs, "automountServiceAccountToken", true) },
      { why: "default SA unmanaged", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-default-sa"), message: /not managed/ },
    ],
  },
  V1: {
    compliant: [asIs("ai-gateway-vault-role"), asIs("ai-gateway")],
    violating: [
      on("ai-gateway-vault-role", "any namespace", "boundServiceAccountNamespaces", ["*"], /"\*" matches every value/),
      on("ai-gateway-vault-role", "glob names", "boundServiceAccountNames", ["ai-*"]),
      on("ai-gateway-vault-role", "two namespaces", "boundServiceAccountNamespaces", ["ai-gateway", "glgo"], /bind the role to exactly one namespace, its tenant's: \["ai-gateway"\]/),
      on("ai-gateway-vault-role", "another namespace than its tenant's", "boundServiceAccountNamespaces", ["kube-system"], /belongs to tenant namespace "ai-gateway"; bind it to \["ai-gateway"\]/),
      { why: "the tenant's role deleted", target: "ai-gateway", change: (_r, s) => remove(s, "ai-gateway-vault-role"), message: /"ai-gateway" has ExternalSecrets but no Vault role of its own/ },
    ],
  },
  V2: { compliant: [asIs("ai-gateway-vault-role")], violating: [on("ai-gateway-vault-role", "no audience", "audience", undefined)] },
  V3: { compliant: [asIs("ai-gateway-vault-role"), on("ai-gateway-vault-role", "explicit uid", "aliasNameSource", "serviceaccount_uid")], violating: [on("ai-gateway-vault-role", "name alias", "aliasNameSource", "serviceaccount_name")] },
  V4: { compliant: [asIs("ai-gateway-vault-role"), on("ai-gateway-vault-role", "duration string", "tokenTtl", "15m")], violating: [on("ai-gateway-vault-role", "day-long token", "tokenTtl", 86400), on("ai-gateway-vault-role", "default max TTL", "tokenMaxTtl", undefined)] },
  "V4-policies": { compliant: [asIs("ai-gateway-vault-role")], violating: [on("ai-gateway-vault-role", "extra policy", "tokenPolicies", ["ai-gateway", "admin"]), on("ai-gateway-vault-role", "root", "tokenPolicies", ["root"])] },
  V5: { compliant: [asIs("ai-gateway-vault-policy")], violating: [{ ...on("ai-gateway-vault-policy", "wildcard over every tenant", "policy", 'path "runway/data/*" {\n  capabilities = ["read"]\n}\n', /runway\/data\/\*/), also: ["V5-scope"] }] },
  D1: {
    compliant: [asIs("main"), asIs("ai-gateway"), asIs("flux-system"), asIs("keyring"), asIs("backup-plan"), asIs("vault-kv")],
    violating: [
      { why: "cluster unprotected", target: "main", change: (r) => (r.protect = false) },
      { why: "tenant namespace unprotected", target: "ai-gateway", change: (r) => (r.protect = false) },
      { why: "key unprotected", target: "gke-secrets", change: (r) => (r.protect = false) },
      { why: "key ring unprotected", target: "keyring", change: (r) => (r.protect = false) },
      { why: "backup plan unprotected", target: "backup-plan", change: (r) => (r.protect = false) },
      { why: "Vault KV mount unprotected", target: "vault-kv", change: (r) => (r.protect = false) },
      {
        why: "unlabelled namespace that holds a tenant's HelmRelease, unprotected",
        target: "ai-gateway",
        change: (r) => (delete (r.inputs.metadata as { labels: Record<string, string> }).labels["runway.gitlab.com/tenant"], (r.protect = false)),
        also: ["K1"],
      },
    ],
  },
  D2: {
    compliant: [asIs("ai-gateway"), asIs("backups"), asIs("flux-system")],
    violating: [{ why: "namespace deleted with its data", target: "ai-gateway", change: (r) => (r.retainOnDelete = false) }, { why: "bucket not retained", target: "logs", change: (r) => (r.retainOnDelete = false) }],
  },
  D3: {
    compliant: [asIs("main"), asIs("project"), cluster("provider default", "deletionProtection", undefined), on("project", "schema default", "deletionPolicy", undefined)],
    violating: [cluster("cluster unguarded", "deletionProtection", false), on("project", "project deletable", "deletionPolicy", "DELETE", /"PREVENT"/)],
  },
  "D4-options": {
    compliant: [asIs("ai-gateway")],
    violating: [
      { why: "delete-first namespace", target: "ai-gateway", change: (r) => (r.deleteBeforeReplace = true), message: /deleteBeforeReplace/ },
      { why: "replace on any change", target: "backups", change: (r) => (r.replaceOnChanges = ["*"]) },
    ],
  },
};

/** Every rule's cases: the shapes Runway's components emit, and the disguised forms (rules-cases-disguised.ts). */
export const CASES: Record<string, Cases> = Object.fromEntries(
  [...new Set([...Object.keys(SHAPED), ...Object.keys(DISGUISED)])].map((id) => [
    id,
    { compliant: [...(SHAPED[id]?.compliant ?? []), ...(DISGUISED[id]?.compliant ?? [])], violating: [...(SHAPED[id]?.violating ?? []), ...(DISGUISED[id]?.violating ?? [])] },
  ]),
);
