/**
 * Scratch copies of the project's catalog and stacks, for tests that add a catalog entry or a stack file.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

/** A catalog entry's text. */
export function catalogEntry(name: string, spec: string): string {
  return [
    "# yaml-language-server: $schema=../schemas/satellite-service.schema.json",
    "apiVersion: runway/v1",
    "kind: SatelliteService",
    "metadata:",
    `  name: ${name}`,
    `  owner: gitlab-org/${name}`,
    "spec:",
    "  chart:",
    `    repository: oci://registry.gitlab.com/gitlab-com/gl-infra/platform/runway/charts/${name}`,
    spec.replace(/\n$/, ""),
    "",
  ].join("\n");
}

/** A copy of the project's catalog with `files` added (name -> text; null removes a file). Returns its directory. */
export function catalogWith(files: Record<string, string | null>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "runway-catalog-"));
  cpSync(path.join(ROOT, "services"), dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    if (text === null) rmSync(path.join(dir, f));
    else writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/**
 * A copy of the project root (Pulumi.yaml, stacks/, services/, ipam/, schemas/ and the self-hosted example's
 * kubeconfig) with `files` added or replaced (path relative to the root -> text; null removes it).
 */
export function projectWith(files: Record<string, string | null>): string {
  const root = mkdtempSync(path.join(tmpdir(), "runway-project-"));
  for (const d of ["stacks", "services", "ipam", "schemas", "examples"]) {
    if (existsSync(path.join(ROOT, d))) cpSync(path.join(ROOT, d), path.join(root, d), { recursive: true });
  }
  cpSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  for (const [f, text] of Object.entries(files)) {
    const p = path.join(root, f);
    if (text === null) rmSync(p);
    else {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  }
  return root;
}
