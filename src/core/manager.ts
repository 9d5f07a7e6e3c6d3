/**
 * The migration manager: the one object an application talks to. It reads where a database stands,
 * asks the planner what to run, and has the runner run it under the database's write lock.
 *
 * @module
 */
import type { SqlEngine } from "../engines/engine.ts";
import { type DatabaseInput, toEngine } from "../engines/detect.ts";
import { type DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import { type DatabaseState, type KnownMigrations, readState, stateOf } from "./database_state.ts";
import { explainFailure } from "./engine_errors.ts";
import { DEFAULT_HISTORY_TABLE, HistoryStore } from "./history.ts";
import type { HistoryEditor } from "./history_edit.ts";
import {
  gapsOf,
  type Migration,
  type MigrationInput,
  nameOf,
  toMigration,
  validateMigrationSet,
} from "./migration.ts";
import {
  buildStatus,
  historyWriteProblem,
  type MigrationStatus,
  stateProblems,
  unverifiedRecords,
} from "./planner.ts";
import type { RunContext, RunResult } from "./runner.ts";
import { acceptEdits, markOutcome, recordApplied, run } from "./write_path.ts";
import type { StartedMigration } from "./step.ts";
import type { Wording } from "./wording.ts";

/** Options of a {@link MigrationManager}. */
export interface MigrationManagerOptions {
  /**
   * Name of the table that records applied migrations (a second table, `<name>_runs`, logs runs).
   * @default {"strata_migrations"}
   */
  historyTable?: string;
  /**
   * How long to wait for another connection's write lock (another process migrating, say) before
   * failing, in milliseconds, at most 2147483647 (SQLite's limit). Applied to the connection for the
   * duration of each call.
   * @default {60000}
   */
  busyTimeoutMs?: number;
  /**
   * How long a migration may go without running SQL before it is stopped and rolled back, in
   * milliseconds: a migration that awaits something that never settles would otherwise hold the
   * write lock forever. 0 for no limit.
   * @default {60000}
   */
  migrationTimeoutMs?: number;
  /**
   * Whose words messages use when they say what to do next: `"api"` names this API's options
   * (`rollback({ targetVersion: 3 })`), `"cli"` the command line's flags (`migrate rollback --to 3`),
   * as the CLI asks.
   * @default {"api"}
   */
  wording?: "api" | "cli";
}

/** Options shared by {@link MigrationManager.migrate} and {@link MigrationManager.rollback}. */
export interface RunOptions {
  /**
   * Run the migrations inside a transaction, report what each did, then roll everything back: the
   * database file is left byte-for-byte unchanged.
   * @default {false}
   */
  dryRun?: boolean;
  /**
   * Before the first migration runs, write a consistent copy of the database file (named after the
   * database, its version and the time) to its directory, or to `{ dir }`.
   * @default {false}
   */
  backup?: boolean | { dir?: string };
  /**
   * Interrupts the run when it aborts: the migration that runs is stopped, and what the run did in its
   * transaction is rolled back ({@link RunInterruptedError}).
   */
  signal?: AbortSignal;
  /**
   * Called as each migration starts, inside the run, for a display of progress (the CLI shows on a
   * terminal a migration that runs longer than two seconds). An error it throws fails the run,
   * which is rolled back.
   */
  onMigrationStart?: (migration: StartedMigration) => void;
}

/** Options of {@link MigrationManager.migrate}. */
export interface MigrateOptions extends RunOptions {
  /** Apply pending migrations up to this version only. @default the newest known version */
  targetVersion?: number;
}

/** Options of {@link MigrationManager.rollback}. */
export interface RollbackOptions extends RunOptions {
  /** How many of the newest applied migrations to revert. @default {1} */
  steps?: number;
  /** Revert every applied migration above this version (instead of `steps`). */
  targetVersion?: number;
}

/** The default of {@link MigrationManagerOptions.busyTimeoutMs}. */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;

/** The longest busy timeout SQLite takes: its milliseconds are a 32-bit signed integer. */
export const MAX_BUSY_TIMEOUT_MS = 2_147_483_647;

/**
 * A busy timeout checked against what SQLite accepts, or the default when none is given.
 *
 * @param input The option or flag it came from, for the message.
 * @throws {InvalidInputError} for a value that is not a whole number from 0 to {@link MAX_BUSY_TIMEOUT_MS}.
 */
export function checkBusyTimeout(value: number | undefined, input = "busyTimeoutMs"): number {
  const busy = value ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(busy) || busy < 0 || busy > MAX_BUSY_TIMEOUT_MS) {
    throw new InvalidInputError(
      `${input} must be a whole number of milliseconds from 0 to ${MAX_BUSY_TIMEOUT_MS} (SQLite's limit); ` +
        `got ${busy}.`,
      input,
    );
  }
  return busy;
}

