import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackFile } from "../src/config/stack";
import { checkPlan, formatReport, reportFailed, reportMarkdown } from "../src/rules/check";
import { stackWaivers, type Waiver, waiverCovers, waiversOf } from "../src/rules/waivers";
import { compliantPlan, set, writeStackFile } from "./rules-fixtures";

const JUSTIFICATION = "Build cache with no user data; access logs would double its cost.";

/** The compliant plan with bucket `backups` unversioned (S3) and the cluster without Binary Authorization (G16). */
function brokenPlan() {
  const plan = compliantPlan();
  set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
  set(plan.resources.find((r) => r.name === "main")!.inputs, "binaryAuthorization", undefined);
  set(plan.resources.find((r) => r.name === "main-general")!.inputs, "nodeConfig.shieldedInstanceConfig.enableSecureBoot", false);
  return plan;
}

const waiver = (rule: string, resource: string): Waiver => ({ rule, resource, justification: JUSTIFICATION, origin: "runway:waivers" });

describe("waivers", () => {
  it("a waived rule does not fail, and the report lists the waiver with its justification", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    const report = checkPlan(plan, { waivers: [waiver("S3", "backups")] });
    expect(report.violations).toEqual([]);
    expect(reportFailed([report])).toBe(false);
    expect(report.waivers[0].waived.map((v) => `${v.rule} ${v.name}`)).toEqual(["S3 backups"]);
    expect(formatReport([report])).toContain(`WAIVER S3 test/backups: ${JUSTIFICATION} [runway:waivers; waived 1 finding]`);
  });

  it("a waiver for another resource does not apply, and is still listed", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    const report = checkPlan(plan, { waivers: [waiver("S3", "logs")] });
    expect(report.violations.map((v) => `${v.rule} ${v.name}`)).toEqual(["S3 backups"]);
    expect(reportFailed([report])).toBe(true);
    expect(formatReport([report])).toContain(`WAIVER S3 test/logs: ${JUSTIFICATION} [runway:waivers; waived 0 findings]`);
  });

  it("a waiver for another rule on the same resource does not apply", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    expect(checkPlan(plan, { waivers: [waiver("S1", "backups")] }).violations.map((v) => v.rule)).toEqual(["S3"]);
  });

  it("a waiver for a control covers its suffixed rules, not the other way round", () => {
    const key = { type: "gcp:kms/cryptoKey:CryptoKey", name: "k" };
    expect(waiverCovers(waiver("G15", "k"), "G15-key", key)).toBe(true);
    expect(waiverCovers(waiver("G15-key", "k"), "G15", key)).toBe(false);
    expect(waiverCovers(waiver("G1", "k"), "G15", key)).toBe(false);
  });

  it("cluster exceptions waive their controls on the stack's clusters and node pools only", () => {
    const exceptions: Waiver[] = [
      { rule: "G16", justification: JUSTIFICATION, origin: "runway:cluster.exceptions" },
      { rule: "G7", justification: JUSTIFICATION, origin: "runway:cluster.exceptions" },
    ];
    const report = checkPlan(brokenPlan(), { waivers: exceptions });
    expect(report.violations.map((v) => `${v.rule} ${v.name}`)).toEqual(["S3 backups"]);
    expect(report.waivers.map((u) => u.waived.map((v) => `${v.rule} ${v.name}`))).toEqual([["G16 main"], ["G7 main-general"]]);
    expect(formatReport([report])).toContain(`WAIVER G16 test/cluster and node pools: ${JUSTIFICATION} [runway:cluster.exceptions; waived 1 finding]`);
    expect(waiverCovers(exceptions[0], "G16", { type: "gcp:storage/bucket:Bucket", name: "main" })).toBe(false);
  });

  it("the merge-request section lists waivers with their justification", () => {
    const report = checkPlan(brokenPlan(), { waivers: [waiver("S3", "backups")] });
    const md = reportMarkdown([report]);
    expect(md).toContain("<details><summary>Waivers (1)</summary>");
    expect(md).toContain(`| test | S3 | backups | ${JUSTIFICATION} | runway:waivers | 1 |`);
    expect(md).toContain("| mandatory | G16 | test | `main` (gcp:container/cluster:Cluster) |");
  });

  it("are read from the stack file: runway:waivers and runway:cluster.exceptions", () => {
    const root = mkdtempSync(path.join(tmpdir(), "runway-waivers-"));
    const file = writeStackFile(root, "test", { waivers: [{ rule: "S3", resource: "backups", justification: JUSTIFICATION }], exceptions: { G16: JUSTIFICATION } });
    expect(stackWaivers(loadStackFile(file).config)).toEqual([
      { rule: "S3", resource: "backups", justification: JUSTIFICATION, origin: "runway:waivers" },
      { rule: "G16", justification: JUSTIFICATION, origin: "runway:cluster.exceptions" },
    ]);
    expect(waiversOf(root, "test")).toHaveLength(2);
    expect(waiversOf(root, "no-such-stack")).toEqual([]);
  });
});
