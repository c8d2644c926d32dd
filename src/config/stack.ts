/**
 * Loading and validating stack files, `stacks/Pulumi.<stack>.yaml`.
 */
import { readdirSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { internetExposure } from "../net/exposure";
import { cidrsOverlap, parseCidr } from "./schema/common";
import { type PlatformConfig, type SelfhostedConfig, type StackConfig, stackFileSchema } from "./schema/stack";
import { SLOT_PREFIX } from "../ipam/slots";
import { projectIdAffixes } from "../naming";
import { checkKubeconfigFile } from "../selfhosted/kubeconfig";
import { gitlabCaProblems } from "../selfhosted/ca";
import { networkProblems, registrationNetworkProblems, valuesProblems } from "../selfhosted/turn-up";
import type { DerivedOrigin } from "./derived";
import { dedicatedEnvironment, isolationProblems } from "./dedicated";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { projectConfigProblems, readProjectFile, secretsProviderProblems } from "./pulumi-project";
import { validateSource } from "./validate";
import { diagnosticAt, readYamlFile, type YamlSource } from "./yaml-source";

export interface StackFile {
  /** Stack name, from the file name `Pulumi.<name>.yaml`. */
  name: string;
  file: string;
  config: StackConfig;
  /** Keys whose values are Pulumi secrets (`secure:`), without the `runway:` prefix. */
  secretKeys: string[];
  source: YamlSource;
  /** Set for a stack derived from the catalog (src/config/derived.ts), which has no file in the repository. */
  derived?: DerivedOrigin;
  /** A derived stack's file text, as `runway stack prepare` writes it. */
  text?: string;
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/;

export function stackFileName(stacksDir: string, name: string): string {
  return path.join(stacksDir, `Pulumi.${name}.yaml`);
}

/** Stack names found in a stacks directory, sorted. */
export function listStacks(stacksDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(stacksDir);
  } catch {
    return [];
  }
  return names
    .map((n) => STACK_FILE.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

type Problem = { path: (string | number)[]; message: string };

/** Checks of a self-hosted stack: its kubeconfig holds the context, its values and networks are usable. */
function selfhostedProblems(config: SelfhostedConfig, root: string | undefined): Problem[] {
  const out: Problem[] = [];
  const kubeconfig = config["runway:kubeconfig"];
  if (kubeconfig !== undefined && root !== undefined) {
    for (const p of checkKubeconfigFile(root, kubeconfig, config["runway:kubeContext"])) out.push({ path: ["config", p.field], message: p.message });
  }
  for (const p of valuesProblems(config["runway:values"])) out.push({ path: ["config", "runway:values", ...p.path], message: p.message });
  for (const kind of ["egress", "ingress"] as const) {
    for (const p of networkProblems(kind, config[`runway:${kind}`])) out.push({ path: p.index === undefined ? ["config", `runway:${kind}`] : ["config", `runway:${kind}`, p.index, "cidr"], message: p.message });
  }
  for (const p of networkProblems("egress", config["runway:kubeApiServer"])) out.push({ path: p.index === undefined ? ["config", "runway:kubeApiServer"] : ["config", "runway:kubeApiServer", p.index, "cidr"], message: p.message });
  const reach = { state: config["runway:state"], egress: config["runway:egress"], kubeApiServer: config["runway:kubeApiServer"], gitlabUrl: config["runway:gitlabUrl"] };
  for (const p of registrationNetworkProblems(reach)) out.push({ path: p.field === "egress" ? ["config", "runway:egress"] : ["config"], message: p.field === "egress" ? p.message : `runway:kubeApiServer ${p.message}` });
  const ca = config["runway:gitlabCaFile"];
  if (ca !== undefined && root !== undefined) for (const message of gitlabCaProblems(root, ca)) out.push({ path: ["config", "runway:gitlabCaFile"], message });
  return out;
}

/**
 * Whether a directory a stack file names lies outside the project: the stack file is data in the repository, so what
 * it makes Runway read must be in the repository too (a one-off run may point elsewhere with --catalog). Symbolic
 * links are followed where the path exists.
 */
export function outsideProject(root: string, dir: string): string | undefined {
  const inside = (base: string, p: string) => {
    const rel = path.relative(base, p);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  };
  const target = path.resolve(root, dir);
  let real = target;
  let realRoot = root;
  try {
    real = realpathSync(target);
    realRoot = realpathSync(root);
  } catch {
    // a missing directory is reported when the catalog is read
  }
  if (inside(root, target) && inside(realRoot, real)) return undefined;
  return `'${dir}' is outside the project; runway:catalogDir must be a directory of the repository (default services). Use --catalog for a one-off run against another directory`;
}

/** G2 on a public endpoint's authorized networks, judged as a whole (src/net/exposure.ts, shared with rule G2). */
function authorizedNetworkProblems(cidrs: readonly string[], at: (string | number)[]): Problem[] {
  return internetExposure(cidrs, "the control plane").map((p) => ({ path: p.index === undefined ? at : [...at, p.index, "cidr"], message: `${p.message} (G2)` }));
}

/** Checks of a platform stack's dedicated-service defaults and deploy order that need no other file. */
function platformProblems(config: PlatformConfig): Problem[] {
  const out: Problem[] = [];
  const env = config["runway:environment"];
  config["runway:deploy"].after.forEach((e, i) => {
    if (e === env) out.push({ path: ["config", "runway:deploy", "after", i], message: `an environment cannot deploy after itself; name the environments ${env} waits for` });
  });
  const d = config["runway:dedicated"];
  if (!d) return out;
  const at = ["config", "runway:dedicated"];
  const { before, after } = projectIdAffixes(d.projectId);
  if (before.length + after.length > 20) {
    out.push({ path: [...at, "projectId"], message: `'${d.projectId}' leaves fewer than 10 of a project id's 30 characters for the service name; shorten the text around {service}` });
  }
  const pool = d.addressPool;
  for (const [key, prefix] of [["primary", SLOT_PREFIX.primary], ["pods", SLOT_PREFIX.pods]] as const) {
    const p = parseCidr(pool[key])?.prefix;
    if (p !== undefined && p > prefix) out.push({ path: [...at, "addressPool", key], message: `a /${p} holds no slot: each dedicated service takes a /${prefix} of it; use a /${prefix} or larger block` });
  }
  if (cidrsOverlap(pool.primary, pool.pods)) out.push({ path: [...at, "addressPool", "pods"], message: `${pool.pods} overlaps the primary pool ${pool.primary}; choose disjoint blocks` });
  for (const [i, s] of config["runway:network"].subnets.entries()) {
    for (const k of ["cidr", "pods", "services", "proxyOnly"] as const) {
      const c = s[k];
      for (const key of ["primary", "pods"] as const) {
        if (c !== undefined && cidrsOverlap(c, pool[key])) {
          out.push({ path: [...at, "addressPool", key], message: `${pool[key]} overlaps this cluster's own ${c} (runway:network.subnets[${i}].${k}); the pool must hold only addresses nothing else uses` });
        }
      }
    }
  }
  return out;
}

/**
 * Checks across fields of one stack's config that a schema cannot express. `root` is the project root, against
 * which files the stack names are found; without it they are not checked.
 */
export function stackProblems(config: StackConfig, root?: string): Problem[] {
  if (config["runway:kind"] === "selfhosted") return selfhostedProblems(config, root);
  const out: Problem[] = config["runway:kind"] === "platform" ? platformProblems(config) : [];
  if (config["runway:kind"] === "dedicated-tenant") out.push(...isolationProblems(config));
  const catalogDir = config["runway:catalogDir"];
  const outside = root === undefined ? undefined : outsideProject(root, catalogDir);
  if (outside) out.push({ path: ["config", "runway:catalogDir"], message: outside });
  const network = config["runway:network"];
  const cluster = config["runway:cluster"];
  if (network) {
    const ranges: { path: (string | number)[]; cidr: string }[] = [];
    const regions = new Map<string, number>();
    network.subnets.forEach((s, i) => {
      const prev = regions.get(s.region);
      if (prev !== undefined) out.push({ path: ["config", "runway:network", "subnets", i, "region"], message: `region ${s.region} already has a subnet (subnets[${prev}]); use one subnet per region` });
      regions.set(s.region, i);
      for (const k of ["cidr", "pods", "services"] as const) ranges.push({ path: ["config", "runway:network", "subnets", i, k], cidr: s[k] });
      if (s.proxyOnly !== undefined) ranges.push({ path: ["config", "runway:network", "subnets", i, "proxyOnly"], cidr: s.proxyOnly });
    });
    if (cluster) ranges.push({ path: ["config", "runway:cluster", "masterIpv4CidrBlock"], cidr: cluster.masterIpv4CidrBlock });
    for (let i = 0; i < ranges.length; i++) {
      for (let j = 0; j < i; j++) {
        if (cidrsOverlap(ranges[i].cidr, ranges[j].cidr)) {
          out.push({ path: ranges[i].path, message: `${ranges[i].cidr} overlaps ${ranges[j].cidr} (${ranges[j].path.slice(1).join(".")}); choose disjoint ranges` });
        }
      }
    }
  }
  if (cluster && config["runway:gitlabToken"] === undefined) {
    // Every Runway cluster comes up with its GitLab agent; registering it needs the token.
    out.push({ path: ["config"], message: "a cluster needs runway:gitlabToken to register its GitLab agent: pulumi config set --secret runway:gitlabToken <token>" });
  }
  if (cluster) {
    const cp = ["config", "runway:cluster"];
    if (!network) {
      out.push({ path: cp, message: "a cluster needs runway:network with a subnet in the cluster's region" });
    } else if (!network.subnets.some((s) => s.region === cluster.region)) {
      out.push({ path: [...cp, "region"], message: `no subnet in ${cluster.region}; add one to runway:network.subnets` });
    }
    if (parseCidr(cluster.masterIpv4CidrBlock)?.prefix !== 28) {
      out.push({ path: [...cp, "masterIpv4CidrBlock"], message: "must be a /28 range (GKE control plane)" });
    }
    if (cluster.privateEndpoint && !cluster.privateNodes) {
      out.push({ path: [...cp, "privateEndpoint"], message: "a private endpoint requires private nodes; set privateNodes: true or privateEndpoint: false" });
    }
    if (!cluster.privateNodes && !cluster.exceptions.G1) {
      out.push({ path: [...cp, "privateNodes"], message: "turning off private nodes (G1) needs exceptions.G1 with a justification" });
    }
    if (!cluster.privateEndpoint && cluster.authorizedNetworks.length === 0) {
      out.push({ path: [...cp, "authorizedNetworks"], message: "a public endpoint must be restricted (G2): list authorizedNetworks, or set privateEndpoint: true" });
    }
    // Authorized networks apply to the private endpoint too, so they are judged either way.
    out.push(...authorizedNetworkProblems(cluster.authorizedNetworks.map((n) => n.cidr), [...cp, "authorizedNetworks"]));
    if (cluster.exceptions.G21 === undefined && !cluster.securityGroup) {
      // Google Groups for RBAC is on unless explicitly excepted (G21).
      out.push({ path: [...cp, "securityGroup"], message: "set securityGroup to gke-security-groups@<domain> (G21), or except G21 with a justification" });
    }
    cluster.nodePools.forEach((p, i) => {
      if (p.minNodes > p.maxNodes) out.push({ path: [...cp, "nodePools", i, "minNodes"], message: `minNodes ${p.minNodes} exceeds maxNodes ${p.maxNodes}` });
    });
    const names = cluster.nodePools.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) out.push({ path: [...cp, "nodePools", i, "name"], message: `node pool '${n}' is listed twice` });
    });
  }
  return out;
}

