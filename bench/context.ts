/**
 * What every workload runner shares: a scratch directory, the `migrate` task's flags, how memory is
 * measured, and the commands for the CLI and the lower-bound scripts.
 *
 * @module
 */
import { join } from "node:path";
import { measureProcess, type MemoryMethod, type ProcessSpec } from "./measure_process.ts";
import { type PairMeasurement, runPairs } from "./pairs.ts";
import type { SizeRuns } from "./plan.ts";
import { repoPath } from "./task_flags.ts";
import { smallMigrations, writeMigrations } from "./workloads.ts";

/** Shared state of one benchmark run. */
export interface BenchContext {
  /** A temporary directory for databases and migration directories, removed after the run. */
  scratch: string;
  /** The `migrate` task's flags, for the CLI and the bounds alike. */
  flags: string[];
  /** How peak memory of a process is measured. */
  memory: MemoryMethod;
  /** Writes a progress line (to stderr, so the table stays clean). */
  progress: (line: string) => void;
}

/** `deno run <migrate flags> src/cli/main.ts …args`. */
export function cliSpec(ctx: BenchContext, args: string[]): ProcessSpec {
  return { program: Deno.execPath(), args: ["run", ...ctx.flags, repoPath("src/cli/main.ts"), ...args] };
}

/** `deno run <migrate flags> bench/bounds/<script> …args`. */
export function boundSpec(ctx: BenchContext, script: string, args: string[]): ProcessSpec {
  return {
    program: Deno.execPath(),
    args: ["run", ...ctx.flags, repoPath(`bench/bounds/${script}`), ...args],
  };
}

/** The directory of W1's first `n` migrations, written on first use and shared by W1 and W2. */
export function smallMigrationsDir(ctx: BenchContext, n: number): string {
  const dir = join(ctx.scratch, `w1-${n}`);
  try {
    Deno.statSync(dir);
    return dir;
  } catch {
    return writeMigrations(dir, smallMigrations(n));
  }
}

/** Deletes a database file and its journals, where present. */
export async function removeDatabase(path: string): Promise<void> {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) {
    try {
      await Deno.remove(path + suffix);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/**
 * Times applying a directory of migrations to a fresh file, the CLI against the `apply_sql.ts` bound,
 * pair by pair (W1 and W3).
 */
export async function measureApply(
  ctx: BenchContext,
  name: string,
  dir: string,
  runs: SizeRuns,
): Promise<PairMeasurement> {
  const db = join(ctx.scratch, `${name}.db`);
  const scratchFile = join(ctx.scratch, "peak.txt");
  return await runPairs({
    ours: () => measureProcess(cliSpec(ctx, ["--db", db, "--dir", dir]), scratchFile, ctx),
    bound: () => measureProcess(boundSpec(ctx, "apply_sql.ts", [db, dir]), scratchFile, ctx),
    reset: () => removeDatabase(db),
  }, runs);
}
