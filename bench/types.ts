/**
 * The shapes of a benchmark run, as written to `bench/results/latest.json`.
 *
 * @module
 */

/** Median and range of a set of measurements. */
export interface Summary {
  /** The median (the mean of the two middle values for an even count). */
  median: number;
  /** The smallest value. */
  min: number;
  /** The largest value. */
  max: number;
}

/** One timed run: wall time and, for whole processes, peak resident memory. */
export interface Sample {
  /** Wall time in milliseconds. */
  ms: number;
  /** Peak resident set size in KiB, or null when not measured (in-process runs). */
  peakKb: number | null;
}

/** The measurements of one side (ours or the lower bound) of a workload. */
export interface SideResult {
  /** Every wall time, in milliseconds, in the order they ran. */
  samplesMs: number[];
  /** Summary of the wall times, in milliseconds. */
  time: Summary;
  /** Summary of peak resident memory in KiB, or null when not measured. */
  peakKb: Summary | null;
}

/** One workload measured side by side with its lower bound. */
export interface PairedResult {
  /** Stable key naming workload and size, e.g. `w1-apply-1000`, used by the targets. */
  key: string;
  /** `W1`, `W2`, `W3` or `W4`, or `R1` (W1 on a libSQL server). */
  workload: "W1" | "W2" | "W3" | "W4" | "R1";
  /** What was run, for the table. */
  label: string;
  /** The size: migrations for W1 and W2, rows for W3, statements for W4. */
  n: number;
  /** `process` for whole-process timings of the CLI, `in-process` for library calls. */
  scope: "process" | "in-process";
  /** Measured pairs (warm-up runs excluded). */
  repetitions: number;
  /** Strata. */
  ours: SideResult;
  /** The lower bound: plain SQLite doing only the necessary work (node:sqlite; the sqlite3 shell for W4). */
  bound: SideResult;
  /** Ours divided by the bound, pair by pair. */
  ratio: Summary;
  /** Median peak memory of ours divided by the bound's, or null when not measured. */
  memoryRatio: number | null;
  /** On a server: the HTTP requests each side makes, counted in a run of its own. */
  roundTrips?: { ours: number; bound: number };
}

/** One phase of the fleet start-up: every instance starts at once against one libSQL server. */
export interface FleetResult {
  /** `nothing pending`, or `one new migration`. */
  phase: string;
  /** Instances started at once (in-process clients, each with its own connection). */
  instances: number;
  /** Migrations every instance knows. */
  known: number;
  /** Starts that failed. */
  errors: number;
  /** Write transactions begun (each takes the write lock), all instances together. */
  writeTransactions: number;
  /** Migrations applied, all instances together. */
  applied: number;
  /** Time from the start of all to each instance's start being done, in milliseconds. */
  startMs: { p50: number; p99: number; max: number };
  /** How long a write transaction kept the lock, median and longest, in milliseconds (0 when none). */
  lockHeldMs: { median: number; max: number };
  /** HTTP requests of one start, median over the instances. */
  roundTripsPerStart: number;
}

/** A performance target, checked against this run. */
export interface TargetResult {
  /** What is required, in words. */
  description: string;
  /** The measured value, or null when this run did not measure it (smoke mode). */
  value: number | null;
  /** The largest value that passes. */
  limit: number;
  /** `×` for a ratio, `ms` for a time, `count` for things that must not happen. */
  unit: "×" | "ms" | "count";
  /** Whether the value is within the limit; `SKIP` when not measured. */
  status: "PASS" | "FAIL" | "SKIP";
}

/** The machine a run happened on. */
export interface Machine {
  /** CPU model, from /proc/cpuinfo. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Total memory in MiB, or null when unknown. */
  memoryMb: number | null;
  /** Operating system and architecture. */
  os: string;
  /** Deno version. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** SQLite version bundled with node:sqlite. */
  sqlite: string;
  /** How peak memory of a process is measured. */
  memoryMethod: string;
  /** The 1-, 5- and 15-minute load averages when the run started: other work competing for the cores. */
  loadAverage: number[];
}

/** A whole benchmark run. */
export interface BenchReport {
  /** `full` (`deno task bench`) or `smoke` (`deno task bench:smoke`). */
  mode: "full" | "smoke";
  /** The command that reproduces the run. */
  command: string;
  /** The git commit measured, with `-dirty` when the working tree had changes. */
  revision: string;
  /** When the run started (ISO-8601). */
  startedAt: string;
  /** How long the whole run took, in seconds. */
  durationS: number;
  /** Where it ran. */
  machine: Machine;
  /** The `migrate` task's flags, used for ours and the bound alike. */
  taskFlags: string[];
  /** The fleet start-up on a libSQL server, by phase; empty when it did not run. */
  fleet: FleetResult[];
  /** Why the workloads on a libSQL server did not run (no sqld), or null when they did. */
  remoteSkipped: string | null;
  /** How to read the numbers (repetitions, warm-ups, what each bound does). */
  notes: string[];
  /** Every workload. */
  results: PairedResult[];
  /** The performance targets. */
  targets: TargetResult[];
}
