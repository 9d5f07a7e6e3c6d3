/**
 * A write transaction over a libSQL client's interactive `Transaction`, embedded (`file:`) or on a
 * server, where every call is a round trip. What it does about that:
 *
 * - statements queued with `defer()` (the runner's savepoints and history rows, whose results nobody
 *   reads) go with the next call's statements: one round trip for both. Before a script (`exec()`)
 *   they are written into its text with their parameters as literals, since a server runs one script
 *   for less than a batch of the same statements; before a single statement they go in one batch
 *   with it. When a queued statement fails, the transaction is rolled back, and that call rejects
 *   saying so. In a script, a savepoint set between the queued statements and the caller's tells
 *   which of them failed;
 * - after a statement fails, whether the transaction is still open is found out before the failure
 *   is reported: a statement can end it (`RAISE(ROLLBACK)`, `INSERT OR ROLLBACK`), and a server runs
 *   the statements sent afterwards outside any transaction, each committed on its own. The client's
 *   `closed` says it exactly on a file; on a server, the transaction is probed with `BEGIN`, which
 *   only an ended transaction accepts (and is rolled back again). Once the transaction has ended,
 *   every call is refused, so nothing meant for it is committed on its own.
 *
 * @module
 */
import type { Row, SqlParams, StatementResult, WriteTransaction } from "./engine.ts";
import { fromClientError, serverEndedTransaction, type TokenSource } from "./libsql_errors.ts";
import { withLiterals } from "./sql_literals.ts";
import { bindValue, exactInteger, isPositional, toRow } from "./values.ts";
import type { LibsqlResultSet, LibsqlStatement, LibsqlTransaction } from "./libsql_shape.ts";

const COUNTS_SQL = "SELECT changes() AS changes, last_insert_rowid() AS id";

/** A statement queued by `defer()`: as the client binds it, and as script text when it can be. */
interface Queued {
  statement: LibsqlStatement;
  text: string | null;
}

/** A statement with its parameters bound as the client takes them. */
export function libsqlStatement(sql: string, params: SqlParams): LibsqlStatement {
  return {
    sql,
    args: isPositional(params)
      ? params.map(bindValue)
      : Object.fromEntries(Object.entries(params).map(([key, value]) => [key, bindValue(value)])),
  };
}

/**
 * What `run()` returns for a statement's result, or null when the connection must be asked: the
 * client reports no rowid for a statement that inserted nothing (and on a file no counts for one that
 * returns rows), while `run()` returns the connection's last rowid; and on a file a rowid beyond 2^53
 * comes rounded. A server reports exact counts and rowids.
 */
export function runResultOf(result: LibsqlResultSet, remote: boolean): StatementResult | null {
  if (result.lastInsertRowid === undefined) return null;
  const rowid = exactInteger(result.lastInsertRowid);
  return remote || typeof rowid === "number"
    ? { changes: result.rowsAffected, lastInsertRowId: rowid }
    : null;
}

/** `run()`'s result from the statement's own and `COUNTS_SQL` run right after it on the same connection. */
export function countedRunResult(
  result: LibsqlResultSet,
  counts: LibsqlResultSet,
  remote: boolean,
): StatementResult {
  const [row] = counts.rows.map((source) => toRow(source));
  const countsMissing = result.lastInsertRowid === undefined && !remote;
  return {
    changes: countsMissing ? Number(row.changes) : result.rowsAffected,
    lastInsertRowId: row.id as number | bigint,
  };
}

/** {@link COUNTS_SQL} as a statement. */
export const COUNTS: LibsqlStatement = { sql: COUNTS_SQL, args: [] };

/** Options of a {@link LibsqlWriteTransaction}. */
interface LibsqlWriteTransactionOptions {
  /** Whether the client talks to a server (`http`, `ws`, …) rather than a file. */
  remote: boolean;
  /** Where the client's auth token came from, for messages. */
  tokenSource?: TokenSource;
}

/** The {@link WriteTransaction} over a client's interactive transaction, already begun. */
export class LibsqlWriteTransaction implements WriteTransaction {
  /** True on a server, where each call is a round trip: a migration's script is sent whole. */
  readonly execScriptsWhole: boolean;
  readonly #tx: LibsqlTransaction;
  readonly #remote: boolean;
  readonly #tokenSource: TokenSource | undefined;
  #deferred: Queued[] = [];
  /** Why the transaction ended on its own (a statement, the server), or null while it has not. */
  #endedBecause: string | null = null;
  #finished = false;
  /** Scripts sent so far, to name the savepoint that follows their queued statements. */
  #scripts = 0;

  /** Wraps a transaction whose BEGIN has run. */
  constructor(tx: LibsqlTransaction, options: LibsqlWriteTransactionOptions) {
    this.#tx = tx;
    this.#remote = options.remote;
    this.execScriptsWhole = options.remote;
    this.#tokenSource = options.tokenSource;
  }

  /** Queues a statement to run with the next call, in the same round trip. */
  defer(sql: string, params: SqlParams): void {
    const statement = libsqlStatement(sql, params);
    this.#deferred.push({ statement, text: withLiterals(sql, statement.args) });
  }

