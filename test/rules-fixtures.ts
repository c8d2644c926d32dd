/**
 * Fixtures of the guardrail tests: a compliant stack (every rule passes), and per rule id the changes that keep it
 * compliant and the changes that break exactly that control.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { Plan, PlannedResource } from "../src/plan/engine";

export const STACK = "test";
export const PROJECT = "runway-test-1";
const KEY_RING = `projects/${PROJECT}/locations/us-east1/keyRings/gke`;
const SECRETS_KEY = `${KEY_RING}/cryptoKeys/gke-secrets`;
const DISK_KEY = `${KEY_RING}/cryptoKeys/gke-disks`;
const NODE_SA = `gke-nodes@${PROJECT}.iam.gserviceaccount.com`;
export const STACK_URN = `urn:pulumi:${STACK}::runway::pulumi:pulumi:Stack::runway-${STACK}`;

export function urnOf(type: string, name: string, parent: string | null = STACK_URN): string {
  const parentType = parent && parent !== STACK_URN ? `${parent.split("::")[2]}$` : "";
  return `urn:pulumi:${STACK}::runway::${parentType}${type}::${name}`;
}

export function resource(type: string, name: string, inputs: Record<string, unknown>, opts: Partial<PlannedResource> = {}): PlannedResource {
  const parent = opts.parent === undefined ? STACK_URN : opts.parent;
  return {
    urn: urnOf(type, name, parent),
    type,
    name,
    parent,
    provider: null,
    protect: false,
    dependsOn: [],
    inputs,
    custom: true,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
    ...opts,
  };
}

const tenantLabels = {
  "app.kubernetes.io/managed-by": "runway",
  "runway.gitlab.com/environment": "test",
  "runway.gitlab.com/tenant": "true",
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "v1.33",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
};

const fluxController = (extra: string[] = []) => ({ create: true, container: { additionalArgs: extra } });

export const AGENT_CONFIG = `ci_access:
  projects:
    - id: gitlab-org/ai-gateway
      access_as:
        impersonate:
          username: system:serviceaccount:ai-gateway:ai-gateway-ci
`;

/** A stack in which every rule passes. */
export function compliantResources(): PlannedResource[] {
  return [
    resource("gcp:organizations/project:Project", "project", { projectId: PROJECT, name: PROJECT, folderId: "123456789", autoCreateNetwork: false, deletionPolicy: "PREVENT" }, { protect: true }),
    resource("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit", {
      project: PROJECT,
      service: "allServices",
      auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
    }),
    resource("gcp:kms/keyRing:KeyRing", "keyring", { name: "gke", location: "us-east1", project: PROJECT }, { protect: true }),
    resource("gcp:gkebackup/backupPlan:BackupPlan", "backup-plan", { name: "runway-test", location: "us-east1", cluster: `projects/${PROJECT}/locations/us-east1/clusters/runway-test`, project: PROJECT }, { protect: true }),
    resource("gcp:kms/cryptoKey:CryptoKey", "gke-secrets", { name: "gke-secrets", keyRing: KEY_RING, rotationPeriod: "7776000s" }, { protect: true }),
    resource("gcp:container/cluster:Cluster", "main", {
      name: "runway-test",
      location: "us-east1",
      project: PROJECT,
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true, masterIpv4CidrBlock: "172.16.0.0/28" },
      ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
      networkingMode: "VPC_NATIVE",
      workloadIdentityConfig: { workloadPool: `${PROJECT}.svc.id.goog` },
      enableShieldedNodes: true,
      enableLegacyAbac: false,
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      datapathProvider: "ADVANCED_DATAPATH",
      networkPolicy: { enabled: false },
      releaseChannel: { channel: "REGULAR" },
      databaseEncryption: { state: "ENCRYPTED", keyName: SECRETS_KEY },
      binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
      enableIntranodeVisibility: true,
      loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
      enableKubernetesAlpha: false,
      authenticatorGroupsConfig: { securityGroup: "gke-security-groups@gitlab.com" },
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      deletionProtection: true,
    }, { protect: true }),
    resource("gcp:container/nodePool:NodePool", "main-general", {
      name: "general",
      cluster: "runway-test",
      location: "us-east1",
      project: PROJECT,
      management: { autoRepair: true, autoUpgrade: true },
      nodeConfig: {
        machineType: "e2-standard-4",
        imageType: "COS_CONTAINERD",
        serviceAccount: NODE_SA,
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        bootDiskKmsKey: DISK_KEY,
      },
    }, { protect: true }),
    resource("gcp:compute/subnetwork:Subnetwork", "main-us-east1", {
      name: "runway-test-us-east1",
      region: "us-east1",
      ipCidrRange: "10.10.0.0/20",
      secondaryIpRanges: [
        { rangeName: "pods", ipCidrRange: "10.64.0.0/14" },
        { rangeName: "services", ipCidrRange: "10.68.0.0/20" },
      ],
    }),
    resource("gcp:compute/firewall:Firewall", "allow-health-checks", {
      name: "runway-test-allow-health-checks",
      network: "runway-test",
      direction: "INGRESS",
      allows: [{ protocol: "tcp", ports: ["80", "443"] }],
      sourceRanges: ["35.191.0.0/16", "130.211.0.0/22"],
      targetTags: ["runway-gke-node"],
    }),
    resource("gcp:compute/firewall:Firewall", "deny-all-ingress", {
      name: "runway-test-deny-all-ingress",
      network: "runway-test",
      direction: "INGRESS",
      denies: [{ protocol: "all" }],
      sourceRanges: ["0.0.0.0/0"],
      priority: 65534,
    }),
    resource("gcp:projects/iAMMember:IAMMember", "nodes-log-writer", { project: PROJECT, role: "roles/logging.logWriter", member: `serviceAccount:${NODE_SA}` }),
    resource("gcp:storage/bucket:Bucket", "logs", { name: `${PROJECT}-logs`, location: "US", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true } }, { retainOnDelete: true }),
    resource("gcp:storage/bucket:Bucket", "backups", {
      name: `${PROJECT}-backups`,
      location: "US",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      logging: { logBucket: `${PROJECT}-logs` },
    }, { retainOnDelete: true }),
    resource("gcp:storage/bucketIAMMember:BucketIAMMember", "backups-reader", { bucket: `${PROJECT}-backups`, role: "roles/storage.objectViewer", member: "group:runway@gitlab.com" }),
    resource("kubernetes:core/v1:Namespace", "flux-system", { metadata: { name: "flux-system", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }),
    resource("kubernetes:core/v1:Namespace", "ai-gateway", { metadata: { name: "ai-gateway", labels: tenantLabels, annotations: { "runway.gitlab.com/gitlab-project": "gitlab-org/ai-gateway" } } }, { protect: true, retainOnDelete: true }),
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ai-gateway-default-deny", {
      metadata: { name: "default-deny", namespace: "ai-gateway" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    }),
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ai-gateway-allow-dns", {
      metadata: { name: "allow-dns", namespace: "ai-gateway" },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
      },
    }),
    resource("kubernetes:core/v1:ResourceQuota", "ai-gateway-quota", { metadata: { name: "tenant-quota", namespace: "ai-gateway" }, spec: { hard: { "requests.cpu": "4" } } }),
    resource("kubernetes:core/v1:LimitRange", "ai-gateway-limits", { metadata: { name: "tenant-defaults", namespace: "ai-gateway" }, spec: { limits: [] } }),
    resource("kubernetes:core/v1:ServiceAccount", "ai-gateway-default-sa", { metadata: { name: "default", namespace: "ai-gateway" }, automountServiceAccountToken: false }),
    resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "ai-gateway-reconciler", {
      metadata: { name: "flux-reconciler", namespace: "ai-gateway" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "ai-gateway" }],
    }),
    resource("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "flux-reconcilers", {
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }],
    }),
    resource("kubernetes:helm.sh/v3:Release", "flux-chart", {
      chart: "flux2",
      version: "2.19.0",
      namespace: "flux-system",
      values: {
        multitenancy: { enabled: true, defaultServiceAccount: "default", privileged: true },
        kustomizeController: fluxController(["--no-remote-bases=true"]),
        helmController: fluxController(),
        notificationController: fluxController(),
        imageReflectionController: fluxController(),
        imageAutomationController: fluxController(),
      },
    }),
    resource("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "runway-platform-source", {
      metadata: { name: "runway-platform", namespace: "flux-system" },
      spec: { url: "oci://registry.gitlab.com/runway/cluster-config", ref: { tag: "test" }, interval: "5m" },
    }),
    resource("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "ai-gateway-source", {
      metadata: { name: "ai-gateway", namespace: "ai-gateway" },
      spec: { url: "oci://registry.gitlab.com/runway/charts/ai-gateway", ref: { tag: "test" }, interval: "5m" },
    }),
    resource("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "runway-platform", {
      metadata: { name: "runway-platform", namespace: "flux-system" },
      spec: { serviceAccountName: "kustomize-controller", sourceRef: { kind: "OCIRepository", name: "runway-platform" }, path: "./", interval: "5m", prune: true },
    }),
    resource("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", "ai-gateway-release", {
      metadata: { name: "ai-gateway", namespace: "ai-gateway" },
      spec: { serviceAccountName: "flux-reconciler", chartRef: { kind: "OCIRepository", name: "ai-gateway", namespace: "ai-gateway" }, interval: "10m" },
    }),
    resource("vault:kubernetes/authBackendRole:AuthBackendRole", "ai-gateway-vault-role", {
      backend: "kubernetes-runway-test",
      roleName: "ai-gateway",
      boundServiceAccountNames: ["ai-gateway"],
      boundServiceAccountNamespaces: ["ai-gateway"],
      audience: "vault",
      tokenTtl: 3600,
      tokenMaxTtl: 14400,
      tokenPolicies: ["ai-gateway"],
    }),
    resource("kubernetes:external-secrets.io/v1:ExternalSecret", "ai-gateway-llm-credentials", {
      metadata: { name: "llm-credentials", namespace: "ai-gateway" },
      spec: { secretStoreRef: { kind: "SecretStore", name: "vault" }, dataFrom: [{ extract: { key: "service/ai-gateway/llm" } }] },
    }),
    resource("vault:index/mount:Mount", "vault-kv", { path: "runway/env/test", type: "kv", options: { version: "2" } }, { protect: true }),
    resource("vault:index/policy:Policy", "ai-gateway-vault-policy", {
      name: "ai-gateway",
      policy: 'path "runway/env/test/data/service/{{identity.entity.aliases.auth_kubernetes_1234.metadata.service_account_namespace}}/*" {\n  capabilities = ["read"]\n}\npath "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n',
    }),
    resource("pulumi-nodejs:dynamic:Resource", "agent-config", { projectPath: "gitlab-com/runway/agents", filePath: ".gitlab/agents/runway-test/config.yaml", content: AGENT_CONFIG }),
    resource("kubernetes:core/v1:PersistentVolumeClaim", "ai-gateway-cache", { metadata: { name: "cache", namespace: "ai-gateway" } }, { protect: true }),
    resource("pulumi:providers:kubernetes", "main-k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n", clusterIdentifier: "runway-test" }),
  ];
}

