import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { type CatalogFile, entryProblems, listCatalogFiles, loadCatalog, loadCatalogFile } from "../config/catalog";
import { ConfigError, type Diagnostic } from "../config/diagnostics";
import { projectProblems } from "../config/cross-stack";
import { relocateDerived } from "../config/derived";
import { catalogContext, catalogDirOf, crossStackProblems, deriveStacks, serviceStackProblems, stacksDir } from "../config/project";
import { listStacks, loadStackFile, stackFileName, type StackFile } from "../config/stack";
import { IPAM_DIR, loadLedger } from "../ipam/ledger";
import { projectRoot } from "../paths";
import { diagnosticLine } from "./errors";
import type { Io } from "./io";

function collect(diagnostics: Diagnostic[], fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) diagnostics.push(...e.diagnostics);
    else throw e;
  }
}

const isStackFile = (p: string) => /^Pulumi\.[^/]+\.ya?ml$/.test(path.basename(p));

/**
 * `runway validate [PATH...]`: every stack file and every catalog the stacks use, or just the named files and
 * directories (catalog files are still checked against the rest of their directory for duplicates).
 */
export function validateCommand(io: Io, paths: string[], root = projectRoot()): number {
  const stackDiagnostics: Diagnostic[] = [];
  const stacks: StackFile[] = [];
  for (const name of listStacks(stacksDir(root))) {
    collect(stackDiagnostics, () => stacks.push(loadStackFile(stackFileName(stacksDir(root), name))));
  }
  // Stacks derived from the catalog are checked like stack files; their problems point at the catalog entry.
  const derivation: Diagnostic[] = [];
  const { derived, ledgers } = deriveStacks(root, stacks, derivation);
  const all = [...stacks, ...derived];
  const ctx = catalogContext(all);
  const diagnostics: Diagnostic[] = [];
  let checked = 0;
  const catalogs = new Map<string, CatalogFile[]>();
  const checkDir = (dir: string) =>
    collect(diagnostics, () => {
      const files = loadCatalog(dir, ctx);
      catalogs.set(path.resolve(dir), files);
      checked += files.length;
    });

  if (paths.length === 0) {
    diagnostics.push(...stackDiagnostics, ...derivation);
    checked += stacks.length + [...ledgers.values()].filter((l) => l.source).length;
    const dirs = new Set(stacks.filter((s) => s.config["runway:kind"] !== "selfhosted").map((s) => catalogDirOf(root, s)));
    if (dirs.size === 0) dirs.add(path.join(root, "services"));
    for (const dir of dirs) checkDir(dir);
    // Stacks against their catalog and each other (placement, cluster, names, Vault mounts, Gateways).
    for (const s of all.filter((x) => x.config["runway:kind"] !== "selfhosted")) {
      const files = catalogs.get(path.resolve(catalogDirOf(root, s)));
      if (!files) continue;
      const own = serviceStackProblems(s, files, path.relative(root, catalogDirOf(root, s)));
      diagnostics.push(...relocateDerived(own.length ? own : crossStackProblems(s, all, files), all));
    }
    // Copy-paste leftovers across stacks: project ids, ranges, stages, channels, Vault mounts, verbatim values.
    diagnostics.push(...relocateDerived(projectProblems(all, ledgers).map((p) => p.diagnostic), all));
  } else {
    // A path that is not there has no line to point at: say so plainly, not as `file:1:1`.
    const missing = paths.filter((p) => !existsSync(p));
    for (const p of missing) io.err(`runway: validate: ${p}: no such file or directory`);
    if (missing.length) return 1;
    for (const p of paths) {
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        // a missing path is reported by the loader, with its name
      }
      if (isDir) {
        checkDir(p);
      } else if (isStackFile(p)) {
        checked += 1;
        collect(diagnostics, () => loadStackFile(p));
      } else if (path.basename(path.dirname(path.resolve(p))) === IPAM_DIR) {
        // An address ledger, ipam/<environment>.yaml.
        checked += 1;
        collect(diagnostics, () => loadLedger(path.dirname(path.dirname(path.resolve(p))), path.basename(p).replace(/\.ya?ml$/, "")));
      } else {
        checked += 1;
        const dir = path.dirname(p);
        const inDir = (() => {
          try {
            return listCatalogFiles(dir).some((f) => path.resolve(f) === path.resolve(p));
          } catch {
            return false;
          }
        })();
        if (inDir) {
          // Whole-directory rules (duplicate names) apply; report only this file's problems.
          const all: Diagnostic[] = [];
          collect(all, () => loadCatalog(dir, ctx));
          diagnostics.push(...all.filter((d) => path.resolve(d.file) === path.resolve(p)));
        } else {
          collect(diagnostics, () => {
            const c = loadCatalogFile(p);
            const problems = entryProblems(c, ctx);
            if (problems.length) throw new ConfigError(problems);
          });
        }
      }
    }
  }
  if (diagnostics.length) {
    for (const d of new ConfigError(diagnostics).diagnostics) io.err(diagnosticLine("validate", d));
    io.err(`${new Set(diagnostics.map((d) => d.file)).size} file(s) with ${diagnostics.length} problem(s)`);
    return 1;
  }
  io.out(`ok: ${checked} file(s) valid${paths.length === 0 && derived.length ? `; ${derived.length} stack(s) derived from the catalog` : ""}`);
  return 0;
}
