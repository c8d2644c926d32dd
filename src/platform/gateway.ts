/**
 * The shared Gateway of a platform cluster, as plain data: one external Gateway (global external Application
 * Load Balancer with a Certificate Manager map) and one internal Gateway (regional internal ALB). Tenants attach
 * HTTPRoutes from their own namespaces; only namespaces labelled as tenants may attach.
 */
import type { TenantSpec } from "../config/catalog";
import { GATEWAY_NAMESPACE, TENANT_LABEL } from "../tenancy/objects";
import { k8sLabels } from "../naming";

/** Wildcard host of an environment, e.g. `*.staging.runway.gitlab.net`. */
export function environmentWildcard(environment: string, domain: string): string {
  return `*.${environment}.${domain}`;
}

const allowedRoutes = { namespaces: { from: "Selector", selector: { matchLabels: { [TENANT_LABEL]: "true" } } }, kinds: [{ kind: "HTTPRoute" }] };

export function gatewayNamespace(environment: string) {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: GATEWAY_NAMESPACE,
      labels: { ...k8sLabels({ environment }), "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.33" },
    },
  };
}

export function externalGateway(environment: string, domain: string, certificateMap: string, addressName: string) {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "external", namespace: GATEWAY_NAMESPACE, labels: k8sLabels({ environment }), annotations: { "networking.gke.io/certmap": certificateMap } },
    spec: {
      gatewayClassName: "gke-l7-global-external-managed",
      addresses: [{ type: "NamedAddress", value: addressName }],
      listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: environmentWildcard(environment, domain), allowedRoutes }],
    },
  };
}

/** The global external multi-cluster GatewayClass. */
export const GLOBAL_GATEWAY_CLASS = "gke-l7-global-external-managed-mc";
/** Name of the multi-cluster Gateway in the primary cluster's Gateway namespace. */
export const GLOBAL_GATEWAY = "global";

/**
 * The multi-cluster Gateway of an environment with several regions, on its primary (config) cluster: the
 * environment's wildcard host on the same certificate map as the external Gateway, on an address of its own.
 */
export function globalGateway(environment: string, domain: string, certificateMap: string, addressName: string) {
  const gw = externalGateway(environment, domain, certificateMap, addressName);
  return { ...gw, metadata: { ...gw.metadata, name: GLOBAL_GATEWAY }, spec: { ...gw.spec, gatewayClassName: GLOBAL_GATEWAY_CLASS } };
}

export function internalGateway(environment: string, domain: string, regionalCertificate: string) {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "internal", namespace: GATEWAY_NAMESPACE, labels: k8sLabels({ environment }) },
    spec: {
      gatewayClassName: "gke-l7-rilb",
      listeners: [
        {
          name: "https",
          protocol: "HTTPS",
          port: 443,
          hostname: environmentWildcard(environment, domain),
          tls: { mode: "Terminate", options: { "networking.gke.io/cert-manager-certificates": regionalCertificate } },
          allowedRoutes,
        },
      ],
    },
  };
}

/**
 * Tenants whose route the cluster's Gateways cannot serve: the internal Gateway exists only where the cluster's
 * region has a proxy-only subnet (`runway:network.subnets[].proxyOnly`).
 */
export function gatewayProblems(tenants: Pick<TenantSpec, "name" | "environment" | "exposure">[], region: string, proxyOnlyCidr: string | undefined): string[] {
  if (proxyOnlyCidr !== undefined) return [];
  return tenants
    .filter((t) => t.exposure.visibility === "internal")
    .map(
      (t) =>
        `${t.name} has exposure.visibility internal in ${t.environment}, but runway:network has no proxyOnly range for ${region}, so the cluster has no internal Gateway; add proxyOnly (a /23 disjoint from the other ranges) to the ${region} subnet, or set visibility: external`,
    );
}
