/**
 * Adapter for better-sqlite3-compatible databases: `npm:libsql`'s `Database` (libSQL's embedded
 * engine, a Node-API addon), and any other object of that API. `npm:better-sqlite3` itself does not
 * load in Deno 2.9 (a legacy NAN addon). Recognised by shape; the packages are never imported.
 *
 * What differs from the other engines, and what the adapter does about it:
 * - npm:libsql binds every JS number as REAL: safe integers are bound as bigints;
 * - both refuse booleans, `undefined` and `Date` (npm:libsql aborts the process on a boolean): the
 *   executor never passes them;
 * - npm:libsql takes a single `Uint8Array` argument for named parameters and aborts, and a `$name`
 *   key too: parameters are passed as one array, or one object of bare names;
 * - integers beyond 2^53 read back rounded, and `lastInsertRowid` is rounded even with
 *   `safeIntegers()`: statements read with `safeIntegers(true)`, and the rowid with SQL;
 * - npm:libsql adds a `_metadata` key to the row of `get()`: rows are read with `all()`, which has none.
 *
 * @module
 */
import type { Row, SqlParams } from "./engine.ts";
import { toSqliteError } from "./result_codes.ts";
import { type SyncDriver, SyncEngine } from "./sync_engine.ts";
import { bareNamed, bindValue, isPositional, toRow } from "./values.ts";

/** The parts of a better-sqlite3 `Statement` the adapter uses. */
export interface BetterSqliteStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean;
  /** Reads integers as bigints (`true`) or numbers. */
  safeIntegers(enabled?: boolean): unknown;
  /** Runs the statement and returns every row as an object. */
  all(...params: unknown[]): unknown[];
  /** Runs a statement that returns no rows. */
  run(...params: unknown[]): unknown;
}

/** The parts of a better-sqlite3-compatible `Database` the adapter uses. */
export interface BetterSqliteDatabase {
  /** Whether a transaction is open. */
  readonly inTransaction: boolean;
  /** Prepares one statement. */
  prepare(sql: string): BetterSqliteStatement;
  /** Runs one or many statements. */
  exec(sql: string): unknown;
  /** Reads or sets a PRAGMA; its presence tells this API from the others. */
  pragma(source: string, options?: unknown): unknown;
}

/** Whether a value has the shape of a better-sqlite3-compatible `Database` (npm:libsql, better-sqlite3). */
export function isBetterSqliteDatabase(value: unknown): value is BetterSqliteDatabase {
  const db = value as Partial<BetterSqliteDatabase> | null;
  return typeof db === "object" && db !== null && typeof db.prepare === "function" &&
    typeof db.exec === "function" && typeof db.pragma === "function" && "inTransaction" in db;
}

/**
 * The one argument to pass: an array of positional values or an object of bare names. A BLOB goes as
 * the plain `Uint8Array` it is, no `Buffer` needed (nor `node:buffer`, which costs every start-up):
 * better-sqlite3 binds whatever `node::Buffer::HasInstance()` accepts, any `Uint8Array`, and
 * npm:libsql binds a `Uint8Array` as it does a `Buffer`.
 */
function bindAll(params: SqlParams): unknown {
  return isPositional(params) ? params.map(bindValue) : bareNamed(params);
}

/** The driver of a better-sqlite3-compatible `Database`. */
function betterSqliteDriver(db: BetterSqliteDatabase): SyncDriver {
  const readAll = (statement: BetterSqliteStatement, params: SqlParams): Row[] => {
    statement.safeIntegers(true);
    return statement.all(bindAll(params)).map((row) => toRow(row as object));
  };
  return {
    exec: (sql) => {
      db.exec(sql);
    },
    query: (sql, params) => readAll(db.prepare(sql), params),
    run: (sql, params) => {
      const statement = db.prepare(sql);
      // A statement with RETURNING must be stepped to its end for its changes to count.
      if (statement.reader) readAll(statement, params);
      else statement.run(bindAll(params));
      const [counts] = readAll(db.prepare("SELECT changes() AS changes, last_insert_rowid() AS id"), []);
      return { changes: Number(counts.changes), lastInsertRowId: counts.id as number | bigint };
    },
    inTransaction: () => db.inTransaction,
    call: (work) => work(),
    error: (error) => toSqliteError(error),
  };
}

/** The {@link SqlEngine} over a better-sqlite3-compatible `Database` the caller opened and still owns. */
export class BetterSqliteEngine extends SyncEngine {
  /** Wraps an open `Database`; the caller keeps ownership and closes it. */
  constructor(db: BetterSqliteDatabase) {
    super("better-sqlite3", betterSqliteDriver(db));
  }
}
