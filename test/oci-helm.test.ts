/**
 * Published charts against real Helm 4 and a real registry: `helm push` and `runway chart publish` of one archive
 * give one digest, Helm pulls and shows what Runway publishes (by version and by digest), and shared tags never move
 * back to an older version.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packBuffers } from "../src/chart/archive";
import { compileChart, packageChart } from "../src/chart/build";
import { buildChart } from "../src/chart/output";
import { chartPublish, chartResolve, type Io } from "../src/cli/chart";
import { loadManifest } from "../src/manifest/load";
import { RegistryClient } from "../src/oci/client";
import { OCI_MANIFEST_MEDIA_TYPE, promoteChart, publishChart } from "../src/oci/publish";
import { helm, helmOk } from "./helpers/helm";
import { startRegistry, type Registry } from "./helpers/registry";

const MANIFEST = "examples/ai-gateway/.runway/runway.yml";
const example = loadManifest(MANIFEST);
const tmp = mkdtempSync(path.join(tmpdir(), "runway-oci-helm-"));
let reg: Registry;

beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const quiet: Io = { out: () => undefined, err: (l) => console.error(l) };

async function digestOf(repository: string, tag: string): Promise<string | undefined> {
  return (await new RegistryClient(reg.host, repository).getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]))?.digest;
}

function archive(version: string, o: { gitlabRelease?: string } = {}): Buffer {
  return packageChart(compileChart(example, { version, ...o }));
}

/** A chart whose metadata needs Go's escaping and Helm's sanitising: annotations with <, > and &, tabs, maintainers. */
function trickyArchive(): Buffer {
  const chartYaml = [
    "apiVersion: v2",
    "name: tricky",
    'description: "A <chart> & its\\ttab\\nand newline \\u2028"',
    "version: 0.3.0-rc.1+build.5",
    'appVersion: "1.10"',
    "type: application",
    "home: https://example.com/?a=1&b=<2>",
    "sources: [https://example.com/src, https://example.com/mirror]",
    "keywords: [z, a]",
    "maintainers: [{ name: Ann, email: ann@example.com }, { name: Bob, url: https://bob.example.com }]",
    "icon: https://example.com/icon.png",
    "kubeVersion: '>=1.30.0-0'",
    "annotations: { zeta: '<z>', alpha: 'a & b', 'example.com/ü': 'ünï', org.opencontainers.image.title: ignored }",
    "",
  ].join("\n");
  const files = new Map([
    ["tricky/Chart.yaml", Buffer.from(chartYaml)],
    ["tricky/values.yaml", Buffer.from("{}\n")],
    ["tricky/templates/cm.yaml", Buffer.from("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n")],
  ]);
  return packBuffers(files, new Date(0));
}

