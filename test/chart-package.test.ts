import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildChart, compileChart, packageChart } from "../src/chart/build";
import { valueRows } from "../src/chart/readme";
import { tar, untgz } from "../src/chart/tar";
import { ConfigError } from "../src/config/diagnostics";
import { loadManifest } from "../src/manifest/load";

const MANIFEST = "examples/ai-gateway/.runway/runway.yml";
const example = loadManifest(MANIFEST);
const tmp = mkdtempSync(path.join(tmpdir(), "runway-chart-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("chart package", () => {
  it("the same manifest and version give a byte-identical .tgz", () => {
    const a = buildChart(MANIFEST, path.join(tmp, "a"), { version: "1.2.3", gitlabRelease: "17.9" });
    const b = buildChart(MANIFEST, path.join(tmp, "b"), { version: "1.2.3", gitlabRelease: "17.9" });
    expect(readFileSync(a.archive).equals(readFileSync(b.archive))).toBe(true);
    expect(packageChart(compileChart(example, { version: "1.2.3", gitlabRelease: "17.9" })).equals(readFileSync(a.archive))).toBe(true);
  });

  it("a different version gives a different archive", () => {
    const a = packageChart(compileChart(example, { version: "1.2.3" }));
    const b = packageChart(compileChart(example, { version: "1.2.4" }));
    expect(a.equals(b)).toBe(false);
  });

  it("unpacks with the system tar into Helm's chart layout", () => {
    const r = buildChart(MANIFEST, path.join(tmp, "c"), { version: "1.2.3" });
    const dir = path.join(tmp, "untar");
    execFileSync("mkdir", ["-p", dir]);
    execFileSync("tar", ["-xzf", r.archive, "-C", dir]);
    const listed = execFileSync("tar", ["-tzf", r.archive], { encoding: "utf8" }).trim().split("\n");
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining(["ai-gateway/Chart.yaml", "ai-gateway/values.yaml", "ai-gateway/values.schema.json", "ai-gateway/README.md", "ai-gateway/templates/deployment.yaml"]));
    for (const f of listed) expect(readFileSync(path.join(dir, f)).equals(readFileSync(path.join(r.dir, f.slice("ai-gateway/".length))))).toBe(true);
  });

  it("writes ustar entries with mode 0644, uid and gid 0, mtime 0 and valid checksums", () => {
    const raw = gunzipSync(packageChart(compileChart(example, { version: "1.2.3" })));
    const verbose = execFileSync("tar", ["-tv", "--numeric-owner", "--full-time"], { input: raw, encoding: "utf8" }).trim().split("\n");
    for (const line of verbose) expect(line).toMatch(/^-rw-r--r-- 0\/0 +[0-9]+ 1970-01-01 00:00:00 ai-gateway\//);
    expect(raw.subarray(257, 263).toString("latin1")).toBe("ustar\0");
    expect(raw.length % 512).toBe(0);
  });

  it("gzips with a fixed header: no name, mtime 0", () => {
    const gz = packageChart(compileChart(example, { version: "1.2.3" }));
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  });

  it("round-trips long paths through the ustar prefix field", () => {
    const long = `${"d".repeat(90)}/${"e".repeat(60)}/file.yaml`;
    const files = new Map([[long, Buffer.from("x: 1\n")]]);
    const listed = execFileSync("tar", ["-t"], { input: tar(files), encoding: "utf8" }).trim();
    expect(listed).toBe(long);
    expect(untgz(packageChart({ name: "n", version: "1", values: {} as never, files })).get(`n/${long}`)?.toString()).toBe("x: 1\n");
  });

  it("Chart.yaml is apiVersion v2 and carries the GitLab release and stage labels as annotations", () => {
    const c = compileChart(example, { version: "1.2.3", gitlabRelease: "17.9", stage: "staging" });
    const meta = parse((c.files.get("Chart.yaml") as Buffer).toString("utf8"));
    expect(meta).toMatchObject({ apiVersion: "v2", name: "ai-gateway", version: "1.2.3", appVersion: "v1.42.0", type: "application" });
    expect(meta.annotations).toMatchObject({ "runway.gitlab.com/gitlab-release": "17.9", "runway.gitlab.com/stage": "staging" });
  });

  it("--image overrides the manifest's image and the appVersion", () => {
    const c = compileChart(example, { image: "registry.example.com/ai/gw:abc123" });
    expect(c.values.image).toMatchObject({ repository: "registry.example.com/ai/gw", tag: "abc123" });
    expect(parse((c.files.get("Chart.yaml") as Buffer).toString()).appVersion).toBe("abc123");
  });

  it("the README lists every value with its default", () => {
    const c = compileChart(example, { version: "1.2.3" });
    const readme = (c.files.get("README.md") as Buffer).toString("utf8");
    const schema = JSON.parse((c.files.get("values.schema.json") as Buffer).toString("utf8"));
    const rows = valueRows(schema, c.values);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(readme).toContain(`| \`${row.path}\` |`);
    expect(readme).toContain("| `autoscaling.maxReplicas` | integer | `100` |");
    expect(readme).toContain('| `image.pullPolicy` | "Always" \\| "IfNotPresent" \\| "Never" |');
  });

  it("templates/ holds one file per object kind, plus one per Vault secret", () => {
    const c = compileChart(example);
    expect(readdirSync(buildChart(MANIFEST, path.join(tmp, "d")).dir + "/templates").sort()).toEqual(
      [...c.files.keys()].filter((p) => p.startsWith("templates/")).map((p) => p.slice(10)).sort(),
    );
    expect([...c.files.keys()].filter((p) => p.startsWith("templates/externalsecret-"))).toEqual([
      "templates/externalsecret-llm-anthropic.yaml",
      "templates/externalsecret-llm-vertex.yaml",
    ]);
  });

  it("a manifest without an image is reported at spec with the fix", () => {
    const file = path.join(tmp, "runway.yml");
    writeFileSync(file, readFileSync(MANIFEST, "utf8").replace(/ {2}image:\n {4}repository: .*\n {4}tag: .*\n/, ""));
    const err = (() => {
      try {
        buildChart(file, path.join(tmp, "e"));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/runway\.yml:14:3: spec\.image: required to build a chart; add image: \{repository, tag\} or pass --image REPOSITORY:TAG$/);
  });

  it("bad build options name the flag and the expected form", () => {
    expect(() => compileChart(example, { version: "1.2", gitlabRelease: "17", stage: "Prod", image: "nope" })).toThrow(
      [
        "--version: '1.2' is not SemVer 2 such as 1.4.0 or 1.4.0-rc.1",
        "--gitlab-release: '17' must be a GitLab release MAJOR.MINOR such as 17.9",
        "--stage: 'Prod' must be a DNS label: lowercase letters, digits and '-', starting with a letter and not ending with '-'",
        "--image: 'nope' must be REPOSITORY:TAG such as registry.gitlab.com/group/project/image:v1.2.3",
      ].join("\n"),
    );
  });
});
