/**
 * Recognises the database objects users pass in and wraps each in its engine adapter. No engine's
 * package is imported: each object is told by its shape, in an order that keeps the overlapping
 * shapes apart (all have `prepare()` and `exec()` but a libSQL client).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SqlEngine } from "./engine.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { type BetterSqliteDatabase, BetterSqliteEngine, isBetterSqliteDatabase } from "./better_sqlite.ts";
import { type DbSqliteDatabase, DbSqliteEngine, isDbSqliteDatabase } from "./db_sqlite.ts";
import { LibsqlClientEngine } from "./libsql_client.ts";
import { isLibsqlClient, type LibsqlClient } from "./libsql_shape.ts";
import { isNodeSqliteDatabase, NodeSqliteEngine } from "./node_sqlite.ts";

/**
 * A database the manager accepts: a `node:sqlite` `DatabaseSync`, a `@db/sqlite` `Database`, a
 * better-sqlite3-compatible `Database` (`npm:libsql`, `npm:better-sqlite3`), a libSQL client
 * (`npm:@libsql/client`), or any {@link SqlEngine}.
 */
export type DatabaseInput =
  | SqlEngine
  | DatabaseSync
  | DbSqliteDatabase
  | BetterSqliteDatabase
  | LibsqlClient;

/** Whether a value already is a {@link SqlEngine}. */
function isSqlEngine(value: unknown): value is SqlEngine {
  const engine = value as Partial<SqlEngine> | null;
  return typeof engine === "object" && engine !== null && typeof engine.beginWrite === "function" &&
    typeof engine.query === "function" && typeof engine.run === "function" &&
    typeof engine.exec === "function";
}

/**
 * Wraps a database object in the adapter for its engine. `busyTimeoutMs` is the wait for another
 * connection's write lock where the adapter does the waiting (a libSQL client); the other engines
 * wait as their connection's `PRAGMA busy_timeout` says.
 *
 * @throws {InvalidInputError} when the object is not a database the toolkit knows.
 */
export function toEngine(db: unknown, options: { busyTimeoutMs?: number } = {}): SqlEngine {
  if (isSqlEngine(db)) return db;
  // node:sqlite first: only it has `isTransaction`; then @db/sqlite (`int64`, `autocommit`), which
  // better-sqlite3 lacks; then better-sqlite3 (`pragma()`); a libSQL client has no `prepare()`.
  if (isNodeSqliteDatabase(db)) return new NodeSqliteEngine(db);
  if (isDbSqliteDatabase(db)) return new DbSqliteEngine(db);
  if (isBetterSqliteDatabase(db)) return new BetterSqliteEngine(db);
  if (isLibsqlClient(db)) return new LibsqlClientEngine(db, { busyTimeoutMs: options.busyTimeoutMs });
  throw new InvalidInputError(
    `Expected an open database (a node:sqlite DatabaseSync, a @db/sqlite Database, an npm:libsql or ` +
      `better-sqlite3 Database, or a @libsql/client Client); got ${
        db === null ? "null" : typeof db === "object" ? (db.constructor?.name ?? "an object") : typeof db
      }.`,
    "db",
  );
}
