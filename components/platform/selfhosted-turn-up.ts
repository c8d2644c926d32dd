import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FLUX_CHART, FLUX_NAMESPACE, fluxChartValues, platformNamespaceLabels, platformReleaseArgs } from "../../src/flux/chart";
import { DEFAULT_QUOTA } from "../../src/config/catalog";
import { helmReleaseReady, readRegistrationStatus, type RegistrationState, type RegistrationStatus } from "../../src/selfhosted/status";
import { type TokenPurpose, turnUpTokenProvider } from "../../src/selfhosted/token-provider";
import { type NetworkAllow, planTurnUp, SELFHOSTED_ENVIRONMENT, TOKEN_KEY } from "../../src/selfhosted/turn-up";

export interface SelfHostedTurnUpArgs {
  /**
   * Satellite service, e.g. `ai-gateway`: a DNS label of at most 40 characters. Names the namespace, the
   * OCIRepository, the HelmRelease, the token Secrets and the status ConfigMap.
   */
  service: string;
  /** `oci://` URL of the service's public chart, e.g. `oci://registry.gitlab.com/.../charts/ai-gateway`. */
  chart: string;
  /** The customer's GitLab release, `MAJOR.MINOR`; the chart source follows tag `gitlab-<release>`. */
  gitlabRelease: string;
  /** The customer's GitLab instance (https). Passed to the workload, which calls it to finalize its registration. */
  gitlabUrl: string;
  /**
   * Path of the kubeconfig that reaches the cluster, relative to the project root or absolute; the Kubernetes
   * provider reads it at deploy time. Default: $KUBECONFIG or ~/.kube/config. Excludes `opts.provider(s)`.
   */
  kubeconfig?: string;
  /** Context of the kubeconfig, e.g. the GitLab agent's `<project>:<agent>`. Default: its current-context. Excludes `opts.provider(s)`. */
  kubeContext?: string;
  /** `up` (default) turns the service up; `down` removes the workload and its tokens, keeping the namespace and `keepData`. */
  state?: "up" | "down";
  /** Install Flux (flux2 chart FLUX_CHART). Default true. False reuses the cluster's Flux (2.6 or later). */
  installFlux?: boolean;
  /** Extra chart values, e.g. the customer's LLM endpoint. May not set `runway` or `serviceAccount`. Default none. */
  values?: Record<string, unknown>;
  /** Networks the workload may reach besides cluster DNS (K2): at least the GitLab instance, marked `gitlab: true`. */
  egress: NetworkAllow[];
  /**
   * The Kubernetes API server's addresses as pods reach them: the chart's registration hook writes its status
   * there (K2 denies it otherwise). Required while up.
   */
  kubeApiServer?: NetworkAllow[];
  /** PEM of the CA that signed GitLab's TLS certificate, when private; the registration hook trusts only it. Default: public CAs. */
  gitlabCaCertificate?: string;
  /** Raise to run the registration callback again (a new request id upgrades the release). Default 0. */
  registrationRetry?: number;
  /** Networks that may reach the workload (K2), e.g. the GitLab instance calling the service. Default none. */
  ingress?: NetworkAllow[];
  /** Namespace quota (K3). Default DEFAULT_QUOTA, as for a tenant. */
  quota?: { cpu: string; memory: string; pods: number };
  /** PersistentVolumeClaims of the workload that a turn-down keeps. Default none. */
  keepData?: string[];
}

/** One generated token; see src/selfhosted/token-provider.ts. */
class TurnUpToken extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;

  constructor(name: string, args: { service: string; purpose: TokenPurpose }, opts?: pulumi.CustomResourceOptions) {
    super(turnUpTokenProvider(), name, { ...args, token: undefined }, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }));
    // The engine applies additionalSecretOutputs; wrapping keeps the token secret wherever it flows in the program too.
    (this as unknown as { token: pulumi.Output<string> }).token = pulumi.secret(this.token);
  }
}

/**
 * A satellite service turned up on a customer's Kubernetes cluster ("GitLab-managed self-hosted",
 * docs/self-managed.md): the namespace with a tenant's isolation (K1-K4, F3), a registration and an access token
 * generated for this turn-up and kept only in Kubernetes Secrets and as Pulumi secrets, Flux (installed or
 * reused), the public chart pinned to `gitlab-<release>`, and a HelmRelease that hands the workload the GitLab URL
 * and the token Secret names. `state: down` removes the workload and the tokens; the namespace and the claims in
 * `keepData` stay. Needs no GCP.
 */
