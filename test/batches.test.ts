import { describe, expect, it } from "vitest";
import { inBatches } from "../src/batches";

describe("inBatches", () => {
  it("creates every item once, in order", async () => {
    const seen: number[] = [];
    await inBatches([1, 2, 3, 4, 5, 6, 7], 3, (n) => seen.push(n));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("creates the first batch before it returns, the rest after turns of the event loop", async () => {
    const events: string[] = [];
    const done = inBatches(["a", "b", "c", "d", "e"], 2, (x) => {
      events.push(x);
      // Work queued for the event loop by the first batch runs before the second batch starts.
      if (x === "b") setImmediate(() => events.push("turn"));
    });
    expect(events).toEqual(["a", "b"]);
    await done;
    expect(events).toEqual(["a", "b", "turn", "c", "d", "e"]);
  });

  it("lets pending promise work finish between batches", async () => {
    let settled = 0;
    await inBatches([1, 2, 3, 4], 2, (n) => {
      // What a registration does under the mock monitor: a chain of promise jobs.
      void Promise.resolve().then(() => Promise.resolve()).then(() => settled++);
      if (n === 3) expect(settled).toBe(2);
    });
  });

  it("throws an error of the first batch right away, as a plain loop would", () => {
    const boom = new Error("tenant 2 is broken");
    expect(() =>
      inBatches([1, 2, 3], 2, (n) => {
        if (n === 2) throw boom;
      }),
    ).toThrow(boom);
  });

  it("rejects with the error of a later item and creates nothing after it", async () => {
    const seen: number[] = [];
    const boom = new Error("tenant 4 is broken");
    await expect(
      inBatches([1, 2, 3, 4, 5], 2, (n) => {
        if (n === 4) throw boom;
        seen.push(n);
      }),
    ).rejects.toBe(boom);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("refuses a batch size that is not a positive integer", () => {
    expect(() => inBatches([1], 0, () => undefined)).toThrow("batch size must be a positive integer, got 0");
  });
});
