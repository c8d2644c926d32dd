import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { pulumiConfigOfFile, stackFromPulumiConfig } from "../src/config/pulumi-config";
import { loadStackFile } from "../src/config/stack";
import { recordProgram } from "../src/plan/engine";
import { RunError } from "@pulumi/pulumi";
import { forPulumi, runProgram } from "../src/program";

const ROOT = path.join(__dirname, "..");
const staging = loadStackFile(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"));
const stagingConfig = pulumiConfigOfFile(staging);

/** Runs the real program with the config Pulumi would pass (not the stack file). */
async function runWith(stack: string, config: Record<string, string>, secretKeys = stagingConfig.secretKeys) {
  return recordProgram(runProgram, { stack, config, secretKeys });
}

async function failureOf(stack: string, config: Record<string, string>, secretKeys?: string[]): Promise<string> {
  try {
    await runWith(stack, config, secretKeys);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the program to fail");
}

const withCluster = (edit: (c: Record<string, unknown>) => void) => {
  const cluster = JSON.parse(stagingConfig.config["runway:cluster"]) as Record<string, unknown>;
  edit(cluster);
  return { ...stagingConfig.config, "runway:cluster": JSON.stringify(cluster) };
};

describe("the stack file's config as the Pulumi CLI passes it", () => {
  it("keys stay namespaced, scalars are text, structured values JSON text, secure values secret", () => {
    const { config, secretKeys } = stagingConfig;
    expect(config["runway:kind"]).toBe("platform");
    expect(JSON.parse(config["runway:stages"])).toEqual(["staging"]);
    expect(JSON.parse(config["runway:cluster"])).toMatchObject({ region: "us-east1", privateEndpoint: false });
    expect(secretKeys).toEqual(["runway:gitlabToken"]);
    expect(Object.keys(config).every((k) => k.startsWith("runway:"))).toBe(true);
  });
});

describe("the program reads its configuration through pulumi.Config", () => {
  it("a value set outside the stack file (pulumi config set, --config-file, ESC) drives the program", async () => {
    const plan = await runWith(
      "platform-staging",
      withCluster((c) => ((c.nodePools as Record<string, unknown>[])[0].maxNodes = 7)),
    );
    const pool = plan.resources.find((r) => r.type === "gcp:container/nodePool:NodePool");
    // The stack file says 5.
    expect(pool?.inputs.autoscaling).toMatchObject({ maxNodeCount: 7 });
  });

  it("a stack with no stack file runs from its Pulumi config alone", async () => {
    const config = {
      ...stagingConfig.config,
      "runway:environment": "qa",
      "runway:stages": JSON.stringify(["qa"]),
      "runway:gcp": JSON.stringify({ ...JSON.parse(stagingConfig.config["runway:gcp"]), projectId: "gl-runway-qa" }),
      "runway:observability": JSON.stringify({ notificationChannels: [] }),
      "runway:network": JSON.stringify({ subnets: [{ region: "us-east1", cidr: "10.50.0.0/20", pods: "10.248.0.0/14", services: "10.50.16.0/20", proxyOnly: "10.50.32.0/23" }] }),
    };
    delete (config as Record<string, string>)["runway:dedicated"];
    const plan = await runWith("platform-qa", config);
    expect(plan.resources.find((r) => r.type === "gcp:organizations/project:Project")?.inputs.projectId).toBe("gl-runway-qa");
  });

  it("a bad value from Pulumi config is reported at its key and where it came from, never at a stack file line", async () => {
    const message = await failureOf(
      "platform-staging",
      withCluster((c) => ((c.nodePools as Record<string, unknown>[])[0].minNodes = 9)),
    );
    expect(message).toBe("pulumi config (stack platform-staging): runway:cluster.nodePools[0].minNodes: minNodes 9 exceeds maxNodes 5");
  });

  it("an unknown key is named with the key it resembles", async () => {
    const message = await failureOf("platform-staging", { ...stagingConfig.config, "runway:clustr": "{}" });
    expect(message).toBe("pulumi config (stack platform-staging): runway:clustr: unknown field 'runway:clustr'; did you mean 'runway:cluster'?");
  });

  it("the GitLab token must reach the program as a Pulumi secret", async () => {
    const message = await failureOf("platform-staging", stagingConfig.config, []);
    expect(message).toBe(
      "pulumi config (stack platform-staging): runway:gitlabToken: must be a Pulumi secret, never plain text: pulumi config set --secret <key> <value>",
    );
  });

  it("structured configuration set as a secret is refused rather than read as plain text", async () => {
    const message = await failureOf("platform-staging", stagingConfig.config, [...stagingConfig.secretKeys, "runway:cluster"]);
    expect(message).toContain(
      "pulumi config (stack platform-staging): runway:cluster: is set as a secret, but Runway reads it as plain configuration; set it without --secret",
    );
  });
});

describe("problems point at the stack file where it holds the value", () => {
  it("the same value as the stack file is reported at the file's line", () => {
    const root = mkdtempSync(path.join(tmpdir(), "runway-cfg-"));
    mkdirSync(path.join(root, "stacks"));
    const file = "config:\n  runway:kind: selfhosted\n  runway:service: Bad_Name\n";
    writeFileSync(path.join(root, "stacks", "Pulumi.s.yaml"), file);
    const values = { "runway:kind": "selfhosted", "runway:service": "Bad_Name" };
    let error: unknown;
    try {
      stackFromPulumiConfig("s", { values, secretKeys: [] }, root);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const bad = (error as ConfigError).diagnostics.find((d) => d.path.endsWith("runway:service"));
    expect(bad).toMatchObject({ file: expect.stringContaining("Pulumi.s.yaml"), line: 3, column: 19 });
    // Missing from both: the file is where to add it.
    const missing = (error as ConfigError).diagnostics.find((d) => d.path.endsWith("runway:chart"));
    expect(missing).toMatchObject({ file: expect.stringContaining("Pulumi.s.yaml"), line: 2 });
  });
});

describe("errors as the Pulumi CLI prints them", () => {
  it("carry no stack property (cmd/run would inspect it), an unexpected error keeps its frames in the message", () => {
    const bad = forPulumi(new TypeError("boom")) as Error;
    expect(RunError.isInstance(bad)).toBe(true);
    expect(bad.stack).toBeUndefined();
    expect(bad.message).toMatch(/^TypeError: boom\n\s+at /);
    const user = forPulumi(new RunError("stacks/x.yaml:1:1: bad")) as Error;
    expect([user.message, user.stack]).toEqual(["stacks/x.yaml:1:1: bad", undefined]);
  });
});
