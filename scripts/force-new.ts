/**
 * Generates src/rules/force-new.generated.ts: the inputs whose change makes the provider replace a stateful resource,
 * as the providers themselves declare them. Bridged providers (@pulumi/gcp, @pulumi/vault) replace on the upstream
 * Terraform schema's `ForceNew` fields, which neither the npm packages nor the Pulumi schema.json carry, so they are
 * read from the Terraform providers' Go sources; @pulumi/kubernetes replaces on the fields its provider lists in
 * provider/pkg/provider/diff.go (`forceNew`, `metadataForceNewProperties`).
 *
 *   node bin/tsx.cjs scripts/force-new.ts GOOGLE_GIT_DIR VAULT_GIT_DIR KUBERNETES_GIT_DIR
 *
 * Each argument is a git directory (a clone or a bare mirror) of hashicorp/terraform-provider-google,
 * hashicorp/terraform-provider-vault and pulumi/pulumi-kubernetes; the table records the commit it was read at.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { camelPath, parseGoResource } from "./force-new-parse";

interface Source {
  repo: string;
  gitDir: string;
}

/** Pulumi type -> where its Terraform resource is defined (file and constructor function). */
const TERRAFORM: Record<string, { source: "google" | "vault"; file: string; func: string }> = {
  "gcp:organizations/project:Project": { source: "google", file: "google/services/resourcemanager/resource_google_project.go", func: "ResourceGoogleProject" },
  "gcp:container/cluster:Cluster": { source: "google", file: "google/services/container/resource_container_cluster.go", func: "ResourceContainerCluster" },
  "gcp:container/nodePool:NodePool": { source: "google", file: "google/services/container/resource_container_node_pool.go", func: "ResourceContainerNodePool" },
  "gcp:kms/keyRing:KeyRing": { source: "google", file: "google/services/kms/resource_kms_key_ring.go", func: "ResourceKMSKeyRing" },
  "gcp:kms/cryptoKey:CryptoKey": { source: "google", file: "google/services/kms/resource_kms_crypto_key.go", func: "ResourceKMSCryptoKey" },
  "gcp:storage/bucket:Bucket": { source: "google", file: "google/services/storage/resource_storage_bucket.go", func: "ResourceStorageBucket" },
  "gcp:gkebackup/backupPlan:BackupPlan": { source: "google", file: "google/services/gkebackup/resource_gke_backup_backup_plan.go", func: "ResourceGKEBackupBackupPlan" },
  "gcp:compute/network:Network": { source: "google", file: "google/services/compute/resource_compute_network.go", func: "ResourceComputeNetwork" },
  "gcp:compute/subnetwork:Subnetwork": { source: "google", file: "google/services/compute/resource_compute_subnetwork.go", func: "ResourceComputeSubnetwork" },
  "gcp:gkehub/membership:Membership": { source: "google", file: "google/services/gkehub/resource_gke_hub_membership.go", func: "ResourceGKEHubMembership" },
  "gcp:gkehub/feature:Feature": { source: "google", file: "google/services/gkehub2/resource_gke_hub_feature.go", func: "ResourceGKEHub2Feature" },
  "gcp:compute/globalAddress:GlobalAddress": { source: "google", file: "google/services/compute/resource_compute_global_address.go", func: "ResourceComputeGlobalAddress" },
  "gcp:dns/managedZone:ManagedZone": { source: "google", file: "google/services/dns/resource_dns_managed_zone.go", func: "ResourceDNSManagedZone" },
  "gcp:certificatemanager/certificateMap:CertificateMap": { source: "google", file: "google/services/certificatemanager/resource_certificate_manager_certificate_map.go", func: "ResourceCertificateManagerCertificateMap" },
  "gcp:certificatemanager/certificate:Certificate": { source: "google", file: "google/services/certificatemanager/resource_certificate_manager_certificate.go", func: "ResourceCertificateManagerCertificate" },
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": {
    source: "google",
    file: "google/services/certificatemanager/resource_certificate_manager_dns_authorization.go",
    func: "ResourceCertificateManagerDnsAuthorization",
  },
  "vault:index/mount:Mount": { source: "vault", file: "vault/resource_mount.go", func: "MountResource" },
  "vault:index/authBackend:AuthBackend": { source: "vault", file: "vault/resource_auth_backend.go", func: "AuthBackendResource" },
};

/** Kubernetes kinds -> their core/v1 Pulumi type; diff.go lists the fields beyond metadata.name and namespace. */
const KUBERNETES: Record<string, string> = {
  Namespace: "kubernetes:core/v1:Namespace",
  PersistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
};
const DIFF_GO = "provider/pkg/provider/diff.go";

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/** Go files (tests aside) of a directory at HEAD. */
function goFiles(dir: string, pkg: string): string[] {
  return git(dir, "ls-tree", "--name-only", "HEAD", `${pkg}/`)
    .split("\n")
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .map((f) => git(dir, "show", `HEAD:${f}`));
}

/** Where a resource's helpers and key constants are: its package, and the Vault provider's `consts` package. */
function contextFiles(dir: string, file: string, source: "google" | "vault"): string[] {
  return [...goFiles(dir, path.posix.dirname(file)), ...(source === "vault" ? goFiles(dir, "internal/consts") : [])];
}

