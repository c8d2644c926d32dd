/**
 * Loading and validating stack files, `stacks/Pulumi.<stack>.yaml`.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { BROADEST_AUTHORIZED_PREFIX, cidrsOverlap, coversInternet, parseCidr } from "./schema/common";
import { type SelfhostedConfig, type StackConfig, stackFileSchema } from "./schema/stack";
import { checkKubeconfigFile } from "../selfhosted/kubeconfig";
import { gitlabCaProblems } from "../selfhosted/ca";
import { networkProblems, registrationNetworkProblems, valuesProblems } from "../selfhosted/turn-up";
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
    for (const p of networkProblems(kind, config[`runway:${kind}`])) out.push({ path: ["config", `runway:${kind}`, p.index, "cidr"], message: p.message });
  }
  for (const p of networkProblems("egress", config["runway:kubeApiServer"])) out.push({ path: ["config", "runway:kubeApiServer", p.index, "cidr"], message: p.message });
  const reach = { state: config["runway:state"], egress: config["runway:egress"], kubeApiServer: config["runway:kubeApiServer"], gitlabUrl: config["runway:gitlabUrl"] };
  for (const p of registrationNetworkProblems(reach)) out.push({ path: p.field === "egress" ? ["config", "runway:egress"] : ["config"], message: p.field === "egress" ? p.message : `runway:kubeApiServer ${p.message}` });
  const ca = config["runway:gitlabCaFile"];
  if (ca !== undefined && root !== undefined) for (const message of gitlabCaProblems(root, ca)) out.push({ path: ["config", "runway:gitlabCaFile"], message });
  return out;
}

/**
 * G2 on a public endpoint's authorized networks: no 0.0.0.0/0, no set that together covers every IPv4 address, and
 * no block broader than a /8. One kind of problem is reported, the most open first.
 */
function authorizedNetworkProblems(cidrs: readonly string[], at: (string | number)[]): Problem[] {
  const prefixes = cidrs.map((c) => parseCidr(c)?.prefix);
  const open = prefixes.flatMap((p, i) => (p === 0 ? [{ path: [...at, i, "cidr"], message: "0.0.0.0/0 opens the control plane to the internet (G2); list specific networks" }] : []));
  if (open.length) return open;
  if (coversInternet(cidrs)) {
    return [{ path: at, message: `${cidrs.join(", ")} together cover every IPv4 address, which opens the control plane to the internet (G2); list specific networks` }];
  }
  return prefixes.flatMap((p, i) =>
    p !== undefined && p < BROADEST_AUTHORIZED_PREFIX
      ? [{ path: [...at, i, "cidr"], message: `${cidrs[i]} is broader than a /${BROADEST_AUTHORIZED_PREFIX} and lets a large part of the internet reach the control plane (G2); list specific networks of at most a /${BROADEST_AUTHORIZED_PREFIX}` }]
      : [],
  );
}

/**
 * Checks across fields of one stack's config that a schema cannot express. `root` is the project root, against
 * which files the stack names are found; without it they are not checked.
 */
export function stackProblems(config: StackConfig, root?: string): Problem[] {
  const out: Problem[] = [];
  if (config["runway:kind"] === "selfhosted") return selfhostedProblems(config, root);
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
    if (!cluster.privateEndpoint) {
      if (cluster.authorizedNetworks.length === 0) {
        out.push({ path: [...cp, "authorizedNetworks"], message: "a public endpoint must be restricted (G2): list authorizedNetworks, or set privateEndpoint: true" });
      }
      out.push(...authorizedNetworkProblems(cluster.authorizedNetworks.map((n) => n.cidr), [...cp, "authorizedNetworks"]));
    }
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
