/**
 * Bad input never crashes, hangs or slips through `runway validate`: a review's cases, each checked against a copy
 * of the repository's own stacks and catalog. Every one used to pass validation and then crash `runway plan`, hang,
 * or produce invalid Kubernetes objects.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { validateCommand } from "../src/cli/validate";
import { MAX_YAML_BYTES } from "../src/config/yaml-source";

const REPO = path.join(__dirname, "..");

/** A copy of the repository's stacks, catalog and example kubeconfig. */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), "runway-bad-"));
  for (const dir of ["stacks", "services", "examples"]) cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  return root;
}

/** Rewrites a YAML file of the project through `change`. */
/** A parsed YAML document, edited in place by the cases. */
type Doc = Record<string, unknown>;

/** Sets the value at a dotted path of a document (`spec.secrets`, `config.runway:cluster.privateEndpoint`). */
function set(doc: Doc, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cur = doc;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Doc;
  cur[keys[keys.length - 1]] = value;
}

function edit(root: string, file: string, change: (doc: Doc) => void): void {
  const full = path.join(root, file);
  const doc = parse(readFileSync(full, "utf8"));
  change(doc);
  writeFileSync(full, stringify(doc));
}

/** `runway validate` of the project: exit code and the lines it printed on stderr, paths relative to the project. */
function validate(root: string): { code: number; err: string[] } {
  const err: string[] = [];
  const code = validateCommand({ out: () => undefined, err: (l) => err.push(l.split(`${root}/`).join("")) }, [], root);
  return { code, err };
}


/** Some line of the output matches (others may follow from the same cause). */
function expectLine(root: string, line: RegExp): void {
  const { code, err } = validate(root);
  expect(code).toBe(1);
  expect(err.some((l) => line.test(l)), `${line} in:\n${err.join("\n")}`).toBe(true);
}

