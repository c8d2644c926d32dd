/**
 * The offline plan engine: runs a Pulumi program in-process under Pulumi's mock runtime and records every
 * registration request exactly as the engine would receive it (type, name, parent, provider, protect,
 * dependencies, aliases and inputs with secrets still marked). No cloud credentials, no Pulumi CLI.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { planMocks } from "./mocks";

/** One resource as the plan shows it. Secret values are the string "[secret]", unknown ones "[unknown]". */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  provider: string | null;
  protect: boolean;
  dependsOn: string[];
  inputs: Record<string, unknown>;
  custom: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  /** Aliases as URNs or as `name=..,type=..,parent=..` specs. */
  aliases: string[];
}

export interface Plan {
  stack: string;
  resources: PlannedResource[];
  /** Stack outputs, secrets masked. */
  outputs: Record<string, unknown>;
}

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Serialized property values to plain JSON, with secrets and unknowns replaced by markers. */
export function maskValue(v: unknown): unknown {
  if (v === UNKNOWN_VALUE) return UNKNOWN;
  if (Array.isArray(v)) return v.map(maskValue);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const sig = o[SIG_KEY];
    if (sig === SECRET_SIG) return SECRET;
    if (sig === RESOURCE_SIG) return o.urn;
    if (sig !== undefined) return `[${String(sig).slice(0, 8)}]`;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) {
      if (k === "__provider") out[k] = "[dynamic provider]";
      else out[k] = maskValue(o[k]);
    }
    return out;
  }
  return v;
}

interface AliasMessage {
  getUrn(): string;
  getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

function aliasText(a: AliasMessage): string {
  const urn = a.getUrn();
  if (urn) return urn;
  const s = a.getSpec();
  if (!s) return "";
  const parts = [s.getName() && `name=${s.getName()}`, s.getType() && `type=${s.getType()}`, s.getParenturn() && `parent=${s.getParenturn()}`, s.getNoparent() && "noParent"];
  return parts.filter(Boolean).join(",");
}

/** Provider references arrive as `URN::ID`; the plan shows the provider's URN. */
function providerUrn(ref: string): string | null {
  if (!ref) return null;
  const i = ref.lastIndexOf("::");
  return i > 0 ? ref.slice(0, i) : ref;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- protobuf request objects of the SDK have no public types */

/**
 * The plan's record of one RegisterResourceRequest, its inputs already in the plan's JSON form. The conformance
 * tests record what the Pulumi CLI's language host registers with it too, so both sides read alike.
 */
export function plannedResource(req: any, urn: string, inputs: Record<string, unknown>): PlannedResource {
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent() || null,
    provider: providerUrn(req.getProvider()),
    protect: req.getProtect() === true,
    dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
    inputs,
    custom: req.getCustom(),
    retainOnDelete: req.getRetainondelete() === true,
    deleteBeforeReplace: req.getDeletebeforereplace() === true,
    ignoreChanges: [...req.getIgnorechangesList()],
    replaceOnChanges: [...req.getReplaceonchangesList()],
    additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
    aliases: (req.getAliasesList() as AliasMessage[]).map(aliasText).filter(Boolean),
  };
}

/** Plain JSON of serialized properties back to runtime values, as MockMonitor's `deserializeProperties` does. */
function deserialize(object: Record<string, unknown>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(object)) {
    if (object[k] !== undefined) props[k] = rpc.deserializeProperty(object[k]);
  }
  return props;
}

/**
 * The registration response as the SDK reads it: the same six getters its own stand-in response has when no monitor
 * is attached (@pulumi/pulumi runtime/resource.js, registerResource). `getObject().toJavaScript()` hands over the
 * serialized state without a protobuf Struct round trip; the SDK deserializes it into fresh objects.
 */
function registerResponse(urn: string, id: string | undefined, state: Record<string, unknown>) {
  return {
    getUrn: () => urn,
    getId: () => id || "",
    getObject: () => ({ toJavaScript: () => state }),
    getPropertydependenciesMap: () => undefined,
    getResult: () => 0, // Result.SUCCESS
    getUnknown: () => false,
  };
}

/**
 * The URN the Pulumi engine gives a resource: the parent's whole qualified type chain, except that children of the
 * root stack carry no `pulumi:pulumi:Stack$` prefix (@pulumi/pulumi resource.js createUrn). The SDK's MockMonitor
 * keeps only the parent's last type, which would hide a re-parented grandchild's URN change from `runway diff` and
 * the replacement guard.
 */
