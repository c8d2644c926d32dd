/** The test helper that provides real Helm: unpacked once, safe when several test workers unpack at the same time. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unpackHelm } from "./helpers/helm";

const root = mkdtempSync(path.join(tmpdir(), "runway-helm-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("helm test helper", () => {
  it("concurrent unpacks all get one complete helm 4 binary and leave no temp directory", async () => {
    const bins = await Promise.all([unpackHelm(root), unpackHelm(root), unpackHelm(root)]);
    expect(new Set(bins).size).toBe(1);
    const version = spawnSync(bins[0], ["version", "--short"], { encoding: "utf8" });
    expect(version.stdout).toMatch(/^v4\./);
    expect(readdirSync(root)).toHaveLength(1);
    // Once there, it is not unpacked again.
    expect(await unpackHelm(root)).toBe(bins[0]);
  });
});
