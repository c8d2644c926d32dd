import { readFileSync } from "node:fs";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileChart } from "../src/chart/build";
import { valueRows } from "../src/chart/readme";
import { mergeValues, valuesSchema } from "../src/chart/values";
import { loadManifest } from "../src/manifest/load";

const chart = compileChart(loadManifest("examples/ai-gateway/.runway/runway.yml"), { version: "1.2.3" });
const schema = JSON.parse((chart.files.get("values.schema.json") as Buffer).toString("utf8"));
const helmValidate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const exampleOverrides = parse(readFileSync("examples/ai-gateway/values.self-managed.yaml", "utf8"));

/** Helm validates the coalesced values (defaults, then overrides) against values.schema.json. */
function accepts(overrides: unknown): boolean {
  return helmValidate(mergeValues(chart.values, overrides)) as boolean;
}

describe("values.schema.json", () => {
  it("is draft-7, which every Helm 3 release validates", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("accepts the default values written to values.yaml", () => {
    const fromYaml = parse((chart.files.get("values.yaml") as Buffer).toString("utf8"), { version: "1.1" });
    expect(fromYaml).toEqual(chart.values);
    expect(helmValidate(fromYaml), JSON.stringify(helmValidate.errors)).toBe(true);
  });

  it("accepts the example self-managed values", () => {
    expect(accepts(exampleOverrides), JSON.stringify(helmValidate.errors)).toBe(true);
  });

  it("accepts Helm's global values of a parent chart", () => {
    expect(accepts({ global: { imageRegistry: "x" } })).toBe(true);
  });

  it.each([
    ["zero replicas", { autoscaling: { minReplicas: 0 } }],
    ["replicas as text", { autoscaling: { maxReplicas: "ten" } }],
    ["a fractional replica count", { autoscaling: { maxReplicas: 2.5 } }],
    ["a CPU target above 100%", { autoscaling: { targetCPUUtilizationPercentage: 150 } }],
    ["an unknown top-level value", { replicaCount: 3 }],
    ["a typo inside a value", { image: { tagg: "v2" } }],
    ["an image tag with a space", { image: { tag: "v 2" } }],
    ["an unknown pull policy", { image: { pullPolicy: "Sometimes" } }],
    ["a malformed CPU quantity", { resources: { limits: { cpu: "two" } } }],
    ["resources without limits", { resources: { limits: null } }],
    ["a non-string env value", { env: { LOG_LEVEL: 3 } }],
    ["an invalid env name", { env: { "LOG-LEVEL": "x" } }],
    ["a route enabled without hosts", { route: { enabled: true } }],
    ["a host that is not a hostname", { route: { hosts: ["https://x.example.com"] } }],
    ["an unknown secret store kind", { externalSecrets: { secretStoreRef: { kind: "Vault" } } }],
    ["a Vault prefix with a leading slash", { externalSecrets: { vaultPathPrefix: "/runway/env" } }],
    ["a service account name with capitals", { serviceAccount: { name: "Svc" } }],
  ])("rejects %s", (_what, overrides) => {
    expect(accepts(overrides)).toBe(false);
    // The zod schema it is generated from agrees.
    expect(valuesSchema.safeParse(mergeValues(chart.values, overrides)).success).toBe(false);
  });

  it("describes every value", () => {
    expect(valueRows(schema, chart.values).filter((r) => !r.description).map((r) => r.path)).toEqual([]);
  });

  it("uses only patterns Go's RE2 compiles (Helm validates with Go regular expressions)", () => {
    const patterns = JSON.stringify(schema).match(/"pattern":"(?:[^"\\]|\\.)*"/g) ?? [];
    expect(patterns.length).toBeGreaterThan(5);
    for (const p of patterns) expect(p, p).not.toMatch(/\(\?[=!<]|\\[1-9]/);
  });
});
