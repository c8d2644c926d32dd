import * as path from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { cliConfig, launchProgram, readProject } from "../test/helpers/language-host";
(async () => {
  const ROOT = path.join(__dirname, "..");
  const cli: any = cliConfig(ROOT, "platform-staging");
  const tsx = readProject(ROOT); (tsx.runtime as any).options = { typescript: false, nodeargs: "--require tsx/cjs" };
  for (let i = 0; i < 2; i++) for (const [k, project] of [["ts-node", readProject(ROOT)], ["tsx", tsx]] as const) {
    const cache = mkdtempSync(path.join(tmpdir(), "runway-cache-"));
    const r = await launchProgram({ root: ROOT, project, stack: "platform-staging", ...cli, dryRun: true, env: { TS_NODE_CACHE_DIRECTORY: cache, TSX_CACHE: cache, TMPDIR: cache } });
    console.log(k, r.exitCode, r.startMillis, r.millis, r.resources.length);
  }
})();