describe("runway validate on bad input", () => {
  it("the repository's own stacks and catalog are valid", () => {
    expect(validate(project())).toEqual({ code: 0, err: [] });
  });

  it("rejects duplicate secret names, which made plan fail with an internal error", () => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.secrets", [{ name: "creds", path: "a" }, { name: "creds", path: "b" }]));
    expectLine(root, /^services\/glgo\.yaml:\d+:\d+: spec\.secrets\[1\]\.name: 'creds' is already the name of secrets\[0\]; each Kubernetes Secret name must be unique$/);
  });

  it("rejects a secret path the Vault access would refuse (empty segment, trailing slash)", () => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.secrets", [{ name: "a", path: "llm//x" }, { name: "b", path: "llm/" }]));
    const { err } = validate(root);
    expect(err.filter((l) => /spec\.secrets\[[01]\]\.path: '.*' must be a relative Vault path/.test(l))).toHaveLength(2);
  });

  it("rejects authorized networks open to the internet on a private endpoint too, which made plan fail", () => {
    const root = project();
    edit(root, "stacks/Pulumi.platform-staging.yaml", (d) => (set(d, "config.runway:cluster.privateEndpoint", true), set(d, "config.runway:cluster.authorizedNetworks", [{ cidr: "0.0.0.0/0", name: "all" }])));
    expectLine(root, /^stacks\/Pulumi\.platform-staging\.yaml:\d+:\d+: config\.runway:cluster\.authorizedNetworks\[0\]\.cidr: '0\.0\.0\.0\/0' opens the control plane to the internet/);
  });

  it.each([
    ["cpu", "99999999999999999999999", /must be a CPU quantity such as 500m or 2/],
    ["cpu", "20000", /at most 10000 cores/],
    ["cpu", "0.0001", /at most three decimals/],
    ["memory", "99999999Ti", /at most 64Ti/],
    ["memory", "0Gi", /more than 0/],
  ])("rejects quota %s %s, which is no valid Kubernetes quantity once doubled for the limits", (field, value, message) => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.resources", { [field]: value }));
    expectLine(root, new RegExp(`^services/glgo\\.yaml:\\d+:\\d+: spec\\.resources\\.${field}: .*${message.source}`));
  });

  it("rejects chart values larger than 64 KiB, and any file larger than 1 MiB before parsing it", () => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.chart.values", { blob: "x".repeat(70_000) }));
    expectLine(root, /^services\/glgo\.yaml:\d+:\d+: spec\.chart\.values: holds \d+ bytes of values; at most 65536 may be inlined/);
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.chart.values", { blob: "x".repeat(MAX_YAML_BYTES) }));
    expectLine(root, /^runway: validate: services\/glgo\.yaml: file is \d+ bytes, more than the 1048576 bytes Runway reads/);
  });

  it("rejects chart values that set what Runway sets: the service account, RUNWAY_* variables", () => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.chart.values", { serviceAccount: { name: "admin" }, env: { RUNWAY_HOST: "evil.example.com" } }));
    const { err } = validate(root);
    expect(err).toEqual(expect.arrayContaining([expect.stringMatching(/spec\.chart\.values\.serviceAccount: `serviceAccount` is set by Runway/), expect.stringMatching(/spec\.chart\.values\.env\.RUNWAY_HOST: /)]));
  });

  it.each([
    ["0.0.0.0/0", /'0\.0\.0\.0\/0' opens the tenant's egress to the internet/],
    ["169.254.169.254/32", /reaches the link-local range, which holds the node's cloud metadata server/],
    ["10.64.0.0/16", /reaches the cluster's own pods range of us-east1 10\.64\.0\.0\/14; reach other services through their Gateway host \(stack platform-staging; K2\)/],
  ])("rejects catalog egress to %s", (cidr, message) => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.egress", [{ cidr, ports: [443] }]));
    expectLine(root, new RegExp(`^services/glgo\\.yaml:\\d+:\\d+: spec\\.egress\\[0\\]\\.cidr: .*${message.source}`));
  });

  it("rejects catalog egress into a regional cluster's own ranges, where the service runs there", () => {
    const root = project();
    edit(root, "services/ai-gateway.yaml", (d) => set(d, "spec.egress", [{ cidr: "10.96.0.0/16", ports: [443] }]));
    expectLine(root, /^services\/ai-gateway\.yaml:\d+:\d+: spec\.egress\[0\]\.cidr: .*reaches the cluster's own pods range of europe-west4 10\.96\.0\.0\/14; .*\(stack platform-staging-europe-west4; K2\)/);
  });

  it("rejects catalog egress that covers the internet only together", () => {
    const root = project();
    edit(root, "services/glgo.yaml", (d) => set(d, "spec.egress", [{ cidr: "0.0.0.0/1", ports: [443] }, { cidr: "128.0.0.0/1", ports: [443] }]));
    expectLine(root, /spec\.egress: '0\.0\.0\.0\/1', '128\.0\.0\.0\/1' together cover every IPv4 address/);
  });

  it.each([["../outside"], ["/etc"]])("keeps runway:catalogDir inside the project: %s is refused", (dir) => {
    const root = project();
    edit(root, "stacks/Pulumi.platform-staging.yaml", (d) => set(d, "config.runway:catalogDir", dir));
    expectLine(root, new RegExp(`^stacks/Pulumi\\.platform-staging\\.yaml:\\d+:\\d+: config\\.runway:catalogDir: '${dir.replace(/[./]/g, "\\$&")}' is outside the project`));
  });

  it("keeps runway:catalogDir inside the project through symbolic links too", () => {
    const root = project();
    symlinkSync(tmpdir(), path.join(root, "linked"));
    edit(root, "stacks/Pulumi.platform-staging.yaml", (d) => set(d, "config.runway:catalogDir", "linked"));
    expectLine(root, /config\.runway:catalogDir: 'linked' is outside the project/);
  });

  it("reports a FIFO named *.yaml in the catalog instead of hanging on it", () => {
    const root = project();
    execFileSync("mkfifo", [path.join(root, "services", "pipe.yaml")]);
    expect(validate(root).err).toContain("runway: validate: services/pipe.yaml: is a named pipe (FIFO), expected a regular file");
  }, 10_000);

  it("reports a directory named *.yaml in the catalog", () => {
    const root = project();
    mkdirSync(path.join(root, "services", "dir.yaml"));
    expect(validate(root).err).toContain("runway: validate: services/dir.yaml: is a directory, expected a regular file");
  });

  it("reports a kubeconfig that is a FIFO instead of hanging on it", () => {
    const root = project();
    execFileSync("mkfifo", [path.join(root, "pipe-kubeconfig")]);
    edit(root, "stacks/Pulumi.ai-gateway-selfhosted.yaml", (d) => set(d, "config.runway:kubeconfig", "pipe-kubeconfig"));
    expectLine(root, /config\.runway:kubeconfig: pipe-kubeconfig: is a named pipe \(FIFO\), expected a regular file/);
  }, 10_000);

  it("names the duplicated key", () => {
    const root = project();
    const file = path.join(root, "services", "glgo.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("kind: SatelliteService\n", "kind: SatelliteService\nkind: SatelliteService\n"));
    expectLine(root, /^services\/glgo\.yaml:\d+:1: duplicate key 'kind'; each key may appear once in a mapping$/);
  });
});
