/**
 * Property: whatever stack file and catalog entries a user writes, `runway validate` either accepts them, and then
 * the stack plans and passes every guardrail (nothing `plan` relies on is left for the program to find), or rejects
 * them with `file:line:column` diagnostics. The generator mixes valid values with the edge cases a review found
 * crashing `plan` (duplicate secret names, overlapping ranges, contradictory cluster settings, huge quantities).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { validateCommand } from "../src/cli/validate";
import { platformComposition } from "../src/compositions/platform";
import { serviceComposition } from "../src/compositions/service";
import { loadStackContext } from "../src/config/project";
import { recordProgram } from "../src/plan/engine";
import { checkPlan } from "../src/rules/check";
import { stackWaivers } from "../src/rules/waivers";

const REPO = path.join(__dirname, "..");
const PLATFORM = parse(readFileSync(path.join(REPO, "stacks", "Pulumi.platform-staging.yaml"), "utf8")).config as Record<string, unknown>;
const SERVICE = parse(readFileSync(path.join(REPO, "stacks", "Pulumi.ai-gateway-production.yaml"), "utf8")).config as Record<string, unknown>;

const cidrs = ["34.74.90.64/28", "34.102.136.180/32", "10.10.0.0/20", "10.64.0.0/14", "0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "169.254.169.254/32", "172.16.0.0/28", "10.0.0.0/8", "11.0.0.0/8", "12.0.0.0/8"];
const names = ["alpha", "beta", "gamma-service", "alpha", "runway-x"];

/** The valid value most of the time (8 in 9), else one of the edge cases. */
function mostly<T>(valid: T, ...edges: T[]): fc.Arbitrary<T> {
  return edges.length ? fc.oneof({ arbitrary: fc.constant(valid), weight: 8 }, { arbitrary: fc.constantFrom(...edges), weight: 1 }) : fc.constant(valid);
}

