import { describe, expect, it } from "vitest";
import { buildNote } from "../src/ci/note";
import type { Plan } from "../src/plan/engine";
import { planStack } from "../src/plan/stack-plan";

let head: Plan;
const staging = async () => (head ??= await planStack("platform-staging"));
const noWaivers = () => [];

describe("merge-request note", () => {
  it("summarises stacks and resources added, changed and removed", async () => {
    const plan = await staging();
    const note = buildNote({ base: [], head: [plan], waivers: noWaivers });
    expect(note.markdown).toContain(`**1** of 1 stacks change: **${plan.resources.length}** to add, **0** to change, **0** to remove`);
    expect(note.failed).toBe(false);
  });

  it("folds the details of each changed stack", async () => {
    const note = buildNote({ base: [], head: [await staging()], waivers: noWaivers });
    expect(note.markdown).toMatch(/<details><summary><code>platform-staging<\/code>: \d+ to add/);
  });

  it("an unchanged stack shows in the summary table without details", async () => {
    const plan = await staging();
    const note = buildNote({ base: [plan], head: [plan], waivers: noWaivers });
    expect(note.markdown).toContain("| `platform-staging` | 0 | 0 | 0 | 0 |");
    expect(note.markdown).not.toContain("<summary><code>platform-staging");
  });

  it("fails and names the rule when a control is broken", async () => {
    const plan = await staging();
    const broken: Plan = {
      ...plan,
      resources: plan.resources.map((r) => (r.type === "gcp:container/cluster:Cluster" ? { ...r, inputs: { ...r.inputs, enableLegacyAbac: true } } : r)),
    };
    const note = buildNote({ base: [plan], head: [broken], waivers: noWaivers });
    expect(note.failed).toBe(true);
    expect(note.markdown).toContain("❌ guardrails failed");
    expect(note.markdown).toContain("G8");
  });

  it("a stack no longer planned is called out: nothing deploys it and nothing in it is deleted", async () => {
    const plan = await staging();
    const note = buildNote({ base: [plan], head: [], waivers: noWaivers });
    expect(note.markdown).toContain("⚠️ No longer planned: `platform-staging`. Nothing deploys it after this merges, and nothing in it is deleted");
  });

  it("a removed retained resource shows as retained, not as a removal", async () => {
    const plan = await staging();
    const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "glgo") as Plan["resources"][number];
    const note = buildNote({ base: [plan], head: [{ ...plan, resources: plan.resources.filter((r) => r !== ns) }], waivers: noWaivers });
    expect(note.markdown).toContain("**0** to remove");
    expect(note.markdown).toContain("Namespace glgo (retained: leaves the stack, stays in the cloud with its data)");
    expect(note.markdown).not.toMatch(/^- Namespace glgo/m);
  });
});
