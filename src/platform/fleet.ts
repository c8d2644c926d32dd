/**
 * An environment's clusters as one fleet, as plain data: fleet memberships, multi-cluster Services (a service
 * exported from every cluster it runs on) and the multi-cluster Gateway on the primary (config) cluster, whose
 * global external Application Load Balancer serves a host from every region the service runs in, sends each
 * client to the nearest region whose backends pass the health check, and fails over to the next when a region has
 * none. https://cloud.google.com/kubernetes-engine/docs/concepts/multi-cluster-gateways
 */
import type { TenantSpec } from "../config/catalog";
import { GATEWAY_NAMESPACE, tenantLabels, tenantNames } from "../tenancy/objects";
import { GLOBAL_GATEWAY } from "./gateway";

/**
 * APIs of the fleet: GKE Hub (memberships), multi-cluster Services, the multi-cluster Gateway controller and
 * Traffic Director, which tracks endpoints and their health across clusters.
 * https://cloud.google.com/kubernetes-engine/docs/how-to/enabling-multi-cluster-gateways
 */
export const FLEET_APIS = [
  "gkehub.googleapis.com",
  "multiclusteringress.googleapis.com",
  "multiclusterservicediscovery.googleapis.com",
  "trafficdirector.googleapis.com",
] as const;

/** Default path of the global load balancer's health check. */
export const DEFAULT_HEALTH_CHECK_PATH = "/";

/**
 * Roles the fleet's controllers need in the project: the multi-cluster Gateway controller's service agent manages
 * the clusters' Gateway resources (roles/container.admin, as Google's setup prescribes), and the multi-cluster
 * Services importer reads the network (roles/compute.networkViewer).
 */
export const GATEWAY_CONTROLLER_ROLE = "roles/container.admin";
export const MCS_IMPORTER_ROLE = "roles/compute.networkViewer";

/** The multi-cluster Gateway controller's Google-managed service agent. */
export function gatewayControllerMember(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@gcp-sa-multiclusteringress.iam.gserviceaccount.com`;
}

/** The multi-cluster Services importer's Workload Identity (namespace gke-mcs, service account gke-mcs-importer). */
export function mcsImporterMember(project: string): string {
  return `serviceAccount:${project}.svc.id.goog[gke-mcs/gke-mcs-importer]`;
}

/** A cluster's fleet membership: named after the cluster, in the cluster's region. */
export function membershipArgs(project: string, region: string, clusterName: string) {
  return {
    membershipId: clusterName,
    location: region,
    endpoint: { gkeCluster: { resourceLink: `//container.googleapis.com/projects/${project}/locations/${region}/clusters/${clusterName}` } },
  };
}

/** Full name of a membership, as the multi-cluster Gateway feature's configMembership takes it. */
export function membershipName(project: string, region: string, clusterName: string): string {
  return `projects/${project}/locations/${region}/memberships/${clusterName}`;
}

/** Name of a tenant's route on the multi-cluster Gateway. */
export function globalRouteName(t: Pick<TenantSpec, "name">): string {
  return `${t.name}-global`;
}

/** The tenant's host on the multi-cluster Gateway, sent to the service imported from every cluster it runs on. */
export function globalRoute(t: Pick<TenantSpec, "name" | "environment" | "exposure">, host: string) {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: globalRouteName(t), namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
    spec: {
      parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GLOBAL_GATEWAY, namespace: GATEWAY_NAMESPACE }],
      hostnames: [host],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ group: "net.gke.io", kind: "ServiceImport", name: t.exposure.service, port: t.exposure.port }],
        },
      ],
    },
  };
}

/**
 * The global load balancer's health check of the tenant's pods in every region: an HTTP GET of `healthCheckPath` on
 * the pods' port. A region whose pods fail it gets no new traffic; clients go to the nearest region that passes.
 */
export function healthCheckPolicy(t: Pick<TenantSpec, "name" | "environment" | "exposure">) {
  return {
    apiVersion: "networking.gke.io/v1",
    kind: "HealthCheckPolicy",
    metadata: { name: t.exposure.service, namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
    spec: {
      default: {
        checkIntervalSec: 5,
        timeoutSec: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        logConfig: { enabled: true },
        config: { type: "HTTP", httpHealthCheck: { port: t.exposure.targetPort, requestPath: t.exposure.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH } },
      },
      targetRef: { group: "net.gke.io", kind: "ServiceImport", name: t.exposure.service },
    },
  };
}

/** Exports the tenant's Service to the fleet, so its pods on this cluster are backends of the global route. */
export function serviceExport(t: Pick<TenantSpec, "name" | "environment" | "exposure">) {
  return {
    apiVersion: "net.gke.io/v1",
    kind: "ServiceExport",
    metadata: { name: t.exposure.service, namespace: tenantNames(t).namespace, labels: tenantLabels(t) },
  };
}
