/**
 * Derived service stacks: a catalog entry with `placement: dedicated` in an environment whose platform stack sets
 * `runway:dedicated` gets its service stack from that entry, those defaults and its recorded (or, until recorded,
 * provisional) address allocation, with no file to write. A hand-written `stacks/Pulumi.<service>-<env>.yaml`
 * replaces the derived stack (for overrides).
 *
 * The derived stack is a stack file like any other: `runway stack prepare` writes its text into stacks/ before the
 * Pulumi CLI runs, so `pulumi preview` and `pulumi up` read it exactly as they read a hand-written one, and the
 * offline plan feeds the same text through pulumiConfigOfFile.
 */
import * as path from "node:path";
import { Document } from "yaml";
import { derivedProjectId } from "../naming";
import type { Allocation } from "../ipam/slots";
import { type CatalogFile, placementPath } from "./catalog";
import { ConfigError, type Diagnostic } from "./diagnostics";
import type { DedicatedDefaults, PlatformConfig } from "./schema/stack";
import { stackFromSource, type StackFile } from "./stack";
import { parseYaml, positionOf } from "./yaml-source";

/** Where a derived stack came from. */
export interface DerivedOrigin {
  /** The catalog entry that makes the service dedicated. */
  entry: CatalogFile;
  /** The field of the entry that sets the placement (spec.placement or spec.overrides.<env>.placement). */
  placementPath: string[];
  /** The environment's platform stack, whose runway:dedicated gives the defaults. */
  platform: string;
  /** The ledger the addresses are (or will be) recorded in. */
  ledgerFile: string;
  /** False while the allocation is provisional: `runway ipam record` has not written it yet. */
  recorded: boolean;
  allocation: Allocation;
}