/** The default of {@link MigrationManagerOptions.migrationTimeoutMs}. */
export const DEFAULT_MIGRATION_TIMEOUT_MS = 60_000;

/** The longest migration time limit: the longest wait a timer can take, in milliseconds (2^31 - 1). */
export const MAX_MIGRATION_TIMEOUT_MS = 2_147_483_647;

/**
 * A migration time limit checked against what a timer can wait, or the default when none is given.
 *
 * @param input The option or flag it came from, for the message.
 * @throws {InvalidInputError} for a value that is not a whole number from 0 to {@link MAX_MIGRATION_TIMEOUT_MS}.
 */
function checkMigrationTimeout(value: number | undefined, input = "migrationTimeoutMs"): number {
  const limit = value ?? DEFAULT_MIGRATION_TIMEOUT_MS;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_MIGRATION_TIMEOUT_MS) {
    throw new InvalidInputError(
      `${input} must be a whole number of milliseconds from 0 (no limit) to ${MAX_MIGRATION_TIMEOUT_MS}; ` +
        `got ${limit}.`,
      input,
    );
  }
  return limit;
}

/**
 * Applies, inspects and rolls back versioned migrations of one database.
 *
 * @example Apply migrations to an in-memory database
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
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
 * const { steps, currentVersion } = await manager.migrate();
 * assert.deepEqual(steps.map((step) => step.version), [1]);
 * assert.equal(currentVersion, 1);
 * db.close();
 * ```
 */
export class MigrationManager {
  readonly #engine: SqlEngine;
  readonly #history: HistoryStore;
  readonly #busyTimeoutMs: number;
  readonly #migrationTimeoutMs: number;
  readonly #wording: Wording;
  #known: KnownMigrations = { list: [], gaps: [] };

  /**
   * Manages the migrations of an open database. The caller keeps ownership of `db` and closes it.
   *
   * @param db A `node:sqlite` `DatabaseSync`, or any {@link SqlEngine}.
   * @throws {InvalidInputError} for an object that is not a database, or an invalid option.
   */
  constructor(db: DatabaseInput, options: MigrationManagerOptions = {}) {
    this.#engine = toEngine(db, { busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    this.#history = new HistoryStore(options.historyTable ?? DEFAULT_HISTORY_TABLE);
    this.#busyTimeoutMs = checkBusyTimeout(options.busyTimeoutMs);
    this.#migrationTimeoutMs = checkMigrationTimeout(options.migrationTimeoutMs);
    this.#wording = options.wording ?? "api";
  }

