/**
 * The SDK's floor: replays a plan's resources (same types, names, inputs, parents) through bare
 * CustomResource/ComponentResource registrations under the same mocks, in a fresh process.
 * Usage: node bin/tsx.cjs bench/floor.ts PLAN.json
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram, type Plan, type PlannedResource } from "../src/plan/engine";

class Bare extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super(type, name, inputs, opts);
  }
}

class BareComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
  }
}

export function replay(plan: Plan): () => void {
  const byParent = new Map<string | null, PlannedResource[]>();
  for (const r of plan.resources) {
    if (r.type === "pulumi:pulumi:Stack") continue;
    const parent = r.parent && r.parent.endsWith(`::runway-${plan.stack}`) ? null : r.parent;
    byParent.set(parent, [...(byParent.get(parent) ?? []), r]);
  }
  return () => {
    const build = (parentUrn: string | null, parent: pulumi.Resource | undefined) => {
      for (const r of byParent.get(parentUrn) ?? []) {
        const opts = { parent, protect: r.protect };
        const created = r.custom ? new Bare(r.type, r.name, r.inputs as pulumi.Inputs, opts) : new BareComponent(r.type, r.name, opts);
        build(r.urn, created);
      }
    };
    build(null, undefined);
  };
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2], "utf8")) as Plan;
  const started = process.hrtime.bigint();
  const replayed = await recordProgram(replay(plan), { stack: plan.stack });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ stack: plan.stack, wallMs, rssMb, resources: replayed.resources.length })}\n`);
}

if (process.argv[1]?.endsWith("floor.ts")) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
