/**
 * Adapter for Deno's built-in `node:sqlite` `DatabaseSync`, the embedded default engine.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { Row, RunResult, SqlConnection, SqlEngine, SqlParams, WriteTransaction } from "../engine.ts";

/** Whether a value has the shape of a `node:sqlite` `DatabaseSync`. */
export function isNodeSqliteDatabase(value: unknown): value is DatabaseSync {
  return typeof value === "object" && value !== null &&
    typeof (value as DatabaseSync).prepare === "function" &&
    typeof (value as DatabaseSync).exec === "function" &&
    "isTransaction" in value && "isOpen" in value;
}

/**
 * node:sqlite binds every JS number as REAL, so `1` stored in an untyped column reads back as `1.0`
 * in SQL. Binding safe integers as bigint keeps them INTEGER, as every other engine does.
 */
function bindable(value: unknown): SQLInputValue {
  return typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value as SQLInputValue;
}

function bindAll(params: SqlParams): SQLInputValue[] {
  if (Array.isArray(params)) return params.map(bindable);
  const named: Record<string, SQLInputValue> = {};
  for (const [key, value] of Object.entries(params)) named[key] = bindable(value);
  // node:sqlite takes named parameters as one object in the first position.
  return [named as unknown as SQLInputValue];
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
      const rows = this.db.prepare(sql).all(...bindAll(params));
      return rows.map((row) => ({ ...row }) as Row);
    });
  }

  run(sql: string, params: SqlParams): Promise<RunResult> {
    return settle(() => {
      const result = this.db.prepare(sql).run(...bindAll(params));
      return { changes: Number(result.changes), lastInsertRowId: result.lastInsertRowid };
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
}

/** Runs a synchronous call and turns its result or exception into a promise. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