/**
 * The fields diff.go lists for a kind (`"Kind": properties{...}` or `append(properties{...}, helpers...)`), plus
 * metadata's; a helper's fields lie inside a field already listed (`.spec.selector`'s matchLabels), so only the
 * literal list is read.
 */
function kubernetesFields(diffGo: string, kind: string): string[] {
  const fields = ["metadata.name", "metadata.namespace"];
  const at = diffGo.indexOf(`"${kind}":`);
  if (at < 0) return fields;
  const open = diffGo.indexOf("properties{", at) + "properties".length;
  const close = diffGo.indexOf("}", open);
  for (const m of diffGo.slice(open, close).matchAll(/"\.([A-Za-z.[\]*]+)"/g)) if (!fields.includes(m[1])) fields.push(m[1]);
  return fields;
}

/** Drops fields inside a block that itself forces replacement: comparing the block covers them. */
function outermost(fields: { path: string; computed: boolean }[]): { path: string; computed: boolean }[] {
  const inside = (f: string, parent: string) => f.startsWith(`${parent}.`) || f.startsWith(`${parent}[].`);
  return fields.filter((f) => !fields.some((p) => p !== f && inside(f.path, p.path)));
}

/** The table as TypeScript, one field per line, so the generated file stays short enough to read. */
export function tableText(table: Record<string, readonly { path: string; computed: boolean }[]>): string {
  const types = Object.entries(table).map(([type, fields]) => [`  ${JSON.stringify(type)}: [`, ...fields.map((f) => `    { path: ${JSON.stringify(f.path)}, computed: ${f.computed} },`), "  ],"].join("\n"));
  return `{\n${types.join("\n")}\n}`;
}

function main(args: string[]): void {
  if (args.length !== 3) throw new Error("usage: force-new.ts GOOGLE_GIT_DIR VAULT_GIT_DIR KUBERNETES_GIT_DIR");
  const sources: Record<"google" | "vault" | "kubernetes", Source> = {
    google: { repo: "hashicorp/terraform-provider-google", gitDir: args[0] },
    vault: { repo: "hashicorp/terraform-provider-vault", gitDir: args[1] },
    kubernetes: { repo: "pulumi/pulumi-kubernetes", gitDir: args[2] },
  };
  const commits = Object.fromEntries(Object.entries(sources).map(([k, s]) => [k, git(s.gitDir, "rev-parse", "HEAD").trim()]));
  const table: Record<string, { path: string; computed: boolean }[]> = {};
  const origin: Record<string, string> = {};
  for (const [type, t] of Object.entries(TERRAFORM)) {
    const s = sources[t.source];
    const fields = parseGoResource(git(s.gitDir, "show", `HEAD:${t.file}`), t.func, contextFiles(s.gitDir, t.file, t.source));
    const lists = new Set(fields.filter((f) => f.list).map((f) => f.path.map((p) => p.replace(/\[\]$/, "")).join(".")));
    table[type] = outermost(fields.filter((f) => f.forceNew).map((f) => ({ path: camelPath(f.path, lists), computed: f.computed })));
    origin[type] = `${s.repo}@${commits[t.source].slice(0, 12)} ${t.file} ${t.func}`;
  }
  const diffGo = git(sources.kubernetes.gitDir, "show", `HEAD:${DIFF_GO}`);
  for (const [kind, type] of Object.entries(KUBERNETES)) {
    table[type] = kubernetesFields(diffGo, kind).map((p) => ({ path: p, computed: false }));
    origin[type] = `${sources.kubernetes.repo}@${commits.kubernetes.slice(0, 12)} ${DIFF_GO} (forceNew, metadataForceNewProperties)`;
  }
  const lines = [
    "/**",
    " * GENERATED by scripts/force-new.ts; do not edit. Inputs whose change makes the provider replace the resource",
    " * (Terraform `ForceNew` for bridged providers, pulumi-kubernetes' forceNew table), read from:",
    ...Object.entries(sources).map(([k, s]) => ` * - ${s.repo} at ${commits[k]}`),
    " * `computed` fields keep their value when an input leaves them unset, so only a changed value replaces.",
    " */",
    "",
    "export interface ForceNewField {",
    "  /** Pulumi input path; `a.b` walks a single-item block, `a[].b` each item of a list of blocks. */",
    "  path: string;",
    "  computed: boolean;",
    "}",
    "",
    `export const FORCE_NEW_ORIGIN: Readonly<Record<string, string>> = ${JSON.stringify(origin, null, 2)};`,
    "",
    `export const FORCE_NEW: Readonly<Record<string, readonly ForceNewField[]>> = ${tableText(table)};`,
    "",
  ];
  const out = path.join(__dirname, "..", "src", "rules", "force-new.generated.ts");
  writeFileSync(out, lines.join("\n"));
  process.stdout.write(`wrote ${out}: ${Object.values(table).reduce((n, f) => n + f.length, 0)} fields of ${Object.keys(table).length} types\n`);
}

if (require.main === module) main(process.argv.slice(2));
