/**
 * The SDK's floor: replays a plan's registrations through bare CustomResource/ComponentResource/ProviderResource
 * classes under the same mocks and engine, in a fresh process. Each resource is registered as the plan recorded it:
 * type, name, inputs, parent, provider, dependencies, protect, retainOnDelete, deleteBeforeReplace, ignoreChanges,
 * replaceOnChanges, additionalSecretOutputs and aliases. So the floor pays every SDK cost the plan needs (dependency
 * gathering, provider references, alias specs) and none of Runway's: no catalog, no Outputs computed by the
 * program, no provider SDK classes. It yields to the event loop as often as the platform program does (as many
 * batches as the platform has batches of TENANT_BATCH tenants), so both keep as many registrations in flight.
 * Usage: node bin/tsx.cjs bench/floor.ts PLAN.json [--json FILE] [--warm CATALOG_DIR]
 * Prints one JSON line: wall time and CPU time of the replay (plan file already read), peak RSS, resource count.
 * `--warm` first plans the platform stack with that catalog in the same process, unmeasured: the replay then runs
 * with the JIT and heap a real program leaves behind instead of a fresh process's (docs/performance.md).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { inBatches, TENANT_BATCH } from "../src/batches";
import { recordProgram, type Plan, type PlannedResource } from "../src/plan/engine";
import { planJson } from "../src/plan/render";

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

class BareProvider extends pulumi.ProviderResource {
  constructor(pkg: string, name: string, inputs: pulumi.Inputs, opts: pulumi.ResourceOptions) {
    super(pkg, name, inputs, opts);
  }
}

const PROVIDER_PREFIX = "pulumi:providers:";

/** An alias as the plan shows it (a URN, or `name=..,type=..,parent=..,noParent`) back to the SDK's form. */
export function aliasOf(text: string): string | pulumi.Alias {
  if (text.startsWith("urn:")) return text;
  const alias: pulumi.Alias = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const [key, value] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    if (key === "name") alias.name = value;
    else if (key === "type") alias.type = value;
    else if (key === "parent") alias.parent = value;
    else if (key === "noParent") alias.parent = undefined;
  }
  return alias;
}

/**
 * Orders the plan's resources so that each comes after its parent, its provider and its dependencies (the
 * program's own order is one such order), and returns the program that registers them. All preparation happens
 * here, outside the measured run.
 */
/** Creates a custom resource as a replay wants it; undefined leaves it to the bare class. */
export type MakeResource = (r: PlannedResource, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource | undefined;

export function replay(plan: Plan, make?: MakeResource): () => Promise<void> {
  const stackUrn = plan.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const order: PlannedResource[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (urn: string | null) => {
    if (!urn || urn === stackUrn || state.get(urn) === "done") return;
    if (state.get(urn) === "visiting") throw new Error(`cycle through ${urn}`);
    const r = byUrn.get(urn);
    if (!r) throw new Error(`the plan refers to ${urn}, which it does not register`);
    state.set(urn, "visiting");
    visit(r.parent);
    visit(r.provider);
    for (const d of r.dependsOn) visit(d);
    state.set(urn, "done");
    order.push(r);
  };
  for (const r of plan.resources) visit(r.urn);
  const batches = Math.max(1, Math.ceil(plan.resources.filter((r) => r.type === "runway:tenancy:Tenant").length / TENANT_BATCH));

  return () => {
    const created = new Map<string, pulumi.Resource>();
    const ref = (urn: string | null) => (urn && urn !== stackUrn ? created.get(urn) : undefined);
    return inBatches(order, Math.ceil(order.length / batches), (r) => {
      const opts: pulumi.CustomResourceOptions = { parent: ref(r.parent), protect: r.protect };
      if (r.provider) opts.provider = ref(r.provider) as pulumi.ProviderResource;
      if (r.dependsOn.length) opts.dependsOn = r.dependsOn.map((u) => created.get(u) as pulumi.Resource);
      if (r.retainOnDelete) opts.retainOnDelete = true;
      if (r.deleteBeforeReplace) opts.deleteBeforeReplace = true;
      if (r.ignoreChanges.length) opts.ignoreChanges = r.ignoreChanges;
      if (r.replaceOnChanges.length) opts.replaceOnChanges = r.replaceOnChanges;
      if (r.additionalSecretOutputs.length) opts.additionalSecretOutputs = r.additionalSecretOutputs;
      if (r.aliases.length) opts.aliases = r.aliases.map(aliasOf);
      const inputs = r.inputs as pulumi.Inputs;
      const resource = !r.custom
        ? new BareComponent(r.type, r.name, opts)
        : r.type.startsWith(PROVIDER_PREFIX)
          ? new BareProvider(r.type.slice(PROVIDER_PREFIX.length), r.name, inputs, opts)
          : (make?.(r, inputs, opts) ?? new Bare(r.type, r.name, inputs, opts));
      created.set(r.urn, resource);
    });
  };
}

/** The measured run of a replay, for this file and bench/class-floor.ts; see the usage above. */
export async function measureReplay(build: (plan: Plan) => () => Promise<void>): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2], "utf8")) as Plan;
  const warmAt = process.argv.indexOf("--warm");
  if (warmAt > 0) {
    // Loaded only here, so that a plain floor process holds nothing of Runway's program.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { planStack } = require("../src/plan/stack-plan") as typeof import("../src/plan/stack-plan");
    await planStack(plan.stack, { catalogDir: process.argv[warmAt + 1] });
  }
  const program = build(plan);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const replayed = await recordProgram(program, { stack: plan.stack });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const jsonAt = process.argv.indexOf("--json");
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], planJson(replayed));
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(`${JSON.stringify({ stack: plan.stack, wallMs, cpuMs, rssMb, resources: replayed.resources.length })}\n`);
}

if (path.basename(process.argv[1] ?? "") === "floor.ts") {
  measureReplay((plan) => replay(plan)).catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
