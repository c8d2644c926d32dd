/**
 * The stack file `stacks/Pulumi.<stack>.yaml`: `runway:kind` selects the composition, and each kind has its own
 * strict set of keys.
 */
import { z } from "zod";
import {
  cidr,
  cpuQuantity,
  dnsLabel,
  gcpProjectId,
  gcpRegion,
  gitlabPath,
  gitlabRelease,
  helmValues,
  httpsUrl,
  justification,
  memoryQuantity,
  ociUrl,
  stageName,
} from "./common";
import { JURISDICTION_CODES } from "../regions";

/** A Pulumi secret in a stack file, as written by `pulumi config set --secret`. */
export const secureValue = z
  .strictObject({ secure: z.string().min(1) }, { error: "must be a Pulumi secret, never plain text: pulumi config set --secret <key> <value>" })
  .describe("A Pulumi secret (pulumi config set --secret).");

/** Controls of the security checklist a stack may loosen on its cluster, each with a justification. */
export const LOOSENABLE_CONTROLS = ["G1", "G7", "G16", "G17", "G21", "G22"] as const;

const gcp = z
  .strictObject({
    projectId: gcpProjectId.describe("Project that holds this stack's cluster (created by Runway)."),
    folderId: z.string().regex(/^[0-9]{6,20}$/, { error: "must be a numeric folder id" }).describe("Folder the project is created in."),
    billingAccount: z
      .string()
      .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, { error: "must be a billing account id such as 01ABCD-234567-89ABCD" })
      .describe("Billing account of the project."),
    region: gcpRegion.describe("Default region for regional resources."),
    labels: z.record(z.string(), z.string()).describe("Extra labels on the project.").optional(),
    budget: z
      .strictObject({
        amount: z.number().positive().describe("Monthly budget in the billing account's currency."),
        thresholds: z.array(z.number().gt(0).max(2)).min(1).describe("Alert thresholds as fractions, default [0.5, 0.9, 1.0].").optional(),
      })
      .optional(),
    sharedVpcHostProject: gcpProjectId.describe("Attach the project as a Shared VPC service project of this host.").optional(),
    contacts: z.array(z.email()).describe("Essential contacts for security, technical and billing notices.").optional(),
    apis: z.array(z.string().regex(/^[a-z0-9.-]+\.googleapis\.com$/)).describe("Extra APIs to enable.").optional(),
  })
  .describe("The GCP project of this stack.");

const subnet = z.strictObject({
  region: gcpRegion,
  cidr: cidr.describe("Primary range of the subnet (nodes)."),
  pods: cidr.describe("Secondary range for pods."),
  services: cidr.describe("Secondary range for services."),
  proxyOnly: cidr
    .describe(
      "Proxy-only subnet of the region (purpose REGIONAL_MANAGED_PROXY), from which the internal Gateway's load balancer reaches pods; a /23 is recommended, a /26 the smallest. Without it the region has no proxy-only subnet and a cluster there gets no internal Gateway, so no tenant may use visibility: internal.",
    )
    .optional(),
});

const network = z
  .strictObject({
    subnets: z.array(subnet).min(1).describe("One subnet per region."),
  })
  .describe("VPC of the stack's project.");

const nodePool = z.strictObject({
  name: dnsLabel(20),
  machineType: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, { error: "must be a machine type such as e2-standard-4" }).default("e2-standard-4"),
  minNodes: z.int().min(0).max(100).default(1).describe("Minimum nodes per zone."),
  maxNodes: z.int().min(1).max(1000).default(3).describe("Maximum nodes per zone."),
  diskSizeGb: z.int().min(20).max(2000).default(100),
  spot: z.boolean().default(false),
});

