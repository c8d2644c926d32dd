/**
 * The program under the real CLI's launch path (test/helpers/language-host.ts): `pulumi up`, configuration that
 * reaches the program only through Pulumi, what breaks loading, Pulumi's own config rules, the self-hosted
 * GitLab check, and the policy pack as `--policy-pack` starts it.
 */
import { type AddressInfo, createServer } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planStack } from "../src/plan/stack-plan";
import { rules } from "../src/rules";
import { policyName } from "../policy/policies";
import { cliConfig, launchProgram, type PolicyPackRun, readProject, startPolicyPack } from "./helpers/language-host";

const ROOT = path.join(__dirname, "..");

function configOf(stack: string, project = readProject(ROOT)) {
  const cli = cliConfig(ROOT, stack, project);
  if ("refused" in cli) throw new Error(`Pulumi refuses ${stack}: ${cli.refused.join("; ")}`);
  return cli;
}

const errors = (r: { logs: { severity: string; message: string }[] }) => r.logs.filter((l) => l.severity === "error").map((l) => l.message);

describe("pulumi up under the nodejs language host", () => {
  it("registers what runway plan records, computed outputs included", async () => {
    const [real, plan] = await Promise.all([launchProgram({ root: ROOT, stack: "platform-staging", ...configOf("platform-staging") }), planStack("platform-staging")]);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.resources).toEqual(plan.resources);
    expect(real.outputs).toEqual(plan.outputs);
  });

  it("takes its configuration from Pulumi, not from the stack file", async () => {
    const cli = configOf("ai-gateway-selfhosted");
    // As if set with `pulumi config set --path` on the backend; the stack file has the default quota (4 CPUs).
    const quota = { cpu: "6", memory: "8Gi", pods: 30 };
    const real = await launchProgram({ root: ROOT, stack: "ai-gateway-selfhosted", ...cli, config: { ...cli.config, "runway:quota": JSON.stringify(quota) }, dryRun: true });
    expect(real.exitCode, real.stderr).toBe(0);
    const q = real.resources.find((r) => r.type === "kubernetes:core/v1:ResourceQuota");
    expect(q?.inputs.spec).toMatchObject({ hard: { "requests.cpu": "6", "limits.cpu": "12" } });
  });

  it("cannot start when the language host runs it where the project's tsconfig is not found", async () => {
    // `main: src/index.ts` makes the host run from src/, as the project did before.
    const project = { ...readProject(ROOT), main: "src/index.ts" };
    const real = await launchProgram({ root: ROOT, project, stack: "ai-gateway-selfhosted", ...configOf("ai-gateway-selfhosted"), dryRun: true });
    expect(real.exitCode).not.toBe(0);
    expect(`${real.stderr}${errors(real).join("\n")}`).toContain("tsconfig path was set to tsconfig.pulumi.json but the file was not found");
    expect(real.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});

describe("Pulumi's config rules before the program starts", () => {
  it("a key Pulumi.yaml declares without a default stops every stack that lacks it", () => {
    const project = readProject(ROOT);
    const declared = { ...project, config: { ...project.config, environment: { type: "string" } } };
    const cli = cliConfig(ROOT, "ai-gateway-selfhosted", declared);
    expect(cli).toEqual({
      refused: [
        `Pulumi.yaml declares 'environment' without a default, so Pulumi stops before the program runs: "Stack 'ai-gateway-selfhosted' is missing configuration value 'environment'"; set runway:environment here, or give 'environment' a default in Pulumi.yaml`,
      ],
    });
  });

  it("the project as it is accepts every example stack", () => {
    for (const stack of ["platform-staging", "platform-production", "ai-gateway-production", "ai-gateway-selfhosted", "duo-workflow-service-production"]) {
      expect("refused" in cliConfig(ROOT, stack), stack).toBe(false);
    }
  });
});

describe("a self-hosted stack whose GitLab does not answer", () => {
  let closedPort = 0;
  beforeAll(async () => {
    // A port nothing listens on: the one a server just gave back.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closedPort = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
  });
  const unreachable = () => {
    const cli = configOf("ai-gateway-selfhosted");
    // The GitLab range must open the URL's port (the registration hook's egress), so the stand-in port joins it.
    const egress = (JSON.parse(cli.config["runway:egress"]) as { ports: number[]; gitlab?: boolean }[]).map((e) => (e.gitlab ? { ...e, ports: [...e.ports, closedPort] } : e));
    return { ...cli, config: { ...cli.config, "runway:gitlabUrl": `https://localhost:${closedPort}`, "runway:egress": JSON.stringify(egress) } };
  };

  it("previews with a warning instead of failing", async () => {
    const real = await launchProgram({ root: ROOT, stack: "ai-gateway-selfhosted", ...unreachable(), dryRun: true });
    expect(real.exitCode, real.stderr).toBe(0);
    const warnings = real.logs.filter((l) => l.severity === "warning").map((l) => l.message);
    expect(warnings.join("\n")).toContain(`runway:gitlabUrl: cannot reach GitLab at https://localhost:${closedPort}: connection refused (ECONNREFUSED)`);
    expect(warnings.join("\n")).toContain("the preview goes on");
    expect(real.resources.some((r) => r.type === "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease")).toBe(true);
  });

  it("stops pulumi up before creating anything", async () => {
    const real = await launchProgram({ root: ROOT, stack: "ai-gateway-selfhosted", ...unreachable() });
    expect(real.exitCode).not.toBe(0);
    expect(errors(real).join("\n")).toContain(`runway:gitlabUrl: cannot reach GitLab at https://localhost:${closedPort}`);
    // Pulumi prints the error as given, without inspecting a stack (forPulumi in src/program.ts).
    expect(errors(real)).toHaveLength(1);
    expect(real.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});

describe("the policy pack as pulumi preview --policy-pack starts it", () => {
  let pack: PolicyPackRun;
  beforeAll(async () => {
    const cli = configOf("platform-staging");
    // A waiver set with `pulumi config set --path` on the backend, not in the stack file.
    const waivers = [{ rule: "G1", resource: "waived-cluster", type: "gcp:container/cluster:Cluster", justification: "a waiver that only the stack's Pulumi config holds" }];
    const legacy = Object.fromEntries(Object.entries({ ...cli.config, "runway:waivers": JSON.stringify(waivers) }).map(([k, v]) => [k.replace(":", ":config:"), v]));
    pack = await startPolicyPack(path.join(ROOT, "policy"), {
      PULUMI_CONFIG: JSON.stringify(legacy),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(cli.secretKeys),
      PULUMI_NODEJS_STACK: "platform-staging",
      PULUMI_NODEJS_PROJECT: "runway",
    });
  });
  afterAll(() => pack?.stop());

  it("serves every rule", () => {
    expect([...pack.policies].sort()).toEqual(rules.map(policyName).sort());
  });

  const publicNodes = (name: string) =>
    pack.analyze({
      type: "gcp:container/cluster:Cluster",
      name,
      urn: `urn:pulumi:platform-staging::runway::runway:platform:RunwayCluster$runway:gcp:GkeCluster$gcp:container/cluster:Cluster::${name}`,
      properties: { privateClusterConfig: { enablePrivateNodes: false, enablePrivateEndpoint: true } },
      protect: true,
    });
  const g1 = `${policyName(rules.find((r) => r.id === "G1")!)}: `;

  it("flags a cluster with public nodes (G1)", async () => {
    expect((await publicNodes("staging")).some((f) => f.startsWith(g1))).toBe(true);
  });

  it("honours the waivers of the previewed stack's Pulumi config", async () => {
    expect((await publicNodes("waived-cluster")).some((f) => f.startsWith(g1))).toBe(false);
  });
});
