/**
 * The Kubernetes objects that isolate one tenant, as plain typed data: namespace labels, service accounts,
 * RBAC, quota, network policies and the route. The Tenant component registers them; tests validate them against
 * the published Kubernetes schemas.
 */
import type { TenantSpec } from "../config/catalog";
import { PRIVATE_GOOGLE_APIS_CIDR } from "../gcp/network";
import { k8sLabels } from "../naming";

/** Pod Security Standards version the `enforce` label pins (K1): a Kubernetes upgrade cannot loosen it. */
export const PSS_VERSION = "v1.33";

/** Label that marks a namespace as a Runway tenant (rules and the shared Gateway select on it). */
export const TENANT_LABEL = "runway.gitlab.com/tenant";

/** Annotation naming the GitLab project whose CI jobs may act in a tenant namespace through the agent (GL1). */
export const GITLAB_PROJECT_ANNOTATION = "runway.gitlab.com/gitlab-project";
/** Annotation on a retired tenant's namespace. */
export const LIFECYCLE_ANNOTATION = "runway.gitlab.com/lifecycle";

/** Namespace of the platform's shared Gateway. */
export const GATEWAY_NAMESPACE = "runway-gateway";

/** Source ranges of Google's load balancer proxies and health checks (GKE Gateway docs). */
export const GOOGLE_LB_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface TenantNames {
  namespace: string;
  /** Service account Flux impersonates to apply the tenant's release (F2, F3). */
  reconciler: string;
  /** Service account the workload runs as; mapped to a GCP service account by Workload Identity. */
  workload: string;
}

export function tenantNames(t: Pick<TenantSpec, "name">): TenantNames {
  return { namespace: t.name, reconciler: "flux-reconciler", workload: t.name };
}

export function tenantLabels(t: Pick<TenantSpec, "name" | "environment">): Record<string, string> {
  return { ...k8sLabels({ service: t.name, environment: t.environment }), [TENANT_LABEL]: "true" };
}

/** K1: restricted Pod Security enforced with a pinned version, plus warn and audit. */
export function namespaceObject(t: Pick<TenantSpec, "name" | "environment" | "owner"> & Partial<Pick<TenantSpec, "gitlabProject" | "lifecycle">>) {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: tenantNames(t).namespace,
      labels: {
        ...tenantLabels(t),
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": PSS_VERSION,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": PSS_VERSION,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": PSS_VERSION,
      },
      // A retired tenant's namespace is kept with its data until the Runway team deletes it (docs/operations.md).
      annotations: {
        "runway.gitlab.com/owner": t.owner,
        ...(t.gitlabProject ? { [GITLAB_PROJECT_ANNOTATION]: t.gitlabProject } : {}),
        ...(t.lifecycle === "retired" ? { [LIFECYCLE_ANNOTATION]: "retired" } : {}),
      },
    },
  };
}

export function reconcilerServiceAccount(t: Pick<TenantSpec, "name" | "environment">) {
  const n = tenantNames(t);
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: n.reconciler, namespace: n.namespace, labels: tenantLabels(t) }, automountServiceAccountToken: false };
}

/** The workload's service account, annotated for Workload Identity with its GCP service account. */
export function workloadServiceAccount(t: Pick<TenantSpec, "name" | "environment">, gcpServiceAccountEmail?: string) {
  const n = tenantNames(t);
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name: n.workload,
      namespace: n.namespace,
      labels: tenantLabels(t),
      annotations: gcpServiceAccountEmail ? { "iam.gke.io/gcp-service-account": gcpServiceAccountEmail } : {},
    },
    automountServiceAccountToken: false,
  };
}

/** K4: the namespace's default service account never mounts a token. */
export function defaultServiceAccountPatch(t: Pick<TenantSpec, "name">) {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: tenantNames(t).namespace }, automountServiceAccountToken: false };
}

/**
 * F3: the reconciler may manage everything in its own namespace (ClusterRole `admin`, bound by a namespaced
 * RoleBinding) and nothing outside it. Never a ClusterRoleBinding.
 */
