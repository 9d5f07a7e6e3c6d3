/**
 * The engine shape shared by the synchronous bindings (node:sqlite, @db/sqlite, better-sqlite3 and
 * npm:libsql): one connection whose calls block. An adapter supplies a {@link SyncDriver}, the few
 * calls that differ between bindings; transactions, the write lock and error wrapping are here once.
 *
 * @module
 */
import type {
  Row,
  SqlConnection,
  SqlEngine,
  SqlParams,
  StatementGuard,
  StatementResult,
  WriteTransaction,
} from "./engine.ts";
import { databaseFile } from "./database_file.ts";
import { takeWriteLock } from "./write_lock.ts";

/** What a synchronous binding provides to {@link SyncEngine}. */
export interface SyncDriver {
  /** Runs one or many statements. */
  exec(sql: string): void;
  /** Runs one statement and returns its rows as plain objects. */
  query(sql: string, params: SqlParams): Row[];
  /** Runs one statement and returns what it changed. */
  run(sql: string, params: SqlParams): StatementResult;
  /** Whether the connection is inside a transaction. */
  inTransaction(): boolean;
  /** Runs one call of the toolkit, e.g. with the binding's read options set for its duration. */
  call<T>(work: () => T): T;
  /** The binding's error as the toolkit's `SqliteError`. */
  error(error: unknown): unknown;
  /** Installs (or with null removes) a guard as SQLite's authorizer; absent when the binding has none. */
  guard?(guard: StatementGuard | null): void;
}

/** SQL over a driver, shared by the engine and its transactions (one connection). */
class SyncConnection implements SqlConnection {
  readonly #driver: SyncDriver;

  constructor(driver: SyncDriver) {
    this.#driver = driver;
  }

  exec(sql: string): Promise<void> {
    return this.settle(() => this.#driver.exec(sql));
  }

  query(sql: string, params: SqlParams): Promise<Row[]> {
    return this.settle(() => this.#driver.query(sql, params));
  }

  run(sql: string, params: SqlParams): Promise<StatementResult> {
    return this.settle(() => this.#driver.run(sql, params));
  }

  /** Runs a blocking call and turns its result, or its error as a `SqliteError`, into a promise. */
  protected settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.#driver.call(work));
    } catch (error) {
      return Promise.reject(this.#driver.error(error));
    }
  }
}

class SyncTransaction extends SyncConnection implements WriteTransaction {
  readonly #driver: SyncDriver;
  readonly #release: () => void;
  readonly guard?: (guard: StatementGuard | null) => void;

  constructor(driver: SyncDriver, release: () => void) {
    super(driver);
    this.#driver = driver;
    this.#release = release;
    if (driver.guard) this.guard = (guard) => driver.guard!(guard);
  }

  async commit(): Promise<void> {
    await this.exec("COMMIT");
    this.#release();
  }

  async rollback(): Promise<void> {
    try {
      await this.settle(() => {
        if (this.#driver.inTransaction()) this.#driver.exec("ROLLBACK");
      });
    } finally {
      this.#release();
    }
  }

  isOpen(): Promise<boolean> {
    return Promise.resolve(this.#driver.inTransaction());
  }
}

/** The {@link SqlEngine} over a synchronous binding's connection, which the caller owns and closes. */
export class SyncEngine extends SyncConnection implements SqlEngine {
  /** Engine name used in messages. */
  readonly name: string;
  readonly #driver: SyncDriver;
  #file: string | null | undefined;

  /** Wraps a binding's connection through its driver. */
  constructor(name: string, driver: SyncDriver) {
    super(driver);
    this.name = name;
    this.#driver = driver;
  }

  /**
   * Takes the write lock with `BEGIN IMMEDIATE` (not the bindings' `transaction()` helpers, which
   * are synchronous and cannot span an `await`), after this process's other connections to the same
   * file have released it (see `write_lock.ts`).
   */
  async beginWrite(): Promise<WriteTransaction> {
    const file = await this.#databaseFile();
    const release = file === null ? () => {} : await takeWriteLock(file, () => this.#busyTimeout());
    try {
      await this.exec("BEGIN IMMEDIATE");
    } catch (error) {
      release();
      throw error;
    }
    return new SyncTransaction(this.#driver, release);
  }

  /** Whether the caller left a transaction open on this connection. */
  inTransaction(): Promise<boolean> {
    return Promise.resolve(this.#driver.inTransaction());
  }

  /** The main database's file, resolved through links; null for an in-memory or temporary database. */
  async #databaseFile(): Promise<string | null> {
    if (this.#file !== undefined) return this.#file;
    const file = await databaseFile(this);
    if (file === null) return this.#file = null;
    try {
      return this.#file = Deno.realPathSync(file);
    } catch {
      return this.#file = file;
    }
  }

  #busyTimeout(): number {
    const [row] = this.#driver.call(() => this.#driver.query("PRAGMA busy_timeout", []));
    return Number(row ? Object.values(row)[0] : 0);
  }
}
