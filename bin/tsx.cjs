#!/usr/bin/env node
// Runs a TypeScript file with tsx's CommonJS loader: `node bin/tsx.cjs FILE [ARGS...]`.
require("tsx/cjs");
const path = require("node:path");
const file = process.argv[2];
process.argv.splice(1, 2, path.resolve(file));
require(path.resolve(file));
