/**
 * The migration manager: the one object an application talks to. It reads where a database stands,
 * asks the planner what to run, and has the runner run it under the database's write lock.
 *
 * @module
 */
import {
  isBusyError,
  type SqlConnection,
  type SqlEngine,
  SqliteError,
  type WriteTransaction,
} from "../engines/engine.ts";
import { DatabaseStateError, InvalidInputError, MigrationError, StrataError } from "../shared/errors.ts";
import { type DatabaseInput, toEngine } from "../engines/detect.ts";
import { DEFAULT_HISTORY_TABLE, type HistorySnapshot, HistoryStore } from "./history.ts";
import {
  gapsOf,
  listForMessage,
  type Migration,
  type MigrationInput,
  resolveMigration,
  toMigration,
  validateMigrationSet,
  type VersionGap,
} from "./migration.ts";
import {
  buildStatus,
  checkGaps,
  checkState,
  type DatabaseState,
  databaseState,
  historyWriteProblem,
  type MigrationStatus,
  nameOf,
  planMigrate,
  planRollback,
  stateProblems,
  unverifiedRecords,
} from "./planner.ts";
import { type HistoryEditor, writable } from "./history_edit.ts";
import type { RunContext, RunOutcome, RunRequest } from "./runner.ts";
import { type Wording, wordsOf } from "./wording.ts";
import type { StartedMigration, StepResult } from "./step.ts";

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

/** What {@link MigrationManager.migrate} did. */
export interface MigrateResult {
  /** Versions applied, in order (in a dry run: the versions that would be applied). */
  applied: number[];
  /** The database's version afterwards (in a dry run: unchanged). */
  currentVersion: number;
  /** One entry per migration applied, with its timing (and in a dry run, its preview). */
  steps: StepResult[];
  /** Path of the backup written before the run, when one was asked for and something ran. */
  backup?: string;
  /** Whether this was a dry run. */
  dryRun: boolean;
}

