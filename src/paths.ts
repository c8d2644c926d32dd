import * as path from "node:path";

/** The project root: where Pulumi.yaml, stacks/ and services/ live. */
export function projectRoot(): string {
  const up = path.resolve(__dirname, "..");
  return path.basename(up) === "dist" ? path.dirname(up) : up;
}
