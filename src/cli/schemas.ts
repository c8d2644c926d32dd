import { readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../paths";
import { renderAllSchemas } from "../schemas";
// Adds the Runway manifest's schema to the generated set.
import "../manifest/json-schema";
import type { Io } from "./io";
import { writeOutput } from "./output";
import { UsageError } from "./errors";

/** Generated schemas that differ from the committed files. */
export function staleSchemas(): string[] {
  return renderAllSchemas()
    .filter(({ file, text }) => {
      try {
        return readFileSync(path.join(projectRoot(), file), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map((s) => s.file);
}

export function schemasCommand(io: Io, opts: { write?: boolean; check?: boolean }): number {
  if (opts.write && opts.check) throw new UsageError("--write and --check are mutually exclusive; choose one");
  if (opts.write) {
    for (const { file, text } of renderAllSchemas()) {
      writeOutput(io, "--write", path.join(projectRoot(), file), text);
      io.out(`wrote ${file}`);
    }
    return 0;
  }
  const stale = staleSchemas();
  for (const f of stale) io.err(`runway: schemas: ${f}: stale; run \`npm run schemas\` and commit the result`);
  if (stale.length === 0) io.out("schemas are up to date");
  return stale.length ? 1 : 0;
}
