/**
 * `runway affected`: which stacks a change can alter, from the files it touches. A catalog file affects the
 * stacks that onboard it (before or after the change); a stack file affects its stack; a TypeScript module
 * affects the stack kinds whose program imports it, and a module every kind imports affects every stack.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { StackFile } from "./config/stack";
import { orderStacks } from "./pipeline";

export type StackKind = "platform" | "service" | "selfhosted" | "region" | "dedicated-tenant";
const KINDS: StackKind[] = ["platform", "service", "selfhosted", "region", "dedicated-tenant"];

/** Files that change how every stack is built or checked, whatever imports them. */
const GLOBAL_FILES = [/^package(-lock)?\.json$/, /^Pulumi\.yaml$/, /^tsconfig\.json$/, /^policy\//, /^PulumiPolicy\.yaml$/];

// Type-only imports are erased at run time, so they do not make a module part of a stack's program.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)|import\(\s*["']([^"']+)["']\s*\)/g;

function resolveModule(fromFile: string, spec: string, root: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(path.join(root, fromFile)), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    if (existsSync(candidate) && candidate.endsWith(".ts")) return path.relative(root, candidate);
  }
  return undefined;
}

/** Project-relative TypeScript files reachable from `entry` through relative imports, skipping `stop`. */
export function reachable(root: string, entry: string, stop: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file) || stop.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(path.join(root, file), "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(IMPORT)) {
      const target = resolveModule(file, m[1] ?? m[2] ?? m[3], root);
      if (target) queue.push(target);
    }
  }
  return seen;
}

export interface ModuleMap {
  /** Modules every stack's program runs. */
  common: Set<string>;
  /** Modules only some kinds run. */
  byKind: Record<StackKind, Set<string>>;
}

export function moduleMap(root: string): ModuleMap {
  const compositions = new Set(KINDS.map((k) => `src/compositions/${k}.ts`));
  const common = reachable(root, "src/index.ts", compositions);
  const byKind = Object.fromEntries(KINDS.map((k) => [k, reachable(root, `src/compositions/${k}.ts`)])) as Record<StackKind, Set<string>>;
  return { common, byKind };
}

/** Environments and name of a catalog file's text; tolerant of invalid YAML (then nothing is read). */
function catalogFacts(text: string | undefined): { name?: string; environments: string[] } {
  if (!text) return { environments: [] };
  try {
    const v = parse(text) as { metadata?: { name?: unknown }; spec?: { environments?: unknown } } | null;
    const envs = Array.isArray(v?.spec?.environments) ? v.spec.environments.filter((e): e is string => typeof e === "string") : [];
    return { name: typeof v?.metadata?.name === "string" ? v.metadata.name : undefined, environments: envs };
  } catch {
    return { environments: [] };
  }
}

/** The environment whose clusters a stack builds or joins: a platform or region stack's. */
function environmentOf(s: StackFile): string | undefined {
  const c = s.config;
  return c["runway:kind"] === "platform" || c["runway:kind"] === "region" ? c["runway:environment"] : undefined;
}

/**
 * The stacks that read a stack file's text, by kind and environment: a platform stack is read by its environment's
 * regional stacks (project, VPC, settings); a regional stack by its platform stack (the fleet and each service's
 * regions); a namespace-isolated Dedicated tenant by its host environment's clusters. Tolerant of invalid YAML.
 */
