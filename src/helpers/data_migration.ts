/**
 * Data migrations over large tables: updates and copies done in batches of consecutive rowids, with
 * progress after every batch and a summary at the end.
 *
 * In an ordinary migration every batch is part of the migration's transaction: all of them are kept
 * or none. In a migration with `transaction: false` each batch commits on its own, so other
 * connections can write between batches and an interrupted run keeps the batches it finished; write
 * `where` so that it skips rows already done, and running the migration again finishes the job.
 *
 * @module
 */
import type { Row, SqlParam } from "../engines/engine.ts";
import { InvalidInputError } from "../shared/errors.ts";
import type { Executor } from "../core/executor.ts";
import { quoteName } from "../sql/tokens.ts";

/** Where a batched data migration stands, after each batch. */
export interface BatchProgress {
  /** The table being read. */
  table: string;
  /** Rows of the table visited so far. */
  rowsDone: number;
  /** Rows the table had when the migration started. */
  rowsTotal: number;
  /** Rows updated or inserted so far. */
  rowsChanged: number;
  /** Time since the start, in milliseconds. */
  elapsedMs: number;
  /** Rows visited per second so far. */
  rowsPerSecond: number;
  /** Estimated time left at that rate, in milliseconds; null before anything was measured. */
  remainingMs: number | null;
}

/** What a batched data migration did. */
export interface BatchSummary {
  /** The table that was read. */
  table: string;
  /** Rows visited. */
  rowsVisited: number;
  /** Rows updated or inserted. */
  rowsChanged: number;
  /** Statements run, one per batch. */
  batches: number;
  /** Time it took, in milliseconds. */
  durationMs: number;
}

/** Options every batched data migration takes. */
export interface BatchOptions {
  /** A condition on the rows to change (SQL, may use named parameters from `params`). @default all rows */
  where?: string;
  /** Named parameters for `where`, `set` and `columns`: `{ active: 1 }` for `$active` in the SQL. */
  params?: Record<string, SqlParam>;
  /** Rows visited per statement. @default {10000} */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (progress: BatchProgress) => void;
}

/** Options of {@link batchUpdate}. */
export interface BatchUpdateOptions extends BatchOptions {
  /** The table to update. */
  table: string;
  /** The assignments, as in `UPDATE … SET`: `"email = lower(email)"`. */
  set: string;
}

/** Options of {@link batchCopy}. */
export interface BatchCopyOptions extends BatchOptions {
  /** The table to read. */
  from: string;
  /** The table to insert into. */
  to: string;
  /** The columns of `to` to fill, each with a SQL expression over a row of `from`. */
  columns: Record<string, string>;
}

const LARGEST_ROWID = 9223372036854775807n;

/** The default of {@link BatchOptions.batchSize}: large enough that per-statement overhead is noise. */
const DEFAULT_BATCH_SIZE = 10_000;

/**
 * Updates a large table in batches of consecutive rowids, reporting progress after each.
 *
 * @returns How many rows were visited and changed.
 * @throws {InvalidInputError} for a batch size that is not a positive whole number, or a
 *   `WITHOUT ROWID` table (it has no rowids to batch by; update it in one statement).
 *
 * @example Lower-case every email, 1,000 rows at a time
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
 * import { batchUpdate } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (email TEXT); INSERT INTO users VALUES ('A@X'), ('b@x')");
 * await new MigrationManager(db).registerMigrations([{
 *   version: 1,
 *   description: "lower-case emails",
 *   up: async (db) => {
 *     const summary = await batchUpdate(db, { table: "users", set: "email = lower(email)", where: "email <> lower(email)", batchSize: 1000 });
 *     assert.equal(summary.rowsChanged, 1);
 *   },
 * }]).migrate();
 * db.close();
 * ```
 */
export function batchUpdate(db: Executor, options: BatchUpdateOptions): Promise<BatchSummary> {
  const statement = `UPDATE ${quoteName(options.table)} SET ${options.set}`;
  return db.group((inner) => inBatches(inner, { ...options, statement }));
}

