import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { type CheckCommandOptions, type CheckDeps, checkAction, registerCheckCommands } from "../src/cli/check";
import type { Plan } from "../src/plan/engine";
import { ruleTableMarkdown } from "../src/rules";
import { compliantPlan, remove, set, urnOf, writeStackFile } from "./rules-fixtures";

const LINE = /^(MANDATORY|ADVISORY) [A-Z]+\d+(-[a-z0-9-]+)? urn:pulumi:\S+: \S.*$/;

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "runway-check-"));
}

function writePlan(dir: string, name: string, plan: Plan): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

function broken(change: (p: Plan) => void): Plan {
  const plan = compliantPlan();
  change(plan);
  return plan;
}

const noPlanner: CheckDeps["planStack"] = async (s) => {
  throw new Error(`unexpected planStack(${s})`);
};

async function run(opts: CheckCommandOptions, deps: Partial<CheckDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await checkAction(opts, { planStack: noPlanner, root: tmp(), ...deps }, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

const cluster = (p: Plan) => p.resources.find((r) => r.name === "main")!;

describe("runway check", () => {
  it("passes a compliant plan: exit 0 and a PASSED summary", async () => {
    const dir = tmp();
    const { code, out, err } = await run({ plan: [writePlan(dir, "plan.json", compliantPlan())] });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual([`SUMMARY 1 stack, ${compliantPlan().resources.length} resources checked: 0 mandatory, 0 advisory, 0 waived: PASSED`]);
  });

  it("fails a mandatory violation: exit 1, one line per violation, SEVERITY rule-id resource-urn: message", async () => {
    const dir = tmp();
    const plan = broken((p) => set(cluster(p).inputs, "privateClusterConfig.enablePrivateNodes", false));
    const { code, out } = await run({ plan: [writePlan(dir, "plan.json", plan)] });
    expect(code).toBe(1);
    expect(out[0]).toBe(
      `MANDATORY G1 ${urnOf("gcp:container/cluster:Cluster", "main")}: privateClusterConfig.enablePrivateNodes is false; set it to true, or except G1 in runway:cluster.exceptions with a justification`,
    );
    expect(out[0]).toMatch(LINE);
    expect(out.at(-1)).toMatch(/: 1 mandatory, 0 advisory, 0 waived: FAILED$/);
  });

  it("passes with advisory findings only: exit 0", async () => {
    const dir = tmp();
    const plan = broken((p) => set(p.resources.find((r) => r.name === "ai-gateway-vault-policy")!.inputs, "policy", 'path "runway/env/test/data/service/ai-gateway/*" { capabilities = ["read"] }'));
    const { code, out } = await run({ plan: [writePlan(dir, "plan.json", plan)] });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^ADVISORY V5 urn:pulumi:test::runway::vault:index\/policy:Policy::ai-gateway-vault-policy: policy path "runway\/env\/test\/data\/service\/ai-gateway\/\*" has a wildcard not scoped/);
  });

  it("guards replacements between two plans of one stack: --plan BASE --plan HEAD, or --base BASE --plan HEAD", async () => {
    const dir = tmp();
    const base = writePlan(dir, "base.json", compliantPlan());
    const headFile = writePlan(dir, "head.json", broken((p) => remove(p.resources, "ai-gateway")));
    for (const opts of [{ plan: [base, headFile] }, { base: [base], plan: [headFile] }]) {
      const { code, out } = await run(opts);
      expect(code).toBe(1);
      // A tenant namespace is retained (retainOnDelete) but protected: still a D4 finding.
      expect(out[0]).toMatch(/^MANDATORY D4 urn:pulumi:test::runway::kubernetes:core\/v1:Namespace::ai-gateway: is retained \(it leaves the stack/);
    }
  });

  it("applies the stack's waivers and lists them", async () => {
    const root = tmp();
    writeStackFile(root, "test", { waivers: [{ rule: "G1", resource: "main", type: "gcp:container/cluster:Cluster", justification: "Nodes need public IPs for the legacy NAT-less egress path." }] });
    const plan = broken((p) => set(cluster(p).inputs, "privateClusterConfig.enablePrivateNodes", false));
    const { code, out } = await run({ plan: [writePlan(root, "plan.json", plan)] }, { root });
    expect(code).toBe(0);
    expect(out).toEqual([
      "WAIVER G1 test/main (gcp:container/cluster:Cluster): Nodes need public IPs for the legacy NAT-less egress path. [runway:waivers; waived 1 finding; sensitive control: needs the Runway team's approval]",
      `SUMMARY 1 stack, ${plan.resources.length} resources checked: 0 mandatory, 0 advisory, 1 waived: PASSED`,
    ]);
  });

  it("plans stacks through the plan engine for --stack and --all", async () => {
    const root = tmp();
    writeStackFile(root, "test");
    writeStackFile(root, "other");
    const calls: string[] = [];
    const planStack: CheckDeps["planStack"] = async (s, o) => {
      calls.push(`${s} ${o?.catalogDir ?? "-"}`);
      return { ...compliantPlan(), stack: s };
    };
    expect((await run({ stack: ["test"], catalog: "cat" }, { root, planStack })).code).toBe(0);
    expect(calls).toEqual(["test cat"]);
    const all = await run({ all: true }, { root, planStack });
    expect(all.code).toBe(0);
    expect(calls.slice(1)).toEqual(["other -", "test -"]);
    expect(all.out.at(-1)).toMatch(/^SUMMARY 2 stacks, /);
  });

  it("writes the merge-request section and JSON on request", async () => {
    const dir = tmp();
    const file = writePlan(dir, "plan.json", broken((p) => set(cluster(p).inputs, "enableLegacyAbac", true)));
    const md = await run({ plan: [file], format: "markdown" });
    expect(md.code).toBe(1);
    expect(md.out[0]).toContain("### Guardrails\n\n**Failed**: 1 mandatory, 0 advisory, 0 waived");
    expect(md.out[0]).toContain("| mandatory | G8 | test | `main` (gcp:container/cluster:Cluster) | enableLegacyAbac is true; remove it or set it to false |");
    const json = await run({ plan: [file], format: "json" });
    expect(JSON.parse(json.out[0])).toMatchObject({ failed: true, reports: [{ stack: "test", violations: [{ rule: "G8" }] }] });
  });

  it("prints the rule table with --rules", async () => {
    expect(await run({ rules: true })).toEqual({ code: 0, out: [ruleTableMarkdown()], err: [] });
  });

  it.each([
    ["nothing to check", {}, /choose --stack NAME, --all or --plan FILE/],
    ["three plans of one stack", { plan: ["a", "a", "a"] }, /3 plans for stack test/],
    ["a base without a head", { base: ["other"], plan: ["a"] }, /--base .* is stack other, which has no head plan/],
  ])("exits 2 on a wrong command line: %s", async (_why, opts: CheckCommandOptions, message) => {
    const dir = tmp();
    const files: Record<string, string> = { a: writePlan(dir, "a.json", compliantPlan()), other: writePlan(dir, "o.json", { ...compliantPlan(), stack: "other" }) };
    const resolved = { ...opts, plan: opts.plan?.map((f) => files[f]), base: opts.base?.map((f) => files[f]) };
    const { code, err } = await run(resolved);
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(message);
  });

  it("exits 1 naming the file when a plan cannot be read", async () => {
    const dir = tmp();
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect((await run({ plan: [bad] })).err[0]).toMatch(/bad\.json: cannot read plan/);
    writeFileSync(bad, JSON.stringify({ stack: "x", resources: [{ urn: 1 }] }));
    const r = await run({ plan: [bad] });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^runway: check: .*bad\.json: not a runway plan: resources\[0\]\.urn/);
  });

  it("exits 1 when a stack's program fails", async () => {
    const r = await run({ stack: ["test"] }, { planStack: async () => Promise.reject(new Error("cluster.region: no subnet")) });
    expect(r).toEqual({ code: 1, out: [], err: ["runway: check: planning stack test failed: cluster.region: no subnet"] });
  });

  it("registers `check` on a commander program and reports the exit code", async () => {
    const dir = tmp();
    const file = writePlan(dir, "plan.json", broken((p) => set(cluster(p).inputs, "enableKubernetesAlpha", true)));
    const out: string[] = [];
    let exit = -1;
    const program = new Command("runway").exitOverride();
    registerCheckCommands(program, { planStack: noPlanner, root: dir, io: { out: (t) => out.push(t), err: (t) => out.push(t) }, setExit: (c) => (exit = c) });
    await program.parseAsync(["node", "runway", "check", "--plan", file]);
    expect(exit).toBe(1);
    expect(out[0]).toMatch(/^MANDATORY G20 /);
  });
});
