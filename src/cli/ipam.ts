/**
 * `runway ipam [--format text|json]`: the address plan of the project: every range a stack, a pool or a recorded
 * allocation holds, and each environment's dedicated services with their slots.
 *
 * `runway ipam record [--commit BRANCH]`: records the provisional allocations of dedicated services in their
 * environment's ledger, ipam/<environment>.yaml, so they never move. With --commit (the deploy pipeline), the
 * ledger is read from BRANCH through GitLab's Repository Files API, the allocations are made against it, and the
 * result is committed with the file's last commit id: two pipelines can never hand out one slot twice (the later
 * one is refused, re-reads and retries). Exit 0, 1 for bad configuration or a GitLab failure.
 */
import * as path from "node:path";
import type { Command } from "commander";
import { loadProjectStacks, type ProjectStacks } from "../config/project";
import { stackRanges } from "../config/stack";
import { formatPath } from "../config/diagnostics";
import { displayPath } from "../config/yaml-source";
import { GitLabClient, GitLabError, isNotFound } from "../gitlab/api";
import { IPAM_DIR, ledgerText } from "../ipam/ledger";
import { type Allocation, poolCapacity, RANGE_KEYS } from "../ipam/slots";
import { parseCidr } from "../config/schema/common";
import { projectRoot } from "../paths";
import { InputError } from "./errors";
import { addressPlanJson } from "./ipam-json";
import { writeFileAtomic } from "./output";
import type { CommandContext, Io } from "./io";
import { formatOption } from "./options";

export interface PlanRow {
  cidr: string;
  holder: string;
  what: string;
}

/** Every range in use, sorted by address. */
export function addressPlan(p: ProjectStacks): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const s of p.all) {
    for (const r of stackRanges(s)) rows.push({ cidr: r.cidr, holder: `${s.name}${s.derived ? (s.derived.recorded ? " (derived)" : " (derived, provisional)") : ""}`, what: formatPath(r.path.slice(1)) });
    const c = s.config;
    if (c["runway:kind"] === "platform" && c["runway:dedicated"]) {
      for (const k of ["primary", "pods"] as const) rows.push({ cidr: c["runway:dedicated"].addressPool[k], holder: `pool of ${c["runway:environment"]}`, what: `runway:dedicated.addressPool.${k} (${s.name})` });
    }
  }
  const derivedNames = new Set(p.derived.map((s) => s.name));
  for (const l of p.ledgers.values()) {
    for (const [service, a] of l.allocations) {
      // A derived stack shows its own ranges; list the allocations no stack uses (kept reserved).
      if (derivedNames.has(`${service}-${l.environment}`)) continue;
      for (const k of RANGE_KEYS) rows.push({ cidr: a[k], holder: `${service} in ${l.environment} (recorded, no stack)`, what: `${displayPath(l.file)} ${k}` });
    }
  }
  const key = (c: string) => parseCidr(c)?.start ?? 0;
  return rows.sort((a, b) => key(a.cidr) - key(b.cidr) || (parseCidr(a.cidr)?.prefix ?? 0) - (parseCidr(b.cidr)?.prefix ?? 0));
}

export function ipamShowCommand(io: Io, opts: { format?: string }): number {
  const p = loadProjectStacks(projectRoot());
  const plan = addressPlan(p);
  const environments = [...p.allocations].map(([env, r]) => {
    const platform = p.files.find((s) => s.config["runway:kind"] === "platform" && s.config["runway:environment"] === env);
    const pool = platform?.config["runway:kind"] === "platform" ? platform.config["runway:dedicated"]?.addressPool : undefined;
    const ledger = p.ledgers.get(env);
    return {
      environment: env,
      pool,
      slots: pool ? poolCapacity(pool) : 0,
      ledger: ledger ? displayPath(ledger.file) : undefined,
      allocations: [...r.allocations].map(([service, a]) => ({ service, ...a, recorded: !r.fresh.includes(service) })),
    };
  });
  if (opts.format === "json") {
    io.out(JSON.stringify(addressPlanJson(environments, plan), null, 2));
    return 0;
  }
  for (const e of environments) {
    const used = e.allocations.filter((a) => a.slot !== undefined).length;
    io.out(`${e.environment}: pool ${e.pool?.primary} + pods ${e.pool?.pods}, ${e.slots} slots, ${used} used; ledger ${e.ledger}`);
    for (const a of e.allocations) {
      io.out(`  ${a.slot === undefined ? "adopted" : `slot ${a.slot}`}\t${a.service}\t${a.region}\tnodes ${a.nodes}, services ${a.services}, proxy-only ${a.proxyOnly}, pods ${a.pods}\t${a.recorded ? "recorded" : "provisional: runway ipam record"}`);
    }
  }
  io.out("ranges in use:");
  const width = Math.max(...plan.map((r) => r.cidr.length));
  for (const r of plan) io.out(`  ${r.cidr.padEnd(width)}  ${r.holder}\t${r.what}`);
  return 0;
}

