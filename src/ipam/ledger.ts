/**
 * The address ledger of an environment, `ipam/<environment>.yaml`: the ranges each dedicated service of the
 * environment was given. Once recorded, an allocation never moves: a pool may grow or change, and services may come
 * and go, without renumbering anyone. `runway ipam record` appends (src/cli/ipam.ts); nothing else writes it.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Document } from "yaml";
import { z } from "zod";
import { ConfigError, type Diagnostic } from "../config/diagnostics";
import { cidr, cidrsOverlap, dnsLabel, gcpRegion } from "../config/schema/common";
import { validateSource } from "../config/validate";
import { diagnosticAt, readYamlFile, type YamlSource } from "../config/yaml-source";
import { type Allocation, RANGE_KEYS } from "./slots";

export const IPAM_DIR = "ipam";

const allocationSchema = z.strictObject({
  slot: z.int().min(0).describe("Slot of the environment's address pool the ranges came from; absent for ranges adopted from a hand-written stack.").optional(),
  region: gcpRegion.describe("Region of the service's subnet and cluster."),
  nodes: cidr.describe("Primary range of the subnet (nodes)."),
  services: cidr.describe("Secondary range for Services."),
  proxyOnly: cidr.describe("Proxy-only subnet of the region."),
  pods: cidr.describe("Secondary range for pods."),
});

export const ledgerSchema = z
  .strictObject({
    environment: dnsLabel(20).describe("Environment whose dedicated services these are; the file is ipam/<environment>.yaml."),
    allocations: z.record(dnsLabel(40), allocationSchema).default({}).describe("Ranges of each dedicated service, by service name."),
  })
  .describe("Address allocations of an environment's dedicated services (written by runway ipam record).");

export interface Ledger {
  environment: string;
  /** Path of the file, whether or not it exists yet. */
  file: string;
  /** The parsed file; undefined when there is none yet (no allocation recorded). */
  source?: YamlSource;
  allocations: Map<string, Allocation>;
}

export function ledgerFile(root: string, environment: string): string {
  return path.join(root, IPAM_DIR, `${environment}.yaml`);
}

/** Problems of one ledger that need no other file: its name, sizes and overlaps between its own allocations. */
function ledgerProblems(source: YamlSource, environment: string, parsed: z.output<typeof ledgerSchema>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (parsed.environment !== environment) {
    out.push(diagnosticAt(source, ["environment"], `the ledger of ${environment} must say environment: ${environment} (the file name names the environment)`));
  }
  const seen: { service: string; key: string; cidr: string }[] = [];
  const slots = new Map<number, string>();
  for (const [service, a] of Object.entries(parsed.allocations)) {
    if (a.slot !== undefined) {
      const prev = slots.get(a.slot);
      if (prev) out.push(diagnosticAt(source, ["allocations", service, "slot"], `slot ${a.slot} is already ${prev}'s; a slot is given once`));
      else slots.set(a.slot, service);
    }
    for (const key of RANGE_KEYS) {
      const clash = seen.find((s) => cidrsOverlap(s.cidr, a[key]));
      if (clash) out.push(diagnosticAt(source, ["allocations", service, key], `${a[key]} overlaps ${clash.cidr} (${clash.service}.${clash.key}); recorded ranges never overlap`));
      seen.push({ service, key, cidr: a[key] });
    }
  }
  return out;
}

/** The ledger of an environment; an empty one when the file does not exist. Throws ConfigError for a bad file. */
export function loadLedger(root: string, environment: string): Ledger {
  const file = ledgerFile(root, environment);
  if (!existsSync(file)) return { environment, file, allocations: new Map() };
  const source = readYamlFile(file);
  const parsed = validateSource(ledgerSchema, source);
  const problems = ledgerProblems(source, environment, parsed);
  if (problems.length) throw new ConfigError(problems);
  return { environment, file, source, allocations: new Map(Object.entries(parsed.allocations)) };
}

/** Where an allocation's field is written, for diagnostics; undefined when it is not recorded. */
export function ledgerPosition(ledger: Ledger, service: string, key: string): Diagnostic | undefined {
  if (!ledger.source || !ledger.allocations.has(service)) return undefined;
  return diagnosticAt(ledger.source, ["allocations", service, key], "");
}

/** The ledger's text: a header, the environment, and the allocations sorted by service. */
export function ledgerText(environment: string, allocations: ReadonlyMap<string, Allocation>): string {
  const sorted = [...allocations.entries()].sort(([a], [b]) => a.localeCompare(b));
  const doc = new Document({
    environment,
    allocations: Object.fromEntries(
      sorted.map(([s, a]) => [s, { ...(a.slot !== undefined ? { slot: a.slot } : {}), region: a.region, nodes: a.nodes, services: a.services, proxyOnly: a.proxyOnly, pods: a.pods }]),
    ),
  });
  doc.commentBefore = [
    " yaml-language-server: $schema=../schemas/ipam.schema.json",
    ` Address allocations of the dedicated services of ${environment}, from runway:dedicated.addressPool of its`,
    " platform stack. Written by `runway ipam record` (the deploy pipeline runs it): a recorded allocation never",
    " moves, so never edit or reuse one. Remove an entry only after its service's stack is destroyed.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
