import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { ConfigError, formatDiagnostic } from "../src/config/diagnostics";
import { loadProjectStacks } from "../src/config/project";
import { loadStackFile } from "../src/config/stack";
import { holdsConfigType, projectConfigProblems, projectFileProblems, readProjectFile, secretsProviderProblems } from "../src/config/pulumi-project";
import { platformConfigSchema, selfhostedConfigSchema, serviceConfigSchema } from "../src/config/schema/stack";
import { parseYaml } from "../src/config/yaml-source";

const ROOT = path.join(__dirname, "..");
const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
  name: string;
  main?: string;
  stackConfigDir: string;
  runtime: { name: string; options: Record<string, unknown> };
  config: Record<string, { type: string; description?: string; default?: unknown }>;
};

const stackYaml = (text: string) => parseYaml("stacks/Pulumi.s.yaml", text);
const projectYaml = (config: string) => parseYaml("Pulumi.yaml", `name: runway\nruntime: nodejs\nconfig:\n${config}`);
const messages = (ds: { line: number; column: number; path: string; message: string }[]) => ds.map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`);

describe("Pulumi.yaml", () => {
  it("names the project runway and the stacks directory", () => {
    expect([project.name, project.stackConfigDir]).toEqual(["runway", "stacks"]);
  });

  it("runs the program from the project root through package.json's main, where the project's tsconfig is found", () => {
    // No `main`: the language host runs the project directory with entry point ".", and cmd/run takes
    // package.json's main. With `main: src/index.ts` it would run from src/, where no tsconfig is found.
    expect(project.main).toBeUndefined();
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { main: string };
    expect(pkg.main).toBe("src/index.ts");
  });

  it("loads TypeScript with a tsconfig that transpiles without type checking (tsc checks in npm test)", () => {
    expect(project.runtime.options.typescript).toBe(true);
    const file = project.runtime.options.tsconfig as string;
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as { extends: string; compilerOptions: Record<string, unknown> };
    expect(tsconfig.extends).toBe("./tsconfig.json");
    // cmd/run reads noCheck from this file itself (not through extends) to choose ts-node's transpileOnly.
    expect(tsconfig.compilerOptions.noCheck).toBe(true);
  });

  it("declares only keys that every stack kind requires, so Pulumi accepts every kind's stacks", () => {
    const requiredIn = (s: z.ZodObject) => Object.entries(s.shape).filter(([, f]) => !(f as z.ZodType).safeParse(undefined).success).map(([k]) => k);
    const everywhere = [platformConfigSchema, serviceConfigSchema, selfhostedConfigSchema].map(requiredIn).reduce((a, b) => a.filter((k) => b.includes(k)));
    for (const [key, d] of Object.entries(project.config)) {
      if (d.default === undefined) expect(everywhere, key).toContain(`runway:${key}`);
      expect(d.description, key).toBeTruthy();
    }
  });

  it("holds valid config declarations", () => {
    expect(projectFileProblems(readProjectFile(ROOT)!)).toEqual([]);
  });

  it("every example stack passes Pulumi's own checks of its config and secrets", () => {
    const p = readProjectFile(ROOT)!;
    for (const s of loadProjectStacks(ROOT).all) {
      const name = s.name;
      // A derived stack's text is what `runway stack prepare` writes for Pulumi.
      const source = parseYaml(`stacks/Pulumi.${name}.yaml`, s.text ?? readFileSync(path.join(ROOT, "stacks", `Pulumi.${name}.yaml`)));
      expect([...projectConfigProblems(p, source, name), ...secretsProviderProblems(source, name)].map(formatDiagnostic), name).toEqual([]);
    }
  });
});

describe("Pulumi's project config rules", () => {
  it("a declared key without a default is required in every stack, with Pulumi's own words", () => {
    const problems = projectConfigProblems(projectYaml("  environment:\n    type: string\n"), stackYaml("config:\n  runway:kind: selfhosted\n"), "s");
    expect(messages(problems)).toEqual([
      `1:1: config: Pulumi.yaml declares 'environment' without a default, so Pulumi stops before the program runs: "Stack 's' is missing configuration value 'environment'"; set runway:environment here, or give 'environment' a default in Pulumi.yaml`,
    ]);
  });

  it("a declared key with a default, or of another namespace, is not required", () => {
    const p = projectYaml("  environment:\n    type: string\n    default: staging\n  gcp:project:\n    type: string\n");
    expect(projectConfigProblems(p, stackYaml("config:\n  runway:kind: selfhosted\n"), "s")).toEqual([]);
  });

  it("a typed key must hold its type: a mapping is not a string", () => {
    const problems = projectConfigProblems(projectYaml("  cluster:\n    type: string\n"), stackYaml("config:\n  runway:cluster:\n    region: us-east1\n"), "s");
    expect(messages(problems)).toEqual([
      `3:5: config.runway:cluster: Pulumi.yaml declares 'cluster' of type string, so Pulumi refuses this value ("Stack 's' with configuration key 'cluster' must be of type 'string'")`,
    ]);
  });

  it("scalars reach Pulumi as text, list items keep their JSON types", () => {
    expect(holdsConfigType({ type: "string" }, 17.9, true)).toBe(true);
    expect(holdsConfigType({ type: "integer" }, "12", true)).toBe(true);
    expect(holdsConfigType({ type: "integer" }, "1.5", true)).toBe(false);
    expect(holdsConfigType({ type: "boolean" }, false, true)).toBe(true);
    expect(holdsConfigType({ type: "boolean" }, "yes", true)).toBe(false);
    expect(holdsConfigType({ type: "array", items: { type: "string" } }, ["a", "b"], true)).toBe(true);
    expect(holdsConfigType({ type: "array", items: { type: "string" } }, [1], true)).toBe(false);
    expect(holdsConfigType({ type: "array", items: { type: "string" } }, "a", true)).toBe(false);
  });

  it("a key declared secret must be secure in the stack", () => {
    const problems = projectConfigProblems(projectYaml("  gitlabToken:\n    type: string\n    secret: true\n"), stackYaml("config:\n  runway:gitlabToken: glpat-plain\n"), "s");
    expect(messages(problems)).toEqual([
      `2:23: config.runway:gitlabToken: Pulumi.yaml declares 'gitlabToken' secret, so Pulumi refuses a plain value ("must be encrypted as it's secret"): pulumi config set --secret runway:gitlabToken <value>`,
    ]);
  });

  it("a declaration Pulumi would refuse is reported at its line", () => {
    expect(messages(projectFileProblems(projectYaml("  stages:\n    type: array\n  replicas:\n    type: number\n")))).toEqual([
      "5:5: config.stages: an array needs items: { type: ... }",
      '7:11: config.replicas.type: Pulumi knows the config types string, integer, boolean, array; got "number"',
    ]);
  });
});

describe("secrets need the stack's secrets provider", () => {
  const secret = "config:\n  runway:gitlabToken:\n    secure: v1:abc\n";

  it("a secret without a secrets provider cannot be decrypted by Pulumi", () => {
    expect(messages(secretsProviderProblems(stackYaml(secret), "s"))).toEqual([
      "3:5: config.runway:gitlabToken: runway:gitlabToken is a secret, but the stack names no secrets provider, so Pulumi cannot decrypt it: create the stack with `pulumi stack init s --secrets-provider gcpkms://projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>` (it writes secretsprovider and encryptedkey), then set the secret again with `pulumi config set --secret`",
    ]);
  });

  it("a cloud KMS provider needs the stack's encrypted data key", () => {
    const problems = secretsProviderProblems(stackYaml(`secretsprovider: gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k\n${secret}`), "s");
    expect(problems.map((d) => d.message)).toEqual([
      "gcpkms needs the encryptedkey that `pulumi stack init s --secrets-provider gcpkms://projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>` writes beside it",
    ]);
  });

  it("the passphrase provider needs its salt", () => {
    expect(secretsProviderProblems(stackYaml(`secretsprovider: passphrase\n${secret}`), "s").map((d) => d.message)).toEqual([
      "the passphrase provider needs the encryptionsalt that `pulumi stack init --secrets-provider passphrase` writes",
    ]);
    expect(secretsProviderProblems(stackYaml(`encryptionsalt: v1:salt\n${secret}`), "s")).toEqual([]);
  });

  it("a secret nested in a structured value counts too", () => {
    expect(secretsProviderProblems(stackYaml("config:\n  runway:values:\n    apiKey:\n      secure: v1:abc\n"), "s")).toHaveLength(1);
  });

  it("a stack without secrets needs no provider", () => {
    expect(secretsProviderProblems(stackYaml("config:\n  runway:kind: selfhosted\n"), "s")).toEqual([]);
  });
});

describe("runway validate reports Pulumi's rules with the stack file's line", () => {
  it("a copied project whose Pulumi.yaml declares a key the stack lacks fails at load", () => {
    const root = mkdtempSync(path.join(tmpdir(), "runway-project-"));
    mkdirSync(path.join(root, "stacks"));
    cpSync(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"), path.join(root, "stacks", "Pulumi.platform-staging.yaml"));
    writeFileSync(path.join(root, "Pulumi.yaml"), `${readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")}  chart:\n    type: string\n    description: a selfhosted key\n`);
    let error: unknown;
    try {
      loadStackFile(path.join(root, "stacks", "Pulumi.platform-staging.yaml"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).diagnostics.map((d) => [d.line, d.path, d.message.split(":")[0]])).toEqual([[6, "config", "Pulumi.yaml declares 'chart' without a default, so Pulumi stops before the program runs"]]);
  });
});
