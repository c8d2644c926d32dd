/**
 * The pipeline's order, from the stacks themselves: environments in waves (an environment deploys after those its
 * platform stack names in `runway:deploy.after`), in each one the platform stack first (it creates the Vault mount
 * and shared Gateway its services use), then its service stacks. Previews list stacks in the same order; deploys
 * run wave by wave. Self-hosted stacks belong to customers' clusters and are not deployed from here.
 */
import { type StackFile, stackEnvironment } from "./config/stack";

export interface Wave {
  environment: string;
  /** Environments that must deploy first. */
  after: string[];
  /** The wave waits for someone to start it. */
  manual: boolean;
  platform: string[];
  services: string[];
}

/**
 * The wave a stack deploys in: its environment's. A Dedicated tenant whose services are namespaces of a host
 * environment's cluster deploys with that environment (after its platform stack); one with its own cluster deploys
 * in a wave of its own, `dedicated-<tenant>`, after every environment.
 */
function envOf(s: StackFile): string | undefined {
  const c = s.config;
  if (c["runway:kind"] === "dedicated-tenant" && c["runway:isolation"] === "namespace" && c["runway:host"]) return c["runway:host"].environment;
  return stackEnvironment(c);
}

/**
 * Environments of the stacks in deploy order: each after the environments it names, ties by name. An environment
 * with no platform stack (an error `runway validate` reports) deploys last; a cycle (also reported) is broken by
 * name order.
 */
export function deployWaves(stacks: readonly StackFile[]): Wave[] {
  const waves = new Map<string, Wave>();
  for (const s of stacks) {
    const env = envOf(s);
    if (env === undefined) continue;
    const w = waves.get(env) ?? { environment: env, after: [], manual: false, platform: [], services: [] };
    waves.set(env, w);
    if (s.config["runway:kind"] === "platform") {
      w.platform.push(s.name);
      w.after = [...s.config["runway:deploy"].after];
      w.manual = s.config["runway:deploy"].manual;
    } else {
      w.services.push(s.name);
    }
  }
  // An environment with no platform stack (a Dedicated customer's own instance, or an error `runway validate`
  // reports) deploys after every environment that has one.
  const defined = [...waves.values()].filter((w) => w.platform.length).map((w) => w.environment);
  for (const w of waves.values()) if (!w.platform.length) w.after = defined;
  const order: Wave[] = [];
  const pending = [...waves.values()].sort((a, b) => a.environment.localeCompare(b.environment));
  while (pending.length) {
    const done = new Set(order.map((w) => w.environment));
    const i = pending.findIndex((w) => w.after.every((e) => done.has(e) || !waves.has(e)));
    const [next] = pending.splice(i >= 0 ? i : 0, 1);
    order.push({ ...next, platform: next.platform.sort(), services: next.services.sort(), after: next.after.filter((e) => waves.has(e)) });
  }
  return order;
}

/** Stack names in deploy order (environments by wave, platform first); self-hosted stacks last, by name. */
export function orderStacks(names: readonly string[], stacks: readonly StackFile[]): string[] {
  const rank = new Map<string, number>();
  deployWaves(stacks)
    .flatMap((w) => [...w.platform, ...w.services])
    .forEach((n, i) => rank.set(n, i));
  const last = rank.size;
  return [...names].sort((a, b) => (rank.get(a) ?? last) - (rank.get(b) ?? last) || a.localeCompare(b));
}

/** Cycles and unknown environments in `runway:deploy.after`, as messages for the platform stack of `environment`. */
export function deployOrderProblems(stacks: readonly StackFile[]): { stack: StackFile; index: number; message: string }[] {
  const platforms = stacks.filter((s) => s.config["runway:kind"] === "platform");
  const afterOf = new Map(platforms.map((s) => [envOf(s) as string, s.config["runway:kind"] === "platform" ? s.config["runway:deploy"].after : []]));
  const out: { stack: StackFile; index: number; message: string }[] = [];
  for (const s of platforms) {
    const env = envOf(s) as string;
    (afterOf.get(env) ?? []).forEach((e, index) => {
      if (e === env) return; // stackProblems reports it
      if (!afterOf.has(e)) {
        out.push({ stack: s, index, message: `no platform stack defines environment '${e}' (defined: ${[...afterOf.keys()].sort().join(", ")})` });
        return;
      }
      // Does `e` (transitively) wait for `env`?
      const seen = new Set<string>();
      const queue = [e];
      while (queue.length) {
        const x = queue.pop() as string;
        if (seen.has(x)) continue;
        seen.add(x);
        queue.push(...(afterOf.get(x) ?? []));
      }
      if (seen.has(env)) out.push({ stack: s, index, message: `${e} already deploys after ${env}, so neither could start; remove one of the two` });
    });
  }
  return out;
}

const INDENT = (n: number) => " ".repeat(n);

function matrix(stacks: readonly string[]): string[] {
  return ["  parallel:", "    matrix:", "      - STACK:", ...stacks.map((s) => `${INDENT(10)}- ${s}`)];
}

/**
 * A GitLab child pipeline that deploys `deploy` (stack names) wave by wave: `deploy-<env>-platform`, then
 * `deploy-<env>-services`, each environment after those it waits for, manual where the environment says so.
 * `parentJob` is the parent pipeline's job whose artifacts (the address ledgers it recorded) every job needs.
 */
export function deployPipeline(waves: readonly Wave[], deploy: ReadonlySet<string>, parentJob: string): string {
  const lines = ["include:", "  - local: templates/pulumi-preview.yml", "", "stages: [deploy]", ""];
  const jobsOf = new Map<string, string[]>();
  let any = false;
  for (const w of waves) {
    const jobs: string[] = [];
    const upstream = w.after.flatMap((e) => jobsOf.get(e) ?? []);
    for (const [part, names] of [["platform", w.platform.filter((n) => deploy.has(n))], ["services", w.services.filter((n) => deploy.has(n))]] as const) {
      if (names.length === 0) continue;
      const job = `deploy-${w.environment}-${part}`;
      const needs = [`{ pipeline: $PARENT_PIPELINE_ID, job: ${parentJob} }`, ...(jobs.length ? jobs : upstream)];
      lines.push(`${job}:`, "  extends: .runway-pulumi-up", "  stage: deploy", `  needs: [${needs.join(", ")}]`, "  resource_group: $STACK");
      if (w.manual && jobs.length === 0) lines.push("  when: manual");
      lines.push(...matrix(names), "");
      jobs.push(job);
      any = true;
    }
    jobsOf.set(w.environment, jobs.length ? [jobs[jobs.length - 1]] : upstream);
  }
  if (!any) return ["no-stack-to-deploy:", "  image: node:20-bookworm-slim", "  script:", '    - echo "No stack is affected by this change."', ""].join("\n");
  return lines.join("\n");
}
