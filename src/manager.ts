/**
 * The migration manager: the one object an application talks to. It reads where a database stands,
 * asks the planner what to run, and has the runner run it under the database's write lock.
 *
 * @module
 */
import type { SqlEngine, WriteTransaction } from "./engine.ts";
import { isBusyError } from "./engine.ts";
import { DatabaseStateError, InvalidInputError, StrataError } from "./errors.ts";
import { type DatabaseInput, toEngine } from "./engines/detect.ts";
import { DEFAULT_HISTORY_TABLE, HistoryStore } from "./history.ts";
import {
  type Migration,
  type MigrationInput,
  resolveMigration,
  toMigration,
  validateMigrationSet,
} from "./migration.ts";
import {
  buildStatus,
  checkState,
  type DatabaseState,
  databaseState,
  type MigrationStatus,
  planMigrate,
  planRollback,
} from "./planner.ts";
import {
  runStep,
  runStepOutsideTransaction,
  type StepContext,
  type StepResult,
  withForeignKeysDeferred,
} from "./runner.ts";

/** Options of a {@link MigrationManager}. */
export interface MigrationManagerOptions {
  /**
   * Name of the table that records applied migrations (a second table, `<name>_runs`, logs runs).
   * @default {"strata_migrations"}
   */
  historyTable?: string;
  /**
   * How long to wait for another connection's write lock (another process migrating, say) before
   * failing, in milliseconds. Applied to the connection for the duration of each call.
   * @default {60000}
   */
  busyTimeoutMs?: number;
}

/** Options of {@link MigrationManager.migrate}. */
export interface MigrateOptions {
  /** Apply pending migrations up to this version only. @default the newest known version */
  targetVersion?: number;
}

/** Options of {@link MigrationManager.rollback}. */
export interface RollbackOptions {
  /** How many of the newest applied migrations to revert. @default {1} */
  steps?: number;
  /** Revert every applied migration above this version (instead of `steps`). */
  targetVersion?: number;
}

/** What {@link MigrationManager.migrate} did. */
export interface MigrateResult {
  /** Versions applied, in order. */
  applied: number[];
  /** The database's version afterwards. */
  currentVersion: number;
  /** One entry per migration applied, with its timing. */
  steps: StepResult[];
}

/** What {@link MigrationManager.rollback} did. */
export interface RollbackResult {
  /** Versions reverted, newest first. */
  rolledBack: number[];
  /** The database's version afterwards. */
  currentVersion: number;
  /** One entry per migration reverted, with its timing. */
  steps: StepResult[];
}

/** The default of {@link MigrationManagerOptions.busyTimeoutMs}. */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;

/**
 * Applies, inspects and rolls back versioned migrations of one database.
 *
 * @example Apply migrations to an in-memory database
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const manager = new MigrationManager(db).registerMigrations([
 *   {
 *     version: 1,
 *     description: "create users",
 *     up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
 *     down: (db) => db.exec("DROP TABLE users"),
 *   },
 * ]);
 * const { applied, currentVersion } = await manager.migrate();
 * assert.deepEqual(applied, [1]);
 * assert.equal(currentVersion, 1);
 * db.close();
 * ```
 */
export class MigrationManager {
  readonly #engine: SqlEngine;
  readonly #history: HistoryStore;
  readonly #busyTimeoutMs: number;
  #known: Migration[] = [];

