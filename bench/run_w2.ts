/**
 * W2: start-up with nothing to do, on a database that has every migration applied.
 *
 * - Whole process: the CLI's default command (apply) and `status`, against a script that opens the
 *   database and reads one row.
 * - In process: `openDatabase()` with the migrations as an array and as a directory, against opening
 *   the database and reading one row in the same process.
 *
 * @module
 */
import { join } from "node:path";
import { openDatabase } from "../mod.ts";
import { readOneRow } from "./bounds/read_one_row.ts";
import { type BenchContext, boundSpec, cliSpec, smallMigrationsDir } from "./context.ts";
import { measureProcess } from "./measure_process.ts";
import { runPairs, timed } from "./pairs.ts";
import { describeRuns, type SizeRuns } from "./plan.ts";
import type { PairedResult } from "./types.ts";
import { smallMigrationObjects } from "./workloads.ts";

/** A database with W1's first `n` migrations applied by the CLI (untimed), shared by W2's runs. */
async function upToDateDatabase(ctx: BenchContext, n: number): Promise<{ db: string; dir: string }> {
  const dir = smallMigrationsDir(ctx, n);
  const db = join(ctx.scratch, `w2-${n}.db`);
  await measureProcess(cliSpec(ctx, ["--db", db, "--dir", dir]), join(ctx.scratch, "peak.txt"), ctx);
  return { db, dir };
}

/** Measures the CLI's no-op apply and status at every size of the plan. */
export async function runW2Cli(ctx: BenchContext, sizes: readonly SizeRuns[]): Promise<PairedResult[]> {
  const results: PairedResult[] = [];
  const scratchFile = join(ctx.scratch, "peak.txt");
  for (const size of sizes) {
    const { db, dir } = await upToDateDatabase(ctx, size.n);
    for (const command of ["apply", "status"] as const) {
      ctx.progress(`W2: CLI ${command} with ${size.n} applied, ${describeRuns(size)}`);
      const args = [...(command === "status" ? ["status"] : []), "--db", db, "--dir", dir];
      const measured = await runPairs({
        ours: () => measureProcess(cliSpec(ctx, args), scratchFile, ctx),
        bound: () => measureProcess(boundSpec(ctx, "read_one_row.ts", [db]), scratchFile, ctx),
      }, size);
      results.push({
        key: `w2-${command}-${size.n}`,
        workload: "W2",
        label: `W2 CLI ${command} no-op, ${size.n.toLocaleString("en")} applied`,
        n: size.n,
        scope: "process",
        ...measured,
      });
    }
  }
  return results;
}

/** Measures in-process `openDatabase()` on an up-to-date database, with an array and a directory. */
export async function runW2InProcess(ctx: BenchContext, size: SizeRuns): Promise<PairedResult[]> {
  const fromFiles = await upToDateDatabase(ctx, size.n);
  // An app keeps one form: the array's database is migrated by the array (its history records the
  // descriptions as names), the directory's by the CLI from the same files.
  const array = smallMigrationObjects(size.n);
  const fromArray = join(ctx.scratch, `w2-array-${size.n}.db`);
  (await openDatabase(fromArray, { migrations: array })).close();
  const sources = [
    { form: "array", db: fromArray, migrations: array },
    { form: "directory", db: fromFiles.db, migrations: fromFiles.dir },
  ];
  const results: PairedResult[] = [];
  for (const { form, db, migrations } of sources) {
    ctx.progress(`W2: in-process openDatabase() with ${size.n} known (${form}), ${describeRuns(size)}`);
    const measured = await runPairs({
      ours: () => timed(async () => (await openDatabase(db, { migrations })).close()),
      bound: () => timed(() => Promise.resolve(readOneRow(db))),
    }, size);
    results.push({
      key: `w2-open-${form}-${size.n}`,
      workload: "W2",
      label: `W2 openDatabase() ${size.n.toLocaleString("en")} known, ${form}`,
      n: size.n,
      scope: "in-process",
      ...measured,
    });
  }
  return results;
}
