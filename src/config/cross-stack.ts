/**
 * Checks across the stacks of a project (stack files and derived stacks): the mistakes a stack copied from another
 * one keeps, which no single file shows. Each problem names the other stack that holds the same value, with its
 * file and line.
 *
 * - one platform stack per environment; a service stack is named `<service>-<environment>`;
 * - unique project ids;
 * - no overlapping network ranges: every Runway network is routed to GitLab's internal network (the clusters'
 *   authorized networks admit it), so every stack's ranges, each environment's address pool and every recorded
 *   allocation must be disjoint;
 * - a service stack has its environment's stages, domain and Vault mount;
 * - notification channels belong to the stack's own environment;
 * - each Dedicated customer's stack names its own GitLab instance;
 * - any other value copied verbatim from a stack of another environment that names that environment.
 */
import type { Ledger } from "../ipam/ledger";
import { RANGE_KEYS } from "../ipam/slots";
import { deployOrderProblems } from "../pipeline";
import { environmentMountPath } from "../vault/integration";
import { cidrsOverlap } from "./schema/common";
import type { Diagnostic } from "./diagnostics";
import { type StackFile, stackEnvironment, stackRanges } from "./stack";
import { diagnosticAt, displayPath, positionOf } from "./yaml-source";

type Path = (string | number)[];

/** A problem of one stack. */
export interface StackProblem {
  stack: string;
  diagnostic: Diagnostic;
}

const envOf = (s: StackFile): string | undefined => stackEnvironment(s.config);

/** `stack NAME (file:line)` of a value, or `(derived from services/x.yaml)` for a derived stack. */
export function where(s: StackFile, at: Path): string {
  if (s.derived) return `stack ${s.name} (derived from ${displayPath(s.derived.entry.file)})`;
  if (s.source.elsewhere) return `stack ${s.name}`;
  return `stack ${s.name} (${s.source.file}:${positionOf(s.source, at).line})`;
}

function valueAt(v: unknown, at: Path): unknown {
  let cur = v;
  for (const p of at) cur = cur !== null && typeof cur === "object" ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

/** One platform stack per environment. */
function environments(stacks: readonly StackFile[]): StackProblem[] {
  const out: StackProblem[] = [];
  const platforms = stacks.filter((s) => s.config["runway:kind"] === "platform");
  for (const s of platforms) {
    for (const o of platforms) {
      if (o === s || envOf(o) !== envOf(s)) continue;
      const at = ["config", "runway:environment"];
      out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, at, `environment ${envOf(s)} is already defined by ${where(o, at)}; each environment has one platform stack: set this stack's own environment`) });
    }
  }
  return out;
}

/** A service stack is named `<service>-<environment>`, the name derived stacks and the catalog checks use. */
function serviceStackNames(stacks: readonly StackFile[]): StackProblem[] {
  return stacks.flatMap((s) => {
    const c = s.config;
    if (c["runway:kind"] !== "service" || s.name === `${c["runway:service"]}-${c["runway:environment"]}`) return [];
    const message = `a service stack is named <service>-<environment>, but this one says runway:service: ${c["runway:service"]} and runway:environment: ${c["runway:environment"]} (${c["runway:service"]}-${c["runway:environment"]}); fix the values or rename the file`;
    return [{ stack: s.name, diagnostic: diagnosticAt(s.source, ["config", "runway:service"], message) }];
  });
}

function projectIds(stacks: readonly StackFile[]): StackProblem[] {
  const at = ["config", "runway:gcp", "projectId"];
  const out: StackProblem[] = [];
  for (const s of stacks) {
    const id = valueAt(s.config, at.slice(1));
    if (typeof id !== "string") continue;
    for (const o of stacks) {
      if (o === s || valueAt(o.config, at.slice(1)) !== id) continue;
      out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, at, `${id} is also the project of ${where(o, at)}, environment ${envOf(o)}; each stack creates its own project: choose another id`) });
    }
  }
  return out;
}

interface Range {
  kind: "stack" | "pool" | "allocation";
  cidr: string;
  /** Who holds it, for messages. */
  owner: string;
  stack?: StackFile;
  path?: Path;
  /** `service@environment` of a service stack's range or a recorded allocation. */
  service?: string;
}

function serviceKey(s: StackFile): string | undefined {
  const c = s.config;
  return c["runway:kind"] === "service" ? `${c["runway:service"]}@${c["runway:environment"]}` : undefined;
}

