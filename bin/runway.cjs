#!/usr/bin/env node
// The `runway` command. Runs the compiled CLI in dist/ (built by `npm ci` through `prepare`, or `npm run build`).
// In a checkout whose sources changed since the last build, it runs the sources through tsx instead (a dev
// dependency), so `npx runway` never runs stale code; `npm run build` makes it fast again.
"use strict";
const { readdirSync, statSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether any .ts file under dir is newer than `since` (stops at the first). */
function newerSource(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? newerSource(p, since) : e.name.endsWith(".ts") && mtime(p) > since) return true;
  }
  return false;
}

function entry() {
  const built = mtime(path.join(root, "dist", "BUILT"));
  const stale = built < 0 || newerSource(path.join(root, "src"), built) || newerSource(path.join(root, "components"), built);
  if (stale) {
    let tsx;
    try {
      tsx = require.resolve("tsx/cjs", { paths: [root] });
    } catch {
      // no dev dependencies: the build is all there is
    }
    if (tsx) {
      // Both of tsx's loaders: the CLI loads each command with import() when it runs.
      require(tsx);
      return import("tsx/esm/api").then((api) => {
        api.register();
        return require(path.join(root, "src", "cli", "main.ts"));
      });
    }
    if (built < 0) {
      console.error(`runway: dist/ is missing and tsx is not installed: run \`npm ci\` (or \`npm run build\`) in ${root}`);
      process.exit(70);
    }
  }
  return require(path.join(root, "dist", "src", "cli", "main.js"));
}

Promise.resolve(entry()).then((cli) => cli.run(process.argv));
