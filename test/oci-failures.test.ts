/**
 * Registry failures, injected by a loopback proxy in front of a real registry: each fails with one line saying what
 * was being done, and no tag ever points at an incomplete artifact.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compileChart, packageChart } from "../src/chart/build";
import { chartPromote, chartPublish, type Io } from "../src/cli/chart";
import { loadManifest } from "../src/manifest/load";
import { RegistryClient } from "../src/oci/client";
import { OCI_MANIFEST_MEDIA_TYPE, promoteChart, publishChart } from "../src/oci/publish";
import { startProxy, startRegistry, type Fault, type Proxy, type Registry } from "./helpers/registry";

const example = loadManifest("examples/ai-gateway/.runway/runway.yml");
const chart = packageChart(compileChart(example, { version: "3.0.0", gitlabRelease: "18.0" }));
const next = packageChart(compileChart(example, { version: "3.0.1" }));

let reg: Registry;
let proxy: Proxy;
let fault: (method: string, pathname: string) => Fault | undefined = () => undefined;
const tmp = mkdtempSync(path.join(tmpdir(), "runway-oci-fail-"));

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg, { fault: (m, p) => fault(m, p) });
});
beforeEach(() => {
  fault = () => undefined;
});
afterAll(async () => {
  await proxy?.stop();
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Tags as the registry itself has them (not through the failing proxy). */
function tags(repository: string): Promise<string[]> {
  return new RegistryClient(reg.host, repository).listTags();
}

async function digestOf(repository: string, tag: string): Promise<string | undefined> {
  return (await new RegistryClient(reg.host, repository).getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]))?.digest;
}

function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: Error) => e.message,
  );
}

