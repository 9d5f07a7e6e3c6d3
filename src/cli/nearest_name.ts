/**
 * The name a typo most likely meant, for "Did you mean status?": the closest of the names by edit
 * distance, where swapping two neighbouring letters (`stauts`) counts as one edit, as typing does.
 *
 * @module
 */

/**
 * The name closest to `typed`, or undefined when none is close: at most one edit for a word of up to
 * five letters, two for a longer one, and never as many edits as the word has letters.
 *
 * @example Suggest a command
 * ```ts
 * import { nearestName } from "./nearest_name.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nearestName("stauts", ["up", "status", "rollback"]), "status");
 * assert.equal(nearestName("frobnicate", ["up", "status", "rollback"]), undefined);
 * ```
 */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  const limit = Math.min(typed.length <= 5 ? 1 : 2, typed.length - 1);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Insertions, deletions, substitutions and swaps of neighbours turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
