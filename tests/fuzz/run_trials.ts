/**
 * Runs seeded trials two at a time (the machines have two cores), each in its own temporary
 * directory, with one module cache for the whole session, removed afterwards.
 *
 * @module
 */
import { runTrial, type TrialResult } from "./trial.ts";

/** Trials run at once. */
const CONCURRENCY = 2;

/**
 * Runs the trials of `seeds` and returns their results in the same order.
 *
 * @param onResult Called as each trial ends, in the order they end.
 */
export async function runTrials(
  seeds: readonly number[],
  onResult: (result: TrialResult) => void = () => {},
): Promise<TrialResult[]> {
  const denoDir = await Deno.makeTempDir({ prefix: "strata_fuzz_deno_" });
  try {
    const results: TrialResult[] = [];
    let next = 0;
    const worker = async () => {
      while (next < seeds.length) {
        const index = next++;
        const result = await runTrial(seeds[index], { denoDir });
        results[index] = result;
        onResult(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, seeds.length) }, worker));
    return results;
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

/** The seeds `first` to `first + count - 1`. */
export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
