/**
 * The one mock helper of the test suite: runs a program under Pulumi's mock runtime through the same engine as
 * `runway plan`, and returns every registration as recorded (type, name, inputs with secrets masked as
 * "[secret]", parent, provider, protect, aliases...). Tests assert on these records, never on awaited outputs.
 */
import { type Plan, type PlannedResource, recordProgram, type RunOptions } from "../../src/plan/engine";

export type { Plan, PlannedResource };

export interface Recorded extends Plan {
  /** Every resource of a type token, e.g. `gcp:container/cluster:Cluster`. */
  ofType(type: string): PlannedResource[];
  /** The single resource of a type (and name, when given); throws when there is not exactly one. */
  one(type: string, name?: string): PlannedResource;
  /** The resource with a URN. */
  byUrn(urn: string): PlannedResource;
}

export function withFinders(plan: Plan): Recorded {
  const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
  return {
    ...plan,
    ofType,
    one(type, name) {
      const found = ofType(type).filter((r) => name === undefined || r.name === name);
      if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
      }
      return found[0];
    },
    byUrn(urn) {
      const r = plan.resources.find((x) => x.urn === urn);
      if (!r) throw new Error(`no resource ${urn}`);
      return r;
    },
  };
}

/** Runs `program` in a fresh mock runtime. */
export async function runWithMocks(program: () => unknown, opts: Partial<RunOptions> = {}): Promise<Recorded> {
  return withFinders(await recordProgram(program, { stack: "test", ...opts }));
}
