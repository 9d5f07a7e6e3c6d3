/**
 * The executor handed to `up()` and `down()`: the same small API on every engine. Calls run in the
 * order they were made; a call the migration forgot to `await` is still waited for, and its failure,
 * unless the migration handled it, fails the migration (see `step_scope.ts`). After the migration
 * has ended, every call is refused.
 *
 * A script given to `exec()` runs one statement at a time. Inside the run's transaction, statements
 * that would end or escape it are refused: by SQLite's authorizer where the engine has one, else by
 * reading each statement's keywords. A statement whose failure ends the transaction anyway (a
 * trigger's `RAISE(ROLLBACK)`, `INSERT OR ROLLBACK`) ends the migration at once, so nothing after it
 * can run outside the transaction.
 *
 * @module
 */
import type {
  Row,
  SqlConnection,
  SqlParam,
  SqlParams,
  SqlValue,
  StatementResult,
  WriteTransaction,
} from "../engines/engine.ts";
import { type SqlStatement, statementsOf, transactionConflict } from "../sql/script.ts";
import type { StepScope } from "./step_scope.ts";
import { isRunnerSavepoint, type MigrationGuard, refusedStatement, shortened } from "./transaction_guard.ts";

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
  run(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<StatementResult>;
  /** Whether a table or view of this name exists. */
  tableExists(name: string): Promise<boolean>;
  /** Whether a table has a column of this name. */
  columnExists(table: string, column: string): Promise<boolean>;
  /** Whether an index of this name exists. */
  indexExists(name: string): Promise<boolean>;
  /**
   * Runs `work` as one call: the calls the migration makes after this one wait until every
   * statement of `work` has run, even when this call is not awaited. The helpers that run many
   * statements (`rebuildTable`, `batchUpdate`) go through it, so a migration's next statement can
   * never land in the middle of them.
   */
  group<T>(work: (db: Executor) => Promise<T>): Promise<T>;
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

/** Where an executor runs its statements. */
export interface ExecutorTarget {
  /** The connection: the run's transaction, or the engine for a migration outside a transaction. */
  connection: SqlConnection;
  /** The run's transaction when the migration runs inside it, else null. */
  transaction: WriteTransaction | null;
  /** The migration's guard when it runs inside the run's transaction, else null. */
  guard: MigrationGuard | null;
}

/** An {@link Executor} over one step's scope: every call goes through it. */
export class MigrationExecutor implements Executor {
  readonly #scope: StepScope;
  readonly #target: ExecutorTarget;
  readonly #direct: boolean;
  #mentionsReferences = false;
  #ranSql = false;

  /**
   * Runs a migration's calls in `scope`, on `target`. `direct` runs them at once instead of queueing
   * them: for the statements of a helper that is itself one queued call.
   */
  constructor(scope: StepScope, target: ExecutorTarget, options: { direct?: boolean } = {}) {
    this.#scope = scope;
    this.#target = target;
    this.#direct = options.direct ?? false;
  }

  /**
   * Whether any statement the migration ran, or any text bound to one, contains the word
   * `REFERENCES`: a foreign key cannot be declared without it, so a migration for which this is
   * false added none.
   */
  get mentionsReferences(): boolean {
    return this.#mentionsReferences;
  }

  /**
   * Whether the migration ran any SQL: a statement, a query or a helper. False for an `up()` that
   * only executes an empty script, as a new migration's template does until it is written.
   */
  get ranSql(): boolean {
    return this.#ranSql;
  }

  exec(sql: string): Promise<void> {
    return this.#call("db.exec()", sql, [], () => this.#script(sql));
  }

  query<T extends Row = Row>(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<T[]> {
    return this.#call(
      "db.query()",
      sql,
      params,
      () =>
        this.#single(sql, "db.query()", () => this.#target.connection.query(sql, normalizeParams(params))),
    ) as Promise<
      T[]
    >;
  }

  run(sql: string, ...params: SqlParam[] | [Record<string, SqlParam>]): Promise<StatementResult> {
    return this.#call(
      "db.run()",
      sql,
      params,
      () => this.#single(sql, "db.run()", () => this.#target.connection.run(sql, normalizeParams(params))),
    );
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

  group<T>(work: (db: Executor) => Promise<T>): Promise<T> {
    return this.#call("db.group()", "", [], async () => {
      // Its statements run at once: queued, they would wait for the group itself.
      const inner = new MigrationExecutor(this.#scope, this.#target, { direct: true });
      try {
        return await work(inner);
      } finally {
        this.#mentionsReferences ||= inner.mentionsReferences;
      }
    });
  }

  #call<T>(what: string, sql: string, params: readonly unknown[], work: () => Promise<T>): Promise<T> {
    this.#mentionsReferences ||= REFERENCES.test(sql) || params.some(mentionsReferences);
    this.#ranSql ||= what !== "db.exec()" || !statementsOf(sql).next().done;
    return this.#direct ? this.#scope.direct(what, work) : this.#scope.queue(what, work);
  }

  async #script(sql: string): Promise<void> {
    refuseNul(sql, "db.exec()");
    const { connection, transaction, guard } = this.#target;
    const byKeywords = guard !== null && typeof transaction?.guard !== "function";
    if (!byKeywords && (connection.execScriptsWhole || sql.length <= WHOLE_SCRIPT)) {
      return await this.#statement(sql, () => connection.exec(sql));
    }
    if (connection.execScriptsWhole) {
      for (const statement of statementsOf(sql)) this.#check(statement);
      return await this.#statement(sql, () => connection.exec(sql));
    }
    for (const statement of statementsOf(sql)) {
      this.#check(statement);
      await this.#statement(statement.text, () => connection.exec(statement.text));
    }
  }

  /** Runs the one statement of a `query()` or `run()`, refusing SQL with none or several. */
  async #single<T>(sql: string, what: string, work: () => Promise<T>): Promise<T> {
    refuseNul(sql, what);
    const statements = statementsOf(sql);
    const first = statements.next();
    if (!first.done && !statements.next().done) {
      throw new Error(
        `${what} runs one statement, and SQLite would ignore every statement after the first of "${
          shortened(sql)
        }"; run a script with db.exec(), or make one call per statement.`,
      );
    }
    if (!first.done) this.#check(first.value);
    return await this.#statement(first.done ? sql : first.value.text, work);
  }

  /** Refuses a statement that would end or escape the transaction, where the engine cannot. */
  #check(statement: SqlStatement): void {
    const { guard, transaction } = this.#target;
    if (!guard || typeof transaction?.guard === "function") return;
    const reason = guard.check(statement);
    if (reason) throw refusedStatement(statement.text, reason);
  }

  /**
   * Runs one statement. A failure refused by SQLite's authorizer gets the guard's reason; a
   * statement after which the run's transaction is no longer open fails the whole step at once.
   */
  async #statement<T>(text: string, work: () => Promise<T>): Promise<T> {
    // A refusal of a statement the migration ran on the connection itself, not through this executor,
    // is not this statement's.
    this.#target.guard?.takeRefusal();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      const refusal = this.#target.guard?.takeRefusal();
      const failure = refusal ? refusedStatement(refusedText(text), refusal) : error;
      await this.#assertTransactionOpen(text, failure);
      throw failure;
    }
    await this.#assertTransactionOpen(text, null);
    return result;
  }

  async #assertTransactionOpen(text: string, cause: unknown): Promise<void> {
    const { transaction } = this.#target;
    if (!transaction || await transaction.isOpen()) return;
    const reason = cause === null ? "" : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    const ended = new Error(`"${shortened(text)}" ended the run's transaction${reason}`, { cause });
    this.#scope.fail(ended);
    throw ended;
  }
}

