/**
 * A line diff for multi-line values (a config file's content, a long JSON value): the changed lines with a little
 * context, as `diff -u` shows them without the headers.
 */

export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/** Longest-common-subsequence diff of two line lists; beyond `limit` cells it compares the lists whole. */
export function diffLines(a: readonly string[], b: readonly string[], limit = 4_000_000): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text): DiffLine => ({ op: " ", text }));
  const tail = a.slice(endA).map((text): DiffLine => ({ op: " ", text }));
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const n = x.length;
  const m = y.length;
  if ((n + 1) * (m + 1) > limit) {
    return [...head, ...x.map((text): DiffLine => ({ op: "-", text })), ...y.map((text): DiffLine => ({ op: "+", text })), ...tail];
  }
  // lcs[i][j]: length of the common subsequence of x[i..] and y[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] = x[i] === y[j] ? lcs[at(i + 1, j + 1)] + 1 : Math.max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
    }
  }
  const middle: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      middle.push({ op: " ", text: x[i] });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)])) {
      middle.push({ op: "-", text: x[i++] });
    } else {
      middle.push({ op: "+", text: y[j++] });
    }
  }
  return [...head, ...middle, ...tail];
}

/** The changed lines with `context` unchanged lines around each run; a gap between runs is one `…` line. */
export function hunks(lines: readonly DiffLine[], context = 2): (DiffLine | "…")[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, idx) => {
    if (l.op === " ") return;
    for (let k = Math.max(0, idx - context); k <= Math.min(lines.length - 1, idx + context); k++) keep[k] = true;
  });
  const out: (DiffLine | "…")[] = [];
  let skipped = false;
  lines.forEach((l, idx) => {
    if (keep[idx]) {
      if (skipped && out.length) out.push("…");
      skipped = false;
      out.push(l);
    } else {
      skipped = true;
    }
  });
  return out;
}
