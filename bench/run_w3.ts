/**
 * W3: two data migrations over a large table (create and fill it with a recursive CTE; add a column,
 * backfill it with an UPDATE over every row, index it), applied to a fresh database by the real CLI,
 * against plain node:sqlite running the same SQL in one transaction. Whole-process timings.
 *
 * @module
 */
import { join } from "node:path";
import { type BenchContext, measureApply } from "./context.ts";
import { describeRuns, type SizeRuns } from "./plan.ts";
import type { PairedResult } from "./types.ts";
import { dataMigrations, writeMigrations } from "./workloads.ts";

/** Measures W3 with a table of `size.n` rows. */
export async function runW3(ctx: BenchContext, size: SizeRuns): Promise<PairedResult> {
  ctx.progress(`W3: data migrations over ${size.n} rows, ${describeRuns(size)}`);
  const dir = writeMigrations(join(ctx.scratch, `w3-${size.n}`), dataMigrations(size.n));
  const measured = await measureApply(ctx, `w3-${size.n}`, dir, size);
  return {
    key: `w3-data-${size.n}`,
    workload: "W3",
    label: `W3 data rows=${size.n.toLocaleString("en")}`,
    n: size.n,
    scope: "process",
    ...measured,
  };
}
