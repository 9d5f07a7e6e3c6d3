/**
 * The executor handed to `up()` and `down()`: the same small API on every engine. Calls run in the
 * order they were made, and a call the migration forgot to `await` is still waited for, and its error
 * still fails the migration, before the migration's transaction is committed.
 *
 * @module
 */
import type { Row, RunResult, SqlConnection, SqlParam, SqlParams, SqlValue } from "./engine.ts";
import { splitStatements, transactionConflict } from "./sql_script.ts";

/** What a migration's `up()` and `down()` receive. */
export interface Executor {
  /** Runs one or many statements as a script (semicolons in strings, triggers and comments are fine). */
  exec(sql: string): Promise<void>;
  /**
   * Runs one statement and returns its rows as plain objects.
   * Parameters are positional (`?`), or one object of named ones (`$name`).
   */
  query<T extends Row = Row>(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<T[]>;
  /** Runs one statement and returns `{ changes, lastInsertRowId }`. */
  run(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<RunResult>;
  /** Whether a table or view of this name exists. */
  tableExists(name: string): Promise<boolean>;
  /** Whether a table has a column of this name. */
  columnExists(table: string, column: string): Promise<boolean>;
  /** Whether an index of this name exists. */
  indexExists(name: string): Promise<boolean>;
}

/** Turns a parameter into a value every engine binds the same way. */
export function normalizeParam(value: SqlParam): SqlValue {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function normalizeParams(params: readonly unknown[]): SqlParams {
  const only = params[0];
  if (params.length === 1 && isNamedParams(only)) {
    const named: Record<string, SqlValue> = {};
    for (const [key, value] of Object.entries(only)) named[key] = normalizeParam(value as SqlParam);
    return named;
  }
  return params.map((value) => normalizeParam(value as SqlParam));
}

function isNamedParams(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Date) &&
    !(value instanceof Uint8Array) && !Array.isArray(value);
}

/**
 * A promise that knows whether anyone awaited it, so the executor can tell a call the migration
 * handled itself (awaited, maybe inside try/catch) from one it forgot.
 */
class TrackedPromise<T> extends Promise<T> {
  observed = false;

  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

/** An {@link Executor} over one connection, for the span of one migration. */
export class MigrationExecutor implements Executor {
  #connection: SqlConnection;
  #tail: Promise<unknown> = Promise.resolve();
  #calls: TrackedPromise<unknown>[] = [];
  #statements = 0;
  #transactional: boolean;

  /**
   * Runs the migration's SQL on `connection`. When `transactional`, statements that would end the
   * migration's transaction or that SQLite refuses inside one are rejected before they run.
   */
  constructor(connection: SqlConnection, options: { transactional: boolean }) {
    this.#connection = connection;
    this.#transactional = options.transactional;
  }

  /** How many calls the migration made. */
  get statementCount(): number {
    return this.#statements;
  }

  exec(sql: string): Promise<void> {
    return this.#enqueue(sql, () => this.#connection.exec(sql));
  }

  query<T extends Row = Row>(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<T[]> {
    return this.#enqueue(sql, () => this.#connection.query(sql, normalizeParams(params)) as Promise<T[]>);
  }

  run(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<RunResult> {
    return this.#enqueue(sql, () => this.#connection.run(sql, normalizeParams(params)));
  }

  async tableExists(name: string): Promise<boolean> {
    const rows = await this.query(
      "SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
      name,
    );
    return rows.length > 0;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const rows = await this.query(
      "SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE",
      table,
      column,
    );
    return rows.length > 0;
  }

  async indexExists(name: string): Promise<boolean> {
    const rows = await this.query(
      "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ? COLLATE NOCASE",
      name,
    );
    return rows.length > 0;
  }

  /**
   * Waits for every call the migration made. Throws the error of the first call nobody awaited that
   * failed: such an error would otherwise be lost and the migration committed half done.
   */
  async settle(): Promise<void> {
    await this.#tail;
    for (const call of this.#calls) {
      if (!call.observed) await call;
    }
  }

  #enqueue<T>(sql: string, work: () => Promise<T>): Promise<T> {
    this.#statements++;
    const guarded = () => {
      if (this.#transactional) rejectTransactionConflicts(sql);
      return work();
    };
    const run = this.#tail.then(guarded, guarded);
    this.#tail = run.then(noop, noop);
    const tracked = new TrackedPromise<T>((resolve, reject) => {
      Promise.prototype.then.call(run, resolve, reject);
    });
    // Mark the rejection as handled for the runtime; settle() still reports it if nobody else did.
    Promise.prototype.then.call(tracked, undefined, noop);
    this.#calls.push(tracked as TrackedPromise<unknown>);
    return tracked;
  }
}

function noop(): void {}

function rejectTransactionConflicts(sql: string): void {
  for (const statement of splitStatements(sql)) {
    const conflict = transactionConflict(statement);
    if (conflict) {
      const shown = statement.text.length > 60 ? `${statement.text.slice(0, 57)}...` : statement.text;
      throw new Error(
        `"${shown}" cannot run in this migration: ${conflict}. Nothing of it ran. A migration that needs ` +
          `it must run outside a transaction: set \`transaction: false\` on it (in a .sql file, ` +
          `\`-- migrate:up transaction:false\`).`,
      );
    }
  }
}
