/**
 * Alert policies: Flux reconciliation failures and GitLab agent disconnects per cluster, and the error ratio per
 * tenant. Each policy carries its runbook as markdown documentation, shown in the incident and the notification.
 */
import { gcpLabels } from "../naming";
import { checkNotificationChannels } from "./checks";
import { agentUp, checkCluster, type ClusterScopeOptions, fluxNotReady, fluxReconcileErrors, GITLAB_AGENT_NAMESPACE } from "./cluster-dashboard";
import { checkTenant, errorRatio, tenantGcpLabels, type TenantMetrics, type TenantScope, tenantSignals, tenantWhere } from "./tenant-dashboard";
import type { AlertPolicy, PromQLCondition } from "./types";

/** A policy and the suffix that names its resource (`<component>-<id>`). */
export interface NamedAlertPolicy {
  id: string;
  policy: AlertPolicy;
}

export interface PolicyParts {
  displayName: string;
  conditionName: string;
  condition: PromQLCondition;
  severity: NonNullable<AlertPolicy["severity"]>;
  runbook: string;
  labels: Record<string, string>;
  channels: readonly string[];
}

export function policy(p: PolicyParts): AlertPolicy {
  return {
    displayName: p.displayName,
    combiner: "OR",
    conditions: [{ displayName: p.conditionName, conditionPrometheusQueryLanguage: p.condition }],
    notificationChannels: [...p.channels],
    documentation: { content: p.runbook, mimeType: "text/markdown", subject: p.displayName },
    // Incidents close on their own half an hour after the condition stops holding or its data stops.
    alertStrategy: { autoClose: "1800s" },
    severity: p.severity,
    userLabels: p.labels,
    enabled: true,
  };
}

/** Alert policies of one cluster, routed to `notificationChannels`. */
export function clusterAlertPolicies(
  cluster: string,
  environment: string,
  notificationChannels: readonly string[],
  o: ClusterScopeOptions = {},
): NamedAlertPolicy[] {
  checkCluster(cluster, environment, o);
  checkNotificationChannels(notificationChannels);
  const agentNs = o.gitlabAgentNamespace ?? GITLAB_AGENT_NAMESPACE;
  const labels = gcpLabels({ environment }, { cluster });
  const dashboard = `Runway cluster ${cluster} (${environment})`;
  return [
    {
      id: "flux-reconciliation",
      policy: policy({
        displayName: `Runway ${cluster}: Flux reconciliation failing`,
        conditionName: "Flux resources not ready or reconciliations failing",
        condition: {
          query: `(${fluxNotReady(cluster, ["cluster"])} > 0) or (${fluxReconcileErrors(cluster, ["cluster"])} > 0)`,
          // Flux retries with backoff: only a failure that outlasts several retries is worth a page.
          duration: "900s",
          evaluationInterval: "60s",
          ruleGroup: "runway_cluster",
          alertRule: "FluxReconciliationFailing",
        },
        severity: "WARNING",
        labels,
        channels: notificationChannels,
        runbook: [
          `## Flux reconciliation failing on \`${cluster}\` (${environment})`,
          "Flux resources have reported `Ready=False`, or the Flux controllers have failed reconciliations, for 15 minutes. " +
            "Changes in Git or the registry do not reach the cluster until this is fixed.",
          "1. List what fails: `flux get all -A --status-selector ready=false`.",
          "2. Read why: `flux events -A --types=Warning`, or `kubectl -n <namespace> describe <kind>/<name>`.",
          "3. Usual causes: a chart version or OCI tag that does not exist, values the chart rejects, a HelmRelease whose " +
            "remediation gave up (fix, then `flux reconcile helmrelease <name> -n <namespace> --force`), or a tenant " +
            "service account that lacks a permission.",
          "4. A tenant namespace is named after its service: tell the owner in `services/<name>.yaml`. The platform's own objects are in `flux-system`.",
          `Dashboard: *${dashboard}*, section *Flux reconciliation*.`,
        ].join("\n\n"),
      }),
    },
    {
      id: "gitlab-agent",
      policy: policy({
        displayName: `Runway ${cluster}: GitLab agent disconnected`,
        conditionName: "No GitLab agent pod up",
        condition: {
          // `or on() vector(0)` makes the alert fire when the agent's series are gone entirely, not only when they are 0.
          query: `(${agentUp(cluster, agentNs, ["cluster"])} or on() vector(0)) < 1`,
          duration: "300s",
          evaluationInterval: "60s",
          ruleGroup: "runway_cluster",
          alertRule: "GitLabAgentDisconnected",
        },
        severity: "ERROR",
        labels,
        channels: notificationChannels,
        runbook: [
          `## GitLab agent down on \`${cluster}\` (${environment})`,
          `No GitLab agent pod in namespace \`${agentNs}\` has been up for 5 minutes. CI jobs cannot deploy through the agent; Flux keeps reconciling what it has.`,
          `1. \`kubectl -n ${agentNs} get pods\` and \`kubectl -n ${agentNs} logs -l app.kubernetes.io/name=gitlab-agent --tail=100\`.`,
          "2. Authentication errors in the log: the agent token was revoked or rotated away. Rotate it as `docs/operations.md` describes.",
          `3. Pods running but the alert holds: check that the chart sets \`config.observability.enabled\` and read the status of \`kubectl get clusterpodmonitoring runway-gitlab-agent -o yaml\`.`,
          "4. The agent's own view of its connection: the agent project in GitLab, *Operate > Kubernetes clusters*.",
          `Dashboard: *${dashboard}*, section *GitLab agent*.`,
        ].join("\n\n"),
      }),
    },
  ];
}

/** The alert policies of one tenant, routed to `notificationChannels`. */
export function tenantAlertPolicies(
  t: TenantScope,
  notificationChannels: readonly string[],
  o: { metrics?: Partial<TenantMetrics>; errorRatioThreshold?: number } = {},
): NamedAlertPolicy[] {
  checkTenant(t);
  checkNotificationChannels(notificationChannels);
  const { m, threshold, percent } = tenantSignals(o);
  return [
    {
      id: "error-ratio",
      policy: policy({
        displayName: `Runway ${t.service} (${tenantWhere(t)}): 5xx ratio above ${percent}`,
        conditionName: `5xx responses above ${percent} of requests`,
        condition: {
          query: `(${errorRatio(t, m)}) > ${threshold}`,
          duration: "600s",
          evaluationInterval: "60s",
          ruleGroup: "runway_tenant",
          alertRule: "TenantErrorRatioHigh",
          labels: { service: t.service, namespace: t.namespace },
        },
        severity: "ERROR",
        labels: tenantGcpLabels(t),
        channels: notificationChannels,
        runbook: [
          `## ${t.service}: more than ${percent} of requests fail (${tenantWhere(t)})`,
          `More than ${percent} of the requests to \`${t.service}\` in namespace \`${t.namespace}\` on \`${t.cluster}\` have answered 5xx for 10 minutes.`,
          `1. Open the dashboard *Runway ${t.service} (${tenantWhere(t)})*: one status code or all? Latency up? CPU or memory at the limit, restarts?`,
          `2. A recent release? \`flux get helmreleases -n ${t.namespace}\` shows the chart version. Roll back by moving the stage's tag back to the previous chart version in the registry.`,
          `3. Pods and logs: \`kubectl -n ${t.namespace} get pods\`, \`kubectl -n ${t.namespace} logs <pod>\`.`,
          `4. The owning team is in \`services/${t.service}.yaml\`.`,
        ].join("\n\n"),
      }),
    },
  ];
}
