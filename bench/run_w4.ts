/**
 * W4: one migration whose section is a long script (hundreds of thousands of INSERTs), applied to a
 * fresh database by the real CLI, against the `sqlite3` shell reading the same statements in one
 * transaction: the tool SQLite itself ships for running a script. Skipped where `sqlite3` is not
 * installed. Whole-process timings.
 *
 * @module
 */
import { join } from "node:path";
import { type BenchContext, cliSpec, removeDatabase } from "./context.ts";
import { measureProcess } from "./measure_process.ts";
import { runPairs } from "./pairs.ts";
import { describeRuns, type SizeRuns } from "./plan.ts";
import type { PairedResult } from "./types.ts";
import { bigSection, writeMigrations } from "./workloads.ts";

/** Measures W4 with `size.n` statements, or returns null when there is no `sqlite3` to compare with. */
export async function runW4(ctx: BenchContext, size: SizeRuns): Promise<PairedResult | null> {
  if (!await hasSqliteShell()) {
    ctx.progress("W4: skipped, no sqlite3 shell on PATH to compare with (apt install sqlite3)");
    return null;
  }
  ctx.progress(`W4: one section of ${size.n} statements, ${describeRuns(size)}`);
  const migration = bigSection(size.n);
  const dir = writeMigrations(join(ctx.scratch, `w4-${size.n}`), [migration]);
  const script = join(ctx.scratch, `w4-${size.n}.sql`);
  Deno.writeTextFileSync(script, `BEGIN;\n${migration.up}\nCOMMIT;\n`);
  const db = join(ctx.scratch, `w4-${size.n}.db`);
  const scratchFile = join(ctx.scratch, "peak.txt");
  const measured = await runPairs({
    ours: () => measureProcess(cliSpec(ctx, ["--db", db, "--dir", dir]), scratchFile, ctx),
    bound: () => measureProcess({ program: "sqlite3", args: [db, `.read ${script}`] }, scratchFile, ctx),
    reset: () => removeDatabase(db),
  }, size);
  return {
    key: `w4-section-${size.n}`,
    workload: "W4",
    label: `W4 one section, ${size.n.toLocaleString("en")} statements`,
    n: size.n,
    scope: "process",
    ...measured,
  };
}

/** Whether the `sqlite3` shell runs here. */
export async function hasSqliteShell(): Promise<boolean> {
  try {
    return (await new Deno.Command("sqlite3", { args: ["-version"], stdout: "null", stderr: "null" })
      .output())
      .success;
  } catch {
    return false;
  }
}
