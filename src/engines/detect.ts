/**
 * Recognises the database objects users pass in and wraps each in its engine adapter.
 *
 * @module
 */
import type { SqlEngine } from "../engine.ts";
import { InvalidInputError } from "../errors.ts";
import { isNodeSqliteDatabase, NodeSqliteEngine } from "./node_sqlite.ts";

/** A database the manager accepts: a `node:sqlite` `DatabaseSync`, or any {@link SqlEngine}. */
export type DatabaseInput = SqlEngine | import("node:sqlite").DatabaseSync;

/** Whether a value already is a {@link SqlEngine}. */
function isSqlEngine(value: unknown): value is SqlEngine {
  const engine = value as Partial<SqlEngine> | null;
  return typeof engine === "object" && engine !== null && typeof engine.beginWrite === "function" &&
    typeof engine.query === "function" && typeof engine.run === "function" &&
    typeof engine.exec === "function";
}

/**
 * Wraps a database object in the adapter for its engine.
 *
 * @throws {InvalidInputError} when the object is not a database the toolkit knows.
 */
export function toEngine(db: unknown): SqlEngine {
  if (isSqlEngine(db)) return db;
  if (isNodeSqliteDatabase(db)) return new NodeSqliteEngine(db);
  throw new InvalidInputError(
    `Expected an open database (a node:sqlite DatabaseSync); got ${
      db === null ? "null" : typeof db === "object" ? (db.constructor?.name ?? "an object") : typeof db
    }.`,
    "db",
  );
}
