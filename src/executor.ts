/**
 * The executor handed to `up()` and `down()`: the same small API on every engine. Calls run in the
 * order they were made, and a call the migration forgot to `await` is still waited for, and its error
 * still fails the migration, before the migration's transaction is committed.
 *
 * @module
 */
import type { Row, RunResult, SqlConnection, SqlParam, SqlParams, SqlValue } from "./engine.ts";
import { splitStatements, transactionConflict } from "./sql_script.ts";
import type { BatchCopyOptions, BatchSummary, BatchUpdateOptions } from "./data_migration.ts";
import type { RebuildResult, TableChange } from "./rebuild.ts";

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
  /**
   * Changes a table in a way `ALTER TABLE` cannot (drop or retype a column, add a constraint or a
   * foreign key, reorder columns) by rebuilding it with SQLite's 12-step procedure, keeping its rows,
   * indexes and triggers. See {@link rebuildTable}.
   */
  rebuildTable(table: string, change: TableChange): Promise<RebuildResult>;
  /** Updates a large table in batches by rowid range, with progress. See {@link batchUpdate}. */
  batchUpdate(options: BatchUpdateOptions): Promise<BatchSummary>;
  /** Copies rows between tables in batches by rowid range, with progress. See {@link batchCopy}. */
  batchCopy(options: BatchCopyOptions): Promise<BatchSummary>;
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
  #mentionsReferences = false;
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

  /**
   * Whether any statement the migration ran, or any text bound to one, contains the word
   * `REFERENCES`: a foreign key cannot be declared without it, so a migration for which this is
   * false added none.
   */
  get mentionsReferences(): boolean {
    return this.#mentionsReferences;
  }

  exec(sql: string): Promise<void> {
    return this.#enqueue(sql, [], () => this.#connection.exec(sql));
  }

  query<T extends Row = Row>(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<T[]> {
    return this.#enqueue(
      sql,
      params,
      () => this.#connection.query(sql, normalizeParams(params)) as Promise<T[]>,
    );
  }

  run(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<RunResult> {
    return this.#enqueue(sql, params, () => this.#connection.run(sql, normalizeParams(params)));
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

  rebuildTable(table: string, change: TableChange): Promise<RebuildResult> {
    return this.#enqueueHelper(async (db) => (await import("./rebuild.ts")).rebuildTable(db, table, change));
  }

  batchUpdate(options: BatchUpdateOptions): Promise<BatchSummary> {
    return this.#enqueueHelper(async (db) => (await import("./data_migration.ts")).batchUpdate(db, options));
  }

  batchCopy(options: BatchCopyOptions): Promise<BatchSummary> {
    return this.#enqueueHelper(async (db) => (await import("./data_migration.ts")).batchCopy(db, options));
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

  #enqueue<T>(sql: string, params: readonly unknown[], work: () => Promise<T>): Promise<T> {
    this.#statements++;
    this.#mentionsReferences ||= REFERENCES.test(sql) || params.some(mentionsReferences);
    return this.#schedule(() => {
      if (this.#transactional) rejectTransactionConflicts(sql);
      return work();
    });
  }

  /**
   * Runs a helper (a rebuild, a batched update) as one call in the queue, so calls made after it
   * wait for all of it. Its own statements go through an executor of their own: through this queue
   * they would wait for the helper itself.
   */
  #enqueueHelper<T>(helper: (db: MigrationExecutor) => Promise<T>): Promise<T> {
    return this.#schedule(async () => {
      const inner = new MigrationExecutor(this.#connection, { transactional: this.#transactional });
      try {
        const result = await helper(inner);
        await inner.settle();
        return result;
      } finally {
        this.#statements += inner.statementCount;
        this.#mentionsReferences ||= inner.mentionsReferences;
      }
    });
  }

  #schedule<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
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

const REFERENCES = /references/i;

/** Whether a bound value (or an object of named ones) holds text with the word `REFERENCES`. */
function mentionsReferences(value: unknown): boolean {
  if (typeof value === "string") return REFERENCES.test(value);
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value) &&
    Object.values(value).some((inner) => typeof inner === "string" && REFERENCES.test(inner));
}

/** Words a statement needs to conflict with the migration's transaction; most SQL has none of them. */
const CONFLICT_WORDS = /\b(BEGIN|COMMIT|END|ROLLBACK|VACUUM|ATTACH|DETACH|PRAGMA)\b/i;

function rejectTransactionConflicts(sql: string): void {
  if (!CONFLICT_WORDS.test(sql)) return;
  for (const statement of splitStatements(sql)) {
    const conflict = transactionConflict(statement, (name) => name.startsWith("strata_"));
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
