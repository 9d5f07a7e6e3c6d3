/**
 * W1: apply N small migrations to a fresh database file with the real CLI, against plain node:sqlite
 * running the same SQL in one transaction. Whole-process timings.
 *
 * @module
 */
import { type BenchContext, measureApply, smallMigrationsDir } from "./context.ts";
import { describeRuns, type SizeRuns } from "./plan.ts";
import type { PairedResult } from "./types.ts";

/** Measures W1 at every size of the plan, smallest first. */
export async function runW1(ctx: BenchContext, sizes: readonly SizeRuns[]): Promise<PairedResult[]> {
  const results: PairedResult[] = [];
  for (const size of sizes) {
    ctx.progress(`W1: applying ${size.n} migrations, ${describeRuns(size)}`);
    const measured = await measureApply(ctx, `w1-${size.n}`, smallMigrationsDir(ctx, size.n), size);
    results.push({
      key: `w1-apply-${size.n}`,
      workload: "W1",
      label: `W1 apply N=${size.n.toLocaleString("en")}`,
      n: size.n,
      scope: "process",
      ...measured,
    });
  }
  return results;
}
