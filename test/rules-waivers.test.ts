import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackFile } from "../src/config/stack";
import { checkPlan, formatReport, reportFailed, reportMarkdown } from "../src/rules/check";
import { isSensitiveWaiver, stackWaivers, type Waiver, waiverCovers, waiversOf } from "../src/rules/waivers";
import { compliantPlan, set, urnOf, writeStackFile } from "./rules-fixtures";

const JUSTIFICATION = "Build cache with no user data; access logs would double its cost.";

/** The compliant plan with bucket `backups` unversioned (S3) and the cluster without Binary Authorization (G16). */
function brokenPlan() {
  const plan = compliantPlan();
  set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
  set(plan.resources.find((r) => r.name === "main")!.inputs, "binaryAuthorization", undefined);
  set(plan.resources.find((r) => r.name === "main-general")!.inputs, "nodeConfig.shieldedInstanceConfig.enableSecureBoot", false);
  return plan;
}

const BUCKET = "gcp:storage/bucket:Bucket";
const waiver = (rule: string, resource: string, type: string | null = BUCKET): Waiver => ({ rule, resource, ...(type ? { type } : {}), justification: JUSTIFICATION, origin: "runway:waivers" });

describe("waivers", () => {
  it("a waived rule does not fail, and the report lists the waiver with its justification", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    const report = checkPlan(plan, { waivers: [waiver("S3", "backups")] });
    expect(report.violations).toEqual([]);
    expect(reportFailed([report])).toBe(false);
    expect(report.waivers[0].waived.map((v) => `${v.rule} ${v.name}`)).toEqual(["S3 backups"]);
    expect(formatReport([report])).toContain(`WAIVER S3 test/backups (gcp:storage/bucket:Bucket): ${JUSTIFICATION} [runway:waivers; waived 1 finding]`);
  });

  it("a waiver for another resource does not apply, and is still listed", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    const report = checkPlan(plan, { waivers: [waiver("S3", "logs")] });
    expect(report.violations.map((v) => `${v.rule} ${v.name}`)).toEqual(["S3 backups"]);
    expect(reportFailed([report])).toBe(true);
    expect(formatReport([report])).toContain(`WAIVER S3 test/logs (gcp:storage/bucket:Bucket): ${JUSTIFICATION} [runway:waivers; waived 0 findings]`);
  });

  it("a waiver for another rule on the same resource does not apply", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "backups")!.inputs, "versioning", undefined);
    expect(checkPlan(plan, { waivers: [waiver("S1", "backups")] }).violations.map((v) => v.rule)).toEqual(["S3"]);
  });

  it("a waiver for a control covers its suffixed rules, not the other way round", () => {
    const key = { type: "gcp:kms/cryptoKey:CryptoKey", name: "k", urn: urnOf("gcp:kms/cryptoKey:CryptoKey", "k") };
    expect(waiverCovers(waiver("G15", "k", key.type), "G15-key", key)).toBe(true);
    expect(waiverCovers(waiver("G15-key", "k", key.type), "G15", key)).toBe(false);
    expect(waiverCovers(waiver("G1", "k", key.type), "G15", key)).toBe(false);
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
    expect(waiverCovers(exceptions[0], "G16", { type: BUCKET, name: "main", urn: urnOf(BUCKET, "main") })).toBe(false);
  });

  it("the merge-request section lists waivers with their justification", () => {
    const report = checkPlan(brokenPlan(), { waivers: [waiver("S3", "backups")] });
    const md = reportMarkdown([report]);
    expect(md).toContain("<details><summary>Waivers (1)</summary>");
    expect(md).toContain(`| test | S3 | backups (gcp:storage/bucket:Bucket) | ${JUSTIFICATION} | runway:waivers | 1 |`);
    expect(md).toContain("| mandatory | G16 | test | `main` (gcp:container/cluster:Cluster) |");
  });

  it("are read from the stack file: runway:waivers and runway:cluster.exceptions", () => {
    const root = mkdtempSync(path.join(tmpdir(), "runway-waivers-"));
    const file = writeStackFile(root, "test", { waivers: [{ rule: "S3", resource: "backups", type: BUCKET, justification: JUSTIFICATION }], exceptions: { G16: JUSTIFICATION } });
    expect(stackWaivers(loadStackFile(file).config)).toEqual([
      { rule: "S3", resource: "backups", type: BUCKET, justification: JUSTIFICATION, origin: "runway:waivers" },
      { rule: "G16", justification: JUSTIFICATION, origin: "runway:cluster.exceptions" },
    ]);
    expect(waiversOf(root, "test")).toHaveLength(2);
    expect(waiversOf(root, "no-such-stack")).toEqual([]);
  });

  it("name their resource by type and name: a waiver for the project does not silence the cluster of the same name", () => {
    const plan = compliantPlan();
    const project = plan.resources.find((r) => r.name === "project")!;
    const cluster = plan.resources.find((r) => r.name === "main")!;
    // A cluster that shares the project's Pulumi name, with a public node pool.
    Object.assign(cluster, { name: "project", urn: urnOf(cluster.type, "project") });
    set(cluster.inputs, "privateClusterConfig.enablePrivateNodes", false);
    set(project.inputs, "autoCreateNetwork", true);
    const report = checkPlan(plan, { waivers: [waiver("G1", "project", project.type), waiver("P1", "project", project.type)] });
    expect(report.violations.map((v) => `${v.rule} ${v.type}`)).toEqual(["G1 gcp:container/cluster:Cluster"]);
    expect(report.waivers.map((u) => u.waived.length)).toEqual([0, 1]);
  });

  it("name their resource by URN, in either form of the stack's children, and cover nothing else", () => {
    const bucket = { type: BUCKET, name: "backups", urn: urnOf(BUCKET, "backups") };
    const stackPrefixed = bucket.urn.replace("::runway::", "::runway::pulumi:pulumi:Stack$");
    expect(waiverCovers(waiver("S3", bucket.urn, null), "S3", bucket)).toBe(true);
    expect(waiverCovers(waiver("S3", stackPrefixed, null), "S3", bucket)).toBe(true);
    expect(waiverCovers(waiver("S3", bucket.urn, null), "S3", { ...bucket, urn: urnOf("gcp:storage/bucket:Bucket", "logs") })).toBe(false);
  });

  it("a waiver naming a resource without its type covers nothing, and stack validation rejects it with the fix", () => {
    expect(waiverCovers(waiver("S3", "backups", null), "S3", { type: BUCKET, name: "backups", urn: urnOf(BUCKET, "backups") })).toBe(false);
    const root = mkdtempSync(path.join(tmpdir(), "runway-waivers-"));
    const file = writeStackFile(root, "test", { waivers: [{ rule: "S3", resource: "backups", justification: JUSTIFICATION }] });
    expect(() => loadStackFile(file)).toThrow(
      /config\.runway:waivers\[0\]\.resource: name the resource by its URN, or add type: \(its Pulumi type, e\.g\. gcp:storage\/bucket:Bucket\); a name alone could waive another resource of the same name/,
    );
  });

  it("waivers of sensitive controls are listed apart in the merge-request note, for the Runway team's approval", () => {
    const plan = compliantPlan();
    set(plan.resources.find((r) => r.name === "main")!.inputs, "privateClusterConfig.enablePrivateNodes", false);
    const report = checkPlan(plan, { waivers: [waiver("G1", "main", "gcp:container/cluster:Cluster"), waiver("S3", "backups")] });
    const md = reportMarkdown([report]);
    expect(md).toContain("**Waivers of sensitive controls (1)**: merging needs the Runway team's approval (code owners of `stacks/`).");
    expect(md).toContain(`| test | G1 | main (gcp:container/cluster:Cluster) | ${JUSTIFICATION} | runway:waivers | 1 |`);
    expect(md).toContain("<details><summary>Waivers (1)</summary>");
    expect(formatReport([report]).find((l) => l.startsWith("WAIVER G1"))).toMatch(/sensitive control: needs the Runway team's approval\]$/);
    expect(isSensitiveWaiver({ rule: "K2-egress" })).toBe(true);
    expect(isSensitiveWaiver({ rule: "S3" })).toBe(false);
  });

  it("stack files are owned by the Runway team in CODEOWNERS, so waivers need its approval", () => {
    const owners = readFileSync(path.join(__dirname, "..", ".gitlab", "CODEOWNERS"), "utf8");
    const line = owners.split("\n").find((l) => l.startsWith("/stacks/"));
    expect(line).toMatch(/^\/stacks\/ @\S+/);
    expect(readFileSync(path.join(__dirname, "..", "docs", "ci.md"), "utf8")).toContain(".gitlab/CODEOWNERS");
  });
});
