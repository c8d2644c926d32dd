/**
 * Offboarding as a lifecycle: `spec.lifecycle: retired` removes a service's workload and keeps its namespace and
 * data, and passes the merge request's checks with no waiver; the diff and the note say "retained", not "deleted".
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildNote } from "../src/ci/note";
import { diffPlans } from "../src/plan/diff";
import type { Plan } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";
import { checkPlan } from "../src/rules/check";
import { catalogWith, ROOT } from "./helpers/project";

const GLGO = readFileSync(path.join(ROOT, "services", "glgo.yaml"), "utf8");
const ofTenant = (p: Plan, service: string) => p.resources.filter((r) => r.urn.includes("runway:tenancy:Tenant$") && r.name.startsWith(`${service}-`));
const noWaivers = () => [];

describe("retiring a service with one line", () => {
  let base: Plan;
  let head: Plan;
  beforeAll(async () => {
    base = await planStack("platform-staging");
    head = await planStack("platform-staging", { catalogDir: catalogWith({ "glgo.yaml": GLGO.replace("  environments: [staging]\n", "  environments: [staging]\n  lifecycle: retired\n") }) });
  }, 120_000);

  it("passes the merge request's checks: guardrails and the replacement guard, with no waiver", () => {
    const report = checkPlan(head, { base, waivers: [] });
    expect(report.violations.filter((v) => v.severity === "mandatory")).toEqual([]);
    expect(buildNote({ base: [base], head: [head], waivers: noWaivers }).failed).toBe(false);
  });

  it("keeps the namespace, protected and retained, marked retired", () => {
    const ns = head.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "glgo");
    expect(ns).toMatchObject({ protect: true, retainOnDelete: true });
    expect(ns?.inputs.metadata).toMatchObject({ name: "glgo", annotations: { "runway.gitlab.com/lifecycle": "retired" } });
  });

  it("keeps the namespace fenced: default-deny policies, quota and limits stay", () => {
    const kept = ofTenant(head, "glgo").map((r) => r.type);
    for (const t of ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:core/v1:ResourceQuota", "kubernetes:core/v1:LimitRange"]) expect(kept).toContain(t);
  });

  it("removes the workload, its identities, Vault access, route and observability", () => {
    const removed = diffPlans(base, head).removed.map((r) => r.type);
    for (const t of [
      "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease",
      "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository",
      "gcp:serviceaccount/account:Account",
      "vault:kubernetes/authBackendRole:AuthBackendRole",
      "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      "gcp:monitoring/dashboard:Dashboard",
    ]) {
      expect(removed, t).toContain(t);
    }
    expect(head.resources.filter((r) => r.type === "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease").map((r) => r.name)).not.toContain("glgo-release");
  });

  it("shows no deletion of the namespace in the diff, and the note says what is kept", () => {
    const d = diffPlans(base, head);
    expect(d.removed.filter((r) => r.type === "kubernetes:core/v1:Namespace")).toEqual([]);
    const note = buildNote({ base: [base], head: [head], waivers: noWaivers }).markdown;
    expect(note).toContain("**glgo in staging: shared on cluster runway-staging");
    expect(note).toContain("retired: workload removed");
    expect(note).toContain("namespace `glgo` and the data in it (protected)");
  });

  it("deleting the catalog file instead fails, naming the one-line way", async () => {
    const gone = await planStack("platform-staging", { catalogDir: catalogWith({ "glgo.yaml": null }) });
    const d4 = checkPlan(gone, { base, waivers: [] }).violations.filter((v) => v.rule === "D4");
    expect(d4.map((v) => v.name)).toEqual(["glgo"]);
    expect(d4[0].message).toContain("set spec.lifecycle: retired in its catalog entry instead");
    // Still not a deletion: the diff shows the namespace as retained.
    expect(diffPlans(base, gone).retained.map((r) => r.name)).toEqual(["glgo"]);
  }, 60_000);
});

describe("retiring a service that runs in several regions", () => {
  const AI = readFileSync(path.join(ROOT, "services", "ai-gateway.yaml"), "utf8");
  const retired = () => catalogWith({ "ai-gateway.yaml": AI.replace("  environments: [staging, production]\n", "  environments: [staging, production]\n  lifecycle: retired\n") });
  let primary: Plan;
  let region: Plan;
  let customer: Plan;
  beforeAll(async () => {
    const catalogDir = retired();
    primary = await planStack("platform-staging", { catalogDir });
    region = await planStack("platform-staging-europe-west4", { catalogDir });
    customer = await planStack("dedicated-globex", { catalogDir });
  }, 120_000);

  it("no longer asks for a DNS record to the multi-cluster Gateway, which has no route for it", () => {
    expect(primary.outputs.multiRegionHosts).not.toContain("ai-gateway.staging.runway.gitlab.net");
  });

  it("a regional cluster keeps the namespace and removes the workload and its fleet export", () => {
    const kept = ofTenant(region, "ai-gateway").map((r) => r.type);
    expect(region.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "ai-gateway")).toMatchObject({ protect: true, retainOnDelete: true });
    for (const t of ["kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", "kubernetes:net.gke.io/v1:ServiceExport", "gcp:monitoring/dashboard:Dashboard"]) expect(kept, t).not.toContain(t);
  });

  it("a Dedicated customer's namespaced instance loses its identity in the customer's project, and its host", () => {
    expect(customer.resources.filter((r) => r.type.startsWith("gcp:serviceaccount/"))).toEqual([]);
    expect(customer.outputs.hosts).toEqual([]);
  });
});
