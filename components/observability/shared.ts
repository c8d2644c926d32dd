/** What ClusterObservability and TenantObservability build the same way. */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { Dashboard, NamedAlertPolicy } from "../../src/observability";

/**
 * Throws unless the component has a Kubernetes provider (from its options or a parent): without one, its
 * Kubernetes children would silently use the ambient kubeconfig and could land on another cluster.
 */
export function requireKubernetesProvider(component: pulumi.ComponentResource, type: string): void {
  if (!component.getProvider("kubernetes::")) {
    throw new Error(
      `${type} creates Kubernetes objects and needs the cluster's Kubernetes provider: pass { providers: [cluster.provider] } in its options (or set it on a parent component).`,
    );
  }
}

/** The dashboard (`<name>-dashboard`) and one policy per alert (`<name>-<id>`), children of `parent`. */
export function monitoringResources(
  parent: pulumi.ComponentResource,
  name: string,
  project: pulumi.Input<string>,
  plan: { dashboard: Dashboard; alertPolicies: NamedAlertPolicy[] },
): { dashboard: gcp.monitoring.Dashboard; alertPolicies: gcp.monitoring.AlertPolicy[] } {
  const dashboard = new gcp.monitoring.Dashboard(`${name}-dashboard`, { project, dashboardJson: JSON.stringify(plan.dashboard) }, { parent });
  const alertPolicies = plan.alertPolicies.map(({ id, policy }) => new gcp.monitoring.AlertPolicy(`${name}-${id}`, { project, ...policy }, { parent }));
  return { dashboard, alertPolicies };
}
