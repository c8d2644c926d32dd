/**
 * Decisions of `VaultIntegration` as plain values: the cluster's Kubernetes auth backend, the KV v2 mount, the
 * token reviewer and the secrets operator. Pure: no provider imports.
 */
import { ESO_CHART, SECRETS_NAMESPACE } from "./eso";

/** Service account Vault uses to call the cluster's TokenReview API. */
export const TOKEN_REVIEWER = "vault-token-reviewer";

export interface VaultIntegrationInput {
  clusterName: string;
  environment: string;
  authBackendPath?: string;
  kvMount?: string;
  createKvMount?: boolean;
  installOperator?: boolean;
  operatorChartVersion?: string;
}

export interface VaultIntegrationPlan {
  authBackendPath: string;
  /** Base of the environments' KV v2 mounts (`runway:vault.kvMount`), e.g. `runway`. */
  kvMount: string;
  /** This environment's KV v2 mount, `<kvMount>/env/<environment>` (see environmentMountPath). */
  kvMountPath: string;
  createKvMount: boolean;
  installOperator: boolean;
  operatorChartVersion?: string;
  namespace: string;
  reviewer: { serviceAccount: string; secret: string; clusterRoleBinding: string };
}

const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MOUNT = /^[a-z][-a-z0-9_]*$/;
const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

/**
 * The KV v2 mount of one environment: `<kvMount>/env/<environment>`, e.g. `runway/env/staging`. One mount per
 * environment, so each environment's platform stack owns its own (platform stacks may share one Vault), and a
 * secret's full path is Runway's convention `runway/env/<env>/service/<name>/<path>` (runway-manifest.md).
 */
export function environmentMountPath(kvMount: string, environment: string): string {
  return `${kvMount}/env/${environment}`;
}

/** Where a service's secrets live inside its environment's mount: `service/<name>`. */
export function serviceSecretsPrefix(service: string): string {
  return `service/${service}`;
}

/** Default auth path of a cluster: `kubernetes-<cluster>`, one backend per cluster so roles never mix clusters. */
export function authBackendPathOf(clusterName: string): string {
  return `kubernetes-${clusterName}`;
}

export function planVaultIntegration(a: VaultIntegrationInput): VaultIntegrationPlan {
  if (typeof a.clusterName !== "string" || !NAME.test(a.clusterName) || a.clusterName.length > 40) {
    throw new Error(`clusterName '${String(a.clusterName)}' must be a cluster name: 1-40 lowercase letters, digits and '-', starting with a letter`);
  }
  if (typeof a.environment !== "string" || !NAME.test(a.environment)) {
    throw new Error(`environment '${String(a.environment)}' must be an environment name such as staging`);
  }
  const authBackendPath = a.authBackendPath ?? authBackendPathOf(a.clusterName);
  if (!/^[a-z0-9][-a-z0-9_]*$/.test(authBackendPath)) {
    throw new Error(`authBackendPath '${authBackendPath}' is not a Vault auth path: use e.g. kubernetes-${a.clusterName}, without slashes`);
  }
  const kvMount = a.kvMount ?? "runway";
  if (!MOUNT.test(kvMount)) throw new Error(`kvMount '${kvMount}' is not a Vault mount path: use lowercase letters, digits, '-' and '_', e.g. runway`);
  const installOperator = a.installOperator ?? true;
  if (a.operatorChartVersion !== undefined && !SEMVER.test(a.operatorChartVersion)) {
    throw new Error(`operatorChartVersion '${a.operatorChartVersion}' is not an exact chart version: pin one such as ${ESO_CHART.version}`);
  }
  if (!installOperator && a.operatorChartVersion !== undefined) {
    throw new Error("operatorChartVersion and installOperator: false are mutually exclusive. Choose one.");
  }
  return {
    authBackendPath,
    kvMount,
    kvMountPath: environmentMountPath(kvMount, a.environment),
    createKvMount: a.createKvMount ?? false,
    installOperator,
    operatorChartVersion: installOperator ? (a.operatorChartVersion ?? ESO_CHART.version) : undefined,
    namespace: SECRETS_NAMESPACE,
    reviewer: { serviceAccount: TOKEN_REVIEWER, secret: `${TOKEN_REVIEWER}-token`, clusterRoleBinding: `runway-${TOKEN_REVIEWER}-${a.clusterName}` },
  };
}

/** Vault's `kubernetes_host`: the API server as an https URL (GKE gives a bare IP or host). */
export function kubernetesHost(endpoint: string): string {
  const e = endpoint.trim();
  if (e === "") throw new Error("endpoint is empty: pass the cluster's API endpoint, e.g. the GKE cluster's endpoint output");
  if (/^http:\/\//i.test(e)) throw new Error(`endpoint '${e}' uses http: Vault must reach the API server over https`);
  return /^https:\/\//i.test(e) ? e.replace(/\/+$/, "") : `https://${e}`;
}

/** The cluster CA as PEM; GKE's `masterAuth.clusterCaCertificate` is base64 of the PEM. */
export function clusterCaPem(ca: string): string {
  const t = ca.trim();
  const pem = t.startsWith("-----BEGIN") ? t : Buffer.from(t, "base64").toString("utf8").trim();
  if (!pem.startsWith("-----BEGIN CERTIFICATE-----") || !pem.includes("-----END CERTIFICATE-----")) {
    throw new Error("clusterCaCertificate is neither a PEM certificate nor base64 of one: pass the cluster's CA (GKE masterAuth.clusterCaCertificate)");
  }
  return `${pem}\n`;
}

/**
 * The reviewer's JWT from the data of its service-account-token Secret (base64, as the API returns it). Empty only
 * where no token controller runs (the offline plan); Vault then rejects logins rather than trusting them.
 */
export function reviewerJwt(data: Record<string, string> | undefined): string {
  const token = data?.token;
  return token ? Buffer.from(token, "base64").toString("utf8") : "";
}
