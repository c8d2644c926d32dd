/**
 * A stand-in for the Pulumi engine that launches the program exactly as the real CLI does, for the conformance
 * test: the nodejs language host's arguments and environment (pulumi-language-nodejs `constructArguments`,
 * `constructConfig`, `parseOptions`), and a ResourceMonitor and Engine served over gRPC on loopback with the
 * protocol stubs that ship inside @pulumi/pulumi. Registrations are recorded in the same shape as `runway plan`.
 *
 * Cloud answers come from the plan engine's mocks (src/plan/mocks.ts), so two runs of one program are comparable
 * resource by resource; everything else (how the program is found, loaded and configured, and what it sends) is
 * the real path.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parse as parseYaml, stringify } from "yaml";
import { loadProjectStack } from "../../src/config/project";
import { projectConfigProblems, secretsProviderProblems } from "../../src/config/pulumi-project";
import { parseYaml as parsePositioned } from "../../src/config/yaml-source";
import { type PlannedResource, plannedResource } from "../../src/plan/engine";
import { planMocks } from "../../src/plan/mocks";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any -- generated protobuf stubs have no usable typings */
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engineproto = require("@pulumi/pulumi/proto/engine_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What Pulumi.yaml says about how to run the program (the fields the CLI and the language host read). */
export interface ProjectFile {
  name: string;
  runtime: string | { name: string; options?: Record<string, unknown> };
  main?: string;
  config?: Record<string, unknown>;
}

export interface LaunchOptions {
  /** Project root (where Pulumi.yaml is). */
  root: string;
  /** Pulumi.yaml as parsed; default: the file in `root`. Tests pass a changed copy. */
  project?: ProjectFile;
  stack: string;
  /** The engine's config map: `runway:key` -> text (objects as JSON text), as after Pulumi decrypted secrets. */
  config: Record<string, string>;
  /** Keys (`runway:key`) whose values are secrets. */
  secretKeys: string[];
  dryRun?: boolean;
  /** Extra environment (e.g. a ts-node cache directory). */
  env?: Record<string, string>;
}

export interface EngineLog {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
}

export interface LaunchResult {
  exitCode: number | null;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  logs: EngineLog[];
  stderr: string;
  stdout: string;
  /** Wall time from spawn to exit, in milliseconds. */
  millis: number;
  /** Wall time from spawn to the program's first registration after the stack (program loaded and started). */
  startMillis: number;
}

export function readProject(root: string): ProjectFile {
  return parseYaml(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/**
 * Where the language host runs the program: `main` unset -> the project directory with entry point "."; a
 * directory -> that directory and "."; a file -> its directory and its base name (pulumi's ProgramInfo).
 */
export function programLocation(root: string, project: ProjectFile): { programDirectory: string; entryPoint: string } {
  const main = path.resolve(root, project.main ?? ".");
  let isDir = false;
  try {
    isDir = statSync(main).isDirectory();
  } catch {
    isDir = false;
  }
  return isDir ? { programDirectory: main, entryPoint: "." } : { programDirectory: path.dirname(main), entryPoint: path.basename(main) };
}

/** The environment the nodejs language host derives from the runtime options (parseOptions, execRuntime). */
export function runtimeEnvironment(project: ProjectFile): { env: Record<string, string>; nodeArgs: string[] } {
  const options = (typeof project.runtime === "object" ? project.runtime.options : undefined) ?? {};
  const env: Record<string, string> = {};
  if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof options.tsconfig === "string" && options.tsconfig !== "") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  const nodeArgs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  return { env, nodeArgs };
}

/** Serialized property values to the plan's JSON form (src/plan/engine.ts maskValue), with output values unwrapped. */
function mask(v: unknown): unknown {
  if (v === UNKNOWN) return "[unknown]";
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const sig = o[SIG];
    if (sig === SECRET_SIG) return "[secret]";
    if (sig === RESOURCE_SIG) return o.urn;
    if (sig === OUTPUT_SIG) {
      if (o.secret === true) return "[secret]";
      return "value" in o ? mask(o.value) : "[unknown]";
    }
    if (sig !== undefined) return `[${String(sig).slice(0, 8)}]`;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = k === "__provider" ? "[dynamic provider]" : mask(o[k]);
    return out;
  }
  return v;
}

/** Serialized values to the plain values the mocks see (MockMonitor deserializes secrets and outputs to values). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const sig = o[SIG];
    if (sig === SECRET_SIG) return plain(o.value);
    if (sig === RESOURCE_SIG) return o.urn;
    if (sig === OUTPUT_SIG) return "value" in o ? plain(o.value) : undefined;
    if (sig !== undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const p = plain(x);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return v === UNKNOWN ? undefined : v;
}

/** The engine's URN: the parent's qualified type chain, none for the stack's children. */
function engineUrn(stack: string, project: string, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentQualified = parent.slice(0, parent.lastIndexOf("::")).split("::").slice(2).join("::");
    if (parentQualified !== "pulumi:pulumi:Stack") qualified = `${parentQualified}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const SEVERITY: Record<number, EngineLog["severity"]> = { 0: "debug", 1: "info", 2: "warning", 3: "error" };

/** Every feature the engine advertises to programs (ResourceMonitorFeature). */
const FEATURES = [0, 1, 2, 3, 5, 7, 8];

/** Launches the program as `pulumi up` (or `pulumi preview` with dryRun) would, and records what it registers. */
export async function launchProgram(opts: LaunchOptions): Promise<LaunchResult> {
  const project = opts.project ?? readProject(opts.root);
  const projectName = project.name;
  const mocks = planMocks(opts.dryRun === true);
  const resources: PlannedResource[] = [];
  const logs: EngineLog[] = [];
  let outputs: Record<string, unknown> = {};
  let stackUrn = "";
  let rootUrn = "";
  let firstRegistration = 0;

  const server = new grpc.Server();
  const unary = (fn: (req: any) => Promise<any> | any) => (call: any, cb: any) => {
    Promise.resolve().then(() => fn(call.request)).then(
      (resp) => cb(null, resp),
      (err) => cb({ code: grpc.status.UNKNOWN, details: String((err as Error)?.message ?? err) }),
    );
  };
  server.addService(resrpc.ResourceMonitorService, {
    supportsFeature: unary((req) => new resproto.SupportsFeatureResponse().setHassupport(["secrets", "resourceReferences", "outputValues", "aliasSpecs", "deletedWith", "transforms", "invokeTransforms"].includes(req.getId()))),
    getDeploymentInfo: unary(() => {
      const info = new resproto.DeploymentInfo().setProject(projectName).setStack(opts.stack).setOrganization("organization").setDryrun(opts.dryRun === true);
      info.setSupportedfeaturesList(FEATURES);
      return info;
    }),
    invoke: unary(async (req) => {
      const args = (plain(req.getArgs()?.toJavaScript() ?? {}) ?? {}) as Record<string, unknown>;
      const result = await mocks.call({ token: req.getTok(), inputs: args, provider: req.getProvider() });
      // The monitor answers with a ResourceInvokeResponse (resource.proto), not a provider's InvokeResponse.
      return new resproto.ResourceInvokeResponse().setReturn(structproto.Struct.fromJavaScript(result as Record<string, unknown>));
    }),
    call: unary(() => {
      throw new Error("method calls are not used by this program");
    }),
    readResource: unary(async (req) => {
      const urn = engineUrn(opts.stack, projectName, req.getParent(), req.getType(), req.getName());
      const result = await mocks.newResource({ type: req.getType(), name: req.getName(), inputs: (plain(req.getProperties()?.toJavaScript() ?? {}) ?? {}) as Record<string, unknown>, provider: req.getProvider(), custom: true, id: req.getId() });
      return new resproto.ReadResourceResponse().setUrn(urn).setProperties(structproto.Struct.fromJavaScript(result.state as Record<string, unknown>));
    }),
    existsResource: unary(() => new resproto.ExistsResourceResponse().setExists(false)),
    registerResource: unary(async (req) => {
      if (req.getType() !== "pulumi:pulumi:Stack" && firstRegistration === 0) firstRegistration = Date.now();
      const object = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      const urn = engineUrn(opts.stack, projectName, req.getParent(), req.getType(), req.getName());
      if (req.getType() === "pulumi:pulumi:Stack") stackUrn = urn;
      const result = await mocks.newResource({
        type: req.getType(),
        name: req.getName(),
        inputs: (plain(object) ?? {}) as Record<string, unknown>,
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
      });
      resources.push(plannedResource(req, urn, mask(object) as Record<string, unknown>));
      const state = JSON.parse(JSON.stringify(result.state ?? {}));
      return new resproto.RegisterResourceResponse()
        .setUrn(urn)
        .setId(req.getCustom() ? (result.id ?? "") : "")
        .setObject(structproto.Struct.fromJavaScript(state));
    }),
    registerResourceOutputs: unary((req) => {
      if (req.getUrn() === stackUrn) outputs = mask(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
      return new emptyproto.Empty();
    }),
    registerStackTransform: unary(() => new emptyproto.Empty()),
    registerStackInvokeTransform: unary(() => new emptyproto.Empty()),
    registerResourceHook: unary(() => new emptyproto.Empty()),
    registerErrorHook: unary(() => new emptyproto.Empty()),
    registerPackage: unary(() => new resproto.RegisterPackageResponse().setRef("package-ref")),
    signalAndWaitForShutdown: unary(() => new emptyproto.Empty()),
  });
  server.addService(enginerpc.EngineService, {
    log: unary((req) => {
      logs.push({ severity: SEVERITY[req.getSeverity()] ?? "info", message: req.getMessage() });
      return new emptyproto.Empty();
    }),
    getRootResource: unary(() => new engineproto.GetRootResourceResponse().setUrn(rootUrn)),
    setRootResource: unary((req) => {
      rootUrn = req.getUrn();
      return new engineproto.SetRootResourceResponse();
    }),
    startDebugging: unary(() => new emptyproto.Empty()),
    requirePulumiVersion: unary(() => new emptyproto.Empty()),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;

  const { programDirectory, entryPoint } = programLocation(opts.root, project);
  const { env: runtimeEnv, nodeArgs } = runtimeEnvironment(project);
  // The host resolves the run script from the program directory (locateModule: require.resolve).
  const runPath = createRequire(path.join(programDirectory, "noop.js")).resolve("@pulumi/pulumi/cmd/run");
  // constructConfig: the engine's `ns:key` becomes the legacy `ns:config:key` the SDK still accepts.
  const legacy: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config)) {
    const i = k.indexOf(":");
    legacy[`${k.slice(0, i)}:config:${k.slice(i + 1)}`] = v;
  }
  const args = [
    ...nodeArgs,
    runPath,
    "--monitor",
    address,
    "--engine",
    address,
    "--organization",
    "organization",
    "--project",
    projectName,
    "--root-directory",
    opts.root,
    "--stack",
    opts.stack,
    "--pwd",
    programDirectory,
    ...(opts.dryRun ? ["--dry-run"] : []),
    "--parallel",
    "16",
    entryPoint,
  ];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...runtimeEnv,
    ...opts.env,
    PULUMI_CONFIG: JSON.stringify(legacy),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys),
  };
  // Nothing of the test runner's own TypeScript loader reaches the program.
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith("VITEST") || k === "TS_NODE_PROJECT") delete env[k];

  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: opts.root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const millis = Date.now() - started;
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return { exitCode, resources, outputs, logs, stdout, stderr, millis, startMillis: firstRegistration ? firstRegistration - started : millis };
}

/**
 * What the Pulumi CLI does with a stack file before it starts the program: the project's config declarations are
 * applied (a missing required key or a wrong type stops it), secrets are decrypted with the stack's secrets
 * provider, and the config map is built (scalars as their text, lists and mappings as JSON). Secrets decrypt to
 * `conformance-secret-<key>` here. Returns Pulumi's refusal, or the config the language host receives.
 */
export function cliConfig(
  root: string,
  stack: string,
  project: ProjectFile = readProject(root),
): { refused: string[] } | { config: Record<string, string>; secretKeys: string[] } {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  // A derived stack has no file in the repository: its text is what `runway stack prepare` writes there for Pulumi.
  const text = existsSync(file) ? readFileSync(file, "utf8") : (loadProjectStack(root, stack).text as string);
  const source = parsePositioned(file, text);
  const refused = [...projectConfigProblems(parsePositioned("Pulumi.yaml", stringify(project)), source, stack), ...secretsProviderProblems(source, stack)].map((d) => d.message);
  if (refused.length) return { refused };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries((source.value as { config: Record<string, unknown> }).config)) {
    const key = k.includes(":") ? k : `${project.name}:${k}`;
    if (v && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
      config[key] = `conformance-secret-${key}`;
      secretKeys.push(key);
    } else {
      config[key] = v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
    }
  }
  // Project config defaults apply to stacks that do not set the key.
  for (const [k, d] of Object.entries(project.config ?? {})) {
    const key = k.includes(":") ? k : `${project.name}:${k}`;
    const dflt = (d as { default?: unknown }).default;
    if (!(key in config) && dflt !== undefined) config[key] = typeof dflt === "object" ? JSON.stringify(dflt) : String(dflt);
  }
  return { config, secretKeys };
}

export interface PolicyPackRun {
  /** Policy names the pack serves (Analyzer.GetAnalyzerInfo). */
  policies: string[];
  /** Violations the pack reports for one resource (Analyzer.Analyze), as `policy: message`. */
  analyze(resource: { type: string; name: string; urn: string; properties: Record<string, unknown>; protect?: boolean }): Promise<string[]>;
  stop(): void;
}

/**
 * Starts the policy pack as `pulumi preview --policy-pack DIR` does (pulumi-language-nodejs RunPlugin for an
 * analyzer): `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack dir>` in the pack's directory, with the stack's
 * config in the environment; the pack prints the port of its Analyzer service.
 */
export async function startPolicyPack(packDir: string, env: Record<string, string>): Promise<PolicyPackRun> {
  const runPath = createRequire(path.join(packDir, "noop.js")).resolve("@pulumi/pulumi/cmd/run-policy-pack");
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, [runPath, "127.0.0.1:1", packDir], { cwd: packDir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim().split("\n")[0]);
    });
    child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving: ${stderr}`)));
  });
  const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const rpc = <T>(method: string, req: unknown) =>
    new Promise<T>((resolve, reject) => client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));
  const info = await rpc<any>("getAnalyzerInfo", new emptyproto.Empty());
  return {
    policies: info.getPoliciesList().map((p: any) => p.getName()),
    async analyze(r) {
      const req = new analyzerproto.AnalyzeRequest()
        .setType(r.type)
        .setName(r.name)
        .setUrn(r.urn)
        .setProperties(structproto.Struct.fromJavaScript(r.properties))
        .setOptions(new analyzerproto.AnalyzerResourceOptions().setProtect(r.protect === true));
      const resp = await rpc<any>("analyze", req);
      return resp.getDiagnosticsList().map((d: any) => `${d.getPolicyname()}: ${d.getMessage()}`);
    },
    stop() {
      client.close();
      child.kill();
    },
  };
}
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
