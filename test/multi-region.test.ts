/**
 * The example AI Gateway entry in three regions of staging: the regional clusters, the fleet, the global route with
 * health-checked failover, and per-region and total observability, as the example stacks plan them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { HealthCheckPolicy } from "@kubernetes-models/gke/networking.gke.io/v1";
import { ServiceExport } from "@kubernetes-models/gke/net.gke.io/v1";
import { Gateway, HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { describeService } from "../src/cli/describe";
import type { Plan, PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";
import { withFinders, type Recorded } from "./helpers/pulumi";

const ROOT = path.join(__dirname, "..");
const T = {
  cluster: "gcp:container/cluster:Cluster",
  membership: "gcp:gkehub/membership:Membership",
  feature: "gcp:gkehub/feature:Feature",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  health: "kubernetes:networking.gke.io/v1:HealthCheckPolicy",
  export: "kubernetes:net.gke.io/v1:ServiceExport",
  account: "gcp:serviceaccount/account:Account",
  ksa: "kubernetes:core/v1:ServiceAccount",
  dashboard: "gcp:monitoring/dashboard:Dashboard",
  alert: "gcp:monitoring/alertPolicy:AlertPolicy",
  release: "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease",
  namespace: "kubernetes:core/v1:Namespace",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  iam: "gcp:projects/iAMMember:IAMMember",
};
const REGIONS = { "platform-staging": "us-east1", "platform-staging-europe-west4": "europe-west4", "platform-staging-asia-northeast1": "asia-northeast1" } as const;
type Stack = keyof typeof REGIONS;

const plans = {} as Record<Stack | "platform-production", Recorded>;
beforeAll(async () => {
  for (const s of [...(Object.keys(REGIONS) as Stack[]), "platform-production" as const]) plans[s] = withFinders(await planStack(s));
}, 120_000);

/** The models' validate() is not visible to tsc under this project's module settings. */
const validate = (model: object) => (model as { validate(): void }).validate();
const inputs = <V = Record<string, unknown>>(r: PlannedResource) => r.inputs as V;
const named = (p: Plan, type: string, name: string) => p.resources.filter((r) => r.type === type && r.name === name);

describe("regional clusters", () => {
  it("each region's stack plans a protected cluster in its region, in the environment's project and VPC", () => {
    for (const [stack, region] of Object.entries(REGIONS) as [Stack, string][]) {
      const c = plans[stack].one(T.cluster);
      expect(c.protect, stack).toBe(true);
      expect(inputs(c), stack).toMatchObject({ location: region, project: "gl-runway-staging", deletionProtection: true });
    }
    const eu = inputs(plans["platform-staging-europe-west4"].one(T.cluster));
    expect(eu.network).toBe("projects/gl-runway-staging/global/networks/runway-staging");
    expect(plans["platform-staging-europe-west4"].one(T.subnet).inputs).toMatchObject({ region: "europe-west4", ipCidrRange: "10.11.0.0/20", network: "projects/gl-runway-staging/global/networks/runway-staging" });
  });

  it("the regional clusters pass every guardrail of the security checklist", () => {
    for (const stack of Object.keys(REGIONS) as Stack[]) expect(checkPlan(plans[stack]).violations.filter((v) => v.severity === "mandatory"), stack).toEqual([]);
  });

  it("every cluster of the environment joins the fleet under its own name, in its region", () => {
    for (const [stack, region] of Object.entries(REGIONS) as [Stack, string][]) {
      const name = region === "us-east1" ? "runway-staging" : `runway-staging-${region}`;
      expect(inputs(plans[stack].one(T.membership)), stack).toEqual({
        project: "gl-runway-staging",
        membershipId: name,
        location: region,
        endpoint: { gkeCluster: { resourceLink: `//container.googleapis.com/projects/gl-runway-staging/locations/${region}/clusters/${name}` } },
      });
    }
  });

  it("an environment of one region gets no fleet", () => {
    expect(plans["platform-production"].resources.filter((r) => r.type.startsWith("gcp:gkehub/") || r.type === T.export)).toEqual([]);
  });
});

