/**
 * Adapter for a libSQL client (`npm:@libsql/client`): an embedded database (`file:`) or a remote
 * sqld or Turso server (`libsql:`, `http(s):`, `ws(s):`). Recognised by shape; the package is never
 * imported here (`openDatabase` loads it when a target needs it).
 *
 * A client is not one connection but a pool of them (`file:`) or of server streams (remote), so:
 * - each write transaction is the client's interactive `transaction("write")`, which takes the write
 *   lock up front on its own connection, exactly as `BEGIN IMMEDIATE` does;
 * - a busy timeout cannot be set with one PRAGMA for every connection: the adapter keeps the value
 *   `PRAGMA busy_timeout` sets, retries a write transaction the database finds locked until that time
 *   has passed, and on a file sets it on the transaction's connection too, so COMMIT waits as long;
 * - the client never holds a transaction its owner started, so `inTransaction()` is always false;
 * - integers read as the client's `intMode` says: create it with `intMode: "bigint"` to read those
 *   beyond 2^53 exactly (the adapter still returns smaller ones as numbers); with the default
 *   `"number"` the client throws a `RangeError` on them, and `"string"` returns them as text.
 *
 * @module
 */
import type { Row, RunResult, SqlEngine, SqlParams, SqlValue, WriteTransaction } from "../engine.ts";
import { isBusyError } from "../engine.ts";
import { toSqliteError } from "./result_codes.ts";
import { bindValue, exactInteger, isPositional, toRow } from "./values.ts";

/** What a libSQL client returns for one statement. */
export interface LibsqlResultSet {
  /** The rows, as objects keyed by column name (they also have index properties). */
  readonly rows: readonly object[];
  /** Rows inserted, updated or deleted (0 for a statement that returns rows). */
  readonly rowsAffected: number;
  /** Rowid of the last insert; undefined for a statement that returns rows. */
  readonly lastInsertRowid: bigint | undefined;
}

/** A statement with its arguments, as the client takes it. */
export interface LibsqlStatement {
  /** The SQL. */
  sql: string;
  /** Positional values, or named ones (with or without their `$`, `:` or `@`). */
  args: SqlValue[] | Record<string, SqlValue>;
}

/** The parts of a libSQL client's interactive `Transaction` the adapter uses. */
export interface LibsqlTransaction {
  /** Whether the transaction has ended (committed, rolled back, or ended by its own SQL). */
  readonly closed: boolean;
  /** Runs one statement. */
  execute(statement: LibsqlStatement): Promise<LibsqlResultSet>;
  /** Runs a script of many statements. */
  executeMultiple(sql: string): Promise<void>;
  /** Commits and ends the transaction. */
  commit(): Promise<void>;
  /** Rolls back and ends the transaction. */
  rollback(): Promise<void>;
}

/** The parts of a libSQL `Client` (`createClient()` of npm:@libsql/client) the adapter uses. */
export interface LibsqlClient {
  /** `"file"`, `"http"`, `"https"`, `"ws"` or `"wss"`. */
  readonly protocol: string;
  /** Runs one statement on any of the client's connections. */
  execute(statement: LibsqlStatement): Promise<LibsqlResultSet>;
  /** Runs one statement with its arguments on any of the client's connections. */
  execute(sql: string, args?: SqlValue[] | Record<string, SqlValue>): Promise<LibsqlResultSet>;
  /** Runs a script of many statements on one connection. */
  executeMultiple(sql: string): Promise<void>;
  /** Runs statements in one transaction; its presence tells a client from other objects. */
  batch(statements: LibsqlStatement[], mode?: "write" | "read" | "deferred"): Promise<unknown>;
  /** Starts an interactive transaction on a connection of its own. */
  transaction(mode: "write"): Promise<LibsqlTransaction>;
  /** Closes every connection. */
  close(): void;
}

/** Whether a value has the shape of a libSQL client. */
export function isLibsqlClient(value: unknown): value is LibsqlClient {
  const client = value as Partial<LibsqlClient> | null;
  return typeof client === "object" && client !== null && typeof client.execute === "function" &&
    typeof client.executeMultiple === "function" && typeof client.batch === "function" &&
    typeof client.transaction === "function" && typeof client.protocol === "string";
}

/** Options of a {@link LibsqlClientEngine}. */
export interface LibsqlClientEngineOptions {
  /**
   * How long a write transaction waits for another connection's lock, in milliseconds, until
   * `PRAGMA busy_timeout` sets another value.
   * @default {0}
   */
  busyTimeoutMs?: number;
}

const BUSY_TIMEOUT_PRAGMA = /^\s*PRAGMA\s+(?:main\.)?busy_timeout\s*(?:=\s*(\d+)\s*)?;?\s*$/i;
const COUNTS_SQL = "SELECT changes() AS changes, last_insert_rowid() AS id";

/** A client or a transaction: both run statements and scripts. */
type Runner = Pick<LibsqlTransaction, "execute" | "executeMultiple">;

function statement(sql: string, params: SqlParams): LibsqlStatement {
  return {
    sql,
    args: isPositional(params)
      ? params.map(bindValue)
      : Object.fromEntries(Object.entries(params).map(([key, value]) => [key, bindValue(value)])),
  };
}

