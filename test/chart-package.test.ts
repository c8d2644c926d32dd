import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readArchive } from "../src/chart/archive";
import { compileChart, DEFAULT_ICON, packageChart } from "../src/chart/build";
import { BUILD_RECORD, buildChart } from "../src/chart/output";
import { valueRows } from "../src/chart/readme";
import { ConfigError } from "../src/config/diagnostics";
import { loadManifest } from "../src/manifest/load";

const MANIFEST = "examples/ai-gateway/.runway/runway.yml";
const example = loadManifest(MANIFEST);
const tmp = mkdtempSync(path.join(tmpdir(), "runway-chart-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("chart package", () => {
  it("the same manifest and version give a byte-identical .tgz", () => {
    const a = buildChart(MANIFEST, path.join(tmp, "a"), { version: "1.2.3", gitlabRelease: "17.9" });
    const b = buildChart(MANIFEST, path.join(tmp, "b"), { version: "1.2.3", gitlabRelease: "17.9" });
    expect(readFileSync(a.archive).equals(readFileSync(b.archive))).toBe(true);
    expect(packageChart(compileChart(example, { version: "1.2.3", gitlabRelease: "17.9" })).equals(readFileSync(a.archive))).toBe(true);
  });

  it("a different version gives a different archive", () => {
    expect(packageChart(compileChart(example, { version: "1.2.3" })).equals(packageChart(compileChart(example, { version: "1.2.4" })))).toBe(false);
  });

  it("unpacks with the system tar into Helm's chart layout", () => {
    const r = buildChart(MANIFEST, path.join(tmp, "c"), { version: "1.2.3" });
    const dir = path.join(tmp, "untar");
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", r.archive, "-C", dir]);
    const listed = execFileSync("tar", ["-tzf", r.archive], { encoding: "utf8" }).trim().split("\n");
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(
      expect.arrayContaining(["ai-gateway/Chart.yaml", "ai-gateway/values.yaml", "ai-gateway/values.schema.json", "ai-gateway/README.md", "ai-gateway/.helmignore", "ai-gateway/templates/_helpers.tpl", "ai-gateway/templates/NOTES.txt", "ai-gateway/templates/deployment.yaml"]),
    );
    for (const f of listed) expect(readFileSync(path.join(dir, f)).equals(readFileSync(path.join(r.dir, f.slice("ai-gateway/".length))))).toBe(true);
  });

  it("writes entries with mode 0644, uid and gid 0 and the fixed mtime, in a gzip with no name and OS unknown", () => {
    const gz = packageChart(compileChart(example, { version: "1.2.3" }));
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    const verbose = execFileSync("tar", ["-tv", "--numeric-owner", "--full-time"], { input: gunzipSync(gz), encoding: "utf8" }).trim().split("\n");
    for (const line of verbose) expect(line).toMatch(/^-rw-r--r-- 0\/0 +[0-9]+ 1970-01-01 00:00:00 ai-gateway\//);
  });

  it("SOURCE_DATE_EPOCH fixes the entries' and the archive file's mtime", () => {
    const mtime = new Date(1_700_000_000_000);
    const r = buildChart(MANIFEST, path.join(tmp, "epoch"), { version: "1.2.3", mtime });
    expect(statSync(r.archive).mtime.getTime()).toBe(mtime.getTime());
    const verbose = execFileSync("tar", ["-tvzf", r.archive, "--full-time"], { encoding: "utf8" });
    expect(verbose).toContain("2023-11-14 22:13:20");
  });

  it("reads back every file, and refuses archives Helm would refuse", () => {
    const c = compileChart(example, { version: "1.2.3" });
    const files = readArchive(packageChart(c));
    expect([...files.keys()].sort()).toEqual([...c.files.keys()].map((p) => `ai-gateway/${p}`).sort());
    expect(() => readArchive(Buffer.from("not gzip"))).toThrow("not a gzip file");
    const big = packageChart({ ...c, files: new Map([["big.yaml", Buffer.alloc(5 * 1024 * 1024 + 1, 32)]]) });
    expect(() => readArchive(big)).toThrow("ai-gateway/big.yaml is larger than Helm's limit of 5242880 bytes per file");
  });

  it("Chart.yaml is apiVersion v2 with home, sources, icon, keywords and maintainers, and the GitLab release annotation", () => {
    const c = compileChart(example, { version: "1.2.3", gitlabRelease: "17.9", home: "https://gitlab.com/g/p", sources: ["https://gitlab.com/g/p"] });
    const meta = parse((c.files.get("Chart.yaml") as Buffer).toString("utf8"));
    expect(meta).toMatchObject({ apiVersion: "v2", name: "ai-gateway", version: "1.2.3", appVersion: "v1.42.0", type: "application", home: "https://gitlab.com/g/p", sources: ["https://gitlab.com/g/p"], icon: DEFAULT_ICON });
    expect(meta.maintainers).toEqual([{ name: "ai-framework-team" }]);
    expect(meta.annotations["runway.gitlab.com/gitlab-release"]).toBe("17.9");
  });

  it("the stage is not in the chart: it lives only in the registry's stage tags", () => {
    const c = compileChart(example, { version: "1.2.3", gitlabRelease: "17.9" });
    expect((c.files.get("Chart.yaml") as Buffer).toString("utf8")).not.toMatch(/stage|staging|production/);
    for (const [p, data] of c.files) expect(data.toString("utf8"), p).not.toContain("runway.gitlab.com/stage");
  });

  it("--image overrides the manifest's image and the appVersion, and can pin a digest", () => {
    const c = compileChart(example, { image: "registry.example.com/ai/gw:abc123" });
    expect(c.values.image).toMatchObject({ repository: "registry.example.com/ai/gw", tag: "abc123", digest: "" });
    expect(parse((c.files.get("Chart.yaml") as Buffer).toString()).appVersion).toBe("abc123");
    const digest = `sha256:${"d".repeat(64)}`;
    const pinned = compileChart(example, { image: `registry.example.com/ai/gw@${digest}` });
    expect(pinned.values.image).toMatchObject({ repository: "registry.example.com/ai/gw", tag: "", digest });
    expect(parse((pinned.files.get("Chart.yaml") as Buffer).toString()).appVersion).toBe(digest);
  });

  it("the README lists every value with its default, and install commands with no placeholder", () => {
    const c = compileChart(example, { version: "1.2.3", registry: "oci://registry.gitlab.com/group/charts" });
    const readme = (c.files.get("README.md") as Buffer).toString("utf8");
    const schema = JSON.parse((c.files.get("values.schema.json") as Buffer).toString("utf8"));
    const rows = valueRows(schema, c.values);
    expect(rows.length).toBeGreaterThan(25);
    for (const row of rows) expect(readme).toContain(`| \`${row.path}\` |`);
    expect(readme).toContain("helm install ai-gateway oci://registry.gitlab.com/group/charts/ai-gateway --version 1.2.3 --namespace ai-gateway --create-namespace");
    expect(readme).toContain("helm install ai-gateway oci://registry.gitlab.com/group/charts/ai-gateway@sha256:");
    expect(readme).not.toMatch(/REGISTRY|PATH\//);
    const local = (compileChart(example, { version: "1.2.3" }).files.get("README.md") as Buffer).toString("utf8");
    expect(local).toContain("helm install ai-gateway ./ai-gateway-1.2.3.tgz --namespace ai-gateway --create-namespace");
  });

  it("a manifest without an image is reported at spec with the fix", () => {
    const file = path.join(tmp, "runway.yml");
    writeFileSync(file, readFileSync(MANIFEST, "utf8").replace(/ {2}image:\n {4}repository: .*\n {4}tag: .*\n/, ""));
    const err = thrown(() => buildChart(file, path.join(tmp, "e")));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/runway\.yml:14:3: spec\.image: required to build a chart; add image: \{repository, tag\} or pass --image REPOSITORY:TAG$/);
  });

  it("bad build options name the flag and the expected form", () => {
    expect(() => compileChart(example, { version: "1.2", gitlabRelease: "17", image: "nope", home: "gitlab.com", registry: "registry.gitlab.com/x" })).toThrow(
      [
        "--version: '1.2' is not SemVer 2 such as 1.4.0 or 1.4.0-rc.1",
        "--gitlab-release: '17' must be a GitLab release MAJOR.MINOR such as 17.9",
        "--image: 'nope' must be REPOSITORY:TAG, REPOSITORY@sha256:DIGEST or both, such as registry.gitlab.com/group/project/image:v1.2.3",
        "--home: 'gitlab.com' must be an http(s) URL",
        "--registry: 'registry.gitlab.com/x' must be oci://HOST/PATH such as oci://registry.gitlab.com/group/project/charts",
      ].join("\n"),
    );
  });
});

describe("chart build --out", () => {
  it("rebuilding replaces a previous build's output, old versions included", () => {
    const out = path.join(tmp, "rebuild");
    buildChart(MANIFEST, out, { version: "1.0.0" });
    buildChart(MANIFEST, out, { version: "1.0.1" });
    expect(readdirSync(out).sort()).toEqual([BUILD_RECORD, "ai-gateway", "ai-gateway-1.0.1.tgz"]);
  });

  it("refuses a non-empty directory it did not write, and leaves its files", () => {
    const out = path.join(tmp, "users");
    mkdirSync(out);
    writeFileSync(path.join(out, "notes.txt"), "mine");
    expect(thrown(() => buildChart(MANIFEST, out)).message).toBe(
      `--out: ${out} is not empty (notes.txt) and holds no previous chart build; choose a new or empty directory, or remove them yourself`,
    );
    expect(readdirSync(out)).toEqual(["notes.txt"]);
  });

  it("refuses a previous build's directory once a user added or changed a file in it", () => {
    const out = path.join(tmp, "changed");
    buildChart(MANIFEST, out);
    writeFileSync(path.join(out, "ai-gateway", "values.yaml"), "edited: true\n");
    writeFileSync(path.join(out, "extra.yaml"), "x: 1\n");
    expect(thrown(() => buildChart(MANIFEST, out)).message).toBe(
      `--out: ${out} holds files that the previous chart build did not write or that were changed since (ai-gateway/values.yaml, extra.yaml); choose a new or empty directory, or remove them yourself`,
    );
    expect(readFileSync(path.join(out, "extra.yaml"), "utf8")).toBe("x: 1\n");
  });

  it("a failed build leaves no output and no temp directory behind", () => {
    const parent = path.join(tmp, "failing");
    mkdirSync(parent);
    const file = path.join(tmp, "bad.yml");
    writeFileSync(file, readFileSync(MANIFEST, "utf8").replace("container_port: 5052", "container_port: 0"));
    expect(() => buildChart(file, path.join(parent, "out"))).toThrow(ConfigError);
    expect(readdirSync(parent)).toEqual([]);
    // A write failure in the middle leaves the previous output as it was.
    const out = path.join(parent, "kept");
    buildChart(MANIFEST, out, { version: "1.0.0" });
    expect(() => buildChart(MANIFEST, out, { version: "1.0.1", home: "not a url" })).toThrow("--home");
    expect(readdirSync(out).sort()).toEqual([BUILD_RECORD, "ai-gateway", "ai-gateway-1.0.0.tgz"]);
    expect(readdirSync(parent).sort()).toEqual(["kept", "out"].filter((d) => existsSync(path.join(parent, d))));
  });
});