/** Display name of a derived stack's text: it has no file in the repository. */
export function derivedSourceName(stack: string): string {
  return `(derived stack ${stack})`;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface DeriveArgs {
  /** The environment's platform stack (a stack file with runway:dedicated). */
  platform: StackFile;
  entry: CatalogFile;
  allocation: Allocation;
  /** runway:catalogDir of the derived stack: the platform stack's (a --catalog override applies to both alike). */
  catalogDir: string;
}

/** The derived stack's `config:` values (before defaults; the service stack schema applies them). */
export function derivedConfig(a: DeriveArgs): Record<string, unknown> {
  const p = a.platform.config as PlatformConfig;
  const d = p["runway:dedicated"] as DedicatedDefaults;
  const g = p["runway:gcp"];
  const c = p["runway:cluster"];
  const name = a.entry.entry.metadata.name;
  const raw = (a.platform.source.value as { config: Record<string, unknown> }).config;
  return {
    "runway:kind": "service",
    "runway:service": name,
    "runway:environment": p["runway:environment"],
    "runway:domain": p["runway:domain"],
    "runway:stages": [...p["runway:stages"]],
    "runway:catalogDir": a.catalogDir,
    "runway:gcp": defined({
      projectId: derivedProjectId(d.projectId, name),
      folderId: d.folderId ?? g.folderId,
      billingAccount: d.billingAccount ?? g.billingAccount,
      region: a.allocation.region,
      budget: d.budget,
      contacts: a.entry.entry.metadata.contacts ?? g.contacts,
    }),
    "runway:network": {
      subnets: [{ region: a.allocation.region, cidr: a.allocation.nodes, pods: a.allocation.pods, services: a.allocation.services, proxyOnly: a.allocation.proxyOnly }],
    },
    // The environment's access and maintenance settings; never its exceptions, which justify one cluster only.
    "runway:cluster": defined({
      region: a.allocation.region,
      releaseChannel: c.releaseChannel,
      privateEndpoint: c.privateEndpoint,
      authorizedNetworks: c.authorizedNetworks,
      securityGroup: c.securityGroup,
      maintenanceWindow: c.maintenanceWindow,
      backup: c.backup,
      nodePools: d.nodePools ?? c.nodePools,
    }),
    "runway:gitlab": p["runway:gitlab"],
    // The platform stack's ciphertext, readable with the data key copied beside it (derivedStackText).
    "runway:gitlabToken": raw["runway:gitlabToken"],
    ...(p["runway:vault"] ? { "runway:vault": p["runway:vault"] } : {}),
    "runway:observability": { notificationChannels: d.notificationChannels ?? [] },
  };
}

/**
 * The derived stack's file text. Its secrets provider and data key are the platform stack's, so the GitLab token
 * copied from the platform stack decrypts as it does there (Pulumi keeps an `encryptedkey` whose provider URL is
 * unchanged: sdk/go/pkg/secrets/cloud NewCloudSecretsManager).
 */
export function derivedStackText(root: string, name: string, a: DeriveArgs, ledgerFile: string): string {
  // Paths in the header are the project's own, wherever it is checked out: the text is the same everywhere.
  const rel = (f: string) => path.relative(root, path.resolve(f)).split(path.sep).join("/");
  const rawFile = a.platform.source.value as Record<string, unknown>;
  const keys = ["secretsprovider", "encryptedkey", "encryptionsalt"].filter((k) => typeof rawFile[k] === "string");
  const doc = new Document({ ...Object.fromEntries(keys.map((k) => [k, rawFile[k]])), config: derivedConfig(a) });
  const env = (a.platform.config as PlatformConfig)["runway:environment"];
  doc.commentBefore = [
    " yaml-language-server: $schema=../schemas/stack.schema.json",
    ` Derived by Runway; do not edit. ${a.entry.entry.metadata.name} is dedicated in ${env} (${rel(a.entry.file)}), with the`,
    ` defaults of ${rel(a.platform.file)} (runway:dedicated) and the addresses of ${rel(ledgerFile)}.`,
    ` \`runway stack prepare ${name}\` writes this file before the Pulumi CLI runs. To change a value for this service`,
    " only, commit it under stacks/ as a hand-written stack and edit it (docs/operations.md#dedicated-services).",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}

/** A problem of a derived stack, at the catalog entry line that makes the service dedicated in `env`. */
export function derivedDiagnostic(entry: CatalogFile, env: string, stack: string, message: string): Diagnostic {
  const at = placementPath(entry.entry, env);
  const { line, column } = positionOf(entry.source, at);
  return { file: entry.file, line, column, path: at.join("."), message: `derived stack ${stack}: ${message}` };
}

/**
 * Diagnostics about derived stacks' values (their source is named derivedSourceName, or `origins` maps another
 * file name to the stack), moved to the catalog entry line that makes each one dedicated.
 */
export function relocateDerived(diagnostics: readonly Diagnostic[], stacks: readonly StackFile[], origins: ReadonlyMap<string, string> = new Map()): Diagnostic[] {
  const byFile = new Map(stacks.filter((s) => s.derived).map((s) => [s.source.file, s]));
  return diagnostics.map((d) => {
    const other = origins.get(d.file);
    const s = byFile.get(d.file) ?? (other === undefined ? undefined : stacks.find((x) => x.derived && x.name === other));
    if (!s?.derived) return d;
    const env = s.config["runway:kind"] === "service" ? s.config["runway:environment"] : "";
    return derivedDiagnostic(s.derived.entry, env, s.name, `${d.path ? `${d.path.replace(/^config\./, "")}: ` : ""}${d.message}`);
  });
}

/** Builds and validates a derived stack; its problems are reported at the catalog entry (relocateDerived). */
export function buildDerivedStack(root: string, name: string, a: DeriveArgs, origin: Omit<DerivedOrigin, "entry" | "placementPath" | "allocation">): StackFile {
  const env = (a.platform.config as PlatformConfig)["runway:environment"];
  const text = derivedStackText(root, name, a, origin.ledgerFile);
  const source = parseYaml(derivedSourceName(name), text);
  const derived: DerivedOrigin = { ...origin, entry: a.entry, placementPath: placementPath(a.entry.entry, env), allocation: a.allocation };
  try {
    return { ...stackFromSource(name, source, root), derived, text };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.diagnostics.map((d) => derivedDiagnostic(a.entry, env, name, `${d.path ? `${d.path.replace(/^config\./, "")}: ` : ""}${d.message}`)));
  }
}

/** The name of a dedicated service's stack: `<service>-<environment>`, the name the hand-written ones use too. */
export function serviceStackName(service: string, environment: string): string {
  return `${service}-${environment}`;
}

/** The stack file a derived stack is written to by `runway stack prepare`. */
export function derivedStackPath(root: string, stack: string): string {
  return path.join(root, "stacks", `Pulumi.${stack}.yaml`);
}
