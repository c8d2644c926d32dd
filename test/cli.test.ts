import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { staleSchemas } from "../src/cli/schemas";
import { runCli } from "./helpers/cli";

const ROOT = path.join(__dirname, "..");
const tmp = () => mkdtempSync(path.join(tmpdir(), "runway-cli-"));

describe("runway validate", () => {
  it("exits 0 when every stack and catalog file is valid", async () => {
    const r = await runCli("validate");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("exits 1 with file:line:column errors for a bad catalog file", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "bad.yaml"), "apiVersion: runway/v1\nkind: SatelliteService\nmetadata:\n  name: bad\n  owner: g/bad\nspec:\n  chart:\n    repository: https://x\n  environments: [staging]\n");
    const r = await runCli("validate", path.join(dir, "bad.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(":8:17: spec.chart.repository: must be an oci:// URL");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("a path that does not exist is named without a made-up position", async () => {
    const r = await runCli("validate", "/nonexistent/x.yaml");
    expect(r).toEqual({ code: 1, out: "", err: "runway: validate: /nonexistent/x.yaml: no such file or directory" });
  });

  it("validates a catalog directory given as a path", async () => {
    const r = await runCli("validate", path.join(ROOT, "services"));
    expect(r.code).toBe(0);
  });
});

describe("runway plan", () => {
  it("writes the documented JSON format", async () => {
    const file = path.join(tmp(), "plan.json");
    const r = await runCli("plan", "--stack", "platform-staging", "--json", file, "--quiet");
    expect(r.code).toBe(0);
    const plan = JSON.parse(readFileSync(file, "utf8"));
    expect(plan.stack).toBe("platform-staging");
    expect(plan.resources.length).toBeGreaterThan(0);
    for (const res of plan.resources) {
      expect(Object.keys(res)).toEqual(expect.arrayContaining(["urn", "type", "name", "parent", "provider", "protect", "dependsOn", "inputs"]));
      expect(res.urn).toMatch(/^urn:pulumi:platform-staging::runway::/);
    }
    const root = plan.resources.filter((r: { parent: string | null }) => r.parent === null);
    expect(root.map((r: { type: string }) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("is deterministic: the same inputs give the same plan byte for byte", async () => {
    const dir = tmp();
    await runCli("plan", "--all", "--json", path.join(dir, "a"), "--quiet");
    await runCli("plan", "--all", "--json", path.join(dir, "b"), "--quiet");
    for (const f of ["platform-staging.json", "platform-production.json", "ai-gateway-production.json", "ai-gateway-selfhosted.json"]) {
      expect(readFileSync(path.join(dir, "b", f), "utf8")).toBe(readFileSync(path.join(dir, "a", f), "utf8"));
    }
  });

  it("never writes a secret value into the plan", async () => {
    const file = path.join(tmp(), "plan.json");
    await runCli("plan", "--stack", "platform-staging", "--json", file, "--quiet");
    expect(readFileSync(file, "utf8")).not.toContain("offline-secret-");
  });

  it("requires --stack or --all: a usage error, exit 2", async () => {
    const r = await runCli("plan");
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toMatch(/^runway: plan: choose --stack NAME or --all/);
  });

  it("an unknown stack is a clear error", async () => {
    const r = await runCli("plan", "--stack", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toContain("runway: plan: no stack 'nope': stacks/Pulumi.nope.yaml does not exist");
  });

  it("honours a replaced catalog", async () => {
    const dir = tmp();
    cpSync(path.join(ROOT, "services"), dir, { recursive: true });
    rmSync(path.join(dir, "glgo.yaml"));
    const a = path.join(tmp(), "a.json");
    const b = path.join(tmp(), "b.json");
    await runCli("plan", "--stack", "platform-staging", "--json", a, "--quiet");
    await runCli("plan", "--stack", "platform-staging", "--catalog", dir, "--json", b, "--quiet");
    expect(readFileSync(a, "utf8")).toContain("glgo");
    expect(readFileSync(b, "utf8")).not.toContain("glgo");
  });

  it("reports a bad catalog given with --catalog as diagnostics, not a stack trace", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "x.yaml"), "kind: [\n");
    const r = await runCli("plan", "--stack", "platform-staging", "--catalog", dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/x\.yaml:\d+:\d+: /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe("runway diff", () => {
  it("a new catalog file adds only its tenant's objects; the agent's ci_access is the one change", async () => {
    const dir = tmp();
    cpSync(path.join(ROOT, "services"), path.join(dir, "before"), { recursive: true });
    rmSync(path.join(dir, "before", "glgo.yaml"));
    await runCli("plan", "--stack", "platform-staging", "--catalog", path.join(dir, "before"), "--json", path.join(dir, "base.json"), "--quiet");
    await runCli("plan", "--stack", "platform-staging", "--json", path.join(dir, "head.json"), "--quiet");
    const r = await runCli("diff", path.join(dir, "base.json"), path.join(dir, "head.json"));
    expect(r.code).toBe(0);
    const lines = r.out.split("\n").slice(1);
    const added = lines.filter((l) => l.startsWith("  + "));
    expect(added.length).toBeGreaterThan(15);
    for (const l of added) expect(l).toMatch(/ glgo(-[a-z-]+)?$/);
    // The agent's config file lists the new service's project under ci_access (GL1).
    expect(lines.filter((l) => !l.startsWith("  + "))).toEqual(["  ~ pulumi-nodejs:dynamic:Resource runway-staging-agent-config: content"]);
  });

  it("a malformed plan is a clear error, not a crash", async () => {
    const file = path.join(tmp(), "bad.json");
    writeFileSync(file, JSON.stringify({ stack: "x", resources: [{ urn: 1 }] }));
    const r = await runCli("diff", file, file);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`runway: diff: ${file}: not a runway plan: resources[0].urn: Invalid input: expected string, received number`);
  });

  it("renders markdown for a merge-request note", async () => {
    const file = path.join(tmp(), "p.json");
    await runCli("plan", "--stack", "ai-gateway-selfhosted", "--json", file, "--quiet");
    const r = await runCli("diff", file, file, "--format", "markdown");
    expect(r.out).toContain("| `ai-gateway-selfhosted` | 0 | 0 | 0 | 0 |");
  });
});

describe("generated schemas", () => {
  it("the committed JSON Schemas match the zod schemas", () => {
    expect(staleSchemas()).toEqual([]);
  });

  it("example files carry the yaml-language-server modeline", () => {
    for (const f of ["services/ai-gateway.yaml", "stacks/Pulumi.platform-staging.yaml"]) {
      expect(readFileSync(path.join(ROOT, f), "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/[a-z-]+\.schema\.json/);
    }
  });
});