const cluster = z
  .strictObject({
    region: gcpRegion.describe("Region of the regional cluster; must have a subnet."),
    releaseChannel: z.enum(["REGULAR", "STABLE"]).default("REGULAR").describe("GKE release channel (G12)."),
    masterIpv4CidrBlock: cidr.default("172.16.0.0/28").describe("/28 range of the control plane's private endpoint."),
    privateNodes: z.boolean().default(true).describe("Nodes have internal IPs only (G1); turning this off needs exceptions.G1."),
    privateEndpoint: z.boolean().default(true).describe("Control plane reachable only on its private endpoint (G2)."),
    authorizedNetworks: z
      .array(z.strictObject({ cidr, name: z.string().min(1) }))
      .default([])
      .describe("Networks allowed to reach the control plane (G2); required when privateEndpoint is false."),
    nodePools: z.array(nodePool).min(1).default([{ name: "general", machineType: "e2-standard-4", minNodes: 1, maxNodes: 3, diskSizeGb: 100, spot: false }]),
    securityGroup: z.email().describe("Google Groups for RBAC group, gke-security-groups@<domain> (G21).").optional(),
    maintenanceWindow: z
      .strictObject({
        startTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, { error: "must be an RFC 3339 UTC time such as 2025-01-01T02:00:00Z" }),
        endTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, { error: "must be an RFC 3339 UTC time such as 2025-01-01T06:00:00Z" }),
        recurrence: z.string().startsWith("FREQ=", { error: "must be an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=SA,SU" }),
      })
      .default({ startTime: "2025-01-04T02:00:00Z", endTime: "2025-01-04T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" }),
    backup: z
      .strictObject({
        cronSchedule: z.string().default("0 3 * * *"),
        retainDays: z.int().min(1).max(365).default(30),
      })
      .default({ cronSchedule: "0 3 * * *", retainDays: 30 })
      .describe("Backup for GKE plan for all namespaces."),
    exceptions: z
      .partialRecord(z.enum(LOOSENABLE_CONTROLS), justification)
      .default({})
      .describe(
        "Security defaults this cluster turns off, each with a written justification: G1 private nodes, G7 secure boot, G16 Binary Authorization, G17 intranode visibility, G21 Google Groups RBAC, G22 boot disk CMEK.",
      ),
  })
  .describe("The GKE cluster of this stack.");

const gitlab = z
  .strictObject({
    url: httpsUrl.default("https://gitlab.com").describe("GitLab instance."),
    agentProject: gitlabPath.describe("Project that holds the agent configuration (.gitlab/agents/<name>/config.yaml)."),
    kasAddress: z
      .string()
      .regex(/^wss?:\/\/[^\s]+$/, { error: "must be a wss:// URL such as wss://kas.gitlab.com" })
      .default("wss://kas.gitlab.com"),
    ciGroup: gitlabPath.describe("Only CI jobs of projects under this group may deploy (OIDC attribute condition)."),
    oidcAudience: z.string().min(1).default("https://iam.googleapis.com").describe("Audience of the CI job's id_token."),
    agentTokenRotation: z
      .union([z.string().min(1), z.int()])
      .default(1)
      .describe("Change this value (e.g. a date) and run pulumi up to rotate the agent token; see docs/gitlab-agent.md."),
  })
  .describe("GitLab connection.");

const vault = z
  .strictObject({
    address: httpsUrl.describe("Vault address."),
    kvMount: z.string().regex(/^[a-z][-a-z0-9_]*$/).default("runway").describe("KV v2 mount that holds service secrets."),
    audience: z.string().min(1).default("vault").describe("Audience of service account tokens presented to Vault (V2)."),
  })
  .describe("Vault integration.");

const observability = z
  .strictObject({
    notificationChannels: z
      .array(z.string().regex(/^projects\/[a-z][-a-z0-9]+\/notificationChannels\/[0-9]+$/, { error: "must be projects/<project>/notificationChannels/<id>" }))
      .default([])
      .describe("Cloud Monitoring notification channels that receive alerts."),
  })
  .default({ notificationChannels: [] });

const waiver = z
  .strictObject({
    rule: z.string().regex(/^[A-Z]+[0-9]+(-[a-z0-9-]+)?$/, { error: "must be a rule id such as G16" }),
    resource: z
      .string()
      .min(1)
      .max(1024)
      .describe("The resource the waiver applies to: its URN (urn:pulumi:...), or its name (the last part of the URN) together with type."),
    type: z
      .string()
      .regex(/^[A-Za-z0-9-]+:[A-Za-z0-9.\-/]*:[A-Za-z0-9]+$/, { error: "must be a Pulumi type token such as gcp:storage/bucket:Bucket" })
      .describe("Pulumi type of the resource named by resource, e.g. gcp:storage/bucket:Bucket; not needed with a URN.")
      .optional(),
    justification,
  })
  .refine((w) => w.resource.startsWith("urn:pulumi:") || w.type !== undefined, {
    path: ["resource"],
    error: "name the resource by its URN, or add type: (its Pulumi type, e.g. gcp:storage/bucket:Bucket); a name alone could waive another resource of the same name",
  });

const common = {
  "runway:waivers": z.array(waiver).default([]).describe("Rules waived for named resources, each with a justification."),
};

const stages = z
  .array(stageName)
  .min(1)
  .refine((s) => new Set(s).size === s.length, { error: "stages must be unique" })
  .describe("Ordered deployment stages of this environment, least to most stable; each is an OCI tag that a chart version reaches by promotion.");

