/**
 * GitLab Dedicated tenants: a customer's own instance of chosen services, with cluster isolation (own project,
 * VPC, cluster, hosts, Vault mount) or namespace isolation (own project for identities, namespaces on a host
 * environment's cluster), pinned to the customer's GitLab release.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../src/config/catalog";
import { catalogContext, crossStackProblems, loadAllStacks } from "../src/config/project";
import { loadStackFile } from "../src/config/stack";
import { hostedInstances } from "../src/config/dedicated";
import { environmentTopology } from "../src/config/topology";
import { tenantsOfCluster } from "../src/platform/regional";
import type { PlannedResource } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";
import { type Recorded, withFinders } from "./helpers/pulumi";

const ROOT = path.join(__dirname, "..");
const stacks = loadAllStacks(ROOT);
const catalog = loadCatalog(path.join(ROOT, "services"), catalogContext(stacks));
const inputs = <V = Record<string, unknown>>(r: PlannedResource) => r.inputs as V;

/** Problems of an edited copy of an example stack file, against the other example stacks and the catalog. */
function problems(example: string, edit: (t: string) => string): string[] {
  const text = edit(readFileSync(path.join(ROOT, "stacks", `Pulumi.${example}.yaml`), "utf8"));
  const dir = mkdtempSync(path.join(tmpdir(), "runway-dedicated-"));
  const file = path.join(dir, `Pulumi.${example}.yaml`);
  writeFileSync(file, text);
  try {
    const stack = loadStackFile(file);
    return crossStackProblems(stack, [stack, ...stacks.filter((s) => s.name !== example)], catalog).map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`);
  } catch (e) {
    return (e as { diagnostics?: { line: number; column: number; path: string; message: string }[] }).diagnostics?.map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`) ?? [String(e)];
  }
}