async function query(runner: Runner, sql: string, params: SqlParams): Promise<Row[]> {
  try {
    return (await runner.execute(statement(sql, params))).rows.map((row) => toRow(row));
  } catch (error) {
    throw toSqliteError(error);
  }
}

async function run(runner: Runner, sql: string, params: SqlParams): Promise<RunResult> {
  try {
    const result = await runner.execute(statement(sql, params));
    const rowid = result.lastInsertRowid === undefined ? undefined : exactInteger(result.lastInsertRowid);
    if (typeof rowid === "number") return { changes: result.rowsAffected, lastInsertRowId: rowid };
    // The client reports no counts for a statement that returns rows (RETURNING), and on a file a
    // rowid beyond 2^53 comes rounded: ask SQLite on the same connection.
    const [counts] = (await runner.execute(statement(COUNTS_SQL, []))).rows.map((row) => toRow(row));
    return {
      changes: rowid === undefined ? Number(counts.changes) : result.rowsAffected,
      lastInsertRowId: counts.id as number | bigint,
    };
  } catch (error) {
    throw toSqliteError(error);
  }
}

async function exec(runner: Runner, sql: string): Promise<void> {
  try {
    await runner.executeMultiple(sql);
  } catch (error) {
    throw toSqliteError(error);
  }
}

class LibsqlClientTransaction implements WriteTransaction {
  readonly #tx: LibsqlTransaction;

  constructor(tx: LibsqlTransaction) {
    this.#tx = tx;
  }

  exec(sql: string): Promise<void> {
    return exec(this.#tx, sql);
  }

  query(sql: string, params: SqlParams): Promise<Row[]> {
    return query(this.#tx, sql, params);
  }

  run(sql: string, params: SqlParams): Promise<RunResult> {
    return run(this.#tx, sql, params);
  }

  async commit(): Promise<void> {
    try {
      await this.#tx.commit();
    } catch (error) {
      throw toSqliteError(error);
    }
  }

  async rollback(): Promise<void> {
    if (this.#tx.closed) return;
    try {
      await this.#tx.rollback();
    } catch (error) {
      throw toSqliteError(error);
    }
  }

  isOpen(): Promise<boolean> {
    return Promise.resolve(!this.#tx.closed);
  }
}

/** The {@link SqlEngine} over a libSQL client the caller created and still owns. */
export class LibsqlClientEngine implements SqlEngine {
  /** Engine name used in messages. */
  readonly name: string;
  readonly #client: LibsqlClient;
  #busyTimeoutMs: number;

  get #isFile(): boolean {
    return this.#client.protocol === "file";
  }

  /** Wraps a client; the caller keeps ownership and closes it. */
  constructor(client: LibsqlClient, options: LibsqlClientEngineOptions = {}) {
    this.#client = client;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 0;
    this.name = client.protocol === "file" ? "libSQL (file)" : `libSQL (${client.protocol})`;
  }

  /**
   * Runs a script on one of the client's connections. `PRAGMA busy_timeout = N` also sets how long
   * {@link beginWrite} retries; on a remote server it runs nowhere (a stream has no lock to wait for).
   */
  exec(sql: string): Promise<void> {
    const busy = BUSY_TIMEOUT_PRAGMA.exec(sql);
    if (busy?.[1] !== undefined) {
      this.#busyTimeoutMs = Number(busy[1]);
      if (!this.#isFile) return Promise.resolve();
    }
    return exec(this.#client, sql);
  }

  /** Runs one statement; on a remote server, `PRAGMA busy_timeout` reads the adapter's wait. */
  query(sql: string, params: SqlParams): Promise<Row[]> {
    if (!this.#isFile && BUSY_TIMEOUT_PRAGMA.test(sql)) {
      return Promise.resolve([{ timeout: this.#busyTimeoutMs }]);
    }
    return query(this.#client, sql, params);
  }

  /** Runs one statement that changes data. */
  run(sql: string, params: SqlParams): Promise<RunResult> {
    return run(this.#client, sql, params);
  }

  /**
   * Starts the client's interactive "write" transaction, retrying while another connection holds the
   * write lock, for as long as the busy timeout allows.
   */
  async beginWrite(): Promise<WriteTransaction> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let pause = 5;; pause = Math.min(pause * 2, 100)) {
      let tx: LibsqlTransaction;
      try {
        tx = await this.#client.transaction("write");
      } catch (error) {
        if (!isBusyError(error) || Date.now() + pause > deadline) throw toSqliteError(error);
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      // The pool may have handed out a connection that never saw the PRAGMA: COMMIT must wait for
      // another process's readers as long as BEGIN waited for its writer.
      const transaction = new LibsqlClientTransaction(tx);
      if (this.#isFile) {
        await query(tx, `PRAGMA busy_timeout = ${this.#busyTimeoutMs}`, []).catch(async (error) => {
          await transaction.rollback();
          throw error;
        });
      }
      return transaction;
    }
  }

  /** Always false: a client's own transactions are separate objects, never left open on it. */
  inTransaction(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