/**
 * Scripts up to this length run in one `exec`, when SQLite's authorizer guards them: one call costs
 * less than one per statement, and only a much longer script makes a single `exec` slow down.
 */
const WHOLE_SCRIPT = 65_536;

/**
 * The statement of a script that SQLite's authorizer refused, to quote: the first one that would end
 * or escape the transaction by its keywords, which agree with SQLite's reading; else the script.
 */
function refusedText(script: string): string {
  for (const statement of statementsOf(script)) {
    if (transactionConflict(statement, isRunnerSavepoint) !== null) return statement.text;
  }
  return script;
}

/** SQLite reads SQL up to its first NUL byte and ignores the rest without a word. */
function refuseNul(sql: string, what: string): void {
  const at = sql.indexOf("\0");
  if (at === -1) return;
  throw new Error(
    `the SQL given to ${what} contains a NUL character at offset ${at}, after which SQLite would ignore ` +
      `the rest of it without a word; remove it (bind text that holds one as a parameter).`,
  );
}

const REFERENCES = /references/i;

/** Whether a bound value (or an object of named ones) holds text with the word `REFERENCES`. */
function mentionsReferences(value: unknown): boolean {
  if (typeof value === "string") return REFERENCES.test(value);
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value) &&
    Object.values(value).some((inner) => typeof inner === "string" && REFERENCES.test(inner));
}