export function compliantPlan(): Plan {
  return { stack: STACK, resources: compliantResources(), outputs: {} };
}

/** One change to the compliant stack: the checked resource (by name) and how it differs. */
export interface RuleCase {
  why: string;
  /** Name of the resource the rule should judge. */
  target: string;
  change?(target: PlannedResource, stack: PlannedResource[]): void;
  /** Other rule ids the change legitimately breaks too. */
  also?: string[];
  /** Part of the expected message. */
  message?: RegExp;
  /** The input path of the target whose value the case changes, when it changes one value. */
  field?: string;
}

export function remove(stack: PlannedResource[], name: string): void {
  const i = stack.findIndex((r) => r.name === name);
  if (i < 0) throw new Error(`no resource ${name} in the fixture stack`);
  stack.splice(i, 1);
}

export function add(stack: PlannedResource[], r: PlannedResource): void {
  stack.push(r);
}

/** A deep path setter for fixtures: set(obj, "a.b.c", v); v undefined deletes. */
export function set(obj: Record<string, unknown>, path: string, v: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== "object" || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (v === undefined) delete cur[last];
  else cur[last] = v;
}

/** A copy of the compliant stack with `c` applied; returns the stack and the target. */
export function applyCase(c: RuleCase): { stack: PlannedResource[]; target: PlannedResource } {
  const stack = structuredClone(compliantResources());
  // Cases that add their target find it only after the change.
  c.change?.(stack.find((r) => r.name === c.target) as PlannedResource, stack);
  const target = stack.find((r) => r.name === c.target);
  if (!target) throw new Error(`no resource ${c.target} in the fixture stack`);
  return { stack, target };
}

