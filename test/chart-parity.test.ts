/** docs/cloud-run-parity.md stays true: what it calls supported loads, what it calls "not yet" is rejected. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ConfigError } from "../src/config/diagnostics";
import { parseManifest } from "../src/manifest/load";
import { manifestSpecSchema } from "../src/manifest/schema";

interface Row {
  feature: string;
  path?: string;
  value?: unknown;
  status: string;
}

const doc = readFileSync("docs/cloud-run-parity.md", "utf8");

const rows: Row[] = doc
  .split("\n")
  .filter((l) => /^\| /.test(l) && !/^\| Feature \|/.test(l))
  .map((l) => {
    const cells = l.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, "").trim());
    const snippet = /^`([^`]+)`$/.exec(cells[1]);
    const [path, ...rest] = snippet ? snippet[1].split(": ") : [];
    return { feature: cells[0], path, value: snippet ? parse(rest.join(": ")) : undefined, status: cells[3] };
  });

const BASE = {
  apiVersion: "runway/v1",
  kind: "RunwayService",
  metadata: { name: "svc", owner_email_handle: "team", department: "eng", department_group: "eng-ai", product_category: "cat" },
  spec: { image: "registry.example.com/svc:v1" },
};

function withField(path: string, value: unknown): string {
  const m = structuredClone(BASE) as Record<string, unknown>;
  const keys = path.split(".");
  let node = m;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
  return stringify(m);
}

function problems(path: string, value: unknown): string[] {
  try {
    parseManifest("runway.yml", withField(path, value));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.diagnostics.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
}

const withManifest = rows.filter((r) => r.path);

describe("Cloud Run parity table", () => {
  it("has a status of supported, partial or not yet on every row", () => {
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.filter((r) => !["supported", "partial", "not yet"].includes(r.status))).toEqual([]);
  });

  it.each(withManifest.filter((r) => r.status !== "not yet").map((r) => [r.feature, r] as const))(
    "accepts what it lists as supported or partial: %s",
    (_f, r) => {
      expect(problems(r.path as string, r.value)).toEqual([]);
    },
  );

  it.each(withManifest.filter((r) => r.status === "not yet").map((r) => [r.feature, r] as const))(
    "rejects what it lists as not yet, saying so at the field: %s",
    (_f, r) => {
      const out = problems(r.path as string, r.value);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(new RegExp(`^${(r.path as string).replace(/\./g, "\\.")}(\\.[a-z_]+)?: .*has no Kubernetes equivalent yet`));
    },
  );

  it("covers every field of the Cloud Run-era manifest", () => {
    const cloudRun = [
      "metadata.name",
      "metadata.owner_email_handle",
      "apiVersion",
      "spec.image",
      "spec.container_port",
      "spec.regions",
      "spec.resources.limits",
      "spec.startup_cpu_boost",
      "spec.resources.startup_cpu_boost",
      "spec.scalability.min_instances",
      "spec.scalability.max_instances",
      "spec.scalability.max_instance_request_concurrency",
      "spec.load_balancing.external_load_balancer",
      "spec.load_balancing.internal_load_balancer",
      "spec.startup_probe",
      "spec.liveness_probe",
      "spec.readiness_probe",
      "spec.network_policies.cloudflare",
      "spec.request_based_billing",
      "spec.deployment",
    ];
    const listed = new Set(withManifest.map((r) => r.path));
    expect(cloudRun.filter((f) => !listed.has(f))).toEqual([]);
    const strategies = withManifest.filter((r) => r.path === "spec.deployment").map((r) => (r.value as { strategy: string }).strategy);
    expect(new Set(strategies)).toEqual(new Set(["legacy", "regional_rollout", "expedited", "dryrun"]));
  });

  it("mentions every field of the manifest's spec", () => {
    const keys = Object.keys(manifestSpecSchema.shape);
    expect(keys.filter((k) => !withManifest.some((r) => r.path === `spec.${k}` || r.path?.startsWith(`spec.${k}.`)))).toEqual([]);
  });
});