/** Every range of the project: stacks' subnets, environments' address pools and recorded allocations. */
function projectRanges(stacks: readonly StackFile[], ledgers: ReadonlyMap<string, Ledger>): Range[] {
  const out: Range[] = [];
  for (const s of stacks) {
    for (const r of stackRanges(s)) out.push({ kind: "stack", cidr: r.cidr, owner: where(s, r.path), stack: s, path: r.path, service: serviceKey(s) });
    const c = s.config;
    if (c["runway:kind"] === "platform" && c["runway:dedicated"]) {
      for (const k of ["primary", "pods"] as const) {
        const path = ["config", "runway:dedicated", "addressPool", k];
        out.push({ kind: "pool", cidr: c["runway:dedicated"].addressPool[k], owner: `the address pool of ${c["runway:environment"]} (${where(s, path)})`, stack: s, path });
      }
    }
  }
  for (const l of ledgers.values()) {
    for (const [service, a] of l.allocations) {
      for (const k of RANGE_KEYS) {
        const line = l.source ? positionOf(l.source, ["allocations", service, k]).line : 0;
        out.push({ kind: "allocation", cidr: a[k], owner: `the allocation of ${service} in ${l.environment} (${displayPath(l.file)}:${line})`, service: `${service}@${l.environment}` });
      }
    }
  }
  return out;
}

/**
 * Whether two ranges may overlap. A pool holds what is allocated from it, and the allocator skips whatever else it
 * overlaps, so a pool only conflicts with another pool. A service's stack uses its own recorded allocation.
 */
function mayOverlap(a: Range, b: Range): boolean {
  if (a.stack && a.stack === b.stack) return true; // within one stack: stackProblems checks that
  if (a.kind === "pool" || b.kind === "pool") return a.kind !== b.kind;
  return a.service !== undefined && a.service === b.service && (a.kind === "allocation" || b.kind === "allocation");
}

function rangeOverlaps(stacks: readonly StackFile[], ledgers: ReadonlyMap<string, Ledger>): StackProblem[] {
  const ranges = projectRanges(stacks, ledgers);
  const out: StackProblem[] = [];
  for (const a of ranges) {
    if (!a.stack || !a.path) continue;
    for (const b of ranges) {
      if (a === b || !cidrsOverlap(a.cidr, b.cidr) || mayOverlap(a, b)) continue;
      const message = `${a.cidr} overlaps ${b.cidr} of ${b.owner}; Runway networks are all routed to GitLab's internal network, so their ranges must not overlap: pick a free range (runway ipam shows the address plan)`;
      out.push({ stack: a.stack.name, diagnostic: diagnosticAt(a.stack.source, a.path, message) });
    }
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A service stack has its environment's stages, domain and Vault mount (which the platform stack creates). */
function environmentConsistency(stacks: readonly StackFile[]): StackProblem[] {
  const out: StackProblem[] = [];
  for (const s of stacks) {
    const c = s.config;
    if (c["runway:kind"] !== "service") continue;
    const env = c["runway:environment"];
    const p = stacks.find((o) => o.config["runway:kind"] === "platform" && envOf(o) === env);
    if (!p || p.config["runway:kind"] !== "platform") continue;
    const pc = p.config;
    const add = (at: Path, message: string) => out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, at, message) });
    if (!same(c["runway:stages"], pc["runway:stages"])) {
      const holders = stacks.filter((o) => o !== s && envOf(o) !== env && "runway:stages" in o.config && same(o.config["runway:stages"], c["runway:stages"]));
      const copied = holders.length ? ` (the stages of ${where(holders[0], ["config", "runway:stages"])}, environment ${envOf(holders[0])})` : "";
      add(["config", "runway:stages"], `[${c["runway:stages"].join(", ")}]${copied} are not the stages of ${env}, [${pc["runway:stages"].join(", ")}] in ${where(p, ["config", "runway:stages"])}; a service stack follows its environment's stages`);
    }
    if (c["runway:domain"] !== pc["runway:domain"]) {
      add(["config", "runway:domain"], `${c["runway:domain"]} is not the domain of ${env}, ${pc["runway:domain"]} in ${where(p, ["config", "runway:domain"])}; a service's hosts are <service>.${env}.<the environment's domain>`);
    }
    const v = c["runway:vault"];
    const pv = pc["runway:vault"];
    if (v && pv && (v.address.replace(/\/+$/, "") !== pv.address.replace(/\/+$/, "") || v.kvMount !== pv.kvMount)) {
      add(
        ["config", "runway:vault"],
        `this stack's tenant reads the KV mount ${environmentMountPath(v.kvMount, env)} on ${v.address}, but ${env}'s mount is ${environmentMountPath(pv.kvMount, env)} on ${pv.address}, created by ${where(p, ["config", "runway:vault"])}; use its runway:vault`,
      );
    }
  }
  return out;
}

function channelsOf(s: StackFile): { channel: string; path: Path }[] {
  const c = s.config;
  if (c["runway:kind"] === "selfhosted") return [];
  const own = c["runway:observability"].notificationChannels.map((channel, i) => ({ channel, path: ["config", "runway:observability", "notificationChannels", i] as Path }));
  const dedicated = c["runway:kind"] === "platform" ? (c["runway:dedicated"]?.notificationChannels ?? []).map((channel, i) => ({ channel, path: ["config", "runway:dedicated", "notificationChannels", i] as Path })) : [];
  return [...own, ...dedicated];
}

