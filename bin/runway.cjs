#!/usr/bin/env node
// The `runway` command: runs the TypeScript sources through tsx, so it works right after `npm ci`.
require("tsx/cjs");
require("../src/cli/main.ts").main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`runway: internal error: ${err && err.stack ? err.stack : err}`); process.exitCode = 2; },
);
