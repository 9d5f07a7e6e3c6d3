/**
 * One benchmark run: every workload of a plan, side by side with its lower bound, in a scratch
 * directory that is removed afterwards.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { describeMachine } from "./machine.ts";
import { detectMemoryMethod } from "./measure_process.ts";
import { type BenchPlan, describeRuns, type SizeRuns } from "./plan.ts";
import { runW1 } from "./run_w1.ts";
import { runW2Cli, runW2InProcess } from "./run_w2.ts";
import { runW3 } from "./run_w3.ts";
import { runW4 } from "./run_w4.ts";
import { runR1 } from "./run_r1.ts";
import { runFleet } from "./run_fleet.ts";
import { sqldBinary } from "../tests/support/sqld.ts";
import { sourceRevision } from "./revision.ts";
import { taskFlags, widenedTo } from "./task_flags.ts";
import { evaluateTargets } from "./targets.ts";
import type { BenchReport } from "./types.ts";

/**
 * Runs every workload of `plan` and checks the targets.
 *
 * @param progress Receives a line as each workload starts.
 * @returns The report, ready to print and to write as JSON.
 */
export async function runBench(plan: BenchPlan, progress: (line: string) => void): Promise<BenchReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const scratch = await Deno.makeTempDir({ prefix: "strata_bench_" });
  try {
    const memory = await detectMemoryMethod(scratch);
    const machine = describeMachine(memory);
    const flags = taskFlags("migrate");
    const ctx: BenchContext = { scratch, flags: widenedTo(flags, scratch), memory, progress };
    const sqld = sqldBinary();
    const results = [
      ...await runW1(ctx, plan.w1),
      ...await runW2Cli(ctx, plan.w2Cli),
      ...await runW2InProcess(ctx, plan.w2InProcess),
      await runW3(ctx, plan.w3),
      ...[await runW4(ctx, plan.w4)].filter((result) => result !== null),
      ...(sqld ? await runR1(ctx, sqld, plan.r1) : []),
    ];
    const fleet = sqld ? await runFleet(sqld, plan.fleet, progress) : [];
    return {
      mode: plan.mode,
      command: plan.mode === "full" ? "deno task bench" : "deno task bench:smoke",
      revision: await sourceRevision(),
      startedAt,
      durationS: (performance.now() - started) / 1000,
      machine,
      taskFlags: flags,
      notes: notes(plan),
      results,
      fleet,
      remoteSkipped: sqld ? null : "no sqld: run .ci/install_sqld, or set SQLD_BIN",
      targets: evaluateTargets(results, fleet),
    };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

function notes(plan: BenchPlan): string[] {
  const runs = (label: string, size: SizeRuns) => `${label} ${describeRuns(size)}`;
  return [
    "Repetitions scale down with N: " + [
      ...plan.w1.map((s) => runs(`W1 N=${s.n.toLocaleString("en")}:`, s)),
      ...plan.w2Cli.map((s) => runs(`W2 CLI N=${s.n.toLocaleString("en")}:`, s)),
      runs("W2 in-process:", plan.w2InProcess),
      runs(`W3 ${plan.w3.n.toLocaleString("en")} rows:`, plan.w3),
      runs(`W4 ${plan.w4.n.toLocaleString("en")} statements:`, plan.w4),
    ].join("; ") + ". Warm-up pairs are run first and not counted.",
    "Each pair runs ours and the bound back to back, alternating which goes first; ratios are ours/bound " +
    "per pair, then summarized.",
    "Bounds: W1 and W3 run bench/bounds/apply_sql.ts (plain node:sqlite reading the same .sql files and " +
    "running their up sections in one transaction); W2 runs bench/bounds/read_one_row.ts (open the " +
    "database, read one history row), as a process for the CLI and in-process for openDatabase(); W4 runs " +
    "the sqlite3 shell on the same statements in one transaction (skipped without sqlite3).",
    "Process timings are wall time from spawn to exit (Deno start-up included on both sides) with the " +
    "migrate task's permission flags on both sides; in-process timings include opening and closing the " +
    "database.",
    `R1 is W1 on a local sqld over http:// (${
      plan.r1.map((s) => runs(`N=${s.n}:`, s)).join("; ")
    }, each run ` +
    "on a server of its own): the CLI with the migrate:remote task's flags, or the manager in process, " +
    "against bench/bounds/apply_sql_remote.ts (@libsql/client running each file's up section as one " +
    "script, all in one interactive write transaction over the same URL). HTTP requests are counted in " +
    "a run of their own.",
    `Fleet: ${plan.fleet.instances} in-process clients, each with its own connection, start at once on one ` +
    `sqld: first with the ${plan.fleet.n} migrations they know all applied, then knowing one more.`,
  ];
}
