/**
 * Chart build speed: `runway chart build` of the AI Gateway example (read and validate the manifest, compile,
 * package, write), N times in this process. The first build includes module warm-up and is reported apart.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildChart } from "../src/chart/output";

const MANIFEST = path.join(__dirname, "..", "examples", "ai-gateway", ".runway", "runway.yml");

export async function benchChart(builds = 20): Promise<string> {
  const out = mkdtempSync(path.join(tmpdir(), "runway-bench-chart-"));
  try {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= builds; i++) {
      const t0 = process.hrtime.bigint();
      const r = buildChart(MANIFEST, out, { version: "1.2.3", gitlabRelease: "17.9" });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes = statSync(r.archive).size;
    }
    const [first, ...rest] = times;
    const sorted = [...rest].sort((a, b) => a - b);
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const p50 = sorted[Math.floor(sorted.length / 2)];
    return `chart: builds=${builds} mean_ms=${mean.toFixed(2)} p50_ms=${p50.toFixed(2)} max_ms=${sorted[sorted.length - 1].toFixed(2)} first_ms=${first.toFixed(1)} tgz_bytes=${bytes}`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// Run directly: node bin/tsx.cjs bench/chart.ts
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  benchChart().then((line) => console.log(line));
}
