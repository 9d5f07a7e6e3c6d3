/**
 * Side-by-side measurement: ours and the lower bound run alternately, pair by pair, so load and
 * thermal drift during the run fall on both sides alike.
 *
 * @module
 */
import { pairRatios, summarize } from "./stats.ts";
import type { PairedResult, Sample, SideResult } from "./types.ts";

/** The two sides of a workload, and what to do before each run. */
export interface PairSides {
  /** Runs strata once. */
  ours: () => Promise<Sample>;
  /** Runs the lower bound once. */
  bound: () => Promise<Sample>;
  /** Restores the starting state (a fresh database, say) before every run, untimed. */
  reset?: () => Promise<void>;
}

/** How many times to run. */
export interface PairOptions {
  /** Measured pairs. */
  repetitions: number;
  /** Pairs run first and thrown away (module cache, page cache, JIT). */
  warmups: number;
}

/** The measurements of a workload, without its name. */
export type PairMeasurement = Pick<PairedResult, "repetitions" | "ours" | "bound" | "ratio" | "memoryRatio">;

/**
 * Runs ours and the bound alternately: even pairs run ours first, odd pairs the bound first.
 *
 * @returns Both sides' summaries and the ratios ours/bound taken pair by pair.
 */
export async function runPairs(sides: PairSides, options: PairOptions): Promise<PairMeasurement> {
  const ours: Sample[] = [];
  const bound: Sample[] = [];
  for (let pair = 0; pair < options.warmups + options.repetitions; pair++) {
    const order = pair % 2 === 0 ? ["ours", "bound"] as const : ["bound", "ours"] as const;
    const measured: Record<"ours" | "bound", Sample | null> = { ours: null, bound: null };
    for (const side of order) {
      await sides.reset?.();
      measured[side] = await sides[side]();
    }
    if (pair < options.warmups) continue;
    ours.push(measured.ours!);
    bound.push(measured.bound!);
  }
  await sides.reset?.();
  const oursSide = sideResult(ours);
  const boundSide = sideResult(bound);
  return {
    repetitions: options.repetitions,
    ours: oursSide,
    bound: boundSide,
    ratio: summarize(pairRatios(oursSide.samplesMs, boundSide.samplesMs)),
    memoryRatio: oursSide.peakKb && boundSide.peakKb
      ? oursSide.peakKb.median / boundSide.peakKb.median
      : null,
  };
}

function sideResult(samples: readonly Sample[]): SideResult {
  const samplesMs = samples.map((s) => s.ms);
  const peaks = samples.map((s) => s.peakKb).filter((kb): kb is number => kb !== null);
  return {
    samplesMs,
    time: summarize(samplesMs),
    peakKb: peaks.length === samples.length ? summarize(peaks) : null,
  };
}

/** Times one in-process run of `work`. */
export async function timed(work: () => Promise<void>): Promise<Sample> {
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, peakKb: null };
}
