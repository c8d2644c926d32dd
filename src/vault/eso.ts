/**
 * External Secrets Operator: the pinned chart with the cluster-wide kinds turned off, and builders for the
 * namespaced SecretStore and ExternalSecret of a tenant (external-secrets.io/v1). Pure: no provider imports.
 */
import { assertName, assertNamespace, objectMeta, type ObjectMeta } from "../flux/objects";

/** The pinned chart (https://charts.external-secrets.io); the chart's appVersion is v<version>. */
export const ESO_CHART = {
  name: "external-secrets",
  repository: "https://charts.external-secrets.io",
  version: "2.14.0",
} as const;

/** Namespace of the secrets operator and of Vault's token reviewer; `runway-` names are reserved for the platform. */
export const SECRETS_NAMESPACE = "runway-secrets";

export const ESO_API = "external-secrets.io/v1";

/** Name of the SecretStore in each tenant namespace. */
export const TENANT_STORE_NAME = "vault";

export interface EsoValuesOptions {
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
}

/**
 * Chart values. Tenants get namespaced SecretStores only: ClusterSecretStore and ClusterExternalSecret would let
 * one namespace's objects act with another identity, and PushSecret would write into Vault, so their CRDs are not
 * installed and the controller ignores them.
 */
export function esoChartValues(opts: EsoValuesOptions = {}): Record<string, unknown> {
  const resources = opts.resources ?? { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } };
  const small = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } };
  return {
    installCRDs: true,
    crds: { createClusterSecretStore: false, createClusterExternalSecret: false, createClusterPushSecret: false, createPushSecret: false },
    processClusterStore: false,
    processClusterExternalSecret: false,
    processClusterPushSecret: false,
    processPushSecret: false,
    serviceAccount: { create: true, name: "external-secrets" },
    resources,
    webhook: { resources: small },
    certController: { resources: small },
  };
}

export interface SecretStoreArgs extends ObjectMeta {
  /** Vault address, https. */
  server: string;
  /** KV v2 mount, e.g. `runway/env/staging`. */
  mount: string;
  /** Path of the cluster's Kubernetes auth backend, e.g. `kubernetes-runway-staging`. */
  authMountPath: string;
  /** Vault role of the tenant. */
  role: string;
  /** Tenant service account the operator mints a token for. */
  serviceAccount: string;
  /** Audience of that token (V2). */
  audience: string;
}

export interface SecretStoreSpec {
  provider: {
    vault: {
      server: string;
      path: string;
      version: "v2";
      auth: { kubernetes: { mountPath: string; role: string; serviceAccountRef: { name: string; audiences: string[] } } };
    };
  };
}

/** The tenant's SecretStore: logs in to Vault as the tenant's own service account with a short-lived token. */
export function secretStore(a: SecretStoreArgs) {
  assertName("SecretStore name", a.name);
  assertNamespace("SecretStore namespace", a.namespace);
  assertName("SecretStore serviceAccount", a.serviceAccount);
  const spec: SecretStoreSpec = {
    provider: {
      vault: {
        server: a.server,
        path: a.mount,
        version: "v2",
        auth: { kubernetes: { mountPath: a.authMountPath, role: a.role, serviceAccountRef: { name: a.serviceAccount, audiences: [a.audience] } } },
      },
    },
  };
  return { apiVersion: ESO_API, kind: "SecretStore" as const, metadata: objectMeta(a), spec };
}

export interface ExternalSecretArgs extends ObjectMeta {
  /** SecretStore in the same namespace. */
  storeName: string;
  /** Kubernetes Secret to write. */
  targetName: string;
  /** Key under the store's mount, e.g. `service/ai-gateway/llm`. */
  key: string;
  /** How often to re-read Vault. Default `1h`. */
  refreshInterval?: string;
}

export interface ExternalSecretSpec {
  refreshInterval: string;
  secretStoreRef: { kind: "SecretStore"; name: string };
  target: { name: string; creationPolicy: "Owner"; deletionPolicy: "Retain" };
  dataFrom: { extract: { key: string } }[];
}

/** One Kubernetes Secret with every key of one Vault secret. */
export function externalSecret(a: ExternalSecretArgs) {
  assertName("ExternalSecret name", a.name);
  assertNamespace("ExternalSecret namespace", a.namespace);
  assertName("ExternalSecret targetName", a.targetName);
  const spec: ExternalSecretSpec = {
    refreshInterval: a.refreshInterval ?? "1h",
    // Namespaced store only: ClusterSecretStore is not installed (see esoChartValues).
    secretStoreRef: { kind: "SecretStore", name: a.storeName },
    // Retain: a secret deleted or unreadable in Vault does not take the running workload's Secret with it.
    target: { name: a.targetName, creationPolicy: "Owner", deletionPolicy: "Retain" },
    dataFrom: [{ extract: { key: a.key } }],
  };
  return { apiVersion: ESO_API, kind: "ExternalSecret" as const, metadata: objectMeta(a), spec };
}
