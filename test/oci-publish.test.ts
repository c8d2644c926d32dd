/** Publishing and promoting against a real registry (docker-registry on loopback), read back over the wire. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileChart, packageChart } from "../src/chart/build";
import { chartPromote, chartPublish, type Io } from "../src/cli/chart";
import { loadManifest } from "../src/manifest/load";
import { RegistryClient, sha256 } from "../src/oci/client";
import { HELM_CONFIG_MEDIA_TYPE, HELM_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, promoteChart, publishChart } from "../src/oci/publish";
import { startProxy, startRegistry, type Proxy, type Registry } from "./helpers/registry";

const example = loadManifest("examples/ai-gateway/.runway/runway.yml");
const chartV1 = packageChart(compileChart(example, { version: "1.2.3", gitlabRelease: "17.9" }));
const chartV2 = packageChart(compileChart(example, { version: "1.2.4", gitlabRelease: "17.10" }));

let reg: Registry;
let proxy: Proxy;
const tmp = mkdtempSync(path.join(tmpdir(), "runway-oci-"));

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg);
});
afterAll(async () => {
  await proxy?.stop();
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function reader(repository: string): RegistryClient {
  return new RegistryClient(reg.host, repository);
}

async function manifestJson(repository: string, tag: string) {
  const m = await reader(repository).getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]);
  if (!m) throw new Error(`${repository}:${tag} missing`);
  return { ...m, json: JSON.parse(m.bytes.toString("utf8")) };
}

function captureIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(`out: ${l}`), err: (l) => lines.push(`err: ${l}`) };
}

describe("chart publish and promote", () => {
  it("a published chart reads back with Helm's media types and the config and layer digests", async () => {
    const r = await publishChart(chartV1, `oci://${reg.host}/readback`);
    const m = await manifestJson("readback/ai-gateway", "1.2.3");
    expect(m.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(m.digest).toBe(r.digest);
    expect(m.json).toMatchObject({
      schemaVersion: 2,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE },
      layers: [{ mediaType: HELM_LAYER_MEDIA_TYPE, digest: sha256(chartV1), size: chartV1.length }],
    });
    const layer = await reader("readback/ai-gateway").getBlob(m.json.layers[0].digest);
    expect(layer.equals(chartV1)).toBe(true);
    const config = await reader("readback/ai-gateway").getBlob(m.json.config.digest);
    expect(m.json.config).toEqual({ mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256(config), size: config.length });
    expect(JSON.parse(config.toString("utf8"))).toMatchObject({ name: "ai-gateway", version: "1.2.3", apiVersion: "v2", appVersion: "v1.42.0", type: "application" });
    expect(m.json.annotations).toMatchObject({ "org.opencontainers.image.title": "ai-gateway", "org.opencontainers.image.version": "1.2.3", "runway.gitlab.com/gitlab-release": "17.9" });
    expect(Object.keys(m.json.annotations).filter((k) => k.includes("stage"))).toEqual([]);
  });

  it("tags the version, the GitLab release and the entry stage, all on the same manifest", async () => {
    const r = await publishChart(chartV1, `oci://${reg.host}/tags`, { stage: "staging", tags: ["candidate"] });
    expect(r.tags).toEqual(["1.2.3", "gitlab-17.9", "staging", "candidate"]);
    expect(await reader("tags/ai-gateway").listTags()).toEqual(["1.2.3", "candidate", "gitlab-17.9", "staging"]);
    for (const t of r.tags) expect((await manifestJson("tags/ai-gateway", t)).digest).toBe(r.digest);
  });

  it("publishing the same chart twice is idempotent: nothing is uploaded again and the tags stay", async () => {
    const first = await publishChart(chartV1, `oci://${proxy.host}/twice`, { stage: "staging" });
    proxy.seen.length = 0;
    const second = await publishChart(chartV1, `oci://${proxy.host}/twice`, { stage: "staging" });
    expect(first.uploaded).toHaveLength(2);
    expect(second.uploaded).toEqual([]);
    expect(second.digest).toBe(first.digest);
    expect(proxy.seen.filter((s) => s.includes("/blobs/uploads/"))).toEqual([]);
    expect(await reader("twice/ai-gateway").listTags()).toEqual(["1.2.3", "gitlab-17.9", "staging"]);
  });

  it("chunked uploads store the same blobs as monolithic ones", async () => {
    proxy.seen.length = 0;
    const r = await publishChart(chartV1, `oci://${proxy.host}/chunked`, { chunked: true, chunkSize: 4096 });
    expect(proxy.seen.filter((s) => s.startsWith("PATCH")).length).toBeGreaterThan(1);
    const m = await manifestJson("chunked/ai-gateway", "1.2.3");
    expect(m.digest).toBe(r.digest);
    expect((await reader("chunked/ai-gateway").getBlob(m.json.layers[0].digest)).equals(chartV1)).toBe(true);
  });

  it("promote points the stage tag at the version's manifest without uploading anything", async () => {
    const v1 = await publishChart(chartV1, `oci://${reg.host}/promote`);
    const v2 = await publishChart(chartV2, `oci://${reg.host}/promote`);
    proxy.seen.length = 0;
    await promoteChart(`oci://${proxy.host}/promote/ai-gateway:1.2.4`, "production");
    expect(proxy.seen).toEqual([
      "GET /v2/promote/ai-gateway/manifests/1.2.4",
      "GET /v2/promote/ai-gateway/manifests/production",
      "PUT /v2/promote/ai-gateway/manifests/production",
    ]);
    expect((await manifestJson("promote/ai-gateway", "production")).digest).toBe(v2.digest);
    // Rolling a stage back is deliberate: --force.
    await promoteChart(`oci://${reg.host}/promote/ai-gateway:1.2.3`, "production", { force: true });
    expect((await manifestJson("promote/ai-gateway", "production")).digest).toBe(v1.digest);
    expect((await manifestJson("promote/ai-gateway", "1.2.4")).digest).toBe(v2.digest);
  });

  it("refuses other content under an existing version, which keeps its manifest", async () => {
    const first = await publishChart(chartV1, `oci://${reg.host}/immutable`);
    const other = packageChart(compileChart(example, { version: "1.2.3", image: "registry.example.com/other:v9" }));
    await expect(publishChart(other, `oci://${reg.host}/immutable`)).rejects.toThrow(
      `oci://${reg.host}/immutable/ai-gateway:1.2.3 already exists with other content (${first.digest}); chart versions are immutable, build with a new --version`,
    );
    expect((await manifestJson("immutable/ai-gateway", "1.2.3")).digest).toBe(first.digest);
  });

  it("stores version 1.2.3+build under Helm's tag 1.2.3_build", async () => {
    const r = await publishChart(packageChart(compileChart(example, { version: "1.2.3+build.7" })), `oci://${reg.host}/semver`);
    expect(r.tags).toEqual(["1.2.3_build.7"]);
    await promoteChart(`oci://${reg.host}/semver/ai-gateway:1.2.3+build.7`, "canary");
    expect((await manifestJson("semver/ai-gateway", "canary")).digest).toBe(r.digest);
  });

  it("checks the archive and the oci:// references before any request", async () => {
    await expect(publishChart(Buffer.from("not a chart"), `oci://${reg.host}/x`, {}, "chart.tgz")).rejects.toThrow(
      "chart.tgz: not a chart archive (not a gzip file); build one with runway chart build",
    );
    await expect(publishChart(chartV1, `oci://${reg.host}/Charts`)).rejects.toThrow(
      `oci://${reg.host}/Charts: 'Charts' is not a valid repository path component (lowercase letters, digits, '.', '_' or '-')`,
    );
    await expect(promoteChart(`oci://${reg.host}/promote/ai-gateway`, "production")).rejects.toThrow(
      `oci://${reg.host}/promote/ai-gateway: the chart version is missing; use oci://HOST/PATH/NAME:VERSION`,
    );
    await expect(promoteChart(`oci://${reg.host}/promote/ai-gateway:1.2.3`, "Production")).rejects.toThrow(
      "--stage 'Production' must be a stage name such as staging or production (lowercase letters, digits, '-')",
    );
    await expect(publishChart(chartV1, `oci://${reg.host}/x`, { tags: ["bad tag"] })).rejects.toThrow("--tag 'bad tag' is not a valid OCI tag");
  });

  it("the CLI publishes and promotes, printing one line each and exiting 0", async () => {
    const file = path.join(tmp, "ai-gateway-1.2.3.tgz");
    writeFileSync(file, chartV1);
    const io = captureIo();
    expect(await chartPublish(file, `oci://${reg.host}/cli`, { stage: "staging", tag: ["rc"] }, io)).toBe(0);
    expect(await chartPromote(`oci://${reg.host}/cli/ai-gateway:1.2.3`, { stage: "production" }, io)).toBe(0);
    expect(io.lines).toHaveLength(2);
    expect(io.lines[0]).toMatch(new RegExp(`^out: published oci://${reg.host}/cli/ai-gateway:1.2.3 \\(sha256:[0-9a-f]{64}\\); tags: 1.2.3, gitlab-17.9, staging, rc; 2 new blob\\(s\\)$`));
    expect(io.lines[1]).toMatch(/^out: promoted oci:\/\/.*\/cli\/ai-gateway:1.2.3 \(1\.2\.3, sha256:[0-9a-f]{64}\) to stage production$/);
    expect(await reader("cli/ai-gateway").listTags()).toEqual(["1.2.3", "gitlab-17.9", "production", "rc", "staging"]);
  });
});