  /**
   * Adds migrations: objects, `BaseMigration` subclasses or their instances. The whole set is checked at once.
   *
   * A version missing between them is judged when a database is read: a migration the database
   * applied is a file deleted after it ran (a {@link DatabaseStateError}, reason `"missing-file"`:
   * restore it); one it never applied is a hole in the numbering (a {@link MigrationSetError}).
   *
   * @returns The manager, for chaining.
   * @throws {MigrationSetError} for a version that is not a positive integer, or a duplicate;
   *   nothing is registered then.
   */
  registerMigrations(list: readonly MigrationInput[]): this {
    const added = list.map((input, index) => toMigration(input, this.#known.list.length + index));
    const sorted = validateMigrationSet([...this.#known.list, ...added], { allowGaps: true });
    this.#known = { list: sorted, gaps: gapsOf(sorted) };
    return this;
  }

  /** The registered migrations, sorted by version. */
  get migrations(): readonly Migration[] {
    return this.#known.list;
  }

  /**
   * The version the database is at: the highest applied migration, 0 for a new database.
   *
   * @throws {DatabaseStateError} when the recorded version or history is corrupt (never read as 0).
   * @throws {MigrationSetError} for versions missing between the known migrations that the
   *   database never applied.
   */
  async getCurrentVersion(): Promise<number> {
    return (await this.#session(() => this.#readState())).currentVersion;
  }

  /**
   * Where the database stands: current and newest versions, pending count, last run, every
   * migration with whether and when it was applied, and whether `migrate` has work or would refuse:
   * `ok` is true only when neither, and `problems` holds what would stop it (the errors `migrate`
   * throws), each migration concerned naming its `problem`. Reads only; works on a database from
   * the future.
   *
   * @throws {DatabaseStateError} when the recorded version or history is corrupt.
   * @throws {MigrationSetError} for versions missing between the known migrations that the
   *   database never applied.
   */
  async getStatus(): Promise<MigrationStatus> {
    return await this.#session(async () => {
      const snapshot = await this.#history.read(this.#engine);
      return buildStatus(stateOf(snapshot, this.#known), this.#known.list, snapshot.lastRun);
    });
  }

  /**
   * Everything that would stop `migrate` or `rollback`: applied migrations edited, renamed or
   * deleted since they ran, unapplied migrations below the current version, a database newer than
   * the known migrations, a migration outside a transaction that never finished, a seed-era
   * `settings` version that disagrees with the history, a history table strata cannot write to;
   * and applied migrations it cannot check, whose record has no checksum it knows. Reads only.
   *
   * @returns One error per kind of problem; empty when the database and the files agree.
   */
  async validate(): Promise<DatabaseStateError[]> {
    return await this.#session(async () => {
      const state = await this.#readState();
      const unwritable = historyWriteProblem(state);
      return [
        ...stateProblems(state, this.#known.list),
        ...(unwritable ? [unwritable] : []),
        ...unverifiedRecords(state, this.#known.list),
      ];
    });
  }

  /**
   * Applies pending migrations in version order, each atomically with its history record.
   *
   * When the history records exactly the known migrations (and no `targetVersion` is given) it
   * returns without taking the write lock. Otherwise it takes the lock, reads the history under it
   * (another process may have migrated meanwhile) and applies what is still pending. If a migration fails, it is rolled back alone, the ones before it stay applied, and its
   * {@link MigrationError} is thrown.
   *
   * @throws {MigrationError} when a migration fails.
   * @throws {DatabaseStateError} when the database is refused (newer than the known migrations,
   *   edited migrations, …); nothing is written then.
   * @throws {InvalidInputError} for a target above the newest or below the current version.
   */
  async migrate(options: MigrateOptions = {}): Promise<RunResult> {
    return await this.#session(async () => {
      if (options.targetVersion === undefined && this.#known.gaps.length === 0 && await this.#upToDate()) {
        return {
          steps: [],
          currentVersion: this.#known.list.at(-1)?.version ?? 0,
          dryRun: options.dryRun ?? false,
        };
      }
      return await run(this.#runContext(), { ...options, command: "migrate" });
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
  async rollback(options: RollbackOptions = {}): Promise<RunResult> {
    return await this.#session(async () => {
      return await run(this.#runContext(), { ...options, command: "rollback" });
    });
  }

  /**
   * Records the new checksum and file name of applied migrations that were edited or renamed on
   * purpose (a comment, formatting), so `migrate` accepts them again.
   *
   * @param versions Only these versions. @default every applied migration that differs
   * @returns The versions whose record changed.
   */
  async accept(versions?: readonly number[]): Promise<number[]> {
    return await this.#session(async () => {
      return await acceptEdits(this.#runContext(), versions);
    });
  }

  /**
   * Records the outcome of a migration that ran outside a transaction and never finished (its run
   * was killed, or it failed part way): `"applied"` when you checked that its change is in the
   * database, `"pending"` when it is not (the next `migrate` runs it again).
   *
   * @throws {InvalidInputError} when that migration is not marked as started.
   */
  async mark(version: number, outcome: "applied" | "pending"): Promise<void> {
    await this.#session(async () => {
      await markOutcome(this.#runContext(), version, outcome);
    });
  }

  /**
   * Records migrations 1 to `version` as applied without running them, on a database that records
   * none yet, and logs the run as `command`: what a baseline does once it has checked the schema.
   *
   * @returns The versions recorded.
   * @throws {DatabaseStateError} when the database already records migrations.
   */
  async recordApplied(version: number, command: string): Promise<number[]> {
    return await this.#session(async () => {
      return await recordApplied(this.#runContext(), version, command);
    });
  }

  /**
   * Whether the history records exactly the known migrations, each applied, under its present name
   * and checksum: then nothing is pending and nothing is wrong, which the full read would conclude
   * at several times the cost. Any difference takes the full read, which explains it.
   */
  async #upToDate(): Promise<boolean> {
    return await this.#history.recordsExactly(
      this.#engine,
      () =>
        this.#known.list.map((m) => ({ version: m.version, name: nameOf(m), checksum: m.checksum ?? null })),
    );
  }

  /** What runs and history edits work on. */
  #runContext(): RunContext & HistoryEditor {
    return {
      engine: this.#engine,
      history: this.#history,
      known: this.#known,
      busyTimeoutMs: this.#busyTimeoutMs,
      migrationTimeoutMs: this.#migrationTimeoutMs,
      wording: this.#wording,
    };
  }

  async #readState(): Promise<DatabaseState> {
    return await readState(this.#engine, this.#history, this.#known);
  }

  /**
   * Runs one public call with the connection's busy timeout raised to ours, and turns engine errors
   * that mean "not a database", "read-only" or "locked" into clear refusals.
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
      throw await explainFailure(error, this.#engine, this.#wording);
    } finally {
      if (previous < this.#busyTimeoutMs) await this.#engine.exec(`PRAGMA busy_timeout = ${previous}`);
    }
  }
}
