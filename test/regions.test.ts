/**
 * Regions and residency of catalog entries: every region has its jurisdiction, an entry runs only in regions its
 * environment has, and a residency contradiction fails validation at its line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type CatalogContext, loadCatalog } from "../src/config/catalog";
import { ConfigError } from "../src/config/diagnostics";
import { catalogContext, loadAllStacks, loadProjectStacks } from "../src/config/project";
import { inJurisdiction, jurisdictionOf, REGION_JURISDICTION } from "../src/config/regions";
import { GCP_REGIONS } from "../src/config/schema/common";
import { runCli } from "./helpers/cli";

const ROOT = path.join(__dirname, "..");
const AI_GATEWAY = readFileSync(path.join(ROOT, "services", "ai-gateway.yaml"), "utf8");
/** The example stacks: staging in us-east1 (primary), europe-west4 and asia-northeast1; production in us-east1. */
const CTX = catalogContext(loadAllStacks(ROOT));

function entry(name: string, spec: string): string {
  return `apiVersion: runway/v1\nkind: SatelliteService\nmetadata:\n  name: ${name}\n  owner: gitlab-org/${name}\nspec:\n  chart:\n    repository: oci://registry.example.com/charts/${name}\n${spec}`;
}

function errors(files: Record<string, string>, ctx: CatalogContext = CTX): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "runway-regions-"));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  try {
    loadCatalog(dir, ctx);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.column}: ${d.path}: ${d.message}`);
  }
}

describe("jurisdictions", () => {
  it("every GCP region lies in one jurisdiction", () => {
    for (const r of GCP_REGIONS) expect(jurisdictionOf(r), r).toBeDefined();
    expect(Object.keys(REGION_JURISDICTION).sort()).toEqual([...GCP_REGIONS].sort());
  });

  it("London and Zurich are not in the European Union; Frankfurt, the Netherlands and Belgium are", () => {
    expect(inJurisdiction("europe-west2", "eu")).toBe(false);
    expect(jurisdictionOf("europe-west2")).toBe("uk");
    expect(jurisdictionOf("europe-west6")).toBe("ch");
    for (const r of ["europe-west1", "europe-west3", "europe-west4"]) expect(inJurisdiction(r, "eu"), r).toBe(true);
  });

  it("an unknown region lies in no jurisdiction", () => {
    expect(jurisdictionOf("mars-north1")).toBeUndefined();
  });
});

describe("regions of a catalog entry", () => {
  it("the example AI Gateway entry runs in staging's three regions and production's one", () => {
    expect(errors({ "ai-gateway.yaml": AI_GATEWAY })).toEqual([]);
  });

  it("a residency contradiction fails validation at the offending region's line", () => {
    const text = AI_GATEWAY.replace("  regions: [us-east1, europe-west4, asia-northeast1]\n", "  residency: eu\n  regions: [europe-west4, us-east1]\n");
    expect(errors({ "ai-gateway.yaml": text })).toEqual([
      // Production is dedicated: its cluster (stacks/Pulumi.ai-gateway-production.yaml) is in us-east1.
      "ai-gateway.yaml:15:14: spec.residency: ai-gateway is dedicated in production and its cluster is in us-east1 (stacks/Pulumi.ai-gateway-production.yaml), outside residency eu (European Union); move that cluster to a region in eu",
      "ai-gateway.yaml:16:27: spec.regions[1]: us-east1 lies in us (United States), outside residency eu (European Union) (spec.residency); staging's regions in eu: europe-west4",
    ]);
  });

  it("for a dedicated service whose stack is derived, the contradiction says how to place its cluster elsewhere", () => {
    const duo = readFileSync(path.join(ROOT, "services", "duo-workflow-service.yaml"), "utf8").replace("  environments: [staging, production]\n", "  environments: [staging, production]\n  residency: eu\n  regions: [europe-west4]\n");
    const found = errors({ "duo-workflow-service.yaml": duo }, catalogContext(loadProjectStacks(ROOT).all));
    expect(found).toContainEqual(
      expect.stringMatching(
        /spec\.residency: duo-workflow-service is dedicated in production and its cluster is in us-east1 \(the stack derived for it from production's runway:dedicated defaults\), outside residency eu \(European Union\); commit `runway stack config duo-workflow-service-production` as stacks\/Pulumi\.duo-workflow-service-production\.yaml and set its region there/,
      ),
    );
    expect(found.join("\n")).not.toContain("stacks/Pulumi.duo-workflow-service-production.yaml)");
  });

  it("runway validate reports the contradiction with file, line and column and fails", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "runway-regions-cli-"));
    const file = path.join(dir, "eu-service.yaml");
    writeFileSync(file, entry("eu-service", "  environments: [staging]\n  residency: eu\n  regions: [asia-northeast1]\n"));
    const r = await runCli("validate", file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${file}:11:13: spec.regions[0]: asia-northeast1 lies in jp (Japan), outside residency eu (European Union) (spec.residency); staging's regions in eu: europe-west4`,
    );
  });

  it("residency without regions is refused when the primary region lies outside it, naming the regions to list", () => {
    expect(errors({ "eu-service.yaml": entry("eu-service", "  environments: [staging]\n  residency: eu\n") })).toEqual([
      "eu-service.yaml:10:14: spec.residency: residency eu (European Union) excludes us-east1, the primary region of staging, where the service runs unless it lists regions; list spec.regions (or overrides.staging.regions) from staging's regions in eu: europe-west4",
    ]);
  });

  it("a residency whose regions the environment lacks says to add a regional stack", () => {
    expect(errors({ "eu-service.yaml": entry("eu-service", "  environments: [production]\n  residency: eu\n") })).toEqual([
      "eu-service.yaml:10:14: spec.residency: production has no region in eu (European Union) (regions: us-east1); add a regional stack in a region of eu, or remove production from spec.environments",
    ]);
  });

  it("a residency the environment satisfies is accepted", () => {
    expect(errors({ "eu-service.yaml": entry("eu-service", "  environments: [staging]\n  residency: eu\n  regions: [europe-west4]\n") })).toEqual([]);
  });

  it("a region the environment does not have names the regional stack to add", () => {
    expect(errors({ "svc.yaml": entry("svc", "  environments: [staging]\n  regions: [us-east1, europe-west1]\n") })).toEqual([
      "svc.yaml:10:23: spec.regions[1]: europe-west1 is not a region of staging (regions: us-east1, asia-northeast1, europe-west4); add a regional stack for it (stacks/Pulumi.platform-staging-europe-west1.yaml with runway:kind: region and runway:environment: staging) or remove it",
    ]);
  });

  it("an override's regions are checked against that environment only", () => {
    const spec = "  environments: [staging, production]\n  regions: [us-east1]\n  overrides:\n    staging:\n      regions: [europe-west4, us-west1]\n";
    expect(errors({ "svc.yaml": entry("svc", spec) })).toEqual([
      "svc.yaml:13:31: spec.overrides.staging.regions[1]: us-west1 is not a region of staging (regions: us-east1, asia-northeast1, europe-west4); add a regional stack for it (stacks/Pulumi.platform-staging-us-west1.yaml with runway:kind: region and runway:environment: staging) or remove it",
    ]);
  });

  it("a region listed twice is refused", () => {
    expect(errors({ "svc.yaml": entry("svc", "  environments: [staging]\n  regions: [europe-west4, europe-west4]\n") })).toEqual([
      "svc.yaml:10:27: spec.regions[1]: region europe-west4 is listed twice",
    ]);
  });

  it("an internal service runs only in the primary region, where the internal Gateway is", () => {
    const spec = "  environments: [staging]\n  regions: [us-east1, europe-west4]\n  exposure:\n    visibility: internal\n";
    expect(errors({ "svc.yaml": entry("svc", spec) })).toEqual([
      "svc.yaml:10:12: spec.regions: internal services run only in staging's primary region us-east1, where its internal Gateway is; list only us-east1 for staging, or set visibility: external",
    ]);
  });

  it("a dedicated placement lists at most its service stack's one region", () => {
    const text = AI_GATEWAY.replace("      regions: [us-east1]\n", "");
    expect(errors({ "ai-gateway.yaml": text })).toEqual([
      "ai-gateway.yaml:15:12: spec.regions: ai-gateway is dedicated in production: its own cluster is in one region (us-east1, stacks/Pulumi.ai-gateway-production.yaml); list one region in overrides.production.regions, or use shared placement to run in several",
    ]);
    const moved = AI_GATEWAY.replace("      regions: [us-east1]\n", "      regions: [europe-west4]\n");
    expect(errors({ "ai-gateway.yaml": moved })).toEqual([
      "ai-gateway.yaml:21:17: spec.overrides.production.regions[0]: ai-gateway is dedicated in production and its cluster is in us-east1 (stacks/Pulumi.ai-gateway-production.yaml); list us-east1 or move the cluster",
    ]);
  });

  it("without the stacks' regions nothing about regions is checked (a catalog validated alone)", () => {
    const alone: CatalogContext = { environments: CTX.environments, serviceStacks: CTX.serviceStacks };
    expect(errors({ "svc.yaml": entry("svc", "  environments: [staging]\n  regions: [us-west1]\n") }, alone)).toEqual([]);
  });

  it("a region that is not a GCP region is a schema error at its position", () => {
    expect(errors({ "svc.yaml": entry("svc", "  environments: [staging]\n  regions: [mars-north1]\n") })).toEqual([
      "svc.yaml:10:13: spec.regions[0]: 'mars-north1' is not a GCP region; expected e.g. us-east1 or europe-west4 (see https://cloud.google.com/about/locations)",
    ]);
  });
});