export function reconcilerRoleBinding(t: Pick<TenantSpec, "name" | "environment">) {
  const n = tenantNames(t);
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "flux-reconciler", namespace: n.namespace, labels: tenantLabels(t) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: n.reconciler, namespace: n.namespace }],
  };
}

/** Doubles a quantity string ("4" -> "8", "8Gi" -> "16Gi", "500m" -> "1000m"). */
export function doubleQuantity(q: string): string {
  const m = /^([0-9.]+)(.*)$/.exec(q);
  if (!m) return q;
  return `${Number(m[1]) * 2}${m[2]}`;
}

/** K3: the namespace's total requests and limits. */
export function resourceQuota(t: Pick<TenantSpec, "name" | "environment" | "quota">) {
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "tenant-quota", namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
    spec: {
      hard: {
        "requests.cpu": t.quota.cpu,
        "requests.memory": t.quota.memory,
        "limits.cpu": doubleQuantity(t.quota.cpu),
        "limits.memory": doubleQuantity(t.quota.memory),
        pods: String(t.quota.pods),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
        persistentvolumeclaims: "10",
      },
    },
  };
}

/** K3: defaults for containers that do not say what they need, so the quota can be enforced. */
export function limitRange(t: Pick<TenantSpec, "name" | "environment">) {
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "tenant-defaults", namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
    spec: {
      limits: [
        {
          type: "Container",
          default: { cpu: "500m", memory: "512Mi" },
          defaultRequest: { cpu: "100m", memory: "128Mi" },
          max: { cpu: "8", memory: "32Gi" },
        },
      ],
    },
  };
}

/** Where the cluster's Gateways reach pods from, besides Google's load balancer and health-check ranges. */
export interface GatewaySources {
  /** Range of the cluster region's proxy-only subnet: the internal Gateway's proxies connect from it. */
  proxyOnlyCidr?: string;
}

/** K2: the tenant's network policies: default deny both ways, then the explicit allows. */
export function networkPolicies(t: Pick<TenantSpec, "name" | "environment" | "egress" | "exposure">, gateway: GatewaySources = {}) {
  const ns = tenantNames(t).namespace;
  const meta = (name: string) => ({ name, namespace: ns, labels: tenantLabels(t) });
  const np = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(name), spec });
  const policies = [
    np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    np("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    // Workload Identity tokens come from the GKE metadata server (GKE docs: network policy with Workload Identity).
    np("allow-metadata-server", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
        { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
      ],
    }),
    // Google APIs resolve to private.googleapis.com inside Runway's VPCs (the Network's private zone), so this one
    // range is every Google API a workload can call with its Workload Identity token.
    np("allow-google-apis", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: PRIVATE_GOOGLE_APIS_CIDR } }], ports: [{ protocol: "TCP", port: 443 }] }],
    }),
    np("allow-metrics-scraping", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } }] }],
    }),
  ];
  if (t.exposure.visibility !== "none") {
    // The internal Gateway's Envoy proxies connect from the proxy-only subnet; health checks still come from Google's ranges.
    const sources = t.exposure.visibility === "internal" && gateway.proxyOnlyCidr ? [...GOOGLE_LB_RANGES, gateway.proxyOnlyCidr] : GOOGLE_LB_RANGES;
    policies.push(
      np("allow-gateway", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: sources.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: t.exposure.targetPort }] }],
      }),
    );
  }
  if (t.egress.length > 0) {
    policies.push(
      np("allow-declared-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: t.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: e.ports.map((port) => ({ protocol: "TCP", port })) })),
      }),
    );
  }
  return policies;
}

/** Shared Gateway names: the external one, and the internal one for `visibility: internal`. */
export function gatewayFor(visibility: "external" | "internal"): string {
  return visibility === "external" ? "external" : "internal";
}

/** Exposure through the shared Gateway: host `<name>.<environment>.<domain>`. */
export function httpRoute(t: Pick<TenantSpec, "name" | "environment" | "exposure">, host: string) {
  if (t.exposure.visibility === "none") return undefined;
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: t.name, namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
    spec: {
      parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gatewayFor(t.exposure.visibility), namespace: GATEWAY_NAMESPACE }],
      hostnames: [host],
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: t.exposure.service, port: t.exposure.port }] }],
    },
  };
}
