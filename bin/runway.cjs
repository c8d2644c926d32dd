#!/usr/bin/env node
// The `runway` command: runs the TypeScript sources through tsx, so it works right after `npm ci`.
require("tsx/cjs");
require("../src/cli/main.ts").main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    const text = err && err.stack ? err.stack : String(err);
    // Programs run with stack traces off (src/plan/engine.ts quietStacks): say how to get the frames back.
    const hint = /\n\s+at /.test(text) || process.env.RUNWAY_STACK_TRACES ? "" : "\n(no stack trace: rerun with RUNWAY_STACK_TRACES=1 to see where it happened)";
    console.error(`runway: internal error: ${text}${hint}`);
    process.exitCode = 2;
  },
);
