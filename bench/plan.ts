/**
 * How much each mode runs. Repetitions scale down as a workload grows, so the sizes whose pairs take
 * longest do not dominate the run's time.
 *
 * @module
 */

/** Repetitions of one workload size. */
export interface SizeRuns {
  /** Migrations (W1, W2), rows (W3) or statements (W4). */
  n: number;
  /** Measured pairs. */
  repetitions: number;
  /** Pairs run first and thrown away. */
  warmups: number;
}

/** Everything one mode runs. */
export interface BenchPlan {
  /** `full` for `deno task bench`, `smoke` for `deno task bench:smoke`. */
  mode: "full" | "smoke";
  /** W1: apply N small migrations to a fresh database. */
  w1: SizeRuns[];
  /** W2: the CLI's apply and status with everything applied. */
  w2Cli: SizeRuns[];
  /** W2: in-process `openDatabase()` on an up-to-date database. */
  w2InProcess: SizeRuns;
  /** W3: the two data migrations. */
  w3: SizeRuns;
  /** W4: one migration whose section holds `n` INSERT statements. */
  w4: SizeRuns;
  /** R1: W1 on a local libSQL server, whole process and in process. */
  r1: SizeRuns[];
  /** The fleet start-up: instances at once, each knowing `n` migrations. */
  fleet: { instances: number; n: number };
}

/** `deno task bench`: every size the targets name; takes a few minutes. */
export const FULL_PLAN: BenchPlan = {
  mode: "full",
  w1: [
    { n: 10, repetitions: 15, warmups: 2 },
    { n: 100, repetitions: 15, warmups: 1 },
    { n: 1_000, repetitions: 9, warmups: 1 },
    { n: 10_000, repetitions: 5, warmups: 0 },
  ],
  w2Cli: [
    { n: 100, repetitions: 20, warmups: 2 },
    { n: 1_000, repetitions: 20, warmups: 2 },
  ],
  w2InProcess: { n: 1_000, repetitions: 50, warmups: 5 },
  w3: { n: 1_000_000, repetitions: 9, warmups: 1 },
  w4: { n: 300_000, repetitions: 3, warmups: 0 },
  r1: [{ n: 100, repetitions: 15, warmups: 2 }],
  fleet: { instances: 100, n: 100 },
};

/** `deno task bench:smoke`: one of everything at a tiny size, so CI keeps the benchmark working. */
export const SMOKE_PLAN: BenchPlan = {
  mode: "smoke",
  w1: [{ n: 10, repetitions: 1, warmups: 0 }],
  w2Cli: [{ n: 10, repetitions: 1, warmups: 0 }],
  w2InProcess: { n: 10, repetitions: 1, warmups: 0 },
  w3: { n: 1_000, repetitions: 1, warmups: 0 },
  w4: { n: 1_000, repetitions: 1, warmups: 0 },
  r1: [{ n: 10, repetitions: 1, warmups: 0 }],
  fleet: { instances: 5, n: 10 },
};

/** "3 pairs (+1 warm-up)": how many times a size runs, for progress lines and notes. */
export function describeRuns(size: SizeRuns): string {
  const pairs = `${size.repetitions} pair${size.repetitions === 1 ? "" : "s"}`;
  return size.warmups ? `${pairs} (+${size.warmups} warm-up)` : pairs;
}