export class SelfHostedTurnUp extends pulumi.ComponentResource {
  readonly namespace: string;
  /** OCI tag the chart source follows, `gitlab-<release>`. */
  readonly chartTag: string;
  readonly state: "up" | "down";
  /** Name of the Secret (key `token`) holding the registration token; undefined when down. */
  readonly registrationTokenSecretName: string | undefined;
  /** Name of the Secret (key `token`) holding the access token; undefined when down. */
  readonly accessTokenSecretName: string | undefined;
  /** ConfigMap the workload writes its registration status into; undefined when down. */
  readonly statusConfigMapName: string | undefined;
  /** The tokens, as secrets, for the GitLab side to record; undefined when down (revoked). */
  readonly registrationToken: pulumi.Output<string> | undefined;
  readonly accessToken: pulumi.Output<string> | undefined;
  /** The HelmRelease is Ready, as of the last `pulumi up` or `pulumi refresh`. False when down. */
  readonly workloadReady: pulumi.Output<boolean>;
  /** Where the registration stands, from the status ConfigMap (docs/self-managed.md, "Status contract"). */
  readonly registration: pulumi.Output<RegistrationState>;
  /** The workload reported `registration: finalized`. */
  readonly registrationFinalized: pulumi.Output<boolean>;
  /** The id of the registration request the release carries: `<registration token id>.<registrationRetry>`. Undefined when down. */
  readonly registrationRequestId: pulumi.Output<string> | undefined;
  /** The status ConfigMap, read after the release (and so its hook) finished. Undefined when down. */
  readonly registrationStatus: pulumi.Output<RegistrationStatus> | undefined;

