/**
 * Names and labels shared by every component: one shape for cross-cutting inputs everywhere.
 */

/** Labels on every GCP resource and Kubernetes object Runway creates. */
export interface RunwayLabels {
  service?: string;
  owner?: string;
  environment?: string;
}

/** GCP label values: lowercase letters, digits, '-' and '_', at most 63 characters. */
export function gcpLabelValue(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
}

/** GCP labels: `managed-by: runway` plus service, owner and environment when known. */
export function gcpLabels(l: RunwayLabels, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { "managed-by": "runway" };
  if (l.service) out.service = gcpLabelValue(l.service);
  if (l.owner) out.owner = gcpLabelValue(l.owner);
  if (l.environment) out.environment = gcpLabelValue(l.environment);
  for (const [k, v] of Object.entries(extra)) out[gcpLabelValue(k)] = gcpLabelValue(v);
  return out;
}

/** Kubernetes labels (recommended app.kubernetes.io keys plus runway.gitlab.com ones). */
export function k8sLabels(l: RunwayLabels): Record<string, string> {
  const out: Record<string, string> = { "app.kubernetes.io/managed-by": "runway" };
  if (l.service) out["runway.gitlab.com/service"] = l.service;
  if (l.environment) out["runway.gitlab.com/environment"] = l.environment;
  return out;
}

/**
 * A GCP service account id (6-30 chars, lowercase, digits, '-') derived from parts; long names are shortened
 * with a stable hash so they stay unique and deterministic.
 */
export function serviceAccountId(...parts: string[]): string {
  const raw = parts.join("-").toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
  const base = /^[a-z]/.test(raw) ? raw : `sa-${raw}`;
  if (base.length <= 30) return base.length >= 6 ? base : `${base}-runway`.slice(0, 30);
  return `${base.slice(0, 23).replace(/-$/, "")}-${shortHash(base)}`;
}

/** Six hex characters of a stable FNV-1a hash. */
export function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0").slice(0, 6);
}

/** Vault path prefix of a service's secrets (existing Runway convention). */
export function vaultServicePath(environment: string, service: string): string {
  return `env/${environment}/service/${service}`;
}

/** Public host of a service: `<name>.<environment>.<domain>`. */
export function serviceHost(name: string, environment: string, domain: string): string {
  return `${name}.${environment}.${domain}`;
}

/**
 * Names a tenant may not take: system namespaces, Runway's own prefix and the platform's namespaces. Every other
 * namespace is a tenant's, and the guardrails hold it to the tenant controls (K1-K4) wherever it is created.
 */
export const RESERVED_NAMES = ["default", "kube-system", "kube-public", "kube-node-lease", "flux-system", "gitlab-agent", "gmp-system", "gmp-public", "gke-managed-system", "external-secrets", "cert-manager"];

export function reservedNameProblem(name: string): string | undefined {
  if (RESERVED_NAMES.includes(name)) return `'${name}' is reserved for the platform; choose another service name`;
  if (name.startsWith("runway-")) return `names starting with 'runway-' are reserved for the platform; choose another service name`;
  if (name.startsWith("kube-")) return `names starting with 'kube-' are reserved for Kubernetes; choose another service name`;
  return undefined;
}

/** A platform namespace: one of the reserved names, `runway-*` or `kube-*`; never a tenant's. */
export function isPlatformNamespace(name: string): boolean {
  return reservedNameProblem(name) !== undefined;
}

/** Longest GCP project id. */
const MAX_PROJECT_ID = 30;

/** The part of a project id pattern around `{service}`. */
export function projectIdAffixes(pattern: string): { before: string; after: string } {
  const [before, after = ""] = pattern.split("{service}");
  return { before, after };
}

/**
 * The project id of a dedicated service from the environment's pattern (`gl-{service}-prod`). An id over 30
 * characters keeps as much of the service name as fits, then a stable hash of the whole name.
 */
export function derivedProjectId(pattern: string, service: string): string {
  const { before, after } = projectIdAffixes(pattern);
  const full = `${before}${service}${after}`;
  if (full.length <= MAX_PROJECT_ID) return full;
  const room = MAX_PROJECT_ID - before.length - after.length - 7;
  const kept = service.slice(0, Math.max(room, 0)).replace(/-+$/, "");
  return `${before}${kept}${kept ? "-" : ""}${shortHash(service)}${after}`;
}