/** Blocks a platform stack hands out to its environment's dedicated services (src/ipam/slots.ts). */
const addressPool = z
  .strictObject({
    primary: cidr.describe("Block of /18 slots; each dedicated service gets one, holding its nodes' /20, its Services' /20 and its proxy-only /23. At most a /18."),
    pods: cidr.describe("Block of /14 slots for the pods of each dedicated service's cluster. At most a /14."),
  })
  .describe("Address pool of the environment's dedicated services; allocations are recorded in ipam/<environment>.yaml and never move.");

const dedicatedDefaults = z
  .strictObject({
    projectId: z
      .string()
      .regex(/^[a-z][-a-z0-9]*\{service\}[-a-z0-9]*$/, { error: "must be a project id pattern holding {service} once, such as gl-{service}-prod" })
      .describe("Project id of a dedicated service: {service} is replaced by the service name; an id longer than 30 characters has its service part shortened with a stable hash."),
    folderId: z.string().regex(/^[0-9]{6,20}$/, { error: "must be a numeric folder id" }).describe("Folder of the projects. Default runway:gcp.folderId.").optional(),
    billingAccount: z
      .string()
      .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, { error: "must be a billing account id such as 01ABCD-234567-89ABCD" })
      .describe("Billing account of the projects. Default runway:gcp.billingAccount.")
      .optional(),
    region: gcpRegion.describe("Region of the dedicated clusters. Default runway:cluster.region.").optional(),
    budget: z
      .strictObject({
        amount: z.number().positive().describe("Monthly budget of each dedicated project."),
        thresholds: z.array(z.number().gt(0).max(2)).min(1).optional(),
      })
      .describe("Budget of each dedicated project. Default none.")
      .optional(),
    nodePools: z.array(nodePool).min(1).describe("Node pools of the dedicated clusters. Default runway:cluster.nodePools.").optional(),
    notificationChannels: z
      .array(z.string().regex(/^projects\/[a-z][-a-z0-9]+\/notificationChannels\/[0-9]+$/, { error: "must be projects/<project>/notificationChannels/<id>" }))
      .describe("Cloud Monitoring channels of the dedicated clusters' alerts. Default none.")
      .optional(),
    addressPool,
  })
  .describe("Defaults of this environment's dedicated services: a catalog entry with placement: dedicated gets a service stack derived from them and from this stack, with no file to write (docs/operations.md#dedicated-services).");

const deploy = z
  .strictObject({
    after: z.array(dnsLabel(20)).default([]).describe("Environments whose deploy must succeed before this one's starts, e.g. [staging] for production."),
    manual: z.boolean().default(false).describe("The environment's deploy waits for someone to start it in the pipeline."),
  })
  .default({ after: [], manual: false })
  .describe("Order of this environment in the default branch's deploy pipeline; its platform stack deploys first, then its service stacks.");

export const platformConfigSchema = z.strictObject({
  "runway:kind": z.literal("platform"),
  "runway:environment": dnsLabel(20).describe("Environment this shared cluster serves, e.g. staging."),
  "runway:domain": z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS domain such as runway.gitlab.net" }),
  "runway:stages": stages,
  "runway:catalogDir": z.string().default("services").describe("Directory of the service catalog."),
  "runway:gcp": gcp,
  "runway:network": network,
  "runway:cluster": cluster,
  "runway:gitlab": gitlab,
  "runway:gitlabToken": secureValue.describe("GitLab API token that registers the cluster's GitLab agent: pulumi config set --secret runway:gitlabToken."),
  "runway:vault": vault,
  "runway:observability": observability,
  "runway:dedicated": dedicatedDefaults.optional(),
  "runway:deploy": deploy,
  ...common,
});

export const serviceConfigSchema = z.strictObject({
  "runway:kind": z.literal("service"),
  "runway:service": dnsLabel(40).describe("Catalog entry this stack provisions."),
  "runway:environment": dnsLabel(20),
  "runway:domain": z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS domain such as runway.gitlab.net" }),
  "runway:stages": stages,
  "runway:catalogDir": z.string().default("services"),
  "runway:gcp": gcp,
  "runway:network": network.optional(),
  "runway:cluster": cluster.optional(),
  "runway:gitlab": gitlab,
  "runway:gitlabToken": secureValue
    .describe("GitLab API token that registers the dedicated cluster's GitLab agent: pulumi config set --secret runway:gitlabToken. Needed only with runway:cluster.")
    .optional(),
  "runway:vault": vault.optional(),
  "runway:observability": observability,
  ...common,
});

const GITLAB_URL_ERROR = "must be the https:// URL of a GitLab instance such as https://gitlab.example.com: a DNS host name, no query or fragment";

