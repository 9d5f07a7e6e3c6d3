/**
 * Adapter for Deno's built-in `node:sqlite` `DatabaseSync`, the embedded default engine.
 *
 * @module
 */
import { backup, type DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Row, RunResult, SqlConnection, SqlEngine, SqlParams, WriteTransaction } from "../engine.ts";
import { toSqliteError } from "./result_codes.ts";
import { bindValue, exactInteger, isPositional, toRow } from "./values.ts";

/** Whether a value has the shape of a `node:sqlite` `DatabaseSync`. */
export function isNodeSqliteDatabase(value: unknown): value is DatabaseSync {
  return typeof value === "object" && value !== null &&
    typeof (value as DatabaseSync).prepare === "function" &&
    typeof (value as DatabaseSync).exec === "function" &&
    "isTransaction" in value && "isOpen" in value;
}

function bindAll(params: SqlParams): SQLInputValue[] {
  if (isPositional(params)) return params.map((value) => bindValue(value) as SQLInputValue);
  const named: Record<string, SQLInputValue> = {};
  for (const [key, value] of Object.entries(params)) named[key] = bindValue(value) as SQLInputValue;
  // node:sqlite takes named parameters as one object in the first position.
  return [named as unknown as SQLInputValue];
}

/**
 * Prepares a statement that reads integers exactly and rows as objects, whatever the options the
 * caller opened the database with (`readBigInts`, `returnArrays`).
 */
function prepare(db: DatabaseSync, sql: string): StatementSync {
  const statement = db.prepare(sql);
  statement.setReadBigInts(true);
  // Present at run time, missing from Deno's types of node:sqlite.
  (statement as StatementSync & { setReturnArrays?(enabled: boolean): void }).setReturnArrays?.(false);
  return statement;
}

/** Runs SQL on a `DatabaseSync`; shared by the engine and its transactions, which use one connection. */
class NodeSqliteConnection implements SqlConnection {
  protected readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  exec(sql: string): Promise<void> {
    return settle(() => this.db.exec(sql));
  }

  query(sql: string, params: SqlParams): Promise<Row[]> {
    return settle(() => {
      return prepare(this.db, sql).all(...bindAll(params)).map((row) => toRow(row));
    });
  }

  run(sql: string, params: SqlParams): Promise<RunResult> {
    return settle(() => {
      const result = prepare(this.db, sql).run(...bindAll(params));
      return {
        changes: Number(result.changes),
        lastInsertRowId: exactInteger(BigInt(result.lastInsertRowid)),
      };
    });
  }
}

class NodeSqliteTransaction extends NodeSqliteConnection implements WriteTransaction {
  commit(): Promise<void> {
    return this.exec("COMMIT");
  }

  rollback(): Promise<void> {
    return settle(() => {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
    });
  }

  isOpen(): Promise<boolean> {
    return Promise.resolve(this.db.isTransaction);
  }
}

/** The {@link SqlEngine} over a `node:sqlite` `DatabaseSync` the caller opened and still owns. */
export class NodeSqliteEngine extends NodeSqliteConnection implements SqlEngine {
  /** Engine name used in messages. */
  readonly name = "node:sqlite";

  /** Wraps an open `DatabaseSync`; the caller keeps ownership and closes it. */
  constructor(db: DatabaseSync) {
    super(db);
  }

  /** Takes the write lock with `BEGIN IMMEDIATE`. */
  async beginWrite(): Promise<WriteTransaction> {
    await this.exec("BEGIN IMMEDIATE");
    return new NodeSqliteTransaction(this.db);
  }

  /** Whether the caller left a transaction open on this connection. */
  inTransaction(): Promise<boolean> {
    return Promise.resolve(this.db.isTransaction);
  }

  /** Copies the database with node:sqlite's online backup (no `ATTACH`, so no `-A` needed). */
  async backup(destination: string): Promise<void> {
    await backup(this.db, destination);
  }
}

/** Runs a synchronous call and turns its result, or its error as a `SqliteError`, into a promise. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toSqliteError(error));
  }
}
