import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arrange, GRID_COLUMNS, note, packTiles, type Panel } from "../src/observability";
import { tileProblems } from "./fixtures/cloud-monitoring";

const panel = (width: number, height: number, title = `${width}x${height}`): Panel => ({ ...note(title, "x", height), width });
const panelArb = fc.record({ width: fc.integer({ min: 1, max: GRID_COLUMNS }), height: fc.integer({ min: 1, max: 40 }) }).map((s) => panel(s.width, s.height));

describe("tile packer", () => {
  it("never overlaps tiles and never exceeds 48 columns", () => {
    fc.assert(
      fc.property(fc.array(panelArb, { maxLength: 60 }), (panels) => {
        const { tiles } = packTiles(panels);
        expect(tileProblems(tiles, GRID_COLUMNS)).toEqual([]);
        for (const t of tiles) expect(t.xPos + t.width).toBeLessThanOrEqual(GRID_COLUMNS);
      }),
    );
  });

  it("keeps sections' groups around exactly their panels, with no other overlap", () => {
    const sectionArb = fc.record({ title: fc.string(), panels: fc.array(panelArb, { minLength: 1, maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(fc.oneof(panelArb, sectionArb), { maxLength: 12 }), (items) => {
        expect(tileProblems(arrange(items), GRID_COLUMNS)).toEqual([]);
      }),
    );
  });

  it("lays panels out left to right in the order given, starting a row when one does not fit", () => {
    const { tiles, bottom } = packTiles([panel(24, 8), panel(24, 16), panel(12, 4)]);
    expect(tiles.map((t) => [t.xPos, t.yPos])).toEqual([
      [0, 0],
      [24, 0],
      [0, 16],
    ]);
    expect(bottom).toBe(20);
  });

  it("rejects a panel wider than the grid, naming the panel and the fix", () => {
    expect(() => packTiles([panel(49, 4, "Too wide")])).toThrow(
      "The width 49 of panel 'Too wide' must be a whole number of grid columns from 1 to 48.",
    );
  });

  it("rejects an empty section, naming it", () => {
    expect(() => arrange([{ title: "Empty", panels: [] }])).toThrow("Section 'Empty' has no panels: give it at least one or leave it out.");
  });
});
