import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { loadManifest, parseManifest } from "../src/manifest/load";

const EXAMPLE = "examples/ai-gateway/.runway/runway.yml";

const HEAD = `apiVersion: runway/v1
kind: RunwayService
metadata:
  name: svc
  owner_email_handle: team
  department: eng-dev
  department_group: eng-dev-ai
  product_category: code_suggestions
`;

/** Diagnostics of a manifest made of HEAD plus `spec` lines, as printed. */
function errors(spec: string): string[] {
  try {
    parseManifest("runway.yml", `${HEAD}spec:\n${spec}`);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n");
    throw e;
  }
  return [];
}

describe("Runway manifest schema", () => {
  it("the AI Gateway example manifest is valid", () => {
    const m = loadManifest(EXAMPLE);
    expect(m.metadata.name).toBe("ai-gateway");
    expect(m.spec.container_port).toBe(5052);
  });

  it("accepts the Cloud Run-era manifest of runway-manifest.md unchanged", () => {
    const cloudRun = `apiVersion: runway/v1
kind: RunwayService
metadata:
  name: ai-gateway
  owner_email_handle: team-handle
  department: eng-dev
  department_group: eng-dev-ai
  product_category: code_suggestions
spec:
  image: registry.gitlab.com/gitlab-org/ai-gateway:v1.0.0
  container_port: 5052
  regions: [us-east1, europe-west2]
  resources:
    limits: { cpu: 1000m, memory: 512Mi }
    startup_cpu_boost: false
  startup_cpu_boost: false
  scalability:
    min_instances: 1
    max_instances: 100
    max_instance_request_concurrency: 80
  load_balancing:
    external_load_balancer: { enabled: true, backend_protocol: HTTP }
    internal_load_balancer: { enabled: false, backend_protocol: grpc }
  startup_probe: { path: /monitoring/ready, initial_delay_seconds: 20, timeout_seconds: 10, period_seconds: 17, failure_threshold: 24 }
  liveness_probe: { path: /monitoring/healthz, port: 5052 }
  readiness_probe: { path: /monitoring/ready }
  network_policies: { cloudflare: false }
  request_based_billing: false
  deployment:
    strategy: legacy
`;
    const m = parseManifest("runway.yml", cloudRun);
    expect(m.spec.scalability).toEqual({ min_instances: 1, max_instances: 100, max_instance_request_concurrency: 80 });
    expect(m.spec.image).toBe("registry.gitlab.com/gitlab-org/ai-gateway:v1.0.0");
  });

  it("fills Cloud Run's defaults: port 8080, region us-east1, limits 1000m and 512Mi", () => {
    const m = parseManifest("runway.yml", HEAD);
    expect(m.spec.container_port).toBe(8080);
    expect(m.spec.regions).toEqual(["us-east1"]);
    expect(m.spec.resources.limits).toEqual({ cpu: "1000m", memory: "512Mi" });
  });

  it("rejects request_based_billing: true at its line, saying there is no Kubernetes equivalent yet", () => {
    expect(errors("  request_based_billing: true\n")).toEqual([
      "runway.yml:10:26: spec.request_based_billing: request_based_billing: true (CPU throttled between requests) has no Kubernetes equivalent yet; remove it or set it to false; pods keep their CPU between requests (see docs/cloud-run-parity.md)",
    ]);
  });

  it.each([
    ["startup_cpu_boost: true", "  startup_cpu_boost: true\n", "spec.startup_cpu_boost"],
    ["resources.startup_cpu_boost: true", "  resources:\n    startup_cpu_boost: true\n", "spec.resources.startup_cpu_boost"],
    ["network_policies.cloudflare: true", "  network_policies:\n    cloudflare: true\n", "spec.network_policies.cloudflare"],
    ["min_instances: 0", "  scalability:\n    min_instances: 0\n", "spec.scalability.min_instances"],
    ["strategy regional_rollout", "  deployment:\n    strategy: regional_rollout\n", "spec.deployment.strategy"],
    ["strategy expedited", "  deployment:\n    strategy: expedited\n", "spec.deployment.strategy"],
    ["strategy dryrun", "  deployment:\n    strategy: dryrun\n", "spec.deployment.strategy"],
    ["rollout_traffic_percentages", "  deployment:\n    strategy: legacy\n    rollout_traffic_percentages: [5, 100]\n", "spec.deployment.rollout_traffic_percentages"],
  ])("rejects %s as having no Kubernetes equivalent yet, at the field", (_what, spec, field) => {
    const out = errors(spec);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^runway\\.yml:1[0-9]:[0-9]+: ${field.replace(/\./g, "\\.")}: .*has no Kubernetes equivalent yet`));
  });

  it("names an unknown field at its key and suggests the closest one", () => {
    expect(errors("  contaner_port: 80\n")).toEqual(["runway.yml:10:3: spec.contaner_port: unknown field 'contaner_port'; did you mean 'container_port'?"]);
  });

  it("reports min_instances above max_instances at min_instances", () => {
    expect(errors("  scalability:\n    min_instances: 10\n    max_instances: 5\n")).toEqual([
      "runway.yml:11:20: spec.scalability.min_instances: min_instances (10) is above max_instances (5); lower it or raise max_instances",
    ]);
  });

  it("requires the pre-stop sleep to end before the grace period", () => {
    expect(errors("  graceful_shutdown:\n    termination_grace_period_seconds: 10\n    pre_stop_sleep_seconds: 10\n")).toEqual([
      "runway.yml:12:29: spec.graceful_shutdown.pre_stop_sleep_seconds: must be below termination_grace_period_seconds (10) so the process still gets SIGTERM",
    ]);
  });

  it("rejects an environment variable that Runway or a secret already sets", () => {
    const out = errors("  env: { PORT: '1', API_KEY: x }\n  secrets:\n    - { name: llm, vault_path: llm/anthropic, env: { API_KEY: key } }\n");
    expect(out).toEqual([
      "runway.yml:10:16: spec.env.PORT: variable PORT is already set by Runway (set to spec.container_port); rename or remove it",
      "runway.yml:10:30: spec.env.API_KEY: variable API_KEY is already set by secrets[0]; rename or remove it",
    ]);
  });

  it("requires each secret to be delivered as env or files", () => {
    expect(errors("  secrets:\n    - name: llm\n      vault_path: llm/anthropic\n")).toEqual([
      "runway.yml:11:7: spec.secrets[0].env: a secret needs env (variables from its keys) or mount_path (files); add one of them",
    ]);
  });

  it("rejects an image without a tag or digest with the accepted forms", () => {
    expect(errors("  image: registry.gitlab.com/group/image\n")).toEqual([
      "runway.yml:10:10: spec.image: must be REPOSITORY:TAG, REPOSITORY@sha256:DIGEST or REPOSITORY:TAG@sha256:DIGEST such as registry.gitlab.com/group/project/image:v1.2.3",
    ]);
    expect(errors("  image: { repository: registry.gitlab.com/group/image }\n")).toEqual(["runway.yml:10:10: spec.image: set tag, digest or both"]);
  });

  it.each([
    ["a digest", "registry.gitlab.com/group/image@sha256:" + "a".repeat(64)],
    ["a tag and a digest", "registry.gitlab.com/group/image:v1.2.3@sha256:" + "b".repeat(64)],
    ["a registry port and a tag", "localhost:5000/image:v1"],
    ["a digest in the mapping", `{ repository: registry.gitlab.com/group/image, digest: "sha256:${"c".repeat(64)}" }`],
  ])("accepts an image pinned or tagged: %s", (_what, image) => {
    expect(errors(`  image: ${image}\n`)).toEqual([]);
  });

  it("rejects a digest that is not sha256 with 64 hex digits", () => {
    expect(errors("  image: registry.gitlab.com/group/image@sha256:abc\n")[0]).toMatch(/spec\.image: must be REPOSITORY:TAG, REPOSITORY@sha256:DIGEST/);
  });

  it.each(["1.5Gi", "512M", "1G", "1e9", "0.5Gi", "268435456"])("accepts the memory quantity %s", (memory) => {
    expect(errors(`  resources: { limits: { memory: ${memory} } }\n`)).toEqual([]);
  });

  it.each(["0.5", "1.5", "250m", "2"])("accepts the CPU quantity %s", (cpu) => {
    expect(errors(`  resources: { limits: { cpu: "${cpu}" } }\n`)).toEqual([]);
  });

  it("rejects 512m of memory (thousandths of a byte) and names the likely unit", () => {
    expect(errors("  resources: { limits: { memory: 512m } }\n")).toEqual([
      "runway.yml:10:34: spec.resources.limits.memory: 'm' means thousandths of a byte; write Mi (mebibytes) or M (megabytes)",
    ]);
  });

  it("rejects a request above its limit, which the API server refuses", () => {
    expect(errors("  resources: { limits: { memory: 1Gi }, requests: { memory: 1.5Gi } }\n")).toEqual([
      "runway.yml:10:61: spec.resources.requests.memory: request 1.5Gi is above the limit 1Gi; lower it or raise resources.limits.memory",
    ]);
  });

  it.each(["/healthz?verbose=1", "/-/readiness?full=1&timeout=5s", "/ready?"])("accepts the probe path %s with a query string", (p) => {
    expect(errors(`  liveness_probe: { path: "${p}" }\n`)).toEqual([]);
  });

  it("accepts a PodDisruptionBudget of 100%", () => {
    expect(errors("  pod_disruption_budget: { max_unavailable: 100% }\n")).toEqual([]);
  });

  it("rejects a secret mounted at /tmp, the chart's scratch volume", () => {
    expect(errors("  secrets: [{ name: a, vault_path: a, mount_path: /tmp }]\n")).toEqual([
      "runway.yml:10:51: spec.secrets[0].mount_path: /tmp is the chart's scratch volume; mount the secret in a directory of its own such as /etc/secrets/llm",
    ]);
  });

  it("rejects two secrets mounted at one path", () => {
    expect(errors("  secrets: [{ name: a, vault_path: a, mount_path: /etc/s }, { name: b, vault_path: b, mount_path: /etc/s }]\n")).toEqual([
      "runway.yml:10:99: spec.secrets[1].mount_path: /etc/s is already the mount path of secrets[0] (a); give each secret its own directory",
    ]);
  });

  it.each([
    ["/", "cannot be /"],
    ["/etc/s/", "must be a normalised path without '//', '.', '..' or a trailing '/', such as /etc/s"],
    ["/etc//s", "such as /etc/s"],
    ["/etc/../s", "such as /s"],
    ["/proc/keys", "container runtimes do not mount over /proc"],
  ])("rejects the mount path %s", (p, message) => {
    expect(errors(`  secrets: [{ name: a, vault_path: a, mount_path: "${p}" }]\n`)[0]).toContain(message);
  });

  it("rejects a region that is not a GCP region", () => {
    expect(errors("  regions: [us-east9]\n")[0]).toMatch(/^runway\.yml:10:13: spec\.regions\[0\]: 'us-east9' is not a GCP region/);
  });

  it("rejects owner labels that are not valid label values", () => {
    expect(() => parseManifest("runway.yml", HEAD.replace("team", "Team Name"))).toThrow(
      "runway.yml:5:23: metadata.owner_email_handle: must be lowercase letters, digits, '-', '_' or '.', 1-63 characters, starting and ending alphanumeric",
    );
  });

  it("reports every problem of a file at once", () => {
    expect(errors("  container_port: 0\n  regions: []\n  request_based_billing: true\n")).toHaveLength(3);
  });
});
