/**
 * How versions, durations, lists and migrations read in every message and report, whichever layer
 * writes it.
 *
 * @module
 */

/**
 * A version as messages show it: zero-padded to three digits like the file names.
 *
 * @example
 * ```ts
 * import { formatVersion } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatVersion(7), "007");
 * assert.equal(formatVersion(1234), "1234");
 * ```
 */
export function formatVersion(version: number): string {
  return String(version).padStart(3, "0");
}

/**
 * A duration in the unit that reads best.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDuration(0.5), "0.50 ms");
 * assert.equal(formatDuration(1500), "1.50 s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * A list for a message: the items joined by commas, cut after `max` with a count of the rest, so a
 * problem with a thousand migrations still reads as one paragraph.
 *
 * @example
 * ```ts
 * import { listForMessage } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(listForMessage(["1", "2", "3"], 2), "1, 2 and 1 more");
 * ```
 */
export function listForMessage(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * The label a migration goes by in messages.
 *
 * @example
 * ```ts
 * import { label } from "./format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(label({ version: 7, description: "add index" }), '7 ("add index")');
 * ```
 */
export function label(m: { readonly version: number; readonly description: string }): string {
  return `${m.version} ("${m.description}")`;
}
