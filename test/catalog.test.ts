import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type CatalogContext, loadCatalog, resolveTenant } from "../src/config/catalog";
import { ConfigError } from "../src/config/diagnostics";

const CTX: CatalogContext = {
  environments: new Map([
    ["staging", ["staging"]],
    ["production", ["production-canary", "production"]],
  ]),
  serviceStacks: new Set(["ai-gateway@production"]),
};

function entry(name: string, spec = "  environments: [staging]\n"): string {
  return `apiVersion: runway/v1\nkind: SatelliteService\nmetadata:\n  name: ${name}\n  owner: gitlab-org/${name}\nspec:\n  chart:\n    repository: oci://registry.example.com/charts/${name}\n${spec}`;
}

function catalogErrors(files: Record<string, string>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "runway-catalog-"));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  try {
    loadCatalog(dir, CTX);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.column}: ${d.path}: ${d.message}`);
  }
}

describe("catalog validation across files", () => {
  it("a valid catalog has no errors", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo"), "bar.yaml": entry("bar") })).toEqual([]);
  });

  it("duplicate names are rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo"), "foo-copy.yaml": entry("foo") })).toEqual([
      "foo-copy.yaml:4:9: metadata.name: file name must match the service name: rename the file to foo.yaml or the service to foo-copy",
      expect.stringMatching(/^foo\.yaml:4:9: metadata\.name: service name 'foo' is already used by .*foo-copy\.yaml$/),
    ]);
  });

  it("reserved names are rejected", () => {
    for (const name of ["kube-system", "flux-system", "default", "gitlab-agent", "runway-system"]) {
      const errors = catalogErrors({ [`${name}.yaml`]: entry(name) });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^${name}\\.yaml:4:9: metadata\\.name: .*reserved`));
    }
  });

  it("an environment no platform stack defines is rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo", "  environments: [staging, qa]\n") })).toEqual([
      "foo.yaml:9:27: spec.environments[1]: no platform stack defines environment 'qa' (defined: production, staging)",
    ]);
  });

  it("a dedicated service in an environment without dedicated defaults and without a service stack is rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo", "  placement: dedicated\n  environments: [production]\n") })).toEqual([
      "foo.yaml:9:14: spec.placement: dedicated in production, but the platform stack of production sets no runway:dedicated (the defaults and address pool a dedicated service's project and cluster are derived from): ask the Runway team to add them (docs/operations.md#dedicated-services), or add a hand-written stacks/Pulumi.foo-production.yaml with runway:kind: service",
    ]);
  });

  it("a dedicated service needs no stack file where the environment has dedicated defaults", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "runway-catalog-"));
    writeFileSync(path.join(dir, "foo.yaml"), entry("foo", "  placement: dedicated\n  environments: [production]\n"));
    expect(loadCatalog(dir, { ...CTX, dedicatedDefaults: new Set(["production"]) }).map((c) => c.entry.metadata.name)).toEqual(["foo"]);
  });


  it("a dedicated service with its service stack is accepted", () => {
    expect(catalogErrors({ "ai-gateway.yaml": entry("ai-gateway", "  environments: [staging, production]\n  overrides:\n    production:\n      placement: dedicated\n") })).toEqual([]);
  });

  it("a reference to another tenant's namespace is rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo", "  environments: [staging]\n  egress:\n    - namespace: bar\n      ports: [443]\n") })).toEqual([
      "foo.yaml:11:18: spec.egress[0].namespace: egress may not name a namespace: 'bar' is another tenant's namespace; reach other services through their Gateway host",
    ]);
  });

  it("a reference to another tenant's Vault path is rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo", "  environments: [staging]\n  secrets:\n    - name: x\n      path: env/staging/service/bar/creds\n") })).toEqual([
      "foo.yaml:12:13: spec.secrets[0].path: Vault paths are relative to runway/env/<environment>/service/foo/; another tenant's path cannot be referenced",
    ]);
  });

  it("a stage the environment does not define is rejected", () => {
    expect(catalogErrors({ "foo.yaml": entry("foo", "  environments: [production]\n  stage: canary\n") })).toEqual([
      "foo.yaml:10:10: spec.stage: 'canary' is not a stage of production (stages: production-canary, production)",
    ]);
  });

  it("two services deployed from one GitLab project are rejected", () => {
    const spec = "  gitlabProject: gitlab-org/shared\n  environments: [staging]\n";
    expect(catalogErrors({ "a.yaml": entry("a", spec), "b.yaml": entry("b", spec) })).toEqual([
      expect.stringMatching(/^b\.yaml:9:18: spec\.gitlabProject: project 'gitlab-org\/shared' already deploys a \(.*a\.yaml\); each service needs its own GitLab project$/),
    ]);
  });

  it("errors of several files are all reported", () => {
    const errors = catalogErrors({ "a.yaml": entry("a", "  environments: [qa]\n"), "b.yaml": "kind: nope\n" });
    expect(new Set(errors.map((e) => e.split(":")[0]))).toEqual(new Set(["a.yaml", "b.yaml"]));
  });
});

describe("tenant resolution", () => {
  const base = {
    apiVersion: "runway/v1" as const,
    kind: "SatelliteService" as const,
    metadata: { name: "foo", owner: "g/foo" },
    spec: { chart: { repository: "oci://r/foo" }, placement: "shared" as const, environments: ["staging", "production"], overrides: { production: { placement: "dedicated" as const } } },
  };

  it("spec.lifecycle defaults to active, and an environment may retire the service alone", () => {
    const retired = { ...base, spec: { ...base.spec, overrides: { production: { placement: "dedicated" as const, lifecycle: "retired" as const } } } };
    expect(resolveTenant(base, "staging", ["staging"]).lifecycle).toBe("active");
    expect(resolveTenant(retired, "production", ["production"]).lifecycle).toBe("retired");
    expect(resolveTenant(retired, "staging", ["staging"]).lifecycle).toBe("active");
  });

  it("follows the environment's most stable stage by default", () => {
    expect(resolveTenant(base, "production", ["production-canary", "production"]).stage).toBe("production");
  });

  it("applies per-environment placement overrides", () => {
    expect(resolveTenant(base, "production", ["production"]).placement).toBe("dedicated");
    expect(resolveTenant(base, "staging", ["staging"]).placement).toBe("shared");
  });

  it("fills quota defaults", () => {
    expect(resolveTenant(base, "staging", ["staging"]).quota).toEqual({ cpu: "4", memory: "8Gi", pods: 30 });
  });

  it("exposes the Runway chart's Service port by default, and the pods' port defaults to the Service port", () => {
    expect(resolveTenant(base, "staging", ["staging"]).exposure).toEqual({ visibility: "external", port: 8080, targetPort: 8080, service: "foo" });
    const ports = (exposure: object) => resolveTenant({ ...base, spec: { ...base.spec, exposure } }, "staging", ["staging"]).exposure;
    expect(ports({ targetPort: 5052 })).toMatchObject({ port: 8080, targetPort: 5052 });
    expect(ports({ port: 9000 })).toMatchObject({ port: 9000, targetPort: 9000 });
  });
});