  async exec(sql: string): Promise<void> {
    if (this.#deferred.some((entry) => entry.text === null)) await this.#send([]);
    this.#refuseIfEnded();
    const texts = this.#deferred.map((entry) => `${entry.text};\n`).join("");
    this.#deferred = [];
    // A name of its own each time: a script that ends in an open comment swallows the RELEASE, and
    // that savepoint, harmless until its enclosing one ends, must not answer for a later script.
    const done = `strata_queued_${++this.#scripts}`;
    // The caller's script may end in a line comment: the RELEASE starts a line of its own.
    const script = texts === "" ? sql : `${texts}SAVEPOINT ${done};\n${sql}\n;RELEASE ${done}`;
    try {
      await this.#tx.executeMultiple(script);
    } catch (error) {
      throw await this.#failure(error, texts === "" ? null : done);
    }
  }

  async query(sql: string, params: SqlParams): Promise<Row[]> {
    const [result] = await this.#send([libsqlStatement(sql, params)]);
    return result.rows.map((row) => toRow(row));
  }

  async run(sql: string, params: SqlParams): Promise<StatementResult> {
    const [result] = await this.#send([libsqlStatement(sql, params)]);
    return runResultOf(result, this.#remote) ??
      countedRunResult(result, (await this.#send([COUNTS]))[0], this.#remote);
  }

  async commit(): Promise<void> {
    if (this.#deferred.length > 0) await this.#send([]);
    this.#refuseIfEnded();
    this.#finished = true;
    try {
      await this.#tx.commit();
    } catch (error) {
      const ended = serverEndedTransaction(error);
      throw ended === null ? this.#error(error) : endedError(ended, error);
    }
  }

  async rollback(): Promise<void> {
    this.#deferred = [];
    if (this.#finished) return;
    this.#finished = true;
    if (this.#endedBecause !== null || this.#tx.closed) return this.#tx.close();
    try {
      await this.#tx.rollback();
    } catch (error) {
      throw this.#error(error);
    }
  }

  isOpen(): Promise<boolean> {
    return Promise.resolve(!this.#finished && this.#endedBecause === null && !this.#tx.closed);
  }

  /** Runs the queued statements and `statements` as one batch; returns the results of `statements`. */
  async #send(statements: LibsqlStatement[]): Promise<LibsqlResultSet[]> {
    this.#refuseIfEnded();
    const queued = this.#deferred.map((entry) => entry.statement);
    this.#deferred = [];
    if (queued.length + statements.length === 0) return [];
    try {
      return (await this.#tx.batch([...queued, ...statements])).slice(queued.length);
    } catch (error) {
      const index = (error as { statementIndex?: unknown }).statementIndex;
      throw await this.#failure(error, typeof index === "number" && index < queued.length);
    }
  }

  /**
   * What a failure means for the transaction, and the error to report for it. `queuedFailed` says
   * whether a queued statement failed; for a script that began with queued statements, it is the
   * savepoint set after them, which exists only if they all ran.
   */
  async #failure(error: unknown, queuedFailed: boolean | string | null): Promise<unknown> {
    const ended = serverEndedTransaction(error);
    if (ended !== null) {
      this.#end(ended);
      return endedError(ended, error);
    }
    const failed = this.#error(error);
    if (!(await this.#stillOpen())) {
      this.#end("a statement ended it (a ROLLBACK in a trigger or an OR ROLLBACK)");
      return failed;
    }
    if (
      queuedFailed === true || (typeof queuedFailed === "string" && !(await this.#released(queuedFailed)))
    ) {
      // Closing the stream would roll it back too; ROLLBACK says so to the server at once.
      await this.#tx.rollback().catch(() => {});
      this.#end("an earlier statement of the transaction failed");
      const reason = failed instanceof Error ? failed.message : String(failed);
      return new Error(
        `An earlier statement of this transaction failed (${reason}); the transaction was rolled back.`,
        { cause: failed },
      );
    }
    return failed;
  }

  /** Releases a savepoint; false when there is none of that name. */
  async #released(savepoint: string): Promise<boolean> {
    try {
      await this.#tx.batch([{ sql: `RELEASE ${savepoint}`, args: [] }]);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether the transaction survived a failed statement. */
  async #stillOpen(): Promise<boolean> {
    if (!this.#remote) return !this.#tx.closed;
    try {
      await this.#tx.batch([{ sql: "BEGIN", args: [] }, { sql: "ROLLBACK", args: [] }]);
      return false;
    } catch (error) {
      return /cannot start a transaction within a transaction/i.test(String((error as Error)?.message));
    }
  }

  #end(reason: string): void {
    this.#endedBecause = reason;
    this.#deferred = [];
    this.#tx.close();
  }

  #refuseIfEnded(): void {
    if (this.#finished) throw new Error("The transaction is already committed or rolled back.");
    const reason = this.#endedBecause ?? (this.#tx.closed ? "a statement ended it" : null);
    if (reason !== null) {
      throw new Error(`The transaction has ended (${reason}); nothing more can run in it.`);
    }
  }

  #error(error: unknown): unknown {
    return fromClientError(error, this.#tokenSource);
  }
}

function endedError(reason: string, cause: unknown): Error {
  return new Error(`The transaction ended: ${reason}. Nothing of it was kept.`, { cause });
}