const cluster = fc.record(
  {
    region: mostly("us-east1", "europe-west4"),
    privateEndpoint: mostly(true, false),
    privateNodes: mostly(true, false),
    masterIpv4CidrBlock: mostly("172.16.0.0/28", "172.16.0.16/28", "10.10.0.0/28", "172.16.0.0/24"),
    authorizedNetworks: fc.oneof({ arbitrary: fc.constant([{ cidr: "34.74.90.64/28", name: "ci" }]), weight: 3 }, fc.array(fc.record({ cidr: fc.constantFrom(...cidrs), name: fc.constantFrom("a", "b") }), { maxLength: 3 })),
    securityGroup: fc.constant("gke-security-groups@gitlab.com"),
    exceptions: fc.option(fc.constant({ G1: "Public nodes for the legacy egress path (INFRA-1)." }), { nil: undefined }),
    nodePools: fc.oneof(
      { arbitrary: fc.constant([{ name: "general", minNodes: 1, maxNodes: 3 }]), weight: 3 },
      fc.array(fc.record({ name: fc.constantFrom("general", "batch", "general"), minNodes: fc.integer({ min: 0, max: 4 }), maxNodes: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 2 }),
    ),
  },
  { requiredKeys: ["region", "privateEndpoint", "privateNodes", "masterIpv4CidrBlock", "authorizedNetworks", "securityGroup", "nodePools"] },
);

const subnet = fc.record({
  region: fc.constant("us-east1"),
  cidr: mostly("10.10.0.0/20", "10.20.0.0/20", "10.64.0.0/20"),
  pods: mostly("10.64.0.0/14", "10.10.0.0/16"),
  services: fc.constant("10.68.0.0/20"),
  proxyOnly: fc.option(mostly("10.10.16.0/23", "10.68.0.0/23"), { nil: undefined }),
});

const entry = fc.record(
  {
    name: mostly("alpha", ...names.slice(1)),
    fileName: fc.option(fc.constantFrom(...names), { nil: undefined, freq: 6 }),
    environments: mostly(["staging"], ["staging", "production"], ["qa"]),
    placement: mostly("shared", "dedicated"),
    gitlabProject: fc.option(fc.constantFrom("group/a", "group/b"), { nil: undefined }),
    resources: fc.option(fc.record({ cpu: mostly("2", "500m", "0.5", "99999999999999999999999", "1.23456", "10000"), memory: mostly("4Gi", "512Mi", "99999999Ti") }), { nil: undefined }),
    exposure: fc.option(fc.record({ visibility: fc.constantFrom("external", "internal", "none"), port: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: [] }), { nil: undefined }),
    egress: fc.oneof({ arbitrary: fc.constant([{ cidr: "34.102.136.180/32", ports: [443] }]), weight: 2 }, fc.array(fc.record({ cidr: fc.constantFrom(...cidrs), ports: fc.constant([443]) }), { maxLength: 2 })),
    secrets: fc.oneof({ arbitrary: fc.constant([{ name: "llm", path: "llm" }]), weight: 2 }, fc.array(fc.record({ name: fc.constantFrom("llm", "db", "llm"), path: mostly("llm", "db/main", "a//b", "x/", "../other") }), { maxLength: 2 })),
    values: fc.option(fc.oneof({ arbitrary: fc.constant({ replicas: 2 }), weight: 3 }, fc.dictionary(fc.constantFrom("replicas", "image", "env", "serviceAccount"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), fc.constant({ env: { RUNWAY_HOST: "x" } })), { nil: undefined }),
  },
  { requiredKeys: ["name", "environments", "placement", "egress", "secrets"] },
);

/** One or two entries; distinct names most of the time (a duplicate or reserved name is one edge case among many). */
const entries = fc.oneof(
  { arbitrary: fc.tuple(entry).map(([e]) => [e]), weight: 3 },
  { arbitrary: fc.uniqueArray(entry, { minLength: 2, maxLength: 2, selector: (e) => e.name }), weight: 1 },
  { arbitrary: fc.array(entry, { minLength: 1, maxLength: 2 }), weight: 1 },
);

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

function catalogFile(e: Entry): unknown {
  return {
    apiVersion: "runway/v1",
    kind: "SatelliteService",
    metadata: { name: e.name, owner: "gitlab-org/team" },
    spec: {
      chart: { repository: `oci://registry.gitlab.com/runway/charts/${e.name}`, ...(e.values ? { values: e.values } : {}) },
      environments: e.environments,
      placement: e.placement,
      ...(e.gitlabProject ? { gitlabProject: e.gitlabProject } : {}),
      ...(e.resources ? { resources: e.resources } : {}),
      ...(e.exposure ? { exposure: e.exposure } : {}),
      ...(e.egress.length ? { egress: e.egress } : {}),
      ...(e.secrets.length ? { secrets: e.secrets } : {}),
    },
  };
}

type Value<A> = A extends fc.Arbitrary<infer T> ? T : never;

const VALID_CLUSTER: Value<typeof cluster> = { region: "us-east1", privateEndpoint: true, privateNodes: true, masterIpv4CidrBlock: "172.16.0.0/28", authorizedNetworks: [], securityGroup: "gke-security-groups@gitlab.com", nodePools: [{ name: "general", minNodes: 1, maxNodes: 3 }] };
const VALID_SUBNET: Value<typeof subnet> = { region: "us-east1", cidr: "10.10.0.0/20", pods: "10.64.0.0/14", services: "10.68.0.0/20", proxyOnly: "10.10.16.0/23" };
const VALID_ENTRY: Entry = {
  name: "alpha",
  environments: ["staging"],
  placement: "dedicated",
  gitlabProject: "group/a",
  exposure: { visibility: "internal" },
  egress: [{ cidr: "34.102.136.180/32", ports: [443] }],
  secrets: [{ name: "llm", path: "llm" }],
};

/** A project with the platform stack (and a service stack for a dedicated entry) and the catalog. */
function writeProject(c: unknown, net: unknown, entries: Entry[], withService: boolean): string {
  const root = mkdtempSync(path.join(tmpdir(), "runway-prop-"));
  mkdirSync(path.join(root, "stacks"));
  mkdirSync(path.join(root, "services"));
  const platform = { ...PLATFORM, "runway:cluster": c, "runway:network": { subnets: [net] } };
  writeFileSync(path.join(root, "stacks", "Pulumi.platform-staging.yaml"), stringify({ config: platform }));
  const dedicated = entries.find((e) => e.placement === "dedicated");
  if (withService && dedicated) {
    const svc = { ...SERVICE, "runway:service": dedicated.name, "runway:environment": "staging", "runway:stages": ["staging"], "runway:gcp": { ...(SERVICE["runway:gcp"] as object), projectId: "gl-prop-service" } };
    writeFileSync(path.join(root, "stacks", `Pulumi.${dedicated.name}-staging.yaml`), stringify({ config: svc }));
  }
  for (const e of entries) writeFileSync(path.join(root, "services", `${e.fileName ?? e.name}.yaml`), stringify(catalogFile(e)));
  return root;
}

/** Plans a stack of the project at `root` as the program does, and checks it with the stack's own waivers. */
async function planAndCheck(root: string, stack: string) {
  const ctx = loadStackContext(root, stack);
  const config = ctx.stack.config;
  const secrets = { gitlabToken: ctx.stack.secretKeys.includes("gitlabToken") ? pulumi.secret("offline-token") : undefined };
  const program = () => (config["runway:kind"] === "platform" ? platformComposition(ctx, config, secrets) : config["runway:kind"] === "service" ? serviceComposition(ctx, config, secrets) : Promise.resolve({}));
  const plan = await recordProgram(program, { project: "runway", stack });
  return checkPlan(plan, { waivers: stackWaivers(config) });
}

describe("validate, then plan", () => {
  it("accepts only what plans and passes the guardrails, and rejects the rest with file:line:column", async () => {
    let planned = 0;
    await fc.assert(
      fc.asyncProperty(cluster, subnet, entries, fc.boolean(), async (c, net, entries, withService) => {
        const root = writeProject(c, net, entries, withService);
        const err: string[] = [];
        const code = validateCommand({ out: () => undefined, err: (l) => err.push(l) }, [], root);
        if (code !== 0) {
          const lines = err.slice(0, -1);
          expect(lines.length).toBeGreaterThan(0);
          for (const l of lines) expect(l).toMatch(new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(stacks|services)/[^:]+\\.yaml:\\d+:\\d+: \\S`));
          return;
        }
        for (const stack of ["platform-staging", ...(withService ? entries.filter((e) => e.placement === "dedicated").map((e) => `${e.name}-staging`).slice(0, 1) : [])]) {
          const report = await planAndCheck(root, stack);
          expect(report.violations.filter((v) => v.severity === "mandatory").map((v) => `${v.rule} ${v.name}: ${v.message}`)).toEqual([]);
          planned++;
        }
      }),
      {
        // RUNWAY_PROPERTY_RUNS raises the number of runs for a longer search outside `npm test`.
        numRuns: Number(process.env.RUNWAY_PROPERTY_RUNS ?? 30),
        seed: process.env.RUNWAY_PROPERTY_SEED ? Number(process.env.RUNWAY_PROPERTY_SEED) : undefined,
        // A dedicated service with a service stack, so both compositions are always planned.
        examples: [[VALID_CLUSTER, VALID_SUBNET, [VALID_ENTRY], true] as [Value<typeof cluster>, Value<typeof subnet>, Entry[], boolean]],
      },
    );
    // The generator must reach the planner, or the property says nothing about plan.
    expect(planned).toBeGreaterThan(0);
  }, 120_000);
});
