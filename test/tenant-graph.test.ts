/**
 * The merge-request note's picture of what a change adds per tenant (src/ci/tenant-graph.ts).
 */
import { describe, expect, it } from "vitest";
import { buildNote } from "../src/ci/note";
import { MAX_NODES, tenantGraph } from "../src/ci/tenant-graph";
import { diffPlans } from "../src/plan/diff";
import type { Plan, PlannedResource } from "../src/plan/engine";

const STACK = "urn:pulumi:platform-staging::runway::pulumi:pulumi:Stack::runway-platform-staging";
function res(type: string, name: string, parent: string | null, custom = true): PlannedResource {
  const chain = parent && parent !== STACK ? `${parent.split("::")[2]}$` : "";
  return {
    urn: parent === null ? STACK : `urn:pulumi:platform-staging::runway::${chain}${type}::${name}`,
    type,
    name,
    parent,
    provider: null,
    protect: false,
    dependsOn: [],
    inputs: {},
    custom,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
  };
}
const plan = (resources: PlannedResource[]): Plan => ({ stack: "platform-staging", resources, outputs: {} });

function tenant(name: string, policies = 2): PlannedResource[] {
  const t = res("runway:tenancy:Tenant", name, STACK, false);
  const obs = res("runway:observability:TenantObservability", `${name}-observability`, t.urn, false);
  return [
    t,
    res("kubernetes:core/v1:Namespace", name, t.urn),
    ...Array.from({ length: policies }, (_, i) => res("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${name}-p${i}`, t.urn)),
    obs,
    res("gcp:monitoring/dashboard:Dashboard", `${name}-dashboard`, obs.urn),
  ];
}

const stackRoot = res("pulumi:pulumi:Stack", "runway-platform-staging", null, false);

describe("tenant graph", () => {
  it("draws a new tenant with its resources grouped by kind and its components' own", () => {
    const base = plan([stackRoot]);
    const head = plan([stackRoot, ...tenant("glgo")]);
    const g = tenantGraph([diffPlans(base, head)], [head]);
    expect(g.mermaid?.split("\n").slice(0, 8)).toEqual([
      "flowchart LR",
      '  subgraph n0["platform-staging"]',
      '    n1["new tenant glgo"]:::component',
      '    n1 --> n2["Namespace glgo"]:::k8s',
      '    n1 --> n3["NetworkPolicy ×2"]:::k8s',
      '    n1 --> n4["TenantObservability glgo-observability"]:::component',
      '    n4 --> n5["Dashboard glgo-dashboard"]:::gcp',
      "  end",
    ]);
  });

  it("draws what an existing tenant gains through components that already existed", () => {
    const before = tenant("glgo");
    const obs = before.find((r) => r.type === "runway:observability:TenantObservability") as PlannedResource;
    const head = plan([stackRoot, ...before, res("gcp:monitoring/alertPolicy:AlertPolicy", "glgo-alert", obs.urn)]);
    const g = tenantGraph([diffPlans(plan([stackRoot, ...before]), head)], [head]);
    expect(g.mermaid).toContain('    n1["tenant glgo"]:::component\n    n1 --> n2["TenantObservability glgo-observability"]:::component\n    n2 --> n3["AlertPolicy glgo-alert"]:::gcp');
  });

  it("draws nothing when no tenant gains a resource", () => {
    const head = plan([stackRoot, res("kubernetes:core/v1:Namespace", "flux-system", STACK)]);
    expect(tenantGraph([diffPlans(plan([stackRoot]), head)], [head])).toEqual({});
  });

  it("says why when the picture would be too big to read", () => {
    const many = Array.from({ length: 10 }, (_, i) => tenant(`t${i}`));
    const head = plan([stackRoot, ...many.flat()]);
    const g = tenantGraph([diffPlans(plan([stackRoot]), head)], [head]);
    expect(g.mermaid).toBeUndefined();
    expect(g.omitted).toMatch(new RegExp(`^10 tenant\\(s\\) gain \\d+ groups of resources, too many to draw`));
    expect(MAX_NODES).toBeLessThan(10 * 6);
  });

  it("is part of the merge-request note, in a mermaid block", () => {
    const head = plan([stackRoot, ...tenant("glgo")]);
    const note = buildNote({ base: [plan([stackRoot])], head: [head], waivers: () => [] });
    expect(note.markdown).toContain("### What this adds per tenant\n\n```mermaid\nflowchart LR\n");
  });
});