export function engineUrn(parent: string, type: string, name: string): string {
  const stack = pulumi.getStack();
  const project = pulumi.getProject();
  let qualified = type;
  if (parent) {
    const parentQualified = parent.slice(0, parent.lastIndexOf("::")).split("::").slice(2).join("::");
    if (parentQualified !== "pulumi:pulumi:Stack") qualified = `${parentQualified}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * MockMonitor that records every registration request. `registerResource` replicates MockMonitor's (same URN, id and
 * state, same entry in `resources`) so that the request's inputs are converted from protobuf once, for the mocks and
 * the record alike.
 */
class RecordingMonitor extends MockMonitor {
  readonly recorded: PlannedResource[] = [];
  stackOutputs: Record<string, unknown> = {};
  stackUrn = "";

  override async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
    const self = this as unknown as { transformCallbacks: Map<string, unknown> };
    try {
      const object = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      const result = await this.mocks.newResource({
        type: req.getType(),
        name: req.getName(),
        inputs: deserialize(object),
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
        transforms: req.getTransformsList().map((cb: any) => self.transformCallbacks.get(cb.getToken())).filter((t: unknown) => t !== undefined),
      });
      const urn = engineUrn(req.getParent(), req.getType(), req.getName());
      const state = (await rpc.serializeProperties("", result.state)) as Record<string, unknown>;
      this.resources.set(urn, { urn, id: result.id ?? null, state });
      this.record(req, urn, object);
      callback(null, registerResponse(urn, result.id, state));
    } catch (err) {
      callback(err, undefined);
    }
  }

  private record(req: any, urn: string, object: Record<string, unknown>): void {
    if (req.getType() === "pulumi:pulumi:Stack") this.stackUrn = urn;
    this.recorded.push(plannedResource(req, urn, maskValue(object) as Record<string, unknown>));
  }

  override registerResourceOutputs(req: any, callback: (err: any, resp: any) => void): void {
    if (req.getUrn() === this.stackUrn) {
      this.stackOutputs = maskValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
    }
    super.registerResourceOutputs(req, callback);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let offline = false;

/**
 * Stack traces the SDK takes and formats eagerly, which under mocks nobody reads, switched off while a program
 * runs; returns what puts them back. Measured in docs/performance.md (about half of a large plan's time):
 * - runtime/debuggable.js `debuggablePromise` stores `new Error().stack` on each of the ~30 promises per resource,
 *   read only by its leak report at exit; `Error.stackTraceLimit = 0` makes that an empty trace.
 * - resource.js `Resource.callsites` reads the full stack of every resource (it raises the limit to Infinity
 *   itself) and parses a source position out of it, which the mock monitor ignores. Node formats a stack through
 *   `Error.prepareStackTrace` when one is set (and maps every frame through source maps, as tsx enables them, when
 *   none is); formatting only the `Name: message` line leaves the SDK no frame to parse.
 * Errors raised during the run keep their message (what Runway reports to users: ConfigError, RunError, component
 * validation) but carry no frames. RUNWAY_STACK_TRACES=1 keeps them.
 */
function quietStacks(): () => void {
  if (process.env.RUNWAY_STACK_TRACES) return () => undefined;
  const { stackTraceLimit, prepareStackTrace } = Error;
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = (error: Error) => Error.prototype.toString.call(error);
  return () => {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
  };
}

/**
 * True while a program runs under this engine (runway plan, tests). Code that would reach the network during a
 * real deployment (e.g. checking that a GitLab instance answers) skips it offline.
 */
export function isOfflinePlan(): boolean {
  return offline;
}

export interface RunOptions {
  project?: string;
  stack: string;
  /** Config values keyed `runway:key`; objects are passed as JSON text as Pulumi does. */
  config?: Record<string, string>;
  /** Config keys (`runway:key`) whose values are secrets. */
  secretKeys?: string[];
  /** Leave computed outputs unknown, as `pulumi preview` does. */
  preview?: boolean;
  mocks?: pulumi.runtime.Mocks;
}

/**
 * Runs `program` as a stack under the mock runtime and returns every registered resource, sorted by URN so the
 * same program gives the same plan byte for byte. Errors of the program (or of any registration) reject.
 */
export async function recordProgram(program: () => unknown, opts: RunOptions): Promise<Plan> {
  const project = opts.project ?? "runway";
  const mocks = opts.mocks ?? planMocks(opts.preview === true);
  await pulumi.runtime.setMocks(mocks, project, opts.stack, opts.preview === true);
  const monitor = new RecordingMonitor(mocks);
  // setMocks installed a plain MockMonitor; swap in the recording one with the same feature flags.
  const store = runtimeStore();
  const flags = Object.entries(store).filter(([k]) => k.startsWith("supports"));
  settings.setMockOptions(monitor, project, opts.stack, opts.preview === true);
  for (const [k, v] of flags) store[k] = v;
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);

  const failures: unknown[] = [];
  offline = true;
  const restoreStacks = quietStacks();
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      // A throwing program would leave the SDK's own stack promises rejected and unhandled: keep the error aside.
      try {
        return await program();
      } catch (e) {
        failures.unshift(e);
        return {};
      }
    });
    // A registration whose inputs fail to serialize rejects a promise nobody awaits; Pulumi's own host fails the
    // run on it (cmd/run: unhandledRejection). And a program may still be creating resources on later turns of the
    // event loop (src/batches.ts) if its caller did not await them. Turn the loop until no registration arrives, so
    // such rejections surface and no resource is left out before deciding the run is complete.
    for (let seen = -1; seen !== monitor.recorded.length; ) {
      seen = monitor.recorded.length;
      await waitForRPCs();
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // After a failure the SDK may still reject follow-on promises of the failed registration; keep collecting them
    // so they cannot crash the process after the error has been reported.
    if (failures.length === 0) process.off("unhandledRejection", onRejection);
    offline = false;
    restoreStacks();
  }
  if (failures.length) throw failures[0];
  const errors = store.logErrorCount;
  if (errors > 0) throw new Error(`the program logged ${errors} error(s) while registering resources`);
  const resources = [...monitor.recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return { stack: opts.stack, resources, outputs: monitor.stackOutputs };
}

/** The SDK's global runtime state (its typings do not export the accessor). */
function runtimeStore(): Record<string, unknown> & { logErrorCount: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> & { logErrorCount: number } };
  return state.getStore();
}

async function waitForRPCs(): Promise<void> {
  // Internal to the SDK (not in its typings), and what its own `disconnect` awaits.
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}
