#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`): compiles src/ and components/ to dist/ with tsc, then
// stamps dist/ so bin/runway.cjs can tell a current build from sources edited since.
"use strict";
const { spawnSync } = require("node:child_process");
const { mkdirSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  // An install without dev dependencies (npm ci --omit=dev) cannot build; it must not fail for that. Build before
  // pruning instead: npm ci && npm prune --omit=dev.
  console.error("runway: build: TypeScript is not installed (no dev dependencies): dist/ was not built; run `npm ci` with dev dependencies, then `npm prune --omit=dev` if you need a smaller install");
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(path.join(root, "dist"), { recursive: true });
writeFileSync(path.join(root, "dist", "BUILT"), "dist/ is current with src/ and components/ as of this file's modification time\n");
