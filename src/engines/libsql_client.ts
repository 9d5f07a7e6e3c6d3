/**
 * Adapter for a libSQL client (`npm:@libsql/client`): an embedded database (`file:`) or a remote
 * sqld or Turso server (`libsql:`, `http(s):`, `ws(s):`). Recognised by shape; the package is never
 * imported here (`openDatabase` loads it when a target needs it).
 *
 * A client is not one connection but a pool of them (`file:`) or of server streams (remote), so:
 * - each write transaction is one of the client's interactive transactions, on a connection (or
 *   stream) of its own, begun with `BEGIN IMMEDIATE` (see `libsql_transaction.ts` for what it does
 *   about round trips and about statements that end it);
 * - the wait for another connection's write lock is the adapter's: on a file, it retries a write
 *   transaction the database finds locked until the busy timeout has passed, and sets
 *   `PRAGMA busy_timeout` on the transaction's connection so COMMIT waits as long; a server queues
 *   write transactions itself, and the adapter stops waiting once the busy timeout has passed
 *   (round trip included). `PRAGMA busy_timeout = N` sets that time; on a server it is not sent
 *   (sqld refuses it), while reading `PRAGMA busy_timeout` asks the server as any other query;
 * - connection settings do not carry from one server stream to the next: `PRAGMA foreign_keys = …`
 *   on the client is kept by the adapter and applied on the stream of each write transaction, before
 *   its `BEGIN IMMEDIATE`, since SQLite ignores it inside a transaction;
 * - the client never holds a transaction its owner started, so `inTransaction()` is always false;
 * - integers read as the client's `intMode` says: create it with `intMode: "bigint"` to read those
 *   beyond 2^53 exactly (the adapter still returns smaller ones as numbers); with the default
 *   `"number"` the client throws a `RangeError` on them, and `"string"` returns them as text.
 *
 * @module
 */
import type { Row, SqlEngine, SqlParams, StatementResult, WriteTransaction } from "./engine.ts";
import { isBusyError, SqliteError } from "./engine.ts";
import { fromClientError, type TokenSource } from "./libsql_errors.ts";
import type { LibsqlClient } from "./libsql_shape.ts";
import {
  countedRunResult,
  COUNTS,
  libsqlStatement,
  LibsqlWriteTransaction,
  runResultOf,
} from "./libsql_transaction.ts";
import { toRow } from "./values.ts";

/** Options of a {@link LibsqlClientEngine}. */
interface LibsqlClientEngineOptions {
  /**
   * How long a write transaction waits for another connection's write lock, in milliseconds, until
   * `PRAGMA busy_timeout` sets another value.
   * @default {0}
   */
  busyTimeoutMs?: number;
  /**
   * Where the client's auth token came from (`"LIBSQL_AUTH_TOKEN"`, `"authToken"`), or null when it
   * has none, so a refused token is reported by its source; undefined when unknown.
   * @default {undefined}
   */
  tokenSource?: TokenSource;
}

const BUSY_TIMEOUT_PRAGMA = /^\s*PRAGMA\s+(?:main\.)?busy_timeout\s*=\s*(\d+)\s*;?\s*$/i;
const FOREIGN_KEYS_PRAGMA = /^\s*PRAGMA\s+foreign_keys\s*=\s*(on|off|true|false|yes|no|1|0)\s*;?\s*$/i;

/** The {@link SqlEngine} over a libSQL client the caller created and still owns. */
export class LibsqlClientEngine implements SqlEngine {
  /** Engine name used in messages. */
  readonly name: string;
  /** True on a server, where each call is a round trip: a migration's script is sent whole. */
  readonly execScriptsWhole: boolean;
  readonly #client: LibsqlClient;
  readonly #remote: boolean;
  readonly #tokenSource: TokenSource | undefined;
  #busyTimeoutMs: number;
  /** The `PRAGMA foreign_keys` value to apply on each write transaction's stream, once one was set. */
  #foreignKeys: "ON" | "OFF" | null = null;

  /** Wraps a client; the caller keeps ownership and closes it. */
  constructor(client: LibsqlClient, options: LibsqlClientEngineOptions = {}) {
    this.#client = client;
    this.#remote = client.protocol !== "file";
    this.execScriptsWhole = this.#remote;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 0;
    this.#tokenSource = options.tokenSource;
    this.name = this.#remote ? `libSQL (${client.protocol})` : "libSQL (file)";
  }