describe("global routing", () => {
  const primary = () => plans["platform-staging"];

  it("the primary cluster is the config cluster of the multi-cluster Gateway, with multi-cluster Services on", () => {
    const features = primary().ofType(T.feature).map((f) => inputs(f));
    expect(features).toContainEqual({ project: "gl-runway-staging", location: "global", name: "multiclusterservicediscovery" });
    expect(features).toContainEqual({
      project: "gl-runway-staging",
      location: "global",
      name: "multiclusteringress",
      spec: { multiclusteringress: { configMembership: "projects/gl-runway-staging/locations/us-east1/memberships/runway-staging" } },
    });
  });

  it("the multi-cluster Gateway serves the environment's wildcard on the global certificate map and an address of its own", () => {
    const gw = named(primary(), T.gateway, "runway-staging-gateway-multi-region")[0];
    validate(new Gateway(gw.inputs as never));
    expect(inputs(gw)).toMatchObject({
      metadata: { name: "global", namespace: "runway-gateway", annotations: { "networking.gke.io/certmap": "runway-staging-gateway" } },
      spec: { gatewayClassName: "gke-l7-global-external-managed-mc", addresses: [{ type: "NamedAddress", value: "runway-staging-gateway-multi-region" }] },
    });
    expect((inputs<{ spec: { listeners: { hostname: string }[] } }>(gw)).spec.listeners.map((l) => l.hostname)).toEqual(["*.staging.runway.gitlab.net"]);
  });

  it("AI Gateway's one host is sent to the service imported from every region", () => {
    const route = primary().one(T.route, "ai-gateway-global-route");
    validate(new HTTPRoute(route.inputs as never));
    expect(inputs(route)).toMatchObject({
      metadata: { name: "ai-gateway-global", namespace: "ai-gateway" },
      spec: {
        hostnames: ["ai-gateway.staging.runway.gitlab.net"],
        parentRefs: [{ kind: "Gateway", name: "global", namespace: "runway-gateway" }],
        rules: [{ backendRefs: [{ group: "net.gke.io", kind: "ServiceImport", name: "ai-gateway", port: 8080 }] }],
      },
    });
  });

  it("the load balancer's health check judges each region by the service's readiness path on its pods' port", () => {
    const hc = primary().one(T.health);
    validate(new HealthCheckPolicy(hc.inputs as never));
    expect(inputs(hc)).toMatchObject({
      metadata: { name: "ai-gateway", namespace: "ai-gateway" },
      spec: {
        default: { config: { type: "HTTP", httpHealthCheck: { port: 5052, requestPath: "/monitoring/ready" } }, unhealthyThreshold: 2 },
        targetRef: { group: "net.gke.io", kind: "ServiceImport", name: "ai-gateway" },
      },
    });
  });

  it("AI Gateway is exported to the fleet from each of its three regions", () => {
    for (const stack of Object.keys(REGIONS) as Stack[]) {
      const e = plans[stack].one(T.export);
      validate(new ServiceExport(e.inputs as never));
      expect(inputs(e), stack).toMatchObject({ metadata: { name: "ai-gateway", namespace: "ai-gateway" } });
    }
  });

  it("a regional cluster runs only the services that list its region, and routes none itself", () => {
    for (const stack of ["platform-staging-europe-west4", "platform-staging-asia-northeast1"] as const) {
      expect(plans[stack].ofType(T.release).map((r) => r.name), stack).toEqual(["ai-gateway-release"]);
      expect(plans[stack].ofType(T.route), stack).toEqual([]);
      expect(plans[stack].ofType(T.gateway), stack).toEqual([]);
    }
  });

  it("single-region services keep their route on the primary's own Gateway and join no fleet", () => {
    const p = primary();
    expect(inputs(p.one(T.route, "duo-workflow-service-route"))).toMatchObject({ spec: { parentRefs: [{ name: "external" }] } });
    expect(p.ofType(T.export).map((e) => e.name)).toEqual(["ai-gateway-export"]);
  });

  it("the platform stack outputs the multi-cluster Gateway's address and the hosts to point at it", () => {
    expect(primary().outputs).toMatchObject({ multiRegionAddress: expect.stringMatching(/^34\./), multiRegionHosts: ["ai-gateway.staging.runway.gitlab.net"] });
    expect(plans["platform-production"].outputs).not.toHaveProperty("multiRegionAddress");
  });

  it("the fleet's controllers get exactly the roles Google's setup prescribes", () => {
    const grants = primary()
      .ofType(T.iam)
      .filter((r) => r.name.startsWith("runway-staging-fleet-"))
      .map((r) => [inputs<{ role: string }>(r).role, inputs<{ member: string }>(r).member]);
    expect(grants).toEqual([
      ["roles/container.admin", expect.stringMatching(/^serviceAccount:service-\d+@gcp-sa-multiclusteringress\.iam\.gserviceaccount\.com$/)],
      ["roles/compute.networkViewer", "serviceAccount:gl-runway-staging.svc.id.goog[gke-mcs/gke-mcs-importer]"],
    ]);
  });
});