/** Writes `stacks/Pulumi.<name>.yaml` of a platform stack with the given waivers and cluster exceptions. */
export function writeStackFile(root: string, name: string, opts: { waivers?: { rule: string; resource: string; type?: string; justification: string }[]; exceptions?: Record<string, string> } = {}): string {
  const dir = path.join(root, "stacks");
  mkdirSync(dir, { recursive: true });
  const config = {
    "runway:kind": "platform",
    "runway:environment": "test",
    "runway:domain": "runway.example.net",
    "runway:stages": ["test"],
    "runway:gcp": { projectId: PROJECT, folderId: "123456789", billingAccount: "01ABCD-234567-89ABCD", region: "us-east1" },
    "runway:network": { subnets: [{ region: "us-east1", cidr: "10.10.0.0/20", pods: "10.64.0.0/14", services: "10.68.0.0/20" }] },
    "runway:cluster": { region: "us-east1", securityGroup: "gke-security-groups@gitlab.com", exceptions: opts.exceptions ?? {} },
    "runway:gitlab": { agentProject: "gitlab-com/runway/deployments", ciGroup: "gitlab-com/runway" },
    "runway:vault": { address: "https://vault.example.net" },
    // A cluster's stack needs the agent registration token (src/config/stack.ts); offline it stays an opaque secret.
    "runway:gitlabToken": { secure: "v1:ZHVtbXlub25jZQ==:ZHVtbXljaXBoZXJ0ZXh0" },
    "runway:waivers": opts.waivers ?? [],
  };
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, stringify({ config }));
  return file;
}
