import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { kvMountConflicts, loadStackContext } from "../src/config/project";
import { loadStackFile } from "../src/config/stack";
import { planStack } from "../src/plan/stack-plan";

const ROOT = path.join(__dirname, "..");
const STAGING = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"), "utf8");

/** A copy of the project's platform and service stacks and its catalog, plus `extra` stack files. */
function project(extra: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "runway-kv-"));
  cpSync(path.join(ROOT, "stacks"), path.join(root, "stacks"), { recursive: true });
  cpSync(path.join(ROOT, "services"), path.join(root, "services"), { recursive: true });
  // Its kubeconfig lives outside stacks/; self-hosted stacks create no mount.
  rmSync(path.join(root, "stacks", "Pulumi.ai-gateway-selfhosted.yaml"));
  for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(root, "stacks", `Pulumi.${name}.yaml`), text);
  return root;
}

const stackIn = (root: string, name: string) => loadStackFile(path.join(root, "stacks", `Pulumi.${name}.yaml`));

describe("one KV v2 mount per environment", () => {
  it("the two example platform stacks on one Vault create different mounts, runway/env/<environment>, both protected", async () => {
    const mounts = [];
    for (const stack of ["platform-staging", "platform-production"]) {
      const plan = await planStack(stack);
      const found = plan.resources.filter((r) => r.type === "vault:index/mount:Mount");
      expect(found, stack).toHaveLength(1);
      expect(found[0].protect, stack).toBe(true);
      expect(found[0].inputs, stack).toMatchObject({ type: "kv", options: { version: "2" } });
      mounts.push(found[0].inputs.path);
    }
    expect(mounts).toEqual(["runway/env/staging", "runway/env/production"]);
  }, 60_000);

  it("the example platform stacks do not conflict", () => {
    const root = project({});
    const stacks = ["platform-staging", "platform-production", "ai-gateway-production"].map((n) => stackIn(root, n));
    for (const s of stacks) expect(kvMountConflicts(s, stacks), s.name).toEqual([]);
  });

  it("two platform stacks with the same Vault and environment are rejected, naming both and the mount", () => {
    const root = project({ "platform-staging-2": STAGING.replace("gl-runway-staging", "gl-runway-staging-2") });
    const stacks = ["platform-staging", "platform-staging-2", "platform-production"].map((n) => stackIn(root, n));
    const line = STAGING.split("\n").findIndex((l) => l.includes("runway:environment:")) + 1;
    expect(kvMountConflicts(stacks[1], stacks).map((d) => `${d.line}: ${d.path}: ${d.message}`)).toEqual([
      `${line}: config.runway:environment: platform stacks platform-staging-2 and platform-staging would both create the Vault KV mount runway/env/staging on https://vault.ops.gke.gitlab.net: give each platform stack its own environment, or a different runway:vault.address or kvMount`,
    ]);
  });

  it("the same environment on another Vault, or under another kvMount, is no conflict", () => {
    const root = project({
      "platform-staging-other-vault": STAGING.replace("https://vault.ops.gke.gitlab.net", "https://vault.example.com"),
      "platform-staging-other-mount": STAGING.replace("address: https://vault.ops.gke.gitlab.net", "address: https://vault.ops.gke.gitlab.net\n    kvMount: runway2"),
    });
    const stacks = ["platform-staging", "platform-staging-other-vault", "platform-staging-other-mount"].map((n) => stackIn(root, n));
    for (const s of stacks) expect(kvMountConflicts(s, stacks), s.name).toEqual([]);
  });

  it("the conflict fails the stack's program before anything is registered", () => {
    const root = project({ "platform-staging-2": STAGING.replace("gl-runway-staging", "gl-runway-staging-2") });
    expect(() => loadStackContext(root, "platform-staging")).toThrow(ConfigError);
    // Two platform stacks of one environment would both create its Vault mount: one platform stack per environment.
    expect(() => loadStackContext(root, "platform-staging")).toThrow("environment staging is already defined by stack platform-staging-2");
    expect(() => loadStackContext(root, "platform-production")).not.toThrow();
  });
});
