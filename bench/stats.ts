/**
 * Summaries of measurements: median and range, and ratios taken pair by pair.
 *
 * @module
 */
import type { Summary } from "./types.ts";

/**
 * The median, minimum and maximum of a non-empty list of numbers.
 *
 * @throws {RangeError} for an empty list.
 */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("Cannot summarize an empty list of measurements.");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)! };
}

/** `ours[i] / bound[i]` for every pair, so that drift during a run affects both sides alike. */
export function pairRatios(ours: readonly number[], bound: readonly number[]): number[] {
  return ours.map((value, i) => value / bound[i]);
}