  /**
   * Manages the migrations of an open database. The caller keeps ownership of `db` and closes it.
   *
   * @param db A `node:sqlite` `DatabaseSync`, or any {@link SqlEngine}.
   * @throws {InvalidInputError} for an object that is not a database, or an invalid option.
   */
  constructor(db: DatabaseInput, options: MigrationManagerOptions = {}) {
    this.#engine = toEngine(db);
    this.#history = new HistoryStore(options.historyTable ?? DEFAULT_HISTORY_TABLE);
    const busy = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isSafeInteger(busy) || busy < 0) {
      throw new InvalidInputError(
        `busyTimeoutMs must be a whole number of 0 or more; got ${busy}.`,
        "busyTimeoutMs",
      );
    }
    this.#busyTimeoutMs = busy;
  }

  /**
   * Adds migrations: objects, `BaseMigration` subclasses or their instances. The whole set is checked at once.
   *
   * @returns The manager, for chaining.
   * @throws {MigrationSetError} for a version that is not a positive integer, a duplicate or a gap;
   *   nothing is registered then.
   */
  registerMigrations(list: readonly MigrationInput[]): this {
    const added = list.map((input, index) => toMigration(input, this.#known.length + index));
    this.#known = validateMigrationSet([...this.#known, ...added]);
    return this;
  }

  /** The registered migrations, sorted by version. */
  get migrations(): readonly Migration[] {
    return this.#known;
  }

  /**
   * The version the database is at: the highest applied migration, 0 for a new database.
   *
   * @throws {DatabaseStateError} when the recorded version is corrupt (never read as 0).
   */
  async getCurrentVersion(): Promise<number> {
    return (await this.#session(() => this.#readState(this.#engine))).currentVersion;
  }

  /**
   * Where the database stands: current and newest versions, pending count, last run, and every
   * migration with whether and when it was applied. Reads only; works on a database from the future.
   */
  async getStatus(): Promise<MigrationStatus> {
    return await this.#session(async () => {
      const snapshot = await this.#history.read(this.#engine);
      const state = databaseState(snapshot, this.#known, new Date().toISOString());
      return buildStatus(state, this.#known, snapshot.lastRun);
    });
  }

  /**
   * Applies pending migrations in version order, each atomically with its history record.
   *
   * When nothing is pending it returns without taking the write lock. Otherwise it takes the lock,
   * re-reads the history (another process may have migrated meanwhile) and applies what is still
   * pending. If a migration fails, it is rolled back alone, the ones before it stay applied, and its
   * {@link MigrationError} is thrown.
   *
   * @throws {MigrationError} when a migration fails.
   * @throws {DatabaseStateError} when the database is newer than the known migrations, or otherwise refused.
   * @throws {InvalidInputError} for a target above the newest or below the current version.
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    return await this.#session(async () => {
      const state = await this.#readChecked(this.#engine);
      const plan = planMigrate(state, this.#known, options);
      if (plan.length === 0) return { applied: [], currentVersion: state.currentVersion, steps: [] };
      await Promise.all(plan.map(resolveMigration));
      const outcome = await this.#locked(
        "migrate",
        (locked) => planMigrate(locked, this.#known, options),
        "up",
      );
      return {
        applied: outcome.steps.map((s) => s.version),
        currentVersion: outcome.currentVersion,
        steps: outcome.steps,
      };
    });
  }

  /**
   * Reverts the newest applied migrations, newest first, each atomically with its history record.
   *
   * @throws {InvalidInputError} for invalid steps or target, or when a migration to revert has no
   *   `down()` (checked before anything changes).
   * @throws {MigrationError} when a `down()` fails; the ones reverted before it stay reverted.
   * @throws {DatabaseStateError} when the database is refused.
   */
  async rollback(options: RollbackOptions = {}): Promise<RollbackResult> {
    return await this.#session(async () => {
      const state = await this.#readChecked(this.#engine);
      const plan = await Promise.all(planRollback(state, this.#known, options).map(resolveMigration));
      assertReversible(plan);
      const outcome = await this.#locked(
        "rollback",
        (locked) => planRollback(locked, this.#known, options),
        "down",
      );
      return {
        rolledBack: outcome.steps.map((s) => s.version),
        currentVersion: outcome.currentVersion,
        steps: outcome.steps,
      };
    });
  }

  /** Reads the database's state and refuses one that cannot be migrated. */
  async #readChecked(db: SqlEngine | WriteTransaction): Promise<DatabaseState> {
    const state = await this.#readState(db);
    checkState(state, this.#known);
    return state;
  }

  async #readState(db: SqlEngine | WriteTransaction): Promise<DatabaseState> {
    return databaseState(await this.#history.read(db), this.#known, new Date().toISOString());
  }

  /**
   * Takes the write lock, re-plans against the history as it is now, and runs the plan: one
   * transaction for the run, a savepoint per migration. A migration that opts out of transactions
   * splits the run: what came before it is committed, it is recorded as started, runs on its own,
   * and is recorded as finished in the next transaction.
   */
  async #locked(
    command: "migrate" | "rollback",
    replan: (state: DatabaseState) => Migration[],
    direction: "up" | "down",
  ): Promise<{ steps: StepResult[]; currentVersion: number }> {
    return await withForeignKeysDeferred(this.#engine, async (checkForeignKeys) => {
      const startedAt = new Date().toISOString();
      let tx = await this.#beginWrite();
      try {
        const state = await this.#readChecked(tx);
        const plan = await Promise.all(replan(state).map(resolveMigration));
        if (direction === "down") assertReversible(plan);
        if (plan.length === 0) {
          await tx.rollback();
          return { steps: [], currentVersion: state.currentVersion };
        }
        await this.#history.ensureTables(tx);
        for (const entry of state.imported) await this.#history.record(tx, entry);
        const steps: StepResult[] = [];
        let failure: unknown = null;
        for (const migration of plan) {
          const ctx: StepContext = { tx, history: this.#history, checkForeignKeys, now: isoNow };
          try {
            if (migration.transaction === false) {
              const result = await runStepOutsideTransaction(ctx, this.#engine, migration, direction);
              tx = await this.#beginWrite();
              await result.finish(tx);
              steps.push(result.step);
            } else {
              steps.push(await runStep(ctx, migration, direction));
            }
          } catch (error) {
            failure = error;
            break;
          }
        }
        if (!(await tx.isOpen()) || (steps.length === 0 && state.imported.length === 0)) {
          await tx.rollback();
          throw failure;
        }
        const remaining = new Set(state.applied.keys());
        for (const step of steps) {
          if (direction === "up") remaining.add(step.version);
          else remaining.delete(step.version);
        }
        const currentVersion = Math.max(0, ...remaining);
        await this.#history.logRun(tx, {
          command,
          fromVersion: state.currentVersion,
          toVersion: currentVersion,
          startedAt,
          finishedAt: isoNow(),
        }, state.legacy);
        await tx.commit();
        if (failure) throw failure;
        return { steps, currentVersion };
      } catch (error) {
        await tx.rollback();
        throw error;
      }
    });
  }

  async #beginWrite(): Promise<WriteTransaction> {
    try {
      return await this.#engine.beginWrite();
    } catch (cause) {
      if (!isBusyError(cause)) throw cause;
      throw new DatabaseStateError(
        `The database is locked: another connection held its write lock for more than ${this.#busyTimeoutMs} ms ` +
          `(busyTimeoutMs). Another process may be migrating it or running a long write; try again, or ` +
          `raise the busy timeout.`,
        { reason: "busy", cause },
      );
    }
  }

  /**
   * Runs one public call with the connection's busy timeout raised to ours, and turns engine errors
   * that mean "not a database" or "locked" into clear refusals.
   */
  async #session<T>(work: () => Promise<T>): Promise<T> {
    if (await this.#engine.inTransaction()) {
      throw new InvalidInputError(
        "The database connection is inside a transaction. Commit or roll it back before migrating: " +
          "each migration must commit on its own.",
        "db",
      );
    }
    const row = (await this.#engine.query("PRAGMA busy_timeout", []))[0];
    const previous = Number(row ? Object.values(row)[0] : 0);
    if (previous < this.#busyTimeoutMs) {
      await this.#engine.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
    }
    try {
      return await work();
    } catch (error) {
      throw explainEngineError(error);
    } finally {
      if (previous < this.#busyTimeoutMs) await this.#engine.exec(`PRAGMA busy_timeout = ${previous}`);
    }
  }
}

