/**
 * The JSON that runway writes matches the JSON Schemas it publishes in schemas/ (plan, diff, check, describe,
 * stack list, ipam, affected), so programs
 * reading it can rely on them; each document names its format version.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli";

const ROOT = path.join(__dirname, "..");
const schema = (name: string) => JSON.parse(readFileSync(path.join(ROOT, "schemas", `${name}.schema.json`), "utf8"));

function valid(name: string, doc: unknown): string[] {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema(name));
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "runway-schemas-"));
  expect((await runCli("plan", "--stack", "platform-staging", "--json", path.join(dir, "head.json"), "--quiet")).code).toBe(0);
}, 120_000);

describe("published JSON Schemas", () => {
  it("plan --json matches schemas/plan.schema.json and carries schemaVersion 1", () => {
    const plan = JSON.parse(readFileSync(path.join(dir, "head.json"), "utf8"));
    expect(plan.schemaVersion).toBe(1);
    expect(valid("plan", plan)).toEqual([]);
  });

  it("diff --format json matches schemas/diff.schema.json", async () => {
    const r = await runCli("diff", "--base-missing-ok", path.join(dir, "none"), path.join(dir, "head.json"), "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.stacks[0].added.length).toBeGreaterThan(0);
    expect(valid("diff", doc)).toEqual([]);
  });

  it("check --format json matches schemas/check.schema.json", async () => {
    const r = await runCli("check", "--plan", path.join(dir, "head.json"), "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(valid("check", doc)).toEqual([]);
  });

  it("describe --format json matches schemas/describe.schema.json", async () => {
    const r = await runCli("describe", "ai-gateway", "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ schemaVersion: 1, service: "ai-gateway", environments: [{ environment: "staging" }, { environment: "production" }] });
    expect(valid("describe", doc)).toEqual([]);
  });

  it("stack list --format json matches schemas/stack-list.schema.json", async () => {
    const r = await runCli("stack", "list", "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.stacks.map((s: { origin: string }) => s.origin)).toEqual(expect.arrayContaining(["file", "derived"]));
    expect(valid("stack-list", doc)).toEqual([]);
  });

  it("ipam --format json matches schemas/address-plan.schema.json", async () => {
    const r = await runCli("ipam", "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.environments[0].allocations.length).toBeGreaterThan(0);
    expect(valid("address-plan", doc)).toEqual([]);
  });

  it("affected --format json matches schemas/affected.schema.json", async () => {
    const r = await runCli("affected", "--all", "--format", "json");
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ schemaVersion: 1, reasons: { "platform-staging": "--all" } });
    expect(valid("affected", doc)).toEqual([]);
  });

  it("a plan from a newer runway is refused with what to do", async () => {
    const newer = path.join(dir, "newer.json");
    const plan = JSON.parse(readFileSync(path.join(dir, "head.json"), "utf8"));
    writeFileSync(newer, JSON.stringify({ ...plan, schemaVersion: 2 }));
    const r = await runCli("diff", newer, path.join(dir, "head.json"));
    expect(r).toMatchObject({ code: 1, err: `runway: diff: ${newer}: plan format version 2 is newer than this runway reads (1); plan and read it with the same runway` });
  });
});