describe("workload identity across regions", () => {
  it("the primary creates the service's one account; the regions' pods use it and create none", () => {
    expect(named(plans["platform-staging"], T.account, "ai-gateway-workload")).toHaveLength(1);
    for (const stack of ["platform-staging-europe-west4", "platform-staging-asia-northeast1"] as const) {
      expect(plans[stack].ofType(T.account).filter((a) => a.name.startsWith("ai-gateway")), stack).toEqual([]);
      const ksa = named(plans[stack], T.ksa, "ai-gateway-workload")[0];
      expect(inputs(ksa), stack).toMatchObject({ metadata: { annotations: { "iam.gke.io/gcp-service-account": "rw-ai-gateway@gl-runway-staging.iam.gserviceaccount.com" } } });
    }
  });
});

describe("observability per region and in total", () => {
  const titles = (p: Plan, type: string, prefix: string) =>
    p.resources.filter((r) => r.type === type && r.name.startsWith(prefix)).map((r) => (type === T.dashboard ? JSON.parse(inputs<{ dashboardJson: string }>(r).dashboardJson).displayName : inputs<{ displayName: string }>(r).displayName));

  it("the tenants output names only dashboards and alerts the environment's stacks create: the total ones for a service in several regions", () => {
    const all = (type: string) => Object.keys(REGIONS).flatMap((s) => titles(plans[s as Stack], type, ""));
    const tenants = plans["platform-staging"].outputs.tenants as Record<string, { dashboard?: { title: string }; alerts?: string[] }>;
    for (const [name, t] of Object.entries(tenants)) {
      expect(all(T.dashboard), name).toContain(t.dashboard?.title);
      for (const a of t.alerts ?? []) expect(all(T.alert), name).toContain(a);
    }
    expect(tenants["ai-gateway"].dashboard?.title).toBe("Runway ai-gateway (staging, all regions)");
    expect(tenants["ai-gateway"].alerts).toContain("Runway ai-gateway (staging, all regions): 5xx ratio above 5%");
  });

  it("runway describe says what the tenants output says for a service in several regions", () => {
    const described = describeService(ROOT, "ai-gateway", "staging");
    const output = (plans["platform-staging"].outputs.tenants as Record<string, { dashboard: { title: string }; alerts: string[] }>)["ai-gateway"];
    expect(typeof described === "string" ? described : { title: described[0].dashboard?.title, alerts: described[0].alerts }).toEqual({ title: output.dashboard.title, alerts: output.alerts });
  });

  it("each region's dashboard and alert name the region", () => {
    for (const [stack, region] of Object.entries(REGIONS) as [Stack, string][]) {
      expect(titles(plans[stack], T.dashboard, "ai-gateway-observability"), stack).toEqual([`Runway ai-gateway (staging, ${region})`]);
      expect(titles(plans[stack], T.alert, "ai-gateway-observability"), stack).toEqual([`Runway ai-gateway (staging, ${region}): 5xx ratio above 5%`]);
    }
  });

  it("the total dashboard and alerts cover exactly the three regions, with an alert per region whose traffic fails over", () => {
    const p = plans["platform-staging"];
    expect(titles(p, T.dashboard, "ai-gateway-all-regions")).toEqual(["Runway ai-gateway (staging, all regions)"]);
    expect(titles(p, T.alert, "ai-gateway-all-regions").sort()).toEqual([
      "Runway ai-gateway (staging): no pod answering in any region",
      "Runway ai-gateway (staging): no pod answering in asia-northeast1",
      "Runway ai-gateway (staging): no pod answering in europe-west4",
      "Runway ai-gateway (staging): no pod answering in us-east1",
      "Runway ai-gateway (staging, all regions): 5xx ratio above 5%",
    ]);
    const anywhere = p.one(T.alert, "ai-gateway-all-regions-no-backends");
    expect(inputs(anywhere)).toMatchObject({ severity: "CRITICAL" });
    expect(JSON.stringify(anywhere.inputs)).toContain('cluster=~\\"runway-staging|runway-staging-asia-northeast1|runway-staging-europe-west4\\"');
  });

  it("a regional stack that lists no notification channels notifies the environment's", () => {
    const channels = (stack: Stack) => plans[stack].ofType(T.alert).map((a) => inputs<{ notificationChannels: string[] }>(a).notificationChannels);
    for (const stack of ["platform-staging-europe-west4", "platform-staging-asia-northeast1"] as const) {
      expect(new Set(channels(stack).flat()), stack).toEqual(new Set(["projects/gl-runway-staging/notificationChannels/1234567890"]));
      expect(channels(stack).every((c) => c.length === 1), stack).toBe(true);
    }
  });

  it("single-region services keep their dashboard title", () => {
    expect(titles(plans["platform-staging"], T.dashboard, "duo-workflow-service-observability")).toEqual(["Runway duo-workflow-service (staging)"]);
  });
});