/** What {@link MigrationManager.rollback} did. */
export interface RollbackResult {
  /** Versions reverted, newest first (in a dry run: the versions that would be reverted). */
  rolledBack: number[];
  /** The database's version afterwards (in a dry run: unchanged). */
  currentVersion: number;
  /** One entry per migration reverted, with its timing (and in a dry run, its preview). */
  steps: StepResult[];
  /** Path of the backup written before the run, when one was asked for and something ran. */
  backup?: string;
  /** Whether this was a dry run. */
  dryRun: boolean;
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
export function checkMigrationTimeout(value: number | undefined, input = "migrationTimeoutMs"): number {
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

/** How often to look again at a migration another run has started outside a transaction. */
const STARTED_POLL_MS = 100;

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
  readonly #migrationTimeoutMs: number;
  readonly #wording: Wording;
  #known: Migration[] = [];
  /** Versions missing between the known migrations, judged against each database read. */
  #gaps: VersionGap[] = [];

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
    const added = list.map((input, index) => toMigration(input, this.#known.length + index));
    this.#known = validateMigrationSet([...this.#known, ...added], { allowGaps: true });
    this.#gaps = gapsOf(this.#known);
    return this;
  }

  /** The registered migrations, sorted by version. */
  get migrations(): readonly Migration[] {
    return this.#known;
  }

  /**
   * The version the database is at: the highest applied migration, 0 for a new database.
   *
   * @throws {DatabaseStateError} when the recorded version or history is corrupt (never read as 0).
   * @throws {MigrationSetError} for versions missing between the known migrations that the
   *   database never applied.
   */
  async getCurrentVersion(): Promise<number> {
    return (await this.#session(() => this.#readState(this.#engine))).currentVersion;
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
      return buildStatus(this.#stateOf(snapshot), this.#known, snapshot.lastRun);
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
      const state = await this.#readState(this.#engine);
      const unwritable = historyWriteProblem(state);
      return [
        ...stateProblems(state, this.#known),
        ...(unwritable ? [unwritable] : []),
        ...unverifiedRecords(state, this.#known),
      ];
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
   * @throws {DatabaseStateError} when the database is refused (newer than the known migrations,
   *   edited migrations, …); nothing is written then.
   * @throws {InvalidInputError} for a target above the newest or below the current version.
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    const outcome = await this.#run(options, {
      command: "migrate",
      direction: "up",
      plan: (state) =>
        writable(state, planMigrate(state, this.#known, { ...options, wording: this.#wording })),
    });
    return { applied: outcome.steps.map((s) => s.version), ...outcome };
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
    const outcome = await this.#run(options, {
      command: "rollback",
      direction: "down",
      plan: (state) =>
        writable(state, planRollback(state, this.#known, { ...options, wording: this.#wording })),
      check: (plan) =>
        assertReversible(plan, options.targetVersion !== undefined ? "targetVersion" : "steps"),
    });
    return { rolledBack: outcome.steps.map((s) => s.version), ...outcome };
  }

  /**
   * Records the new checksum and file name of applied migrations that were edited or renamed on
   * purpose (a comment, formatting), so `migrate` accepts them again.
   *
   * @param versions Only these versions. @default every applied migration that differs
   * @returns The versions whose record changed.
   */
  async accept(versions?: readonly number[]): Promise<number[]> {
    const { acceptEdits } = await import("./accept.ts");
    return await this.#session(() => acceptEdits(this.#editor(), versions));
  }

  /**
   * Records the outcome of a migration that ran outside a transaction and never finished (its run
   * was killed, or it failed part way): `"applied"` when you checked that its change is in the
   * database, `"pending"` when it is not (the next `migrate` runs it again).
   *
   * @throws {InvalidInputError} when that migration is not marked as started.
   */
  async mark(version: number, outcome: "applied" | "pending"): Promise<void> {
    const { markOutcome } = await import("./mark.ts");
    await this.#session(() => markOutcome(this.#editor(), version, outcome));
  }

  /**
   * Records migrations 1 to `version` as applied without running them, on a database that records
   * none yet, and logs the run as `command`: what a baseline does once it has checked the schema.
   *
   * @returns The versions recorded.
   * @throws {DatabaseStateError} when the database already records migrations.
   */
  async recordApplied(version: number, command: string): Promise<number[]> {
    const { recordApplied } = await import("./record_applied.ts");
    return await this.#session(() => recordApplied(this.#editor(), version, command));
  }

  /** What accept, mark and a baseline edit the history through. */
  #editor(): HistoryEditor {
    return {
      known: this.#known,
      history: this.#history,
      inWriteTransaction: (work) =>
        this.#inWriteTransaction(async (tx) => await work(tx, await this.#readState(tx))),
    };
  }

  /** The shared part of migrate and rollback: cheap check, backup, locked run, retries. */
  async #run(
    options: RunOptions & { targetVersion?: number },
    request: RunRequest,
  ): Promise<RunOutcome & { backup?: string; dryRun: boolean }> {
    const dryRun = options.dryRun ?? false;
    return await this.#session(async () => {
      if (
        request.direction === "up" && options.targetVersion === undefined && this.#gaps.length === 0 &&
        await this.#upToDate()
      ) {
        return { steps: [], currentVersion: this.#known.at(-1)?.version ?? 0, dryRun };
      }
      for (;;) {
        try {
          const state = await this.#readChecked(this.#engine);
          const plan = await Promise.all(request.plan(state).map(resolveMigration));
          request.check?.(plan);
          if (plan.length === 0) return { steps: [], currentVersion: state.currentVersion, dryRun };
          const backup = options.backup && !dryRun
            ? await (await import("./backup.ts")).backupDatabase(
              this.#engine,
              state.currentVersion,
              options.backup === true ? {} : options.backup,
            )
            : undefined;
          const { executeRun } = await import("./runner.ts");
          const outcome = await executeRun(this.#runContext(), {
            ...request,
            dryRun,
            signal: options.signal,
            onMigrationStart: options.onMigrationStart,
          })
            .catch(
              async (error) => {
                // Before anything of the run was kept, a database that refuses a write is read-only,
                // whatever the migration does; after a commit, the failing migration's own SQL is at fault.
                if (
                  error instanceof MigrationError && error.committed.length === 0 && isReadOnly(error.cause)
                ) {
                  throw readOnlyError(error, await this.#file());
                }
                throw error;
              },
            );
          return { ...outcome, dryRun, ...(backup ? { backup } : {}) };
        } catch (error) {
          if (!(error instanceof StartedElsewhere)) throw error;
          await delay(STARTED_POLL_MS);
        }
      }
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
      () => this.#known.map((m) => ({ version: m.version, name: nameOf(m), checksum: m.checksum ?? null })),
    );
  }

  /**
   * Runs `work` in a write transaction. The runner and the modules under it are loaded on the first
   * call that writes: a start-up with nothing to do never loads them.
   */
  async #inWriteTransaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const { inWriteTransaction } = await import("./runner.ts");
    return await inWriteTransaction(this.#runContext(), work);
  }

  #runContext(): RunContext {
    return {
      engine: this.#engine,
      history: this.#history,
      busyTimeoutMs: this.#busyTimeoutMs,
      migrationTimeoutMs: this.#migrationTimeoutMs,
      wording: this.#wording,
      readState: (tx) => this.#readChecked(tx),
    };
  }

  /**
   * Reads the database's state and refuses one that cannot be migrated. A migration another run
   * started outside a transaction less than the busy timeout ago is waited for (the caller retries
   * on {@link StartedElsewhere}, having released the lock the other run needs to finish); an older
   * one is reported at once.
   */
  async #readChecked(db: SqlConnection): Promise<DatabaseState> {
    const state = await this.#readState(db);
    const recent = [...state.applied.values()].some((entry) =>
      entry.state === "started" && Date.parse(entry.appliedAt) + this.#busyTimeoutMs > Date.now()
    );
    if (recent) throw new StartedElsewhere();
    checkState(state, this.#known);
    return state;
  }

  async #readState(db: SqlConnection): Promise<DatabaseState> {
    return this.#stateOf(await this.#history.read(db));
  }

  /** The state of a database from its history, refusing known migrations with a hole in their numbering. */
  #stateOf(snapshot: HistorySnapshot): DatabaseState {
    const state = databaseState(snapshot, this.#known, isoNow());
    checkGaps(state, this.#known, this.#gaps);
    return state;
  }

  /** The file of the database, for messages; null for an in-memory one or when it cannot be asked. */
  async #file(): Promise<string | null> {
    const { databaseFile } = await import("./backup.ts");
    return await databaseFile(this.#engine).catch(() => null);
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
      throw error instanceof StrataError
        ? error
        : explainEngineError(error, await this.#file(), this.#wording);
    } finally {
      if (previous < this.#busyTimeoutMs) await this.#engine.exec(`PRAGMA busy_timeout = ${previous}`);
    }
  }
}

/** Signals that another run has a migration outside a transaction in progress: wait and look again. */
class StartedElsewhere extends Error {}

function assertReversible(plan: readonly Migration[], input: string): void {
  const irreversible = plan.filter((m) => typeof m.down !== "function");
  if (irreversible.length === 0) return;
  const one = irreversible.length === 1;
  throw new InvalidInputError(
    `Cannot roll back: migration${one ? "" : "s"} ${
      listForMessage(irreversible.map((m) => `${m.version} ("${m.description}")`))
    } ha${one ? "s" : "ve"} no down(). Nothing was changed. ` +
      `Roll back fewer steps, or add a down() that undoes ${one ? "it" : "them"}.`,
    input,
  );
}

/** Turns engine errors a user can meet before any migration runs into clear refusals naming the file. */
function explainEngineError(error: unknown, file: string | null, wording: Wording): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const database = file ? `The database ${file}` : "The database";
  if (/file is not a database|file is encrypted|malformed/i.test(message)) {
    return new DatabaseStateError(
      `${database} is not a usable SQLite database (${message}). Check the path; nothing was changed.`,
      { reason: "unreadable", cause: error },
    );
  }
  if (isReadOnly(error)) return readOnlyError(error, file);
  if (isBusyError(error)) {
    return new DatabaseStateError(
      `${database} is locked by another connection (${message}). Try again, or raise the busy timeout ` +
        `(${wordsOf(wording).busyTimeout}). Nothing was changed.`,
      { reason: "busy", cause: error },
    );
  }
  return error;
}

/**
 * Whether an engine's error, or one of its causes, means the database cannot be written: opened
 * read-only or a read-only file (`SQLITE_READONLY`), or a directory where SQLite cannot create the
 * journal it needs before the first write (`SQLITE_CANTOPEN`, or `SQLITE_READONLY_DIRECTORY`).
 */
function isReadOnly(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (
      cause instanceof SqliteError && (cause.code === "SQLITE_READONLY" || cause.code === "SQLITE_CANTOPEN")
    ) {
      return true;
    }
    if (/attempt to write a readonly database|unable to open database file/.test(cause.message)) return true;
  }
  return false;
}

/** The refusal of a database that cannot be written, keeping `error` (and the migration it names) as its cause. */
function readOnlyError(error: unknown, file: string | null): DatabaseStateError {
  let reason = error instanceof Error ? error.message : String(error);
  for (let cause = error; cause instanceof Error; cause = cause.cause) reason = cause.message;
  return new DatabaseStateError(
    `${file ? `The database ${file}` : "The database"} is read-only (${reason}): strata could not write ` +
      `to it, or create the journal SQLite writes next to it. Open it for writing, or check the ` +
      `permissions of the file and of its directory. Nothing was changed.`,
    { reason: "read-only", cause: error },
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isoNow(): string {
  return new Date().toISOString();
}