/**
 * The environment a stack belongs to: its `runway:environment` (platform, region and service stacks), a Dedicated
 * tenant's own instance environment `dedicated-<tenant>`, none for a self-hosted stack.
 */
export function stackEnvironment(c: StackConfig): string | undefined {
  switch (c["runway:kind"]) {
    case "selfhosted":
      return undefined;
    case "dedicated-tenant":
      return dedicatedEnvironment(c["runway:tenant"]);
    default:
      return c["runway:environment"];
  }
}

/** Every network range a stack's config holds, with where it is written. */
export function stackRanges(s: StackFile): { cidr: string; path: (string | number)[] }[] {
  const c = s.config;
  if (c["runway:kind"] === "selfhosted" || !c["runway:network"]) return [];
  return c["runway:network"].subnets.flatMap((sub, i) =>
    (["cidr", "pods", "services", "proxyOnly"] as const).flatMap((k) => (sub[k] === undefined ? [] : [{ cidr: sub[k], path: ["config", "runway:network", "subnets", i, k] }])),
  );
}

/** Loads one stack file; throws ConfigError naming every problem of the file. */
export function loadStackFile(file: string): StackFile {
  const m = STACK_FILE.exec(path.basename(file));
  const source = readYamlFile(file);
  if (!m) {
    throw new ConfigError([{ file: source.file, line: 1, column: 1, path: "", message: "stack files are named Pulumi.<stack>.yaml" }]);
  }
  // Stack files live in <root>/stacks/.
  const root = path.dirname(path.dirname(path.resolve(file)));
  // What the Pulumi CLI checks before the program starts, reported with the rest.
  const project = readProjectFile(root);
  const pulumi = project ? [...projectConfigProblems(project, source, m[1]), ...secretsProviderProblems(source, m[1])] : [];
  try {
    const stack = stackFromSource(m[1], source, root);
    if (pulumi.length) throw new ConfigError(pulumi);
    return stack;
  } catch (e) {
    if (e instanceof ConfigError && pulumi.length && !e.diagnostics.includes(pulumi[0])) throw new ConfigError([...e.diagnostics, ...pulumi]);
    throw e;
  }
}

/**
 * Validates a stack's config held by `source` (a stack file, or the values Pulumi passed the program). `root` is
 * the project root, against which files the stack names are found. `secretKeys` (without the `runway:` prefix)
 * default to the keys whose values are `secure:` in the source.
 */
export function stackFromSource(name: string, source: YamlSource, root: string, secretKeys?: string[]): StackFile {
  const parsed = validateSource(stackFileSchema, source);
  const diagnostics: Diagnostic[] = stackProblems(parsed.config, root).map((p) => diagnosticAt(source, p.path, p.message));
  if (diagnostics.length) throw new ConfigError(diagnostics);
  const raw = (source.value as { config: Record<string, unknown> }).config;
  const secure = Object.keys(raw)
    .filter((k) => {
      const v = raw[k];
      return v !== null && typeof v === "object" && "secure" in (v as object);
    })
    .map((k) => k.replace(/^runway:/, ""));
  return { name, file: source.file, config: parsed.config, secretKeys: secretKeys ?? secure, source };
}