/** Notification channels go to the stack's own environment: not a channel of another environment's project or stack. */
function channelOwners(stacks: readonly StackFile[]): StackProblem[] {
  const out: StackProblem[] = [];
  for (const s of stacks) {
    for (const { channel, path } of channelsOf(s)) {
      const project = /^projects\/([^/]+)\//.exec(channel)?.[1];
      for (const o of stacks) {
        if (o === s || envOf(o) === undefined || envOf(o) === envOf(s)) continue;
        const projectAt = ["config", "runway:gcp", "projectId"];
        const listed = channelsOf(o).find((x) => x.channel === channel);
        const why = listed
          ? `is also a channel of ${where(o, listed.path)}, environment ${envOf(o)}`
          : valueAt(o.config, projectAt.slice(1)) === project
            ? `belongs to project ${project} of ${where(o, projectAt)}, environment ${envOf(o)}`
            : undefined;
        if (why) out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, path, `${channel} ${why}; alerts of ${envOf(s)} would page that environment's people: use ${envOf(s)}'s own channels`) });
      }
    }
  }
  return out;
}

/** Paths the specific checks above already judge. */
const CHECKED = [/^runway:environment$/, /^runway:gcp\.projectId$/, /^runway:network\./, /notificationChannels/, /^runway:dedicated\.addressPool/, /^runway:stages/, /^runway:service$/, /^runway:kind$/];

function leaves(v: unknown, at: Path = []): { path: Path; value: string }[] {
  if (typeof v === "string") return [{ path: at, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, i]));
  if (v && typeof v === "object" && !("secure" in v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [];
}

const namesEnvironment = (value: string, env: string) => new RegExp(`(^|[^a-z0-9])${env.replace(/[-]/g, "\\-")}($|[^a-z0-9])`).test(value);

/**
 * Values a stack holds at the same place, verbatim, as a stack of another environment, and which name that other
 * environment (`gl-runway-staging`, `.../staging-alerts`): what a copied file keeps when it is not fully adapted.
 */
function verbatimCopies(stacks: readonly StackFile[]): StackProblem[] {
  const out: StackProblem[] = [];
  for (const s of stacks) {
    if (s.derived || envOf(s) === undefined) continue;
    const raw = (s.source.value as { config?: Record<string, unknown> }).config ?? {};
    for (const { path, value } of leaves(raw)) {
      const dotted = path.join(".");
      if (CHECKED.some((re) => re.test(dotted))) continue;
      for (const o of stacks) {
        const env = envOf(o);
        if (o === s || env === undefined || env === envOf(s) || namesEnvironment(value, envOf(s) as string) || !namesEnvironment(value, env)) continue;
        if (valueAt((o.source.value as { config?: unknown }).config, path) !== value && valueAt(o.config, path) !== value) continue;
        const at = ["config", ...path];
        out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, at, `'${value}' is copied verbatim from ${where(o, at)}, environment ${env}; set ${envOf(s)}'s own value`) });
      }
    }
  }
  return out;
}

/**
 * A Dedicated customer's services talk to its own GitLab instance: a URL another customer's stack holds is a copy
 * that would send this customer's requests, and its users' tokens, to the other customer's GitLab.
 */
function dedicatedGitlabUrls(stacks: readonly StackFile[]): StackProblem[] {
  const at = ["config", "runway:gitlabUrl"];
  const urlOf = (s: StackFile) => (s.config["runway:kind"] === "dedicated-tenant" ? s.config["runway:gitlabUrl"].replace(/\/+$/, "").toLowerCase() : undefined);
  const out: StackProblem[] = [];
  for (const s of stacks) {
    const url = urlOf(s);
    if (url === undefined || s.config["runway:kind"] !== "dedicated-tenant") continue;
    for (const o of stacks) {
      if (o === s || urlOf(o) !== url || o.config["runway:kind"] !== "dedicated-tenant") continue;
      const message = `${s.config["runway:gitlabUrl"]} is also the GitLab of ${where(o, at)}, tenant ${o.config["runway:tenant"]}; a customer's services talk to its own GitLab instance: set this customer's URL`;
      out.push({ stack: s.name, diagnostic: diagnosticAt(s.source, at, message) });
    }
  }
  return out;
}

/** `runway:deploy.after` names environments that exist, without a cycle. */
function deployOrder(stacks: readonly StackFile[]): StackProblem[] {
  return deployOrderProblems(stacks).map((p) => ({ stack: p.stack.name, diagnostic: diagnosticAt(p.stack.source, ["config", "runway:deploy", "after", p.index], p.message) }));
}

/**
 * Every cross-stack problem of a project, each with the stack it belongs to. Derived stacks' problems stay at
 * their derived source; callers move them to the catalog entry (relocateDerived).
 */
export function projectProblems(stacks: readonly StackFile[], ledgers: ReadonlyMap<string, Ledger>): StackProblem[] {
  const all = [environments, serviceStackNames, projectIds, environmentConsistency, channelOwners, verbatimCopies, dedicatedGitlabUrls, deployOrder].flatMap((f) => f(stacks));
  return [...all, ...rangeOverlaps(stacks, ledgers)];
}