describe("registry failures", () => {
  it("a 500 while uploading the chart fails with one line and leaves no tag", async () => {
    fault = (m, p) => (m === "PUT" && p.includes("/blobs/uploads/") ? "500" : undefined);
    const msg = await failure(publishChart(chart, `oci://${proxy.host}/fail500`));
    expect(msg).toMatch(
      /^uploading chart config sha256:[0-9a-f]{12} at 127\.0\.0\.1:[0-9]+\/fail500\/ai-gateway failed: 500 UNKNOWN: injected failure \(PUT \/v2\/fail500\/ai-gateway\/blobs\/uploads\/[^ ]+\)$/,
    );
    expect(await tags("fail500/ai-gateway")).toEqual([]);
  });

  it("a dropped connection in the middle of a chunked upload fails with one line and leaves no tag", async () => {
    let patches = 0;
    fault = (m) => (m === "PATCH" && ++patches === 2 ? "drop" : undefined);
    const msg = await failure(publishChart(chart, `oci://${proxy.host}/dropped`, { chunked: true, chunkSize: 2048 }));
    expect(msg).toMatch(/^uploading chart config sha256:[0-9a-f]{12} at 127\.0\.0\.1:[0-9]+\/dropped\/ai-gateway failed: the connection was dropped \(PATCH \/v2\/dropped\/ai-gateway\/blobs\/uploads\/[^ ]+\)$/);
    expect(await tags("dropped/ai-gateway")).toEqual([]);
  });

  it("a failure storing the manifest leaves no tag, and a retry completes without re-uploading", async () => {
    fault = (m, p) => (m === "PUT" && p.includes("/manifests/sha256:") ? "500" : undefined);
    const msg = await failure(publishChart(chart, `oci://${proxy.host}/manifest500`));
    expect(msg).toMatch(/^storing manifest sha256:[0-9a-f]{12} at .*\/manifest500\/ai-gateway failed: 500 UNKNOWN: injected failure/);
    expect(await tags("manifest500/ai-gateway")).toEqual([]);
    fault = () => undefined;
    const r = await publishChart(chart, `oci://${proxy.host}/manifest500`);
    expect(r.uploaded).toEqual([]);
    expect(await tags("manifest500/ai-gateway")).toEqual(["3.0.0", "gitlab-18.0"]);
  });

  it("a connection dropped while tagging leaves only tags on the complete artifact", async () => {
    fault = (m, p) => (m === "PUT" && p.endsWith("/manifests/gitlab-18.0") ? "drop" : undefined);
    const msg = await failure(publishChart(chart, `oci://${proxy.host}/tagdrop`));
    expect(msg).toMatch(/^tagging gitlab-18\.0 at .*\/tagdrop\/ai-gateway failed: the connection was dropped \(PUT \/v2\/tagdrop\/ai-gateway\/manifests\/gitlab-18\.0\)$/);
    // The version tag was set last-but-one, after the manifest and its blobs were complete.
    expect(await tags("tagdrop/ai-gateway")).toEqual(["3.0.0"]);
    const m = await new RegistryClient(reg.host, "tagdrop/ai-gateway").getManifest("3.0.0", [OCI_MANIFEST_MEDIA_TYPE]);
    const layer = JSON.parse(m?.bytes.toString() ?? "{}").layers[0].digest;
    expect((await new RegistryClient(reg.host, "tagdrop/ai-gateway").getBlob(layer)).equals(chart)).toBe(true);
  });

  it("promoting an unknown version fails with 404 and sets no stage tag", async () => {
    await publishChart(chart, `oci://${reg.host}/promote404`);
    const msg = await failure(promoteChart(`oci://${reg.host}/promote404/ai-gateway:9.9.9`, "production"));
    expect(msg).toBe(
      `oci://${reg.host}/promote404/ai-gateway:9.9.9 not found: the registry has no version 9.9.9 of ${reg.host}/promote404/ai-gateway; publish it first with runway chart publish`,
    );
    expect(await tags("promote404/ai-gateway")).toEqual(["3.0.0", "gitlab-18.0"]);
  });

  it("promoting in an unknown repository fails with 404", async () => {
    const msg = await failure(promoteChart(`oci://${reg.host}/nowhere/ai-gateway:1.0.0`, "production"));
    expect(msg).toMatch(/^oci:\/\/.*\/nowhere\/ai-gateway:1\.0\.0 not found: /);
    expect(await tags("nowhere/ai-gateway")).toEqual([]);
  });

  it("a 500 while promoting leaves the stage tag where it was", async () => {
    await publishChart(chart, `oci://${reg.host}/promote500`);
    const before = await promoteChart(`oci://${reg.host}/promote500/ai-gateway:3.0.0`, "production");
    await publishChart(next, `oci://${reg.host}/promote500`);
    fault = (m, p) => (m === "PUT" && p.endsWith("/manifests/production") ? "500" : undefined);
    const msg = await failure(promoteChart(`oci://${proxy.host}/promote500/ai-gateway:3.0.1`, "production"));
    expect(msg).toMatch(/^tagging production at .*\/promote500\/ai-gateway failed: 500 UNKNOWN: injected failure/);
    expect(await digestOf("promote500/ai-gateway", "production")).toBe(before.digest);
  });

  it("follows a blob read redirected to storage, as registries on object storage answer", async () => {
    await publishChart(chart, `oci://${reg.host}/redirect`);
    const m = await new RegistryClient(reg.host, "redirect/ai-gateway").getManifest("3.0.0", [OCI_MANIFEST_MEDIA_TYPE]);
    const layer = JSON.parse(m?.bytes.toString() ?? "{}").layers[0].digest as string;
    fault = (method, p) => (method === "GET" && p.includes("/blobs/") ? "redirect" : undefined);
    expect((await new RegistryClient(proxy.host, "redirect/ai-gateway").getBlob(layer)).equals(chart)).toBe(true);
  });

  it("an unreachable registry fails with connection refused", async () => {
    const closed = await startProxy(reg);
    await closed.stop();
    const msg = await failure(publishChart(chart, `oci://${closed.host}/x`));
    expect(msg).toMatch(/^reading 3\.0\.0 at 127\.0\.0\.1:[0-9]+\/x\/ai-gateway failed: connection refused \(GET \/v2\/x\/ai-gateway\/manifests\/3\.0\.0\)$/);
  });

  it("the CLI prints a registry failure as one line, exits 1, and never shows a stack trace", async () => {
    const file = path.join(tmp, "chart.tgz");
    writeFileSync(file, chart);
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    fault = () => "drop";
    expect(await chartPublish(file, `oci://${proxy.host}/cli`, {}, io)).toBe(1);
    expect(await chartPromote(`oci://${proxy.host}/cli/ai-gateway:3.0.0`, { stage: "production" }, io)).toBe(1);
    expect(await chartPublish(path.join(tmp, "missing.tgz"), `oci://${proxy.host}/cli`, {}, io)).toBe(1);
    expect(await chartPublish(file, "https://example.com/charts", {}, io)).toBe(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^runway: chart publish: reading 3\.0\.0 at .* failed: the connection was dropped/);
    expect(lines[1]).toMatch(/^runway: chart promote: reading 3\.0\.0 at .* failed: the connection was dropped/);
    expect(lines[2]).toBe(`runway: chart publish: ${path.join(tmp, "missing.tgz")}: file not found; build it with runway chart build`);
    expect(lines[3]).toBe("runway: chart publish: https://example.com/charts: the registry location must start with oci://, e.g. oci://registry.gitlab.com/group/project/charts");
    for (const l of lines) expect(l).not.toMatch(/\n|Error:|\.ts:[0-9]+/);
  });
});
