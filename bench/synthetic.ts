/**
 * Synthetic catalogs for benchmarks: N realistic satellite services in one environment.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export function syntheticEntry(i: number, environment: string): string {
  const name = `svc-${String(i).padStart(4, "0")}`;
  const lines = [
    "apiVersion: runway/v1",
    "kind: SatelliteService",
    "metadata:",
    `  name: ${name}`,
    `  owner: gitlab-org/team-${i % 37}`,
    "spec:",
    `  gitlabProject: gitlab-org/team-${i % 37}/${name}`,
    "  chart:",
    `    repository: oci://registry.gitlab.com/gitlab-com/gl-infra/platform/runway/charts/${name}`,
    `  environments: [${environment}]`,
    "  resources:",
    `    cpu: "${2 + (i % 4)}"`,
    `    memory: ${4 + (i % 8)}Gi`,
    "  exposure:",
    `    visibility: ${i % 5 === 0 ? "internal" : "external"}`,
  ];
  if (i % 3 === 0) lines.push("  egress:", `    - cidr: 34.${i % 250}.0.0/24`, "      ports: [443]");
  if (i % 2 === 0) lines.push("  secrets:", "    - name: app-secrets", "      path: app");
  return `${lines.join("\n")}\n`;
}

export function writeSyntheticCatalog(dir: string, n: number, environment: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `svc-${String(i).padStart(4, "0")}.yaml`), syntheticEntry(i, environment));
}
