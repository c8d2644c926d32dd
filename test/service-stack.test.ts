import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../src/config/catalog";
import { catalogContext, crossStackProblems, loadAllStacks, serviceStackProblems } from "../src/config/project";
import { loadStackFile } from "../src/config/stack";

const ROOT = path.join(__dirname, "..");
const EXAMPLE = readFileSync(path.join(ROOT, "stacks", "Pulumi.ai-gateway-production.yaml"), "utf8");
const catalog = loadCatalog(path.join(ROOT, "services"), catalogContext(loadAllStacks(ROOT)));

function problems(edit: (t: string) => string): string[] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-svc-")), "Pulumi.svc.yaml");
  writeFileSync(file, edit(EXAMPLE));
  return serviceStackProblems(loadStackFile(file), catalog, "services").map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`);
}

const withoutCluster = (t: string) => t.slice(0, t.indexOf("  runway:cluster:")) + t.slice(t.indexOf("  runway:gitlab:"));

describe("service stacks against the catalog", () => {
  it("the example dedicated service stack is consistent with its entry", () => {
    expect(problems((t) => t)).toEqual([]);
  });

  it("a dedicated service without a cluster is rejected before anything is registered", () => {
    expect(problems(withoutCluster)).toEqual(["7:3: config: ai-gateway is dedicated in production (services/ai-gateway.yaml): add runway:cluster for its own cluster"]);
  });

  it("a shared service with a cluster is rejected", () => {
    const text = (t: string) => t.replace("runway:service: ai-gateway", "runway:service: duo-workflow-service").replace("runway:environment: production", "runway:environment: staging");
    expect(problems(text)).toEqual([
      "32:3: config.runway:cluster: duo-workflow-service is shared in staging: remove runway:cluster (and runway:network), or set placement: dedicated for staging in services/duo-workflow-service.yaml",
    ]);
  });

  it("a dedicated cluster name GCP could not hold is rejected", () => {
    const long = "a-very-long-satellite-service";
    const base = catalog.find((c) => c.entry.metadata.name === "ai-gateway");
    if (!base) throw new Error("example catalog lacks ai-gateway");
    const longCatalog = [{ ...base, entry: { ...base.entry, metadata: { ...base.entry.metadata, name: long } } }];
    const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-svc-")), "Pulumi.svc.yaml");
    writeFileSync(file, EXAMPLE.replace("runway:service: ai-gateway", `runway:service: ${long}`));
    expect(serviceStackProblems(loadStackFile(file), longCatalog, "services").map((d) => d.message)).toEqual([
      `the dedicated cluster's name '${long}-production' is longer than 31 characters (GCP names its regional resources after it); use a shorter service or environment name`,
    ]);
  });

  it("an unknown service is rejected", () => {
    expect(problems((t) => t.replace("runway:service: ai-gateway", "runway:service: nope"))).toEqual([
      "8:19: config.runway:service: no catalog entry named 'nope'; add services/nope.yaml or fix the name",
    ]);
  });
});

describe("platform stacks against the catalog", () => {
  it("an internal service on a cluster without an internal Gateway is rejected before anything is registered", () => {
    const text = readFileSync(path.join(ROOT, "stacks", "Pulumi.platform-staging.yaml"), "utf8").replace(/\n\s+proxyOnly: \S+/g, "");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "runway-platform-")), "Pulumi.platform-staging.yaml");
    writeFileSync(file, text);
    const stack = loadStackFile(file);
    expect(crossStackProblems(stack, [stack], catalog).map((d) => `${d.path}: ${d.message}`)).toEqual([
      "config.runway:network.subnets: glgo has exposure.visibility internal in staging, but runway:network has no proxyOnly range for us-east1, so the cluster has no internal Gateway; add proxyOnly (a /23 disjoint from the other ranges) to the us-east1 subnet, or set visibility: external",
    ]);
  });
});