function assertReversible(plan: readonly Migration[]): void {
  const irreversible = plan.filter((m) => typeof m.down !== "function");
  if (irreversible.length === 0) return;
  throw new InvalidInputError(
    `Cannot roll back: migration${irreversible.length === 1 ? "" : "s"} ${
      irreversible.map((m) => `${m.version} ("${m.description}")`).join(", ")
    } ha${irreversible.length === 1 ? "s" : "ve"} no down(). Nothing was changed. ` +
      `Roll back fewer steps, or add a down() that undoes ${irreversible.length === 1 ? "it" : "them"}.`,
    "steps",
  );
}

/** Turns engine errors a user can meet before any migration runs into clear refusals. */
function explainEngineError(error: unknown): unknown {
  if (error instanceof StrataError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/file is not a database|file is encrypted|malformed/i.test(message)) {
    return new DatabaseStateError(
      `The database file is not a usable SQLite database (${message}). Check the path; nothing was changed.`,
      { reason: "unreadable", cause: error },
    );
  }
  if (/readonly database|read-only/i.test(message)) {
    return new DatabaseStateError(
      `The database is read-only (${message}): open it for writing, or check the file's permissions. ` +
        `Nothing was changed.`,
      { reason: "read-only", cause: error },
    );
  }
  if (isBusyError(error)) {
    return new DatabaseStateError(
      `The database is locked by another connection (${message}). Try again, or raise busyTimeoutMs. ` +
        `Nothing was changed.`,
      { reason: "busy", cause: error },
    );
  }
  return error;
}

function isoNow(): string {
  return new Date().toISOString();
}
