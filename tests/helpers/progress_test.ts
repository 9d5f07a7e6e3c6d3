import assert from "node:assert/strict";
import type { BatchProgress } from "../../src/helpers/data_migration.ts";
import { formatBatchSummary, formatProgress, progressPrinter } from "../../src/helpers/progress.ts";

const at = (rowsDone: number, remainingMs: number | null = 1_500): BatchProgress => ({
  table: "users",
  rowsDone,
  rowsTotal: 100_000,
  rowsChanged: rowsDone / 2,
  elapsedMs: 1_000,
  rowsPerSecond: 25_000.4,
  remainingMs,
});

Deno.test("formatProgress() shows rows done, share, rate and time left", () => {
  assert.equal(
    formatProgress(at(25_000)),
    "users: 25,000 of 100,000 rows (25%), 25,000 rows/s, about 1.50 s left",
  );
  assert.equal(formatProgress(at(25_000, null)), "users: 25,000 of 100,000 rows (25%), 25,000 rows/s");
  assert.equal(formatProgress(at(100_000, 0)), "users: 100,000 of 100,000 rows (100%), 25,000 rows/s");
});

Deno.test("formatBatchSummary() says how many rows changed, in how long and how many batches", () => {
  assert.equal(
    formatBatchSummary({
      table: "users",
      rowsVisited: 100_000,
      rowsChanged: 12_345,
      batches: 10,
      durationMs: 1_200,
    }),
    "users: 12,345 of 100,000 rows changed in 1.20 s (10 batches)",
  );
  assert.equal(
    formatBatchSummary({ table: "t", rowsVisited: 3, rowsChanged: 3, batches: 1, durationMs: 0.5 }),
    "t: 3 of 3 rows changed in 0.50 ms (1 batch)",
  );
});

Deno.test("progressPrinter() rewrites one line on a terminal and ends it when done", () => {
  const written: string[] = [];
  const print = progressPrinter({ write: (text) => written.push(text), interactive: true });
  print(at(50_000));
  print(at(100_000, 0));
  assert.deepEqual(written, [
    `\r${formatProgress(at(50_000))}\x1b[K`,
    `\r${formatProgress(at(100_000, 0))}\x1b[K\n`,
  ]);
});

Deno.test("progressPrinter() writes a line per tenth of the rows in a log", () => {
  const written: string[] = [];
  const print = progressPrinter({ write: (text) => written.push(text), interactive: false });
  for (const done of [4_000, 8_000, 12_000, 16_000, 20_000, 100_000]) {
    print(at(done, done === 100_000 ? 0 : 1_000));
  }
  assert.deepEqual(written.map((line) => line.split(" ")[1]), ["12,000", "20,000", "100,000"]);
  assert.ok(written.every((line) => line.endsWith("\n")));
});
