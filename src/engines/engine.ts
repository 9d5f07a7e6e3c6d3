/**
 * The engine boundary: the few operations the manager needs from a SQLite connection. Every adapter
 * (node:sqlite, @db/sqlite, libSQL, …) implements these, and nothing above this file knows which engine
 * it talks to. All methods are async so remote engines fit the same shape as embedded ones.
 *
 * @module
 */

/** A value SQLite stores: NULL, INTEGER (number or bigint), REAL, TEXT or BLOB. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** A value accepted as a statement parameter; normalised to a {@link SqlValue} by the executor. */
export type SqlParam = SqlValue | boolean | undefined | Date;

/** Positional parameters, or one object of named ones (`$name`, `:name` or `@name` in the SQL). */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/** One result row: column name to value, as a plain object. */
export type Row = Record<string, SqlValue>;

/** What a data-changing statement did. */
export interface StatementResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  /** Rowid of the last inserted row on this connection. */
  lastInsertRowId: number | bigint;
}

/** A connection or transaction that runs SQL. */
export interface SqlConnection {
  /** Runs one or many statements, separated by semicolons, as one script. */
  exec(sql: string): Promise<void>;
  /**
   * Whether a migration's script is best handed to {@link exec} whole: true for a server, where each
   * call is a round trip. Otherwise the script is run one statement at a time, which takes time
   * linear in its length on every embedded engine (one `exec` of a long script does not).
   * @default {false}
   */
  readonly execScriptsWhole?: boolean;
  /** Runs one statement and returns its rows. */
  query(sql: string, params: SqlParams): Promise<Row[]>;
  /** Runs one statement and returns what it changed. */
  run(sql: string, params: SqlParams): Promise<StatementResult>;
}

/**
 * What a statement is about to do, as SQLite's authorizer reports it while preparing the statement,
 * for the actions that can end or escape a transaction.
 */
export type GuardedAction =
  | { kind: "transaction"; operation: string }
  | { kind: "savepoint"; operation: string; name: string }
  | { kind: "pragma"; name: string; value: string | null }
  | { kind: "attach" }
  | { kind: "detach"; name: string };

/**
 * Decides, for an action SQLite is about to prepare, why it must be refused (the reason becomes the
 * statement's error message), or null to allow it.
 */
export type StatementGuard = (action: GuardedAction) => string | null;

/** A write transaction, holding the database's write lock until it ends. */
export interface WriteTransaction extends SqlConnection {
  /** Makes every change since the transaction began durable. */
  commit(): Promise<void>;
  /** Discards every change since the transaction began, and releases the lock. */
  rollback(): Promise<void>;
  /**
   * Whether the transaction is still open: SQL run inside it may have ended it (a trigger's
   * `RAISE(ROLLBACK)`, `INSERT OR ROLLBACK`). Cheap enough to ask after every statement.
   */
  isOpen(): Promise<boolean>;
  /**
   * Has SQLite itself refuse, when it prepares them, the statements `guard` gives a reason for, until
   * called again with null. Present only where the engine exposes SQLite's authorizer; elsewhere the
   * toolkit reads each statement's leading keywords instead.
   */
  guard?(guard: StatementGuard | null): void;
  /**
   * Queues one statement whose result nobody reads, to run before the next call's statements, in the
   * same round trip on a remote server. If it fails, that call rejects saying so and the transaction
   * is rolled back. Engines without round trips to save leave it out; see {@link runUnobserved}.
   */
  defer?(sql: string, params: SqlParams): void;
}

/**
 * Runs one statement whose result is not needed: queued with {@link WriteTransaction.defer} where the
 * connection has it, else run (`exec()` without parameters) and awaited.
 */
export async function runUnobserved(db: SqlConnection, sql: string, params: SqlParams = []): Promise<void> {
  const deferring = db as Partial<WriteTransaction>;
  if (typeof deferring.defer === "function") deferring.defer(sql, params);
  else if (Array.isArray(params) && params.length === 0) await db.exec(sql);
  else await db.run(sql, params);
}

/** An open database, as the manager sees it. */
export interface SqlEngine extends SqlConnection {
  /** Name of the engine, for messages (`"node:sqlite"`). */
  readonly name: string;
  /**
   * Starts a write transaction, taking the write lock up front (`BEGIN IMMEDIATE`), waiting as long as
   * the connection's busy timeout allows for another connection to release it.
   */
  beginWrite(): Promise<WriteTransaction>;
  /** Whether the connection is inside a transaction its owner started. */
  inTransaction(): Promise<boolean>;
  /**
   * Writes a consistent copy of the database to a new file with SQLite's online backup API.
   * Engines without one leave it out, and backups are refused with a clear error.
   */
  backup?(destination: string): Promise<void>;
}

/**
 * An error SQLite reported, in the same shape on every engine: the message SQLite gave (without an
 * engine's prefix), and its result code when the engine reports one. Adapters throw it for every
 * failure of SQL, so a migration can catch it the same way on any engine.
 *
 * @example Tell a constraint violation from other failures
 * ```ts
 * import { SqliteError } from "../../mod.ts";
 *
 * const error = new SqliteError("UNIQUE constraint failed: users.email", {
 *   code: "SQLITE_CONSTRAINT",
 *   extendedCode: 2067,
 * });
 * console.log(error.code === "SQLITE_CONSTRAINT"); // true
 * ```
 */
export class SqliteError extends Error {
  /** The primary result code, such as `"SQLITE_CONSTRAINT"`; undefined when the engine gave none. */
  readonly code?: string;
  /** The extended result code, such as `2067` (`SQLITE_CONSTRAINT_UNIQUE`); undefined when not given. */
  readonly extendedCode?: number;

  /** Creates the error; `cause` keeps the engine's own error. */
  constructor(message: string, details: { code?: string; extendedCode?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = "SqliteError";
    this.code = details.code;
    this.extendedCode = details.extendedCode;
  }
}

/** Whether an error from an engine means "another connection holds the lock". */
export function isBusyError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /database is locked|SQLITE_BUSY|database table is locked/i.test(message);
}
