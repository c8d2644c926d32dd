/**
 * Places widgets on the dashboard's mosaic grid. Panels are laid out in rows, left to right in the order given, so
 * a dashboard reads in the order its builder lists panels; a section is a collapsible group spanning the full
 * width over its panels (the API makes every widget inside a group's area a member of that group).
 */
import { GRID_COLUMNS, type Tile, type Widget } from "./types";

/** A widget and the size it asks for, in grid blocks. */
export interface Panel {
  widget: Widget;
  width: number;
  height: number;
}

/** Panels shown under a collapsible heading. */
export interface Section {
  title: string;
  collapsed?: boolean;
  panels: Panel[];
}

function checkSize(p: Panel, columns: number): void {
  const what = p.widget.title ? `panel '${p.widget.title}'` : "a panel";
  if (!Number.isInteger(p.width) || p.width < 1 || p.width > columns) {
    throw new Error(`The width ${p.width} of ${what} must be a whole number of grid columns from 1 to ${columns}.`);
  }
  if (!Number.isInteger(p.height) || p.height < 1) {
    throw new Error(`The height ${p.height} of ${what} must be a whole number of grid rows, at least 1.`);
  }
}

/**
 * Packs panels into rows starting at `top`: a panel that does not fit in what is left of a row starts the next
 * row, below the tallest panel of the current one. Returns the tiles and the first free row below them.
 */
export function packTiles(panels: readonly Panel[], top = 0, columns = GRID_COLUMNS): { tiles: Tile[]; bottom: number } {
  if (!Number.isInteger(columns) || columns < 1 || columns > GRID_COLUMNS) {
    throw new Error(`columns ${columns} must be a whole number from 1 to ${GRID_COLUMNS}.`);
  }
  let x = 0;
  let rowTop = top;
  let bottom = top;
  const tiles = panels.map((p) => {
    checkSize(p, columns);
    if (x + p.width > columns) {
      x = 0;
      rowTop = bottom;
    }
    const tile: Tile = { xPos: x, yPos: rowTop, width: p.width, height: p.height, widget: p.widget };
    x += p.width;
    bottom = Math.max(bottom, rowTop + p.height);
    return tile;
  });
  return { tiles, bottom };
}

function isSection(item: Panel | Section): item is Section {
  return "panels" in item;
}

/**
 * Lays out a dashboard: runs of loose panels are packed together, and each section starts on a new row with a
 * full-width collapsible group whose area covers exactly its panels.
 */
export function arrange(items: ReadonlyArray<Panel | Section>, columns = GRID_COLUMNS): Tile[] {
  const tiles: Tile[] = [];
  let top = 0;
  let loose: Panel[] = [];
  const flush = () => {
    const packed = packTiles(loose, top, columns);
    tiles.push(...packed.tiles);
    top = packed.bottom;
    loose = [];
  };
  for (const item of items) {
    if (!isSection(item)) {
      loose.push(item);
      continue;
    }
    flush();
    if (item.panels.length === 0) throw new Error(`Section '${item.title}' has no panels: give it at least one or leave it out.`);
    const packed = packTiles(item.panels, top, columns);
    tiles.push({
      xPos: 0,
      yPos: top,
      width: columns,
      height: packed.bottom - top,
      widget: { title: item.title, collapsibleGroup: { collapsed: item.collapsed ?? false } },
    });
    tiles.push(...packed.tiles);
    top = packed.bottom;
  }
  flush();
  return tiles;
}