describe("cluster isolation (acme)", () => {
  let p: Recorded;
  beforeAll(async () => {
    p = withFinders(await planStack("dedicated-acme"));
  }, 60_000);

  it("plans the customer's own protected project and cluster in its region", () => {
    expect(p.one("gcp:organizations/project:Project").inputs).toMatchObject({ projectId: "gl-dedicated-acme" });
    const c = p.one("gcp:container/cluster:Cluster");
    expect(c.protect).toBe(true);
    expect(inputs(c)).toMatchObject({ name: "dedicated-acme", location: "europe-west4", project: "gl-dedicated-acme" });
  });

  it("pins every service to the customer's GitLab release and tells it the customer's instance", () => {
    const source = p.one("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "ai-gateway-source");
    expect(inputs(source)).toMatchObject({ spec: { ref: { tag: "gitlab-17.9" }, url: "oci://registry.gitlab.com/gitlab-com/gl-infra/platform/runway/charts/ai-gateway" } });
    const release = p.one("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", "ai-gateway-release");
    expect(inputs(release)).toMatchObject({
      spec: { values: { env: { RUNWAY_GITLAB_URL: "https://acme.gitlab-dedicated.com", RUNWAY_STAGE: "gitlab-17.9", RUNWAY_HOST: "ai-gateway.dedicated-acme.runway.gitlab.net" } } },
    });
  });

  it("has its own host, certificate and Vault mount", () => {
    expect(p.outputs).toMatchObject({ hosts: ["ai-gateway.dedicated-acme.runway.gitlab.net"], isolation: "cluster", region: "europe-west4", externalAddress: expect.stringMatching(/^34\./) });
    expect(p.outputs.dnsAuthorizationRecords).toEqual([expect.objectContaining({ name: expect.stringMatching(/\.dedicated-acme\.runway\.gitlab\.net\.$/), type: "CNAME" })]);
    expect(p.one("gcp:certificatemanager/certificate:Certificate", "dedicated-acme-gateway-global").inputs).toMatchObject({ project: "gl-dedicated-acme", managed: { domains: ["*.dedicated-acme.runway.gitlab.net", "dedicated-acme.runway.gitlab.net"] } });
    expect(p.one("vault:index/mount:Mount").inputs).toMatchObject({ path: "runway/env/dedicated-acme" });
    expect(p.one("vault:index/mount:Mount").protect).toBe(true);
  });

  it("tells each service's team what it gets on the customer's cluster, as the merge request's note reads it", () => {
    const tenants = p.outputs.tenants as Record<string, Record<string, unknown>>;
    expect(Object.keys(tenants)).toEqual(["ai-gateway"]);
    expect(tenants["ai-gateway"]).toMatchObject({
      environment: "dedicated-acme",
      stack: "dedicated-acme",
      project: "gl-dedicated-acme",
      url: "https://ai-gateway.dedicated-acme.runway.gitlab.net",
      gcpServiceAccount: "rw-ai-gateway@gl-dedicated-acme.iam.gserviceaccount.com",
      vault: expect.objectContaining({ mount: "runway/env/dedicated-acme" }),
    });
  });

  it("gives the service's own CI no access into the customer's cluster", () => {
    const config = p.ofType("pulumi-nodejs:dynamic:Resource").find((r) => r.name === "dedicated-acme-agent-config");
    expect(JSON.stringify(config?.inputs)).not.toContain("code-suggestions/ai-assist");
  });

  it("passes every guardrail", () => {
    expect(checkPlan(p).violations.filter((v) => v.severity === "mandatory")).toEqual([]);
  });
});

describe("namespace isolation (globex)", () => {
  let own: Recorded;
  let host: Recorded;
  beforeAll(async () => {
    own = withFinders(await planStack("dedicated-globex"));
    host = withFinders(await planStack("platform-production"));
  }, 60_000);

  it("the customer's own project holds each service's identity, bound to its namespace on the host's pool", () => {
    expect(own.one("gcp:organizations/project:Project").inputs).toMatchObject({ projectId: "gl-dedicated-globex" });
    expect(own.one("gcp:serviceaccount/account:Account").inputs).toMatchObject({ accountId: "rw-ai-gateway", project: "gl-dedicated-globex" });
    expect(own.one("gcp:serviceaccount/iAMMember:IAMMember").inputs).toMatchObject({
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:gl-runway-production.svc.id.goog[globex-ai-gateway/globex-ai-gateway]",
    });
    expect(own.ofType("gcp:container/cluster:Cluster")).toEqual([]);
  });

  it("the host environment runs the instance as its own isolated namespace, as the customer's identity, pinned to its release", () => {
    expect(host.one("kubernetes:core/v1:Namespace", "globex-ai-gateway").protect).toBe(true);
    expect(inputs(host.one("kubernetes:core/v1:ServiceAccount", "globex-ai-gateway-workload"))).toMatchObject({
      metadata: { annotations: { "iam.gke.io/gcp-service-account": "rw-ai-gateway@gl-dedicated-globex.iam.gserviceaccount.com" } },
    });
    expect(host.ofType("gcp:serviceaccount/account:Account").filter((a) => a.name.startsWith("globex"))).toEqual([]);
    expect(inputs(host.one("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository", "globex-ai-gateway-source"))).toMatchObject({ spec: { ref: { tag: "gitlab-17.8" } } });
    expect(inputs(host.one("kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "globex-ai-gateway-observability-scrape"))).toMatchObject({
      spec: { selector: { matchLabels: { "app.kubernetes.io/name": "ai-gateway" } } },
    });
  });

  it("the host's tenants output names the identity the instance acts as: the customer's account", () => {
    const tenants = host.outputs.tenants as Record<string, { gcpServiceAccount?: string; project: string }>;
    expect(tenants["globex-ai-gateway"]).toMatchObject({ gcpServiceAccount: "rw-ai-gateway@gl-dedicated-globex.iam.gserviceaccount.com", project: "gl-runway-production" });
  });

  it("has its own host and Vault path", () => {
    expect(own.outputs).toMatchObject({ hosts: ["globex-ai-gateway.production.runway.gitlab.net"], hostEnvironment: "production" });
    expect(inputs(host.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "globex-ai-gateway-route"))).toMatchObject({ spec: { hostnames: ["globex-ai-gateway.production.runway.gitlab.net"] } });
    const policy = host.one("vault:index/policy:Policy", "globex-ai-gateway-vault-policy");
    expect(String(inputs<{ policy: string }>(policy).policy)).toContain("runway/env/production/data/service/");
    expect(inputs(host.one("vault:kubernetes/authBackendRole:AuthBackendRole", "globex-ai-gateway-vault-role"))).toMatchObject({ boundServiceAccountNamespaces: ["globex-ai-gateway"] });
  });

  it("both stacks pass every guardrail", () => {
    for (const p of [own, host]) expect(checkPlan(p).violations.filter((v) => v.severity === "mandatory"), p.stack).toEqual([]);
  });
});

describe("namespace isolation on a further region of the host environment", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-dedicated-")), "Pulumi.dedicated-initech.yaml");
  writeFileSync(
    file,
    readFileSync(path.join(ROOT, "stacks", "Pulumi.dedicated-globex.yaml"), "utf8")
      .replace("runway:tenant: globex", "runway:tenant: initech")
      .replace("projectId: gl-dedicated-globex", "projectId: gl-dedicated-initech")
      .replace("runway:residency: us", "runway:residency: eu")
      .replace("    environment: production\n    region: us-east1\n", "    environment: staging\n    region: europe-west4\n"),
  );
  const all = [...stacks, loadStackFile(file)];
  const topo = environmentTopology(all, "staging");
  if (!topo) throw new Error("the examples define staging");
  const instances = hostedInstances("staging", all, catalog.map((c) => c.entry));

  it("is hosted by the environment, in its region, with its identity in the customer's project", () => {
    expect(instances.map((t) => [t.name, t.regions, t.identityProject, t.stage])).toEqual([["initech-ai-gateway", ["europe-west4"], "gl-dedicated-initech", "gitlab-17.8"]]);
    expect(crossStackProblems(all[all.length - 1], all, catalog)).toEqual([]);
  });

  it("runs in the region's cluster and is routed by the primary, which holds its namespace without a workload", () => {
    const byCluster = (region: string) => tenantsOfCluster(topo, region, instances).map((t) => ({ name: t.spec.name, workload: t.workload, global: t.global, exportToFleet: t.exportToFleet }));
    expect(byCluster("europe-west4")).toEqual([{ name: "initech-ai-gateway", workload: true, global: false, exportToFleet: true }]);
    expect(byCluster("us-east1")).toEqual([{ name: "initech-ai-gateway", workload: false, global: true, exportToFleet: false }]);
    expect(byCluster("asia-northeast1")).toEqual([]);
  });
});