  constructor(name: string, args: SelfHostedTurnUpArgs, opts?: pulumi.ComponentResourceOptions) {
    const input = {
      service: args.service,
      chart: args.chart,
      gitlabRelease: args.gitlabRelease,
      gitlabUrl: args.gitlabUrl,
      state: args.state ?? "up",
      installFlux: args.installFlux ?? true,
      values: args.values ?? {},
      egress: args.egress ?? [],
      ingress: args.ingress ?? [],
      quota: args.quota ?? { ...DEFAULT_QUOTA },
      keepData: args.keepData ?? [],
      kubeApiServer: args.kubeApiServer ?? [],
      gitlabCaCertificate: args.gitlabCaCertificate,
      registrationRetry: args.registrationRetry ?? 0,
    };
    // Validated before anything is registered, the component included.
    const plan = planTurnUp(input);
    const callerProvider = opts?.provider !== undefined || opts?.providers !== undefined;
    if (callerProvider && (args.kubeconfig !== undefined || args.kubeContext !== undefined)) {
      throw new Error(`SelfHostedTurnUp ${name}: kubeconfig/kubeContext and opts.provider(s) are mutually exclusive: pass a Kubernetes provider or a kubeconfig. Choose one.`);
    }
    super("runway:platform:SelfHostedTurnUp", name, {}, opts);
    const names = plan.names;

    // D6: only the path and the context reach the provider's inputs, never the file's credentials.
    const provider = callerProvider
      ? undefined
      : new k8s.Provider(`${name}-cluster`, { kubeconfig: args.kubeconfig, context: args.kubeContext }, { parent: this });
    const kube: pulumi.CustomResourceOptions = { parent: this, provider };
    const iso = plan.isolation;

    // D1, D2: the namespace outlives a turn-down and a removal; the customer's data lives in it.
    const ns = new k8s.core.v1.Namespace(name, { metadata: iso.namespace.metadata }, { ...kube, protect: true, retainOnDelete: true });
    const inNs = { ...kube, dependsOn: [ns] };
    const reconciler = new k8s.core.v1.ServiceAccount(`${name}-reconciler`, iso.reconciler as k8s.core.v1.ServiceAccountArgs, inNs);
    const workloadSa = new k8s.core.v1.ServiceAccount(`${name}-workload`, iso.workload as k8s.core.v1.ServiceAccountArgs, inNs);
    new k8s.core.v1.ServiceAccountPatch(`${name}-default-sa`, iso.defaultServiceAccount as k8s.core.v1.ServiceAccountPatchArgs, inNs);
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-reconciler`, iso.reconcilerBinding as unknown as k8s.rbac.v1.RoleBindingArgs, inNs);
    new k8s.core.v1.ResourceQuota(`${name}-quota`, iso.quota as k8s.core.v1.ResourceQuotaArgs, inNs);
    new k8s.core.v1.LimitRange(`${name}-limits`, iso.limits as k8s.core.v1.LimitRangeArgs, inNs);
    for (const np of iso.networkPolicies) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${np.metadata.name}`, np as unknown as k8s.networking.v1.NetworkPolicyArgs, inNs);
    }

    // The flux2 chart itself, not the Flux component: that one also reconciles Runway's own platform artifact,
    // which a customer's cluster does not have.
    const fluxReady: pulumi.Resource[] = [];
    if (input.installFlux) {
      const fluxNs = new k8s.core.v1.Namespace(`${name}-flux`, { metadata: { name: FLUX_NAMESPACE, labels: platformNamespaceLabels({ environment: SELFHOSTED_ENVIRONMENT }) } }, kube);
      // No Workload Identity outside GKE: source-controller pulls the public chart anonymously.
      const fluxArgs = platformReleaseArgs("flux", FLUX_CHART, FLUX_CHART.version, fluxNs.metadata.name, fluxChartValues());
      fluxReady.push(new k8s.helm.v3.Release(`${name}-flux`, fluxArgs, kube));
    }

    this.namespace = names.namespace;
    this.chartTag = plan.chartTag;
    this.state = input.state;
    this.registrationTokenSecretName = undefined;
    this.accessTokenSecretName = undefined;
    this.statusConfigMapName = undefined;
    this.registrationToken = undefined;
    this.accessToken = undefined;
    this.workloadReady = pulumi.output(false);
    this.registration = pulumi.output<RegistrationState>("revoked");
    this.registrationRequestId = undefined;
    this.registrationStatus = undefined;

    const w = plan.workload;
    if (w) {
      const tokens = new Map<TokenPurpose, TurnUpToken>();
      const secrets: pulumi.Resource[] = [];
      for (const { purpose, secret } of w.tokenSecrets) {
        const token = new TurnUpToken(`${name}-${purpose}-token`, { service: input.service, purpose }, { parent: this });
        tokens.set(purpose, token);
        secrets.push(new k8s.core.v1.Secret(`${name}-${purpose}-token`, { ...(secret as k8s.core.v1.SecretArgs), stringData: { [TOKEN_KEY]: token.token } }, inNs));
      }
      const status = new k8s.core.v1.ConfigMap(`${name}-status`, w.statusConfigMap as k8s.core.v1.ConfigMapArgs, inNs);
      const role = new k8s.rbac.v1.Role(`${name}-registration`, w.registrationRole as k8s.rbac.v1.RoleArgs, inNs);
      const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-registration`, w.registrationRoleBinding as unknown as k8s.rbac.v1.RoleBindingArgs, {
        ...kube,
        dependsOn: [ns, role, workloadSa],
      });
      const source = new k8s.apiextensions.CustomResource(`${name}-source`, w.source, { ...kube, dependsOn: [ns, ...fluxReady] });
      // A new registration token (a new turn-up, or a replaced token) or a raised retry is a new request: the release
      // changes, Helm upgrades it and the hook calls GitLab again. The token's id says nothing about the token.
      const registrationToken = tokens.get("registration") as TurnUpToken;
      const requestId = pulumi.interpolate`${registrationToken.id}.${input.registrationRetry}`;
      const values = w.release.spec.values as Record<string, Record<string, unknown>>;
      const spec = { ...w.release.spec, values: { ...values, registration: { ...values.registration, requestId } } };
      // `status: undefined` makes the live status an output of the resource without being an input.
      const release = new k8s.apiextensions.CustomResource(
        `${name}-release`,
        { ...w.release, spec, status: undefined },
        { ...kube, dependsOn: [ns, source, reconciler, binding, workloadSa, status, roleBinding, ...secrets, ...fluxReady] },
      );

      this.registrationTokenSecretName = names.registrationTokenSecret;
      this.accessTokenSecretName = names.accessTokenSecret;
      this.statusConfigMapName = names.statusConfigMap;
      this.registrationToken = registrationToken.token;
      this.accessToken = tokens.get("access")?.token;
      const releaseOut = release as unknown as { status: pulumi.Output<unknown>; metadata: pulumi.Output<{ generation?: number }> };
      this.workloadReady = pulumi.all([releaseOut.status, releaseOut.metadata]).apply(([s, m]) => helmReleaseReady(s, m?.generation));
      // Read after the release is Ready (pulumi.com/waitFor on it): by then the hook has recorded its outcome. The
      // id is unknown while the release is being created in a preview, so a preview reads nothing that is not there yet.
      const statusId = release.id.apply(() => `${names.namespace}/${names.statusConfigMap}`);
      const read = k8s.core.v1.ConfigMap.get(`${name}-status-read`, statusId, { ...kube, dependsOn: [release, status] });
      this.registrationRequestId = requestId;
      this.registrationStatus = read.data.apply((d) => readRegistrationStatus(d));
      this.registration = pulumi.all([this.registrationStatus, requestId]).apply(([s, id]) => (s.requestId === id ? s.state : "pending"));
    }
    for (const claim of plan.keptClaims) {
      // D2: no delete call when the patch leaves the program again on the next turn-up. Not protect (D1): the
      // claim belongs to the chart, and a protected patch would block that turn-up.
      new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-keep-${claim.metadata.name}`, claim as k8s.core.v1.PersistentVolumeClaimPatchArgs, { ...inNs, retainOnDelete: true });
    }
    this.registrationFinalized = this.registration.apply((r) => r === "finalized");

    this.registerOutputs({
      namespace: this.namespace,
      chartTag: this.chartTag,
      state: this.state,
      registrationTokenSecretName: this.registrationTokenSecretName,
      accessTokenSecretName: this.accessTokenSecretName,
      statusConfigMapName: this.statusConfigMapName,
      registrationToken: this.registrationToken,
      accessToken: this.accessToken,
      workloadReady: this.workloadReady,
      registration: this.registration,
      registrationFinalized: this.registrationFinalized,
      registrationRequestId: this.registrationRequestId,
      registrationStatus: this.registrationStatus,
    });
  }
}
