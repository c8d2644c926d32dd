import * as path from "node:path";

/** The project root: where Pulumi.yaml, stacks/ and services/ live. */
export function projectRoot(): string {
  return path.resolve(__dirname, "..");
}