describe("validation of a Dedicated tenant", () => {
  it("the examples are valid", () => {
    expect(problems("dedicated-acme", (t) => t)).toEqual([]);
    expect(problems("dedicated-globex", (t) => t)).toEqual([]);
  });

  it("a service that is not in the catalog is refused at its position", () => {
    expect(problems("dedicated-acme", (t) => t.replace("runway:services: [ai-gateway]", "runway:services: [ai-gateway, ai-gatewey]"))).toEqual([
      "11:33: config.runway:services[1]: no catalog entry named 'ai-gatewey'; add services/ai-gatewey.yaml or fix the name",
    ]);
  });

  it("a region outside the customer's residency is refused", () => {
    expect(problems("dedicated-acme", (t) => t.replace("runway:residency: eu", "runway:residency: uk"))).toEqual([
      "33:13: config.runway:cluster.region: europe-west4 is outside the customer's residency uk (United Kingdom) (runway:residency); choose a region in uk",
    ]);
  });

  it("a service whose residency excludes the customer's region is refused", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "runway-dedicated-catalog-"));
    const eu = readFileSync(path.join(ROOT, "services", "ai-gateway.yaml"), "utf8").replace("  placement: shared\n", "  placement: shared\n  residency: eu\n");
    writeFileSync(path.join(dir, "ai-gateway.yaml"), eu);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-dedicated-")), "Pulumi.dedicated-globex.yaml");
    writeFileSync(file, readFileSync(path.join(ROOT, "stacks", "Pulumi.dedicated-globex.yaml"), "utf8"));
    const stack = loadStackFile(file);
    const withEu = catalog.map((c) => (c.entry.metadata.name === "ai-gateway" ? { ...c, entry: { ...c.entry, spec: { ...c.entry.spec, residency: "eu" as const } } } : c));
    expect(crossStackProblems(stack, [stack, ...stacks.filter((s) => s.name !== "dedicated-globex")], withEu).map((d) => d.message)).toEqual([
      expect.stringMatching(/^ai-gateway has residency eu \(European Union\) \(.*ai-gateway\.yaml\), but this customer runs in us-east1; choose a region in eu$/),
    ]);
  });

  it("namespace isolation on a region its host environment lacks is refused", () => {
    expect(problems("dedicated-globex", (t) => t.replace("    region: us-east1\n  runway:gcp", "    region: europe-west4\n  runway:gcp"))).toEqual([
      "15:13: config.runway:host.region: europe-west4 is not a region of production (regions: us-east1)",
    ]);
  });

  it("each isolation names the keys it needs and refuses the other's", () => {
    expect(problems("dedicated-globex", (t) => t.replace("runway:isolation: namespace", "runway:isolation: cluster"))).toEqual([
      "6:3: config: cluster isolation builds the customer's own cluster: add runway:network",
      "6:3: config: cluster isolation builds the customer's own cluster: add runway:cluster",
      "6:3: config: cluster isolation builds the customer's own cluster: add runway:gitlab",
      "6:3: config: cluster isolation builds the customer's own cluster: add runway:gitlabToken",
      "6:3: config: cluster isolation builds the customer's own cluster: add runway:domain",
      "14:5: config.runway:host: runway:host is for namespace isolation; remove it, or set runway:isolation: namespace",
    ]);
  });

  it("a tenant id another stack already uses is refused", () => {
    expect(problems("dedicated-globex", (t) => t.replace("runway:tenant: globex", "runway:tenant: acme"))).toEqual([
      "7:18: config.runway:tenant: tenant 'acme' already has a stack (dedicated-acme); one stack per Dedicated customer",
    ]);
  });
});
