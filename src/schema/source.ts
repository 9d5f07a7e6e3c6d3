/**
 * The database handles the schema tools read through: a migration's {@link Executor}, an engine's
 * connection or transaction ({@link SqlConnection}), or any database the manager accepts
 * ({@link DatabaseInput}). Their `query` methods take parameters differently; {@link queryFunction}
 * gives all of them one shape.
 *
 * @module
 */
import type { Row, SqlConnection, SqlValue } from "../engines/engine.ts";
import { type DatabaseInput, toEngine } from "../engines/detect.ts";
import type { Executor } from "../core/executor.ts";

/** A database to read: a migration's executor, a connection or transaction, or any database the manager accepts. */
export type SqlSource = Executor | SqlConnection | DatabaseInput;

/** Runs one statement with positional parameters and returns its rows. */
export type QueryFunction = (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;

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