describe("runway chart publish and helm", () => {
  it.each([
    ["a Runway chart built by runway chart build", () => readFileSync(buildChart(MANIFEST, path.join(tmp, "built"), { version: "1.0.0", gitlabRelease: "17.9", mtime: new Date(1_700_000_000_000) }).archive)],
    ["a chart whose metadata needs escaping and sanitising", trickyArchive],
  ])("helm push and runway chart publish of one .tgz give one digest: %s", async (what, make) => {
    const data = make();
    const file = path.join(mkdtempSync(path.join(tmp, "same-")), "chart.tgz");
    writeFileSync(file, data);
    utimesSync(file, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const pushed = await helm(["push", file, `oci://${reg.host}/by-helm`, "--plain-http"]);
    expect(pushed.status, pushed.stderr).toBe(0);
    const helmDigest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout + pushed.stderr)?.[1];
    expect(await chartPublish(file, `oci://${reg.host}/by-runway`, {}, quiet)).toBe(0);
    const name = what.startsWith("a Runway") ? "ai-gateway" : "tricky";
    const version = what.startsWith("a Runway") ? "1.0.0" : "0.3.0-rc.1_build.5";
    const ours = await new RegistryClient(reg.host, `by-runway/${name}`).getManifest(version, [OCI_MANIFEST_MEDIA_TYPE]);
    const theirs = await new RegistryClient(reg.host, `by-helm/${name}`).getManifest(version, [OCI_MANIFEST_MEDIA_TYPE]);
    expect(ours?.bytes.toString()).toBe(theirs?.bytes.toString());
    expect(ours?.digest).toBe(helmDigest);
  });

  it("helm pulls a published chart by version and by digest, and helm show chart reads it", async () => {
    const r = await publishChart(archive("2.0.0", { gitlabRelease: "18.1" }), `oci://${reg.host}/pull`, { stage: "staging" });
    const ref = `oci://${reg.host}/pull/ai-gateway`;
    const dir = mkdtempSync(path.join(tmp, "pull-"));
    const byVersion = await helm(["pull", ref, "--version", "2.0.0", "--plain-http", "--destination", dir]);
    expect(byVersion.status, byVersion.stderr).toBe(0);
    expect(byVersion.stdout + byVersion.stderr).toContain(`Digest: ${r.digest}`);
    expect(readFileSync(path.join(dir, "ai-gateway-2.0.0.tgz")).equals(archive("2.0.0", { gitlabRelease: "18.1" }))).toBe(true);
    const byDigest = await helm(["pull", `${ref}@${r.digest}`, "--plain-http", "--destination", mkdtempSync(path.join(tmp, "pull-"))]);
    expect(byDigest.status, byDigest.stderr).toBe(0);
    const shown = await helmOk(["show", "chart", ref, "--version", "2.0.0", "--plain-http"]);
    expect(shown).toContain("name: ai-gateway");
    expect(shown).toContain("runway.gitlab.com/gitlab-release: \"18.1\"");
  });

  it("after promotion, helm show chart says nothing about a stage: the stage is only the registry tag", async () => {
    await publishChart(archive("2.1.0"), `oci://${reg.host}/show`, { stage: "staging" });
    await promoteChart(`oci://${reg.host}/show/ai-gateway:2.1.0`, "production");
    const shown = await helmOk(["show", "chart", `oci://${reg.host}/show/ai-gateway`, "--version", "2.1.0", "--plain-http"]);
    expect(shown).not.toMatch(/stage|staging|production/);
    expect(await digestOf("show/ai-gateway", "production")).toBe(await digestOf("show/ai-gateway", "staging"));
  });

  it("stage and gitlab-X.Y tags are not SemVer: helm refuses them as --version, so Helm users install by version or digest", async () => {
    await publishChart(archive("2.2.0", { gitlabRelease: "18.2" }), `oci://${reg.host}/stagetag`, { stage: "staging" });
    const published = await publishChart(archive("2.2.1", { gitlabRelease: "18.2" }), `oci://${reg.host}/stagetag`, { stage: "staging" });
    const r = await helm(["pull", `oci://${reg.host}/stagetag/ai-gateway`, "--version", "staging", "--plain-http", "--destination", tmp]);
    expect(r.status).not.toBe(0);
    // runway chart resolve turns the stage into what Helm takes.
    const lines: string[] = [];
    expect(await chartResolve(`oci://${reg.host}/stagetag/ai-gateway:staging`, {}, { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    expect(lines).toEqual([`2.2.1 ${published.digest}`]);
    const pulled = await helm(["pull", `oci://${reg.host}/stagetag/ai-gateway`, "--version", "2.2.1", "--plain-http", "--destination", mkdtempSync(path.join(tmp, "pull-"))]);
    expect(pulled.status, pulled.stderr).toBe(0);
  });
});

describe("shared tags only move forward", () => {
  it("re-publishing an older version (a retried old pipeline) leaves gitlab-X.Y and the stage on the newer one", async () => {
    const target = `oci://${reg.host}/retry`;
    const old = await publishChart(archive("3.0.0", { gitlabRelease: "18.3" }), target, { stage: "staging" });
    const next = await publishChart(archive("3.0.1", { gitlabRelease: "18.3" }), target, { stage: "staging" });
    await expect(publishChart(archive("3.0.0", { gitlabRelease: "18.3" }), target, { stage: "staging" })).rejects.toThrow(
      `not publishing oci://${reg.host}/retry/ai-gateway:3.0.0: gitlab-18.3 points at 3.0.1, newer than 3.0.0; staging points at 3.0.1, newer than 3.0.0; shared tags never move to an older version (a retried old pipeline would roll them back): publish without those tags, or pass --force to move them anyway`,
    );
    expect(await digestOf("retry/ai-gateway", "staging")).toBe(next.digest);
    expect(await digestOf("retry/ai-gateway", "gitlab-18.3")).toBe(next.digest);
    expect(await digestOf("retry/ai-gateway", "3.0.0")).toBe(old.digest);
  });

  it("orders versions by SemVer, not by text: 3.0.10 is newer than 3.0.9, a release newer than its rc", async () => {
    const target = `oci://${reg.host}/order`;
    await publishChart(archive("3.0.9"), target, { stage: "staging" });
    await publishChart(archive("3.0.10"), target, { stage: "staging" });
    await expect(publishChart(archive("3.0.10-rc.1"), target, { stage: "staging" })).rejects.toThrow("staging points at 3.0.10, newer than 3.0.10-rc.1");
  });

  it("--force moves shared tags back, deliberately", async () => {
    const target = `oci://${reg.host}/force`;
    const old = await publishChart(archive("4.0.0"), target, { stage: "staging" });
    await publishChart(archive("4.0.1"), target, { stage: "staging" });
    await publishChart(archive("4.0.0"), target, { stage: "staging", force: true });
    expect(await digestOf("force/ai-gateway", "staging")).toBe(old.digest);
  });

  it("extra --tag tags follow the same rule, and a --tag that reads as a version is refused", async () => {
    const target = `oci://${reg.host}/extra`;
    await publishChart(archive("5.0.1"), target, { tags: ["latest"] });
    await expect(publishChart(archive("5.0.0"), target, { tags: ["latest"] })).rejects.toThrow("latest points at 5.0.1, newer than 5.0.0");
    await expect(publishChart(archive("5.0.2"), target, { tags: ["5.0.1"] })).rejects.toThrow("--tag '5.0.1' reads as a chart version; a version tag is only set by publishing that version");
    expect(await new RegistryClient(reg.host, "extra/ai-gateway").listTags()).toEqual(["5.0.1", "latest"]);
  });

  it("promote never rolls a stage back unless --force", async () => {
    const target = `oci://${reg.host}/rollback`;
    const v1 = await publishChart(archive("6.0.0"), target);
    const v2 = await publishChart(archive("6.0.1"), target);
    await promoteChart(`oci://${reg.host}/rollback/ai-gateway:6.0.1`, "production");
    await expect(promoteChart(`oci://${reg.host}/rollback/ai-gateway:6.0.0`, "production")).rejects.toThrow(
      `not promoting oci://${reg.host}/rollback/ai-gateway:6.0.0: stage production points at 6.0.1, newer than 6.0.0; a promotion never rolls a stage back unless --force (a deliberate rollback)`,
    );
    expect(await digestOf("rollback/ai-gateway", "production")).toBe(v2.digest);
    await promoteChart(`oci://${reg.host}/rollback/ai-gateway:6.0.0`, "production", { force: true });
    expect(await digestOf("rollback/ai-gateway", "production")).toBe(v1.digest);
  });

  it("a shared tag on something that is not a chart version is not moved without --force", async () => {
    const target = `oci://${reg.host}/foreign`;
    const client = new RegistryClient(reg.host, "foreign/ai-gateway");
    const config = await client.pushBlob(Buffer.from("{}"), "config");
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config.digest, size: 2 }, layers: [] }));
    await client.putManifest("staging", manifest, OCI_MANIFEST_MEDIA_TYPE);
    await expect(publishChart(archive("7.0.0"), target, { stage: "staging" })).rejects.toThrow(/staging points at sha256:[0-9a-f]{64}, which is not a chart version Runway can order/);
  });
});
