/**
 * Adapter for a `@db/sqlite` (`jsr:@db/sqlite`, the FFI binding) `Database` the user opened. The
 * package is never imported: its object is recognised by its shape, so the toolkit needs neither JSR
 * nor FFI permissions unless the user's app already has them.
 *
 * What differs from the other engines, and what the adapter does about it:
 * - integers read as 32-bit unless the database was opened with `int64`: every call runs with `int64`
 *   on (and `parseJson` off, so a JSON column reads as its text), restored afterwards;
 * - `run()` returns the number of changes and `lastInsertRowId` is 32-bit: `last_insert_rowid()`
 *   is read with SQL instead;
 * - its `transaction()` is synchronous, so an async migration would be committed at its first
 *   `await`: the adapter issues `BEGIN IMMEDIATE` and `COMMIT` itself;
 * - errors are plain `Error`s with only a message: they become `SqliteError`s without a code;
 * - named parameters are looked up as `:name` when the key has no `$`, `:` or `@`, so `$x` and `@x`
 *   would never bind from `{ x }`: each of the statement's parameters is bound by the name SQLite
 *   gives it (`bindParameterName()`);
 * - `finalize()` after a failed statement throws a `SqliteError` of its own ("19: constraint failed"),
 *   which would hide the real error: after a failure, the statement is finalized quietly.
 *
 * @module
 */
import type { SqlParams, SqlValue } from "./engine.ts";
import { toSqliteError } from "./result_codes.ts";
import { type SyncDriver, SyncEngine } from "./sync_engine.ts";
import { bareNamed, exactInteger, isPositional, toRow } from "./values.ts";

/** The parts of a `@db/sqlite` `Statement` the adapter uses. */
export interface DbSqliteStatement {
  /** How many parameters the statement has (the largest index). */
  readonly bindParameterCount: number;
  /** The name of parameter `index` (from 1) as written, with its `$`, `:` or `@`. */
  bindParameterName(index: number): string;
  /** Runs the statement and returns every row as an object. */
  all(...params: unknown[]): Record<string, unknown>[];
  /** Runs the statement and returns the number of rows it changed. */
  run(...params: unknown[]): number;
  /** Frees the statement. */
  finalize(): void;
}

/** The parts of a `@db/sqlite` `Database` (0.13) the adapter uses; a real `Database` has them all. */
export interface DbSqliteDatabase {
  /** Whether INTEGER columns read as 64-bit; the adapter turns it on for its own calls. */
  int64: boolean;
  /** Whether JSON columns are parsed; the adapter turns it off for its own calls. */
  parseJson: boolean;
  /** `false` between `BEGIN` and the end of the transaction. */
  readonly autocommit: boolean;
  /** Whether a transaction is open. */
  readonly inTransaction: boolean;
  /** Rowid of the last insert, as 32 bits (the adapter reads `last_insert_rowid()` instead). */
  readonly lastInsertRowId: number;
  /** Runs one or many statements; returns the number of changes. */
  exec(sql: string, ...params: unknown[]): number;
  /** Prepares one statement. */
  prepare(sql: string): DbSqliteStatement;
  /** Closes the database. */
  close(): void;
}

/**
 * Whether a value has the shape of a `@db/sqlite` `Database`: `int64` and `autocommit` tell it from
 * node:sqlite (`isTransaction`) and better-sqlite3 (`pragma()`), which have neither.
 */
export function isDbSqliteDatabase(value: unknown): value is DbSqliteDatabase {
  const db = value as Partial<DbSqliteDatabase> | null;
  return typeof db === "object" && db !== null && typeof db.prepare === "function" &&
    typeof db.exec === "function" && typeof db.int64 === "boolean" && "autocommit" in db &&
    "lastInsertRowId" in db;
}

/**
 * The arguments for a statement: positional values as they are (@db/sqlite binds safe integers as
 * INTEGER itself), or one object keyed by each named parameter's own name, `$x`, `:x` or `@x`.
 */
function bindAll(statement: DbSqliteStatement, params: SqlParams): unknown[] {
  if (isPositional(params)) return [...params];
  const values = bareNamed(params, (value: SqlValue) => value);
  const named: Record<string, unknown> = {};
  for (let index = 1; index <= statement.bindParameterCount; index++) {
    // A `?` has no name (the binding cannot read it): only named parameters are bound by name.
    const name = nameOf(statement, index);
    if (name !== null && name[0] !== "?" && name.slice(1) in values) named[name] = values[name.slice(1)];
  }
  return [named];
}

function nameOf(statement: DbSqliteStatement, index: number): string | null {
  try {
    return statement.bindParameterName(index) || null;
  } catch {
    return null;
  }
}

/** The driver of a `@db/sqlite` `Database`. */
function dbSqliteDriver(db: DbSqliteDatabase): SyncDriver {
  const statement = <T>(sql: string, use: (statement: DbSqliteStatement) => T): T => {
    const prepared = db.prepare(sql);
    let result: T;
    try {
      result = use(prepared);
    } catch (error) {
      try {
        prepared.finalize();
      } catch {
        // It reports the failure just thrown, again, under a generic message.
      }
      throw error;
    }
    prepared.finalize();
    return result;
  };
  return {
    exec: (sql) => {
      db.exec(sql);
    },
    query: (sql, params) => statement(sql, (s) => s.all(...bindAll(s, params))).map((row) => toRow(row)),
    run: (sql, params) => {
      const changes = statement(sql, (s) => s.run(...bindAll(s, params)));
      const id = statement("SELECT last_insert_rowid() AS id", (s) => s.all())[0].id;
      return { changes, lastInsertRowId: typeof id === "bigint" ? exactInteger(id) : Number(id) };
    },
    inTransaction: () => db.inTransaction,
    call: (work) => {
      const { int64, parseJson } = db;
      db.int64 = true;
      db.parseJson = false;
      try {
        return work();
      } finally {
        db.int64 = int64;
        db.parseJson = parseJson;
      }
    },
    error: (error) => toSqliteError(error, { plainErrors: true }),
  };
}

/** The {@link SqlEngine} over a `@db/sqlite` `Database` the caller opened and still owns. */
export class DbSqliteEngine extends SyncEngine {
  /** Wraps an open `Database`; the caller keeps ownership and closes it. */
  constructor(db: DbSqliteDatabase) {
    super("@db/sqlite", dbSqliteDriver(db));
  }
}