/** The customer's GitLab instance: an https URL whose host is a DNS name, without query, fragment or credentials. */
const gitlabInstanceUrl = z
  .string()
  // abort: one message per bad URL, and the pattern still reaches the JSON Schema for editors.
  .regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[^\s?#]*)?$/, { error: GITLAB_URL_ERROR, abort: true })
  .refine((u) => /^https:\/\/([^/:]+)/.exec(u)?.[1].split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l)) === true, { error: GITLAB_URL_ERROR });

/** Networks the turned-up workload may reach, or that may reach it (K2). */
const networkAllow = z.strictObject({
  cidr: cidr.describe("IPv4 range, e.g. the GitLab instance's or the LLM endpoint's addresses."),
  ports: z.array(z.int().min(1).max(65535)).min(1).describe("TCP ports."),
});

/** An egress allow of a turn-up; `gitlab: true` marks the GitLab instance, which the registration hook may reach. */
const egressAllow = networkAllow.extend({
  gitlab: z.boolean().default(false).describe("This range is the GitLab instance: the registration hook may reach it too (and nothing else of runway:egress)."),
});

export const selfhostedConfigSchema = z.strictObject({
  "runway:kind": z.literal("selfhosted"),
  "runway:service": dnsLabel(40).describe("Satellite service to turn up, e.g. ai-gateway; names the namespace and the release."),
  "runway:chart": ociUrl.describe("Public OCI repository of the service's chart."),
  "runway:gitlabRelease": gitlabRelease.describe("The customer's GitLab release; the chart is pinned to tag gitlab-<release>."),
  "runway:gitlabUrl": gitlabInstanceUrl.describe("The customer's GitLab instance; the workload calls it back to finalize its registration."),
  "runway:kubeconfig": z
    .string()
    .min(1)
    .describe("Path of the kubeconfig that reaches the customer's cluster, relative to the project root (where Pulumi.yaml is) or absolute. Default: $KUBECONFIG or ~/.kube/config, read at deploy time.")
    .optional(),
  "runway:kubeContext": z.string().min(1).describe("Context in the kubeconfig, e.g. the GitLab agent's `<project>:<agent>`. Default: the kubeconfig's current-context.").optional(),
  "runway:state": z.enum(["up", "down"]).default("up").describe("up turns the service up; down removes the workload and revokes its tokens, keeping the namespace and runway:keepData."),
  "runway:installFlux": z.boolean().default(true).describe("Install Flux; false reuses a Flux (2.6 or later) already on the cluster."),
  "runway:values": helmValues.default({}).describe("Extra chart values, e.g. environment variables that point the service at the customer's LLM; `serviceAccount` and `env.RUNWAY_*` are set by Runway."),
  "runway:egress": z
    .array(egressAllow)
    .min(1)
    .describe("Networks the workload may reach besides cluster DNS (K2): at least the GitLab instance, marked `gitlab: true`, usually the LLM endpoint too."),
  "runway:kubeApiServer": z
    .array(networkAllow)
    .default([])
    .describe("The Kubernetes API server's addresses as pods reach them (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes): the registration hook records its outcome there. Required to turn up."),
  "runway:gitlabCaFile": z
    .string()
    .min(1)
    .describe("PEM file of the CA that signed GitLab's TLS certificate, when it is private, relative to the project root or absolute; the registration hook trusts it. Default: public CAs.")
    .optional(),
  "runway:registrationRetry": z.int().min(0).default(0).describe("Raise it by one to run the registration callback again, e.g. after GitLab refused it and the cause is fixed."),
  "runway:ingress": z.array(networkAllow).default([]).describe("Networks that may reach the workload (K2), e.g. the GitLab instance calling the service. Default none."),
  "runway:quota": z
    .strictObject({
      cpu: cpuQuantity.describe("Requested CPU of the namespace; limits are twice this."),
      memory: memoryQuantity.describe("Requested memory of the namespace; limits are twice this."),
      pods: z.int().min(1).max(1000),
    })
    .default({ cpu: "4", memory: "8Gi", pods: 30 })
    .describe("Namespace quota (K3), as for a Runway tenant."),
  "runway:keepData": z.array(dnsLabel(63)).default([]).describe("PersistentVolumeClaims of the workload kept on turn-down (annotated helm.sh/resource-policy: keep)."),
  ...common,
});

/** The one subnet of a regional stack: its region's, in the environment's VPC. */
const regionNetwork = z
  .strictObject({
    subnets: z.array(subnet).length(1, { error: "a regional stack has exactly one subnet: its cluster's region's" }),
  })
  .describe("The region's subnet in the environment's VPC (the platform stack owns the VPC).");

