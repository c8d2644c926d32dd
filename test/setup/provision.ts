/**
 * Vitest global setup: provisions the real programs the tests use (test/helpers/tools.ts) once per run, before
 * any worker starts. What cannot be provided is said in one line per tool; the tests that need it then fail with
 * the same line (test/helpers/registry.ts startRegistry).
 */
import { provisionTools } from "../helpers/tools";

export default function setup(): void {
  for (const problem of provisionTools()) console.error(`test setup: ${problem}`);
}
