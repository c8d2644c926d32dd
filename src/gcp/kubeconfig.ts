/**
 * The kubeconfig of a GKE cluster, built only from fields that an upgrade never changes, so that an upgrade never
 * changes the Kubernetes provider's inputs (a changed input replaces the provider and every resource behind it:
 * pulumi-kubernetes #4019, pulumi/pulumi #2012; checklist D6). Credentials come from `gke-gcloud-auth-plugin`
 * at run time: no token and no client certificate is ever written (pulumi-gcp #1064).
 */
import { stringify } from "yaml";

/** The stable identity and address of a cluster: everything the kubeconfig is built from. */
export interface KubeconfigFields {
  project: string;
  location: string;
  clusterName: string;
  /** IP of the control plane (private endpoint when enabled); kept across upgrades. */
  endpoint: string;
  /** Base64 PEM of the cluster CA, as in `masterAuth.clusterCaCertificate`. */
  caCertificate: string;
}

/** What a cluster resource returns, of which only the stable fields are read. */
export interface ClusterState {
  project: string;
  location: string;
  name: string;
  endpoint: string;
  masterAuth: { clusterCaCertificate?: string };
  [volatile: string]: unknown;
}

export const GKE_AUTH_PLUGIN = "gke-gcloud-auth-plugin";

/** Picks the stable fields of a cluster's state; master and node versions, labels and fingerprints are ignored. */
export function kubeconfigFields(c: ClusterState): KubeconfigFields {
  return { project: c.project, location: c.location, clusterName: c.name, endpoint: c.endpoint, caCertificate: c.masterAuth.clusterCaCertificate ?? "" };
}

/** `gke_<project>_<location>_<name>`, the context name gcloud writes; also the provider's clusterIdentifier. */
export function gkeContextName(project: string, location: string, clusterName: string): string {
  return `gke_${project}_${location}_${clusterName}`;
}

/** The kubeconfig YAML. Same fields in, same text out. */
export function gkeKubeconfig(f: KubeconfigFields): string {
  const context = gkeContextName(f.project, f.location, f.clusterName);
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: context, cluster: { server: `https://${f.endpoint}`, "certificate-authority-data": f.caCertificate } }],
    contexts: [{ name: context, context: { cluster: context, user: context } }],
    "current-context": context,
    preferences: {},
    users: [
      {
        name: context,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: GKE_AUTH_PLUGIN,
            // Application Default Credentials: the same identity the Pulumi GCP provider uses (Workload Identity
            // Federation in CI), instead of whatever gcloud account happens to be active.
            args: ["--use_application_default_credentials"],
            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin)",
            provideClusterInfo: true,
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