export const regionConfigSchema = z.strictObject({
  "runway:kind": z.literal("region"),
  "runway:environment": dnsLabel(20).describe(
    "Environment this stack adds a region to. Its platform stack (the primary region) owns the project, the VPC, the global load balancer and the Vault mount; this stack adds one regional cluster to them.",
  ),
  "runway:catalogDir": z.string().default("services").describe("Directory of the service catalog; the same as the platform stack's."),
  "runway:network": regionNetwork,
  "runway:cluster": cluster,
  "runway:gitlabToken": secureValue.describe("GitLab API token that registers the regional cluster's GitLab agent: pulumi config set --secret runway:gitlabToken."),
  "runway:observability": observability.describe("Notification channels of the regional cluster's and its tenants' alerts; none listed: the platform stack's."),
  ...common,
});

export const dedicatedTenantConfigSchema = z.strictObject({
  "runway:kind": z.literal("dedicated-tenant"),
  "runway:tenant": dnsLabel(20).describe("The GitLab Dedicated customer, e.g. acme: names its instance's environment (dedicated-<tenant>), hosts, Vault path and resources."),
  "runway:services": z
    .array(dnsLabel(40))
    .min(1, { error: "list at least one catalog entry, e.g. [ai-gateway]" })
    .describe("Catalog entries (services/<name>.yaml) to turn up for the customer, each from its own chart."),
  "runway:gitlabRelease": gitlabRelease.describe("The customer's GitLab Dedicated release; every service's chart is pinned to tag gitlab-<release>."),
  "runway:gitlabUrl": gitlabInstanceUrl.describe("The customer's GitLab Dedicated instance, passed to the services as RUNWAY_GITLAB_URL."),
  "runway:isolation": z
    .enum(["cluster", "namespace"])
    .default("cluster")
    .describe(
      "cluster: the customer's own project, VPC and GKE cluster (runway:network, runway:cluster). namespace: the customer's own project for its identities, with its services as namespaces on a shared cluster of runway:host. docs/dedicated.md compares them.",
    ),
  "runway:residency": z.enum(JURISDICTION_CODES).describe("Jurisdiction the customer's services must run in, e.g. eu; the region must lie in it.").optional(),
  "runway:host": z
    .strictObject({
      environment: dnsLabel(20).describe("Environment whose shared cluster hosts the customer's namespaces."),
      region: gcpRegion.describe("Region of that environment's cluster; default its primary region.").optional(),
    })
    .describe("Where namespace isolation runs the customer's services; only with runway:isolation: namespace.")
    .optional(),
  "runway:domain": z
    .string()
    .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS domain such as runway.gitlab.net" })
    .describe("DNS domain of the customer's hosts <service>.dedicated-<tenant>.<domain>; cluster isolation only.")
    .optional(),
  "runway:catalogDir": z.string().default("services").describe("Directory of the service catalog."),
  "runway:gcp": gcp,
  "runway:network": network.optional(),
  "runway:cluster": cluster.optional(),
  "runway:gitlab": gitlab.optional(),
  "runway:gitlabToken": secureValue.describe("GitLab API token that registers the customer cluster's GitLab agent; cluster isolation only.").optional(),
  "runway:vault": vault.optional(),
  "runway:observability": observability,
  ...common,
});

export const stackConfigSchema = z.discriminatedUnion("runway:kind", [platformConfigSchema, serviceConfigSchema, selfhostedConfigSchema, regionConfigSchema, dedicatedTenantConfigSchema]);

export type StackConfig = z.output<typeof stackConfigSchema>;
export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type SelfhostedConfig = z.output<typeof selfhostedConfigSchema>;
export type RegionConfig = z.output<typeof regionConfigSchema>;
export type DedicatedTenantConfig = z.output<typeof dedicatedTenantConfigSchema>;
export type ClusterConfig = z.output<typeof cluster>;
export type NetworkConfig = z.output<typeof network>;
export type GcpConfig = z.output<typeof gcp>;
export type GitlabConfig = z.output<typeof gitlab>;
export type VaultConfig = z.output<typeof vault>;
export type DedicatedDefaults = z.output<typeof dedicatedDefaults>;
export type AddressPool = z.output<typeof addressPool>;

/** The whole stack file: Pulumi's own keys plus `config`. */
export const stackFileSchema = z
  .strictObject({
    config: stackConfigSchema,
    secretsprovider: z.string().optional(),
    encryptedkey: z.string().optional(),
    encryptionsalt: z.string().optional(),
  })
  .describe("A Runway stack file, stacks/Pulumi.<stack>.yaml.");