/** Each environment's ledger with its provisional allocations added; only environments that gain some. */
export function ledgersToRecord(p: ProjectStacks): Map<string, Map<string, Allocation>> {
  const out = new Map<string, Map<string, Allocation>>();
  for (const [env, r] of p.allocations) {
    if (r.fresh.length === 0) continue;
    const merged = new Map(p.ledgers.get(env)?.allocations ?? []);
    for (const s of r.fresh) merged.set(s, r.allocations.get(s) as Allocation);
    out.set(env, merged);
  }
  return out;
}

export interface CommitTarget {
  client: GitLabClient;
  project: string;
  branch: string;
}

const MAX_ATTEMPTS = 3;

/** Records one environment's ledger on the branch, against the branch's current ledger. */
async function commitLedger(root: string, env: string, target: CommitTarget, io: Io): Promise<void> {
  const rel = `${IPAM_DIR}/${env}.yaml`;
  const local = path.join(root, rel);
  for (let attempt = 1; ; attempt++) {
    let remote: { text: string; commit: string } | undefined;
    try {
      const f = await target.client.getFile(target.project, rel, target.branch);
      remote = { text: Buffer.from(f.content, "base64").toString("utf8"), commit: f.last_commit_id };
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    // The branch may have recorded allocations since this pipeline's commit: allocate against its ledger.
    if (remote) writeFileAtomic(local, remote.text);
    const toRecord = ledgersToRecord(loadProjectStacks(root)).get(env);
    if (!toRecord) {
      io.out(`${rel}: already recorded on ${target.branch}`);
      return;
    }
    const text = ledgerText(env, toRecord);
    const change = { branch: target.branch, content: text, commitMessage: `Record address allocations of ${env} (runway ipam record) [ci skip]`, lastCommitId: remote?.commit };
    try {
      if (remote) await target.client.updateFile(target.project, rel, change);
      else await target.client.createFile(target.project, rel, change);
      writeFileAtomic(local, text);
      io.out(`${rel}: recorded on ${target.branch}`);
      return;
    } catch (e) {
      // Another pipeline wrote the ledger first (a changed file, or a file created meanwhile): read it again.
      if (!(e instanceof GitLabError && e.status === 400) || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}

export async function ipamRecordCommand(io: Io, opts: { commit?: string }, env: NodeJS.ProcessEnv = process.env, tuning: { client?: GitLabClient; root?: string } = {}): Promise<number> {
  const root = tuning.root ?? projectRoot();
  const toRecord = ledgersToRecord(loadProjectStacks(root));
  if (toRecord.size === 0) {
    io.out("nothing to record: every dedicated service's addresses are recorded");
    return 0;
  }
  if (!opts.commit) {
    const project = loadProjectStacks(root);
    for (const [e, allocations] of toRecord) {
      writeFileAtomic(path.join(root, IPAM_DIR, `${e}.yaml`), ledgerText(e, allocations));
      io.out(`${IPAM_DIR}/${e}.yaml: recorded ${[...(project.allocations.get(e)?.fresh ?? [])].sort().join(", ")}`);
    }
    return 0;
  }
  const missing = ["CI_API_V4_URL", "CI_PROJECT_ID", "RUNWAY_GITLAB_TOKEN"].filter((k) => !env[k]);
  if (missing.length && !tuning.client) {
    throw new InputError(`--commit needs ${missing.join(", ")}: a GitLab CI job of this project, and a project access token (api scope) allowed to push to ${opts.commit}`);
  }
  const client = tuning.client ?? new GitLabClient({ url: env.CI_API_V4_URL as string, auth: { privateToken: env.RUNWAY_GITLAB_TOKEN as string } });
  try {
    for (const e of toRecord.keys()) await commitLedger(root, e, { client, project: env.CI_PROJECT_ID ?? "", branch: opts.commit }, io);
  } catch (e) {
    if (e instanceof GitLabError) throw new InputError(e.message);
    throw e;
  }
  return 0;
}

export function registerIpamCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const ipam = program
    .command("ipam")
    .description("The address plan: every range in use, and each environment's dedicated-service allocations")
    .addOption(formatOption(["text", "json"]))
    .action((opts: { format?: string }) => ctx.run("ipam", () => ipamShowCommand(io, opts)));
  ipam
    .command("record")
    .description("Record provisional allocations in ipam/<environment>.yaml so they never move")
    .option("--commit <branch>", "commit the ledgers to this branch through the GitLab API (CI), against the branch's current ledgers")
    .action((opts: { commit?: string }) => ctx.run("ipam record", () => ipamRecordCommand(io, opts)));
}