/**
 * Copies rows from one table into another in batches of consecutive rowids of the source, reporting
 * progress after each. A `where` that skips rows already copied makes it safe to run again.
 *
 * @returns How many rows were visited and inserted.
 * @throws {InvalidInputError} for a batch size that is not a positive whole number, or a
 *   `WITHOUT ROWID` source table.
 *
 * @example Copy users into a new table, skipping those already there
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
 * import { batchCopy } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada'), (2, 'bob')");
 * db.exec("CREATE TABLE people (id INTEGER PRIMARY KEY, display_name TEXT)");
 * await new MigrationManager(db).registerMigrations([{
 *   version: 1,
 *   description: "copy users to people",
 *   up: async (db) => {
 *     await batchCopy(db, {
 *       from: "users",
 *       to: "people",
 *       columns: { id: "id", display_name: "upper(name)" },
 *       where: "id NOT IN (SELECT id FROM people)",
 *     });
 *   },
 * }]).migrate();
 * assert.equal(db.prepare("SELECT display_name FROM people WHERE id = 2").get()?.display_name, "BOB");
 * db.close();
 * ```
 */
export function batchCopy(db: Executor, options: BatchCopyOptions): Promise<BatchSummary> {
  const targets = Object.keys(options.columns).map(quoteName).join(", ");
  const sources = Object.values(options.columns).join(", ");
  const statement = `INSERT INTO ${quoteName(options.to)} (${targets}) SELECT ${sources} FROM ${
    quoteName(options.from)
  }`;
  return db.group((inner) => inBatches(inner, { ...options, table: options.from, statement }));
}

/**
 * Runs `statement`, limited to a batch of up to `batchSize` consecutive rowids of `table` (and to
 * `where`), until every row was visited. Each batch's end is found by seeking the rowid index, so
 * gaps in the rowids never make a batch larger or a step slower.
 */
async function inBatches(
  db: Executor,
  options: BatchOptions & { table: string; statement: string },
): Promise<BatchSummary> {
  const { table } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError(
      `batchSize must be a whole number of 1 or more; got ${batchSize}.`,
      "batchSize",
    );
  }
  const listed = await db.query(
    "SELECT wr FROM pragma_table_list WHERE name = ? COLLATE NOCASE AND schema = 'main'",
    table,
  );
  if (listed.length === 0 || Number(listed[0].wr) === 1) {
    throw new InvalidInputError(
      listed.length === 0
        ? `Cannot migrate the rows of ${table} in batches: there is no such table.`
        : `Cannot migrate the rows of ${table} in batches: it is a WITHOUT ROWID table, which has no rowids ` +
          `to batch by. Change it with one statement instead.`,
      "table",
    );
  }
  const name = quoteName(table);
  const sql = `${options.statement} WHERE rowid > $strata_after AND rowid <= $strata_last` +
    (options.where ? ` AND (${options.where})` : "");
  const bounds = (await db.query(`SELECT count(*) AS total, min(rowid) AS first FROM ${name}`))[0];
  const total = Number(bounds.total);
  const started = performance.now();
  let after: number | bigint = bounds.first === null ? 0 : Number(bounds.first) - 1;
  let done = 0;
  let changed = 0;
  let batches = 0;
  while (done < total) {
    const end: Row[] = await db.query(
      `SELECT rowid AS id FROM ${name} WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ?`,
      after,
      batchSize - 1,
    );
    const full = end.length > 0;
    const last = full ? Number(end[0].id) : LARGEST_ROWID;
    const result = await db.run(sql, { ...options.params, strata_after: after, strata_last: last });
    changed += result.changes;
    done = full ? done + batchSize : total;
    after = last;
    batches++;
    const elapsedMs = performance.now() - started;
    const rowsPerSecond = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    options.onProgress?.({
      table,
      rowsDone: done,
      rowsTotal: total,
      rowsChanged: changed,
      elapsedMs,
      rowsPerSecond,
      remainingMs: rowsPerSecond > 0 ? ((total - done) / rowsPerSecond) * 1000 : null,
    });
  }
  return { table, rowsVisited: done, rowsChanged: changed, batches, durationMs: performance.now() - started };
}