function stackReaders(text: string | undefined): { kinds: string[]; environment: string }[] {
  if (!text) return [];
  try {
    const c = (parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {};
    const kind = c["runway:kind"];
    const env = c["runway:environment"];
    if (kind === "platform" && typeof env === "string") return [{ kinds: ["region"], environment: env }];
    if (kind === "region" && typeof env === "string") return [{ kinds: ["platform"], environment: env }];
    const host = c["runway:host"] as { environment?: unknown } | undefined;
    if (kind === "dedicated-tenant" && typeof host?.environment === "string") return [{ kinds: ["platform", "region"], environment: host.environment }];
  } catch {
    // an unreadable file affects only itself
  }
  return [];
}

export interface AffectedInput {
  root: string;
  /** Every stack of the project, derived ones included (loadProjectStacks). */
  stacks: StackFile[];
  changedFiles: string[];
  /** Text of a file at the base revision (undefined when it did not exist). */
  baseText(file: string): string | undefined;
}

export interface Affected {
  stacks: string[];
  /** Why each stack is affected: the first file that affects it. */
  reasons: Record<string, string>;
}

/** Derived stacks of an environment: their config comes from its platform stack and its address ledger. */
function derivedIn(stacks: readonly StackFile[], environment: string): string[] {
  return stacks.filter((s) => s.derived && s.config["runway:kind"] === "service" && s.config["runway:environment"] === environment).map((s) => s.name);
}

export function affectedStacks(input: AffectedInput): Affected {
  const { root, stacks } = input;
  const reasons: Record<string, string> = {};
  const mark = (names: Iterable<string>, why: string) => {
    for (const n of names) reasons[n] ??= why;
  };
  const all = stacks.map((s) => s.name);
  let modules: ModuleMap | undefined;
  for (const file of input.changedFiles) {
    if (GLOBAL_FILES.some((re) => re.test(file))) {
      mark(all, file);
      continue;
    }
    const stackMatch = /^stacks\/Pulumi\.(.+)\.ya?ml$/.exec(file);
    if (stackMatch) {
      if (all.includes(stackMatch[1])) mark([stackMatch[1]], file);
      // Stacks that read this one: an environment's clusters read each other's regions, and the hosts of a
      // Dedicated customer's namespaces read its stack.
      const abs = path.resolve(root, file);
      const readers = [stackReaders(existsSync(abs) ? readFileSync(abs, "utf8") : undefined), stackReaders(input.baseText(file))].flat();
      mark(stacks.filter((s) => s.name !== stackMatch[1] && readers.some((r) => r.kinds.includes(s.config["runway:kind"]) && environmentOf(s) === r.environment)).map((s) => s.name), file);
      // A platform stack's defaults are its environment's derived stacks' too.
      const platform = stacks.find((s) => s.name === stackMatch[1] && s.config["runway:kind"] === "platform");
      if (platform) mark(derivedIn(stacks, platform.config["runway:kind"] === "platform" ? platform.config["runway:environment"] : ""), file);
      continue;
    }
    const ledgerMatch = /^ipam\/(.+)\.ya?ml$/.exec(file);
    if (ledgerMatch) {
      mark(derivedIn(stacks, ledgerMatch[1]), file);
      continue;
    }
    if (file.endsWith(".ts")) {
      modules ??= moduleMap(root);
      if (modules.common.has(file)) mark(all, file);
      else for (const k of KINDS) if (modules.byKind[k].has(file)) mark(stacks.filter((s) => s.config["runway:kind"] === k).map((s) => s.name), file);
      continue;
    }
    if (/\.ya?ml$/.test(file)) {
      const abs = path.resolve(root, file);
      const now = existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
      const facts = [catalogFacts(now), catalogFacts(input.baseText(file))];
      const names = new Set(facts.map((f) => f.name).filter(Boolean));
      const envs = new Set(facts.flatMap((f) => f.environments));
      for (const s of stacks) {
        const c = s.config;
        if (c["runway:kind"] === "selfhosted") continue;
        if (path.resolve(root, c["runway:catalogDir"]) !== path.dirname(abs)) continue;
        if ((c["runway:kind"] === "platform" || c["runway:kind"] === "region") && envs.has(c["runway:environment"])) mark([s.name], file);
        if (c["runway:kind"] === "service" && names.has(c["runway:service"])) mark([s.name], file);
        if (c["runway:kind"] === "dedicated-tenant" && c["runway:services"].some((n) => names.has(n))) {
          mark([s.name], file);
          // A namespace-isolated customer's services run on its host environment's clusters.
          const host = c["runway:host"]?.environment;
          if (host) mark(stacks.filter((h) => (h.config["runway:kind"] === "platform" || h.config["runway:kind"] === "region") && h.config["runway:environment"] === host).map((h) => h.name), file);
        }
      }
    }
  }
  // Staging before production: the order previews are listed and deploys run in.
  return { stacks: orderStacks(all.filter((n) => reasons[n] !== undefined), stacks), reasons };
}

export function mergeBase(root: string, base: string): string {
  // git's own "fatal: ..." is not shown: the caller says what is wrong in runway's words.
  return execFileSync("git", ["merge-base", base, "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}

/** Files changed since `mergeBase` in the work tree (committed or not), plus untracked files. */
export function changedFilesSince(root: string, mergeBase: string): string[] {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" });
  const out = new Set<string>();
  for (const line of git("diff", "--name-only", mergeBase).split("\n")) if (line) out.add(line);
  for (const line of git("ls-files", "--others", "--exclude-standard").split("\n")) if (line) out.add(line);
  return [...out].sort();
}

export function gitBaseText(root: string, base: string): (file: string) => string | undefined {
  return (file) => {
    try {
      return execFileSync("git", ["show", `${base}:${file}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return undefined;
    }
  };
}

/**
 * A GitLab child pipeline with one `pulumi preview` job per affected stack (the dynamic parallel matrix), in deploy
 * order. Each job prepares its stack first (templates/pulumi-preview.yml): a derived stack gets its file and, on
 * its first preview, its Pulumi stack.
 */
export function previewPipeline(stacks: string[]): string {
  if (stacks.length === 0) {
    return ["no-stack-affected:", "  image: node:20-bookworm-slim", "  script:", '    - echo "No stack is affected by this change."', ""].join("\n");
  }
  const lines = ["include:", "  - local: templates/pulumi-preview.yml", "", "preview:", "  extends: .runway-pulumi-preview", "  parallel:", "    matrix:", "      - STACK:"];
  for (const s of stacks) lines.push(`          - ${s}`);
  lines.push("  resource_group: $STACK", "");
  return lines.join("\n");
}
