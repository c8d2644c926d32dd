/**
 * Dedicated services from the catalog alone (src/config/derived.ts, src/ipam/): a `placement: dedicated` entry is
 * enough for a complete project and cluster whose ranges overlap nothing and never move.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { validateCommand } from "../src/cli/validate";
import { projectProblems } from "../src/config/cross-stack";
import { loadProjectStacks } from "../src/config/project";
import { pulumiConfigOfFile } from "../src/config/pulumi-config";
import { cidrsOverlap } from "../src/config/schema/common";
import { stackRanges } from "../src/config/stack";
import { loadLedger } from "../src/ipam/ledger";
import { allocate, poolCapacity, slotRanges } from "../src/ipam/slots";
import { derivedProjectId } from "../src/naming";
import { planStack } from "../src/plan/stack-plan";
import { catalogEntry, catalogWith, projectWith, ROOT } from "./helpers/project";

const T = {
  project: "gcp:organizations/project:Project",
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  namespace: "kubernetes:core/v1:Namespace",
  release: "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease",
};

const NEW_ENTRY = catalogEntry("code-review", "  environments: [staging, production]\n  placement: dedicated\n");
const PLATFORM_PRODUCTION = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-production.yaml"), "utf8");

describe("a new placement: dedicated catalog entry, with no other file", () => {
  const catalog = catalogWith({ "code-review.yaml": NEW_ENTRY });
  const project = loadProjectStacks(ROOT, { catalogDir: catalog });

  it("gets a service stack in each environment it lists", () => {
    expect(project.derived.map((s) => s.name).sort()).toEqual(["code-review-production", "code-review-staging", "duo-workflow-service-production"]);
  });

  it("plans a complete dedicated project and cluster", async () => {
    const plan = await planStack("code-review-production", { catalogDir: catalog });
    const one = (type: string) => plan.resources.filter((r) => r.type === type);
    expect(one(T.project).map((r) => r.inputs.projectId)).toEqual(["gl-code-review-prod"]);
    expect(one(T.project)[0].inputs).toMatchObject({ folderId: "805818759045", billingAccount: "01ABCD-234567-89ABCD" });
    expect(one(T.cluster)).toHaveLength(1);
    expect(one(T.cluster)[0].inputs).toMatchObject({ name: "code-review-production", location: "us-east1" });
    expect(one(T.nodePool).map((r) => r.inputs.nodeConfig)).toEqual([expect.objectContaining({ machineType: "e2-standard-4" })]);
    expect(one(T.namespace).map((r) => r.name)).toContain("code-review");
    expect(one(T.release)).toHaveLength(1);
    expect(plan.resources.some((r) => r.type.startsWith("runway:cluster:GitLabAgent"))).toBe(true);
    expect(plan.resources.some((r) => r.type === "runway:cluster:VaultIntegration")).toBe(true);
    expect((plan.outputs.tenants as Record<string, { url: string }>)["code-review"].url).toBe("https://code-review.production.runway.gitlab.net");
  }, 60_000);

  it("has the environment's stages, domain, Vault and GitLab settings, and its own address slot", () => {
    const s = project.derived.find((x) => x.name === "code-review-production");
    const c = s?.config;
    if (c?.["runway:kind"] !== "service") throw new Error("not a service stack");
    expect(c["runway:stages"]).toEqual(["production-canary", "production"]);
    expect(c["runway:vault"]?.address).toBe("https://vault.ops.gke.gitlab.net");
    expect(c["runway:gitlab"].agentProject).toBe("gitlab-com/gl-infra/platform/runway/deployments");
    // duo-workflow-service holds slot 0 (ipam/production.yaml); the next free one is slot 1.
    expect(c["runway:network"]?.subnets).toEqual([{ region: "us-east1", cidr: "10.42.64.0/20", services: "10.42.80.0/20", proxyOnly: "10.42.96.0/23", pods: "10.164.0.0/14" }]);
  });

  it("overlaps no range of any other stack, pool or recorded allocation", () => {
    expect(projectProblems(project.all, project.ledgers)).toEqual([]);
    const mine = project.derived.filter((s) => s.name.startsWith("code-review-")).flatMap(stackRanges);
    const others = project.all.filter((s) => !s.name.startsWith("code-review-")).flatMap(stackRanges);
    for (const a of mine) for (const b of others) expect(cidrsOverlap(a.cidr, b.cidr), `${a.cidr} ${b.cidr}`).toBe(false);
  });

  it("passes runway validate, which counts the derived stacks", () => {
    const out: string[] = [];
    const code = validateCommand({ out: (l) => out.push(l), err: (l) => out.push(l) }, [], projectWith({ "services/code-review.yaml": NEW_ENTRY }));
    expect({ code, out }).toEqual({ code: 0, out: ["ok: 13 file(s) valid; 3 stack(s) derived from the catalog"] });
  });

  it("reads the GitLab token with the platform stack's secrets provider and data key, so Pulumi can decrypt it", () => {
    const s = project.derived.find((x) => x.name === "code-review-production");
    const file = (s?.source.value ?? {}) as Record<string, unknown>;
    const platform = project.files.find((x) => x.name === "platform-production")?.source.value as Record<string, unknown>;
    expect(file.secretsprovider).toBe(platform.secretsprovider);
    expect(file.encryptedkey).toBe(platform.encryptedkey);
    expect((file.config as Record<string, unknown>)["runway:gitlabToken"]).toEqual((platform.config as Record<string, unknown>)["runway:gitlabToken"]);
    expect(pulumiConfigOfFile(s as never).secretKeys).toEqual(["runway:gitlabToken"]);
  });
});

describe("address allocation", () => {
  const pool = { primary: "10.40.0.0/15", pods: "10.128.0.0/11" };

  it("cuts a pool into slots of a /18 (nodes /20, services /20, proxy-only /23) and a /14 of pods", () => {
    expect(poolCapacity(pool)).toBe(8);
    expect(slotRanges(pool, 1)).toEqual({ nodes: "10.40.64.0/20", services: "10.40.80.0/20", proxyOnly: "10.40.96.0/23", pods: "10.132.0.0/14" });
    expect(slotRanges(pool, 8)).toBeUndefined();
  });

  it("gives each new service, in name order, the lowest slot that overlaps nothing in use", () => {
    const r = allocate({ pool, region: "us-east1", recorded: new Map(), taken: [{ cidr: "10.40.0.0/24", owner: "x" }], services: ["b", "a"] });
    expect([...r.allocations].map(([s, a]) => [s, a.slot])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(r.fresh).toEqual(["a", "b"]);
  });

  it("never moves a recorded allocation when other services come or go", () => {
    const recorded = new Map([["zeta", { slot: 3, region: "us-east1", ...(slotRanges(pool, 3) as object) } as never]]);
    const before = allocate({ pool, region: "us-east1", recorded, taken: [], services: ["zeta"] });
    const after = allocate({ pool, region: "us-east1", recorded, taken: [], services: ["alpha", "zeta", "beta"] });
    expect(after.allocations.get("zeta")).toEqual(before.allocations.get("zeta"));
    expect([after.allocations.get("alpha")?.slot, after.allocations.get("beta")?.slot]).toEqual([0, 1]);
  });

  it("reports a full pool instead of overlapping", () => {
    const r = allocate({ pool: { primary: "10.40.0.0/18", pods: "10.128.0.0/14" }, region: "us-east1", recorded: new Map(), taken: [], services: ["a", "b"] });
    expect(r.full).toEqual(["b"]);
  });

  it("a full pool fails validation at the catalog entry that needs the slot", () => {
    const small = PLATFORM_PRODUCTION.replace("primary: 10.42.0.0/15", "primary: 10.42.0.0/18");
    const errors: string[] = [];
    validateCommand({ out: () => undefined, err: (l) => errors.push(l) }, [], projectWith({ "stacks/Pulumi.platform-production.yaml": small, "services/code-review.yaml": NEW_ENTRY }));
    expect(errors[0]).toMatch(/code-review\.yaml:11:14: spec\.placement: derived stack code-review-production: no free slot is left in the address pool of production/);
  });

  it("the example ledger is what runway ipam record wrote, and holds no provisional allocation", () => {
    const ledger = loadLedger(ROOT, "production");
    expect(ledger.allocations.get("duo-workflow-service")).toMatchObject({ slot: 0, nodes: "10.42.0.0/20", pods: "10.160.0.0/14" });
    expect(loadProjectStacks(ROOT).allocations.get("production")?.fresh).toEqual([]);
  });
});

describe("project ids of dedicated services", () => {
  it("follow the environment's pattern", () => {
    expect(derivedProjectId("gl-{service}-prod", "code-review")).toBe("gl-code-review-prod");
  });

  it("stay within 30 characters, stable and distinct for long names", () => {
    const a = derivedProjectId("gl-{service}-prod", "duo-workflow-service-extended");
    const b = derivedProjectId("gl-{service}-prod", "duo-workflow-service-extras");
    expect(a.length).toBeLessThanOrEqual(30);
    expect(a).toMatch(/^gl-duo-workflow-s[a-z-]*-[0-9a-f]{6}-prod$/);
    expect(a).not.toBe(b);
    expect(derivedProjectId("gl-{service}-prod", "duo-workflow-service-extended")).toBe(a);
  });
});

describe("problems of a derived stack point at the catalog entry that makes it dedicated", () => {
  it("a name too long for the dedicated cluster", () => {
    const errors: string[] = [];
    const entry = catalogEntry("code-review-assistant-x", "  environments: [production]\n  placement: dedicated\n");
    validateCommand({ out: () => undefined, err: (l) => errors.push(l) }, [], projectWith({ "services/code-review-assistant-x.yaml": entry }));
    expect(errors[0]).toMatch(
      /code-review-assistant-x\.yaml:11:14: spec\.placement: derived stack code-review-assistant-x-production: runway:service: the dedicated cluster's name 'code-review-assistant-x-production' is longer than 31 characters/,
    );
  });
});

describe("a hand-written service stack", () => {
  it("replaces the derived one (for overrides)", () => {
    const project = loadProjectStacks(ROOT);
    const derived = project.derived.find((s) => s.name === "duo-workflow-service-production");
    const root = projectWith({ "stacks/Pulumi.duo-workflow-service-production.yaml": derived?.text as string });
    const again = loadProjectStacks(root);
    expect(again.derived.map((s) => s.name)).toEqual([]);
    expect(again.files.map((s) => s.name)).toContain("duo-workflow-service-production");
    // The file runway stack prepare writes is a valid stack file: nothing else changes.
    const out: string[] = [];
    expect(validateCommand({ out: (l) => out.push(l), err: (l) => out.push(l) }, [], root)).toBe(0);
  });
});

describe("the address ledger", () => {
  it("a recorded allocation that overlaps another fails validation at its line", () => {
    const ledger = readFileSync(path.join(ROOT, "ipam", "production.yaml"), "utf8").replace("allocations:\n", "allocations:\n  copied:\n    region: us-east1\n    nodes: 10.42.0.0/20\n    services: 10.42.112.0/20\n    proxyOnly: 10.42.128.0/23\n    pods: 10.168.0.0/14\n");
    const errors: string[] = [];
    validateCommand({ out: () => undefined, err: (l) => errors.push(l) }, [], projectWith({ "ipam/production.yaml": ledger }));
    expect(errors[0]).toMatch(/ipam\/production\.yaml:17:12: allocations\.duo-workflow-service\.nodes: 10\.42\.0\.0\/20 overlaps 10\.42\.0\.0\/20 \(copied\.nodes\); recorded ranges never overlap$/);
  });
});
