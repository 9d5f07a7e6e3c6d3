/**
 * Progress of long data migrations on a terminal: one line that rewrites itself on a terminal, a line
 * per tenth of the work in a log, and the summary line.
 *
 * @module
 */
import type { BatchProgress, BatchSummary } from "./data_migration.ts";
import { formatDuration } from "../shared/format.ts";

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * One line of progress: `users: 40,000 of 100,000 rows (40%), 52,000 rows/s, about 1.15 s left`.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const line = formatProgress({
 *   table: "users", rowsDone: 40_000, rowsTotal: 100_000, rowsChanged: 39_000,
 *   elapsedMs: 800, rowsPerSecond: 50_000, remainingMs: 1200,
 * });
 * assert.equal(line, "users: 40,000 of 100,000 rows (40%), 50,000 rows/s, about 1.20 s left");
 * ```
 */
export function formatProgress(progress: BatchProgress): string {
  const percent = progress.rowsTotal === 0 ? 100 : Math.floor((progress.rowsDone / progress.rowsTotal) * 100);
  const left = progress.remainingMs === null || progress.rowsDone >= progress.rowsTotal
    ? ""
    : `, about ${formatDuration(progress.remainingMs)} left`;
  return `${progress.table}: ${count(progress.rowsDone)} of ${
    count(progress.rowsTotal)
  } rows (${percent}%), ` +
    `${count(progress.rowsPerSecond)} rows/s${left}`;
}

/**
 * The summary of a batched data migration: `users: 12,345 of 100,000 rows changed in 1.20 s (10 batches)`.
 *
 * @example
 * ```ts
 * import { formatBatchSummary } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const line = formatBatchSummary({ table: "users", rowsVisited: 100_000, rowsChanged: 12_345, batches: 10, durationMs: 1200 });
 * assert.match(line, /^users: 12,345 of 100,000 rows changed/);
 * ```
 */
export function formatBatchSummary(summary: BatchSummary): string {
  const batches = `${summary.batches} batch${summary.batches === 1 ? "" : "es"}`;
  return `${summary.table}: ${count(summary.rowsChanged)} of ${count(summary.rowsVisited)} rows changed in ` +
    `${formatDuration(summary.durationMs)} (${batches})`;
}

/** Options of {@link progressPrinter}. */
export interface ProgressPrinterOptions {
  /** Where the text goes. @default standard error */
  write?: (text: string) => void;
  /** Whether to rewrite one line in place (a terminal) rather than print lines (a log). @default whether standard error is a terminal */
  interactive?: boolean;
}

/**
 * An `onProgress` callback that shows progress on the terminal: on a terminal one line rewritten in
 * place; in a log, a line each time another tenth of the rows is done.
 *
 * @example Show the progress of a batched update
 * ```ts
 * import { type Executor } from "../../mod.ts";
 * import { batchUpdate, progressPrinter } from "./mod.ts";
 *
 * export async function up(db: Executor): Promise<void> {
 *   await batchUpdate(db, { table: "users", set: "email = lower(email)", onProgress: progressPrinter() });
 * }
 * ```
 */
export function progressPrinter(options: ProgressPrinterOptions = {}): (progress: BatchProgress) => void {
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  const interactive = options.interactive ?? Deno.stderr.isTerminal();
  let lastTenth = 0;
  return (progress) => {
    const finished = progress.rowsDone >= progress.rowsTotal;
    if (interactive) {
      write(`\r${formatProgress(progress)}\x1b[K${finished ? "\n" : ""}`);
      return;
    }
    const tenth = progress.rowsTotal === 0 ? 10 : Math.floor((progress.rowsDone / progress.rowsTotal) * 10);
    if (tenth > lastTenth || finished) write(`${formatProgress(progress)}\n`);
    lastTenth = tenth;
  };
}
