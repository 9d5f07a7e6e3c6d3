/**
 * Reading a schema through any database handle the schema tools take: a migration's
 * {@link Executor}, an engine's connection or transaction ({@link SqlConnection}), or any database
 * the manager accepts ({@link DatabaseInput}). Their `query` methods take parameters differently;
 * {@link queryFunction} gives all of them one shape.
 *
 * @module
 */
import type { SqlConnection } from "../engines/engine.ts";
import { type DatabaseInput, toEngine } from "../engines/detect.ts";
import type { Executor } from "../core/executor.ts";
import { DEFAULT_HISTORY_TABLE } from "../core/history.ts";
import {
  type DatabaseSchema,
  type QueryFunction,
  readSchemaWith,
  readTableSchemaWith,
  type TableSchema,
} from "../sql/schema_model.ts";

/** A database to read: a migration's executor, a connection or transaction, or any database the manager accepts. */
export type SqlSource = Executor | SqlConnection | DatabaseInput;

/** The query function of any {@link SqlSource}. */
export function queryFunction(source: SqlSource): QueryFunction {
  if (isExecutor(source)) return (sql, params = []) => source.query(sql, ...params);
  const connection = isConnection(source) ? source : toEngine(source);
  return (sql, params = []) => connection.query(sql, params);
}

function isExecutor(source: SqlSource): source is Executor {
  return typeof (source as Partial<Executor>).tableExists === "function";
}

/** An engine, or a transaction of one: the toolkit's own interface, used as it is. */
function isConnection(source: SqlSource): source is SqlConnection {
  const candidate = source as Partial<SqlConnection> & { prepare?: unknown };
  return typeof candidate.query === "function" && typeof candidate.run === "function" &&
    typeof candidate.exec === "function" && candidate.prepare === undefined;
}

/** Options of {@link readSchema}. */
export interface ReadSchemaOptions {
  /**
   * The migration history table, left out of the schema together with its `<name>_runs` run log.
   * @default {"strata_migrations"}
   */
  historyTable?: string;
}

/**
 * Reads a database's schema into a {@link DatabaseSchema}.
 *
 * @param db A `DatabaseSync`, an engine, or a migration's executor.
 * @returns The schema, every list sorted by name so equal schemas give equal values.
 *
 * @example Read the columns of a table
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readSchema } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)");
 * const schema = await readSchema(db);
 * assert.deepEqual(schema.tables[0].columns.map((c) => `${c.name} ${c.type}`), ["id INTEGER", "email TEXT"]);
 * assert.deepEqual(schema.tables[0].uniques, [["email"]]);
 * db.close();
 * ```
 */
export function readSchema(db: SqlSource, options: ReadSchemaOptions = {}): Promise<DatabaseSchema> {
  return readSchemaWith(queryFunction(db), options.historyTable ?? DEFAULT_HISTORY_TABLE);
}

/**
 * Reads one table's schema, whatever the case of its name; undefined when there is no such table.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readTableSchema } from "./read_schema.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)");
 * assert.equal((await readTableSchema(db, "USERS"))?.columns[1].collate, "NOCASE");
 * db.close();
 * ```
 */
export function readTableSchema(db: SqlSource, name: string): Promise<TableSchema | undefined> {
  return readTableSchemaWith(queryFunction(db), name);
}
