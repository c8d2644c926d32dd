/**
 * A small Mermaid picture, for the merge-request note, of what a change adds per tenant: each tenant with the
 * resources added under it, grouped by kind (`NetworkPolicy ×6`), sub-components with their own. GitLab renders
 * Mermaid in notes. Only drawn when it stays readable; otherwise the note says why and the diff tells it all.
 */
import type { PlanDiff } from "../plan/diff";
import type { Plan, PlannedResource } from "../plan/engine";

export const TENANT_TYPE = "runway:tenancy:Tenant";
/** Beyond this many boxes a graph is no longer read, only scrolled. */
export const MAX_NODES = 40;

const kind = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const label = (text: string) => `"${text.replace(/"/g, "#quot;")}"`;

function classOf(type: string): string {
  if (type.startsWith("kubernetes:")) return "k8s";
  if (type.startsWith("gcp:")) return "gcp";
  if (type.startsWith("vault:")) return "vault";
  return "component";
}

/** The nearest ancestor-or-self of `r` that is a tenant, in `byUrn`. */
function tenantOf(r: PlannedResource, byUrn: Map<string, PlannedResource>): PlannedResource | undefined {
  for (let at: PlannedResource | undefined = r; at; at = at.parent ? byUrn.get(at.parent) : undefined) {
    if (at.type === TENANT_TYPE) return at;
  }
  return undefined;
}

export interface TenantGraph {
  /** The Mermaid source, or undefined when nothing was added under a tenant or the picture would be too big. */
  mermaid?: string;
  /** Why there is no picture, when a change adds under tenants but too much to draw. */
  omitted?: string;
}

/** The picture of what `diffs` add under tenants; `heads` give the added resources' ancestry. */
export function tenantGraph(diffs: readonly PlanDiff[], heads: readonly Plan[]): TenantGraph {
  const lines: string[] = ["flowchart LR"];
  let nodes = 0;
  let tenants = 0;
  const id = () => `n${nodes++}`;
  for (const d of diffs) {
    const head = heads.find((h) => h.stack === d.stack);
    if (!head || d.added.length === 0) continue;
    const byUrn = new Map(head.resources.map((r) => [r.urn, r]));
    const added = new Set(d.added.map((r) => r.urn));
    const byTenant = new Map<string, PlannedResource[]>();
    for (const r of d.added) {
      const t = tenantOf(r, byUrn);
      if (t) byTenant.set(t.urn, [...(byTenant.get(t.urn) ?? []), r]);
    }
    if (byTenant.size === 0) continue;
    const stackId = id();
    lines.push(`  subgraph ${stackId}[${label(d.stack)}]`);
    for (const [tenantUrn, members] of byTenant) {
      tenants++;
      const tenant = byUrn.get(tenantUrn) as PlannedResource;
      // Edges from the tenant down to each added resource, through components that already existed.
      const children = new Map<string, Map<string, PlannedResource>>();
      for (const r of members) {
        for (let c: PlannedResource | undefined = r; c && c.urn !== tenantUrn && c.parent; c = byUrn.get(c.parent)) {
          const siblings = children.get(c.parent) ?? new Map<string, PlannedResource>();
          siblings.set(c.urn, c);
          children.set(c.parent, siblings);
        }
      }
      const draw = (r: PlannedResource, nodeId: string) => {
        const groups = new Map<string, PlannedResource[]>();
        for (const c of children.get(r.urn)?.values() ?? []) {
          const key = c.custom ? c.type : c.urn;
          groups.set(key, [...(groups.get(key) ?? []), c]);
        }
        for (const group of groups.values()) {
          const first = group[0];
          const child = id();
          const text = group.length === 1 ? `${kind(first.type)} ${first.name}` : `${kind(first.type)} ×${group.length}`;
          lines.push(`    ${nodeId} --> ${child}[${label(text)}]:::${classOf(first.type)}`);
          if (!first.custom) draw(first, child);
        }
      };
      const tenantId = id();
      const isNew = added.has(tenantUrn);
      lines.push(`    ${tenantId}[${label(`${isNew ? "new " : ""}tenant ${tenant.name}`)}]:::component`);
      draw(tenant, tenantId);
    }
    lines.push("  end");
  }
  if (tenants === 0) return {};
  if (nodes > MAX_NODES) return { omitted: `${tenants} tenant(s) gain ${nodes} groups of resources, too many to draw; the changes below list them` };
  lines.push(
    "  classDef k8s fill:#e8f0fe,stroke:#326ce5",
    "  classDef gcp fill:#e6f4ea,stroke:#34a853",
    "  classDef vault fill:#fef7e0,stroke:#f9ab00",
    "  classDef component fill:#f3e8fd,stroke:#8430ce",
  );
  return { mermaid: lines.join("\n") };
}