  /**
   * Runs a script on one of the client's connections. `PRAGMA busy_timeout = N` sets how long
   * {@link beginWrite} waits; on a server it goes no further, and neither does `PRAGMA foreign_keys`,
   * which the adapter applies to each write transaction instead.
   */
  async exec(sql: string): Promise<void> {
    const busy = BUSY_TIMEOUT_PRAGMA.exec(sql);
    if (busy) this.#busyTimeoutMs = Number(busy[1]);
    const foreignKeys = this.#remote ? FOREIGN_KEYS_PRAGMA.exec(sql) : null;
    if (foreignKeys) this.#foreignKeys = /^(on|true|yes|1)$/i.test(foreignKeys[1]) ? "ON" : "OFF";
    if (this.#remote && (busy || foreignKeys)) return;
    try {
      await this.#client.executeMultiple(sql);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** Runs one statement and returns its rows. */
  async query(sql: string, params: SqlParams): Promise<Row[]> {
    try {
      return (await this.#client.execute(libsqlStatement(sql, params))).rows.map((row) => toRow(row));
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** Runs one statement that changes data. */
  async run(sql: string, params: SqlParams): Promise<StatementResult> {
    try {
      const result = await this.#client.execute(libsqlStatement(sql, params));
      // On a server, each call is a stream of its own, whose last rowid is 0 when it inserted nothing.
      if (this.#remote) {
        return runResultOf(result, true) ?? { changes: result.rowsAffected, lastInsertRowId: 0 };
      }
      return runResultOf(result, false) ??
        countedRunResult(result, await this.#client.execute(COUNTS), false);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * Starts a write transaction, taking the write lock up front, waiting for another connection's
   * lock for as long as the busy timeout allows.
   */
  async beginWrite(): Promise<WriteTransaction> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let pause = 5;; pause = Math.min(pause * 2, 100)) {
      try {
        return this.#remote ? await this.#beginOnServer(deadline) : await this.#beginOnFile();
      } catch (error) {
        if (!isBusyError(error) || Date.now() + pause > deadline) throw this.#error(error);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Always false: a client's own transactions are separate objects, never left open on it. */
  inTransaction(): Promise<boolean> {
    return Promise.resolve(false);
  }

  async #beginOnFile(): Promise<WriteTransaction> {
    const tx = await this.#client.transaction("write");
    // The pool may have handed out a connection that never saw the PRAGMA: COMMIT must wait for
    // another process's readers as long as BEGIN waited for its writer.
    try {
      await tx.batch([{ sql: `PRAGMA busy_timeout = ${this.#busyTimeoutMs}`, args: [] }]);
    } catch (error) {
      tx.close();
      throw error;
    }
    return new LibsqlWriteTransaction(tx, { remote: false, tokenSource: this.#tokenSource });
  }

  /**
   * Begins on a server. The client sends its BEGIN with the first statements, so an empty batch
   * sends it alone. A foreign-keys setting must precede the write lock's BEGIN IMMEDIATE on the same
   * stream: the transaction then begins deferred, ends at once, and begins again after the PRAGMA.
   */
  async #beginOnServer(deadline: number): Promise<WriteTransaction> {
    const tx = await this.#client.transaction(this.#foreignKeys === null ? "write" : "deferred");
    const begun = this.#foreignKeys === null
      ? tx.batch([])
      : tx.executeMultiple(`COMMIT; PRAGMA foreign_keys = ${this.#foreignKeys}; BEGIN IMMEDIATE`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), deadline - Date.now())
    );
    try {
      if (await Promise.race([begun, late]) === "late") {
        begun.catch(() => {});
        tx.close();
        throw new SqliteError(
          `database is locked: the server did not grant the write lock within ${this.#busyTimeoutMs} ms ` +
            `(the busy timeout)`,
          { code: "SQLITE_BUSY" },
        );
      }
    } catch (error) {
      tx.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new LibsqlWriteTransaction(tx, { remote: true, tokenSource: this.#tokenSource });
  }

  #error(error: unknown): unknown {
    return fromClientError(error, this.#tokenSource);
  }
}