describe("a service that runs only outside the primary region", () => {
  let p: Recorded;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "runway-eu-only-"));
    const eu = readFileSync(path.join(ROOT, "services", "duo-workflow-service.yaml"), "utf8").replace("  environments: [staging, production]\n", "  environments: [staging]\n  residency: eu\n  regions: [europe-west4]\n")
      .replace(/\n {2}overrides:\n[^]*$/, "\n");
    writeFileSync(path.join(dir, "duo-workflow-service.yaml"), eu);
    p = withFinders(await planStack("platform-staging", { catalogDir: dir }));
  }, 60_000);

  it("keeps its isolated namespace, identity and global route on the primary, without a workload there", () => {
    expect(p.one(T.namespace, "duo-workflow-service").protect).toBe(true);
    expect(named(p, T.account, "duo-workflow-service-workload")).toHaveLength(1);
    expect(named(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "duo-workflow-service-default-deny")).toHaveLength(1);
    expect(named(p, "kubernetes:core/v1:ResourceQuota", "duo-workflow-service-quota")).toHaveLength(1);
    expect(p.ofType(T.release).filter((r) => r.name.startsWith("duo-workflow-service"))).toEqual([]);
    expect(p.ofType(T.export).filter((r) => r.name.startsWith("duo-workflow-service"))).toEqual([]);
    expect(named(p, T.route, "duo-workflow-service-global-route")).toHaveLength(1);
    expect(named(p, T.route, "duo-workflow-service-route")).toEqual([]);
  });

  it("passes the guardrails", () => {
    expect(checkPlan(p).violations.filter((v) => v.severity === "mandatory")).toEqual([]);
  });
});
