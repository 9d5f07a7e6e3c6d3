/**
 * The runner: one migrate or rollback, start to end, under the database's write lock.
 *
 * A run takes the write lock (`BEGIN IMMEDIATE`, waiting out the busy timeout), reads the database's
 * state under it — another process may have migrated while this one waited — refuses a state it
 * cannot move, plans, checks the plan, and runs each migration as a step with its own savepoint. A
 * failing migration is rolled back alone, the ones before it are committed with the history and the
 * run log, and the whole run pays for a single commit. A crash before that commit leaves the
 * database as it was before the run.
 *
 * A backup is taken before the lock, once a locked read has shown there is something to run: SQLite's
 * online backup cannot copy a database while its own connection holds the write lock. The run then
 * takes the lock again and plans afresh.
 *
 * Foreign-key enforcement, when on, is switched off for the run and replaced by a
 * `PRAGMA foreign_key_check` before each migration is kept: table rebuilds (drop and recreate a table)
 * then cannot cascade-delete or fail half way, and a migration that leaves a dangling reference is
 * still rolled back. `PRAGMA foreign_keys` cannot change inside a transaction, hence outside the run.
 *
 * @module
 */
import type { SqlEngine, WriteTransaction } from "../engines/engine.ts";
import type { Direction } from "../shared/errors.ts";
import { type DatabaseState, type KnownMigrations, readState } from "./database_state.ts";
import { type HistoryStore, isoNow } from "./history.ts";
import { type Migration, resolveMigration } from "./migration.ts";
import { assertReversible, checkState, planMigrate, planRollback, writable } from "./planner.ts";
import { interrupted, lateCallFailure, ROLLED_BACK_ALONE, transactionEnded } from "./run_failures.ts";
import { RunWatch } from "./run_watch.ts";
import { runOutside } from "./run_outside.ts";
import { writeSettingsVersion } from "./settings_version.ts";
import {
  migrationFailure,
  type Previewer,
  runStep,
  type StartedMigration,
  type StepContext,
  StepFailed,
  type StepResult,
  watchForeignKeys,
} from "./step.ts";
import { beginWrite, type LockContext } from "./write_transaction.ts";

/** What a run works on: the database and its lock, its history tables, the known migrations. */
export interface RunContext extends LockContext {
  /** The history tables. */
  history: HistoryStore;
  /** The known migrations. */
  known: KnownMigrations;
  /** How long a migration may wait without running SQL, in milliseconds; 0 for no limit. */
  migrationTimeoutMs: number;
}

/** One migrate or rollback, as the caller asked for it. */
export interface RunRequest {
  /** What to run: pending migrations up, or applied ones down. */
  command: "migrate" | "rollback";
  /** migrate: apply up to this version; rollback: revert every migration above it. */
  targetVersion?: number;
  /** rollback: how many of the newest applied migrations to revert. @default {1} */
  steps?: number;
  /** Run everything, report what it did, then roll it all back. @default {false} */
  dryRun?: boolean;
  /**
   * Writes a copy of the database, at the version given, and returns its path: called once, before
   * the first migration runs, when there is something to run.
   */
  backup?: (version: number) => Promise<string>;
  /** Measures what each migration changes: given for a dry run. */
  preview?: Previewer;
  /** Interrupts the run: what it did in its transaction is rolled back. */
  signal?: AbortSignal;
  /** Told as each migration starts. */
  onMigrationStart?(migration: StartedMigration): void;
}

/** What a run did. */
export interface RunResult {
  /** One entry per migration run (or previewed), in the order they ran. */
  steps: StepResult[];
  /** The database's version afterwards (in a dry run: unchanged). */
  currentVersion: number;
  /** Whether this was a dry run. */
  dryRun: boolean;
  /** Path of the backup written before the run, when one was asked for and a locked read found work to do. */
  backup?: string;
}

/** How often to look again at a migration another run has started outside a transaction. */
const STARTED_POLL_MS = 100;

/**
 * Runs a migrate or rollback; see the module documentation for the guarantees.
 *
 * @throws {MigrationError} when a migration fails (after committing the ones before it, unless the
 *   failure ended the run's transaction, or was a late call, which roll the whole run back).
 * @throws {RunInterruptedError} when `request.signal` aborts; the run is rolled back.
 * @throws {DatabaseStateError} when the database is refused; nothing is written then.
 * @throws {InvalidInputError} for a target or steps the database cannot take, or a rollback through a
 *   migration without `down()`; nothing is written then.
 */
export async function run(ctx: RunContext, request: RunRequest): Promise<RunResult> {
  const dryRun = request.dryRun ?? false;
  const takeBackup = dryRun ? undefined : request.backup;
  let backup: string | undefined;
  for (;;) {
    const attempt = await withForeignKeysDeferred(
      ctx.engine,
      (checkForeignKeys) =>
        lockedRun(ctx, request, checkForeignKeys, takeBackup !== undefined && backup === undefined),
    );
    if ("steps" in attempt) return { ...attempt, dryRun, ...(backup ? { backup } : {}) };
    if ("backupAt" in attempt) backup = await takeBackup!(attempt.backupAt);
    else await delay(STARTED_POLL_MS);
  }
}

/** What one attempt under the lock ended with: the run's outcome, or what to do before trying again. */
type Attempt =
  | { steps: StepResult[]; currentVersion: number }
  | { backupAt: number }
  | { waitForStarted: true };

/** One attempt: lock, read, refuse or plan, then run the plan, or hand back to {@link run}. */
async function lockedRun(
  ctx: RunContext,
  request: RunRequest,
  checkForeignKeys: boolean,
  backupFirst: boolean,
): Promise<Attempt> {
  const startedAt = isoNow();
  const tx = await beginWrite(ctx);
  let owned = true;
  try {
    const state = await readState(tx, ctx.history, ctx.known);
    if (startedRecently(state, ctx.busyTimeoutMs)) return { waitForStarted: true };
    checkState(state, ctx.known.list);
    const plan = await Promise.all(planFor(ctx, request, state).map(resolveMigration));
    if (request.command === "rollback") {
      assertReversible(plan, request.targetVersion !== undefined ? "targetVersion" : "steps");
    }
    if (request.signal?.aborted) throw interrupted(request.signal.reason, null, [], [], state.currentVersion);
    if (plan.length === 0) return { steps: [], currentVersion: state.currentVersion };
    if (backupFirst) return { backupAt: state.currentVersion };
    owned = false;
    return await runPlan(ctx, request, { tx, state, plan, startedAt, checkForeignKeys });
  } finally {
    if (owned) await tx.rollback();
  }
}

/**
 * Whether a migration another run started outside a transaction is recorded as started less than
 * the busy timeout ago: that run may still be running it, and needs the lock released to finish.
 * An older one is reported by the state check instead.
 */
function startedRecently(state: DatabaseState, busyTimeoutMs: number): boolean {
  return [...state.applied.values()].some((entry) =>
    entry.state === "started" && Date.parse(entry.appliedAt) + busyTimeoutMs > Date.now()
  );
}

/** The migrations the request runs, in order, on a database in `state`. */
function planFor(ctx: RunContext, request: RunRequest, state: DatabaseState): Migration[] {
  const options = { targetVersion: request.targetVersion, wording: ctx.wording };
  const planned = request.command === "migrate"
    ? planMigrate(state, ctx.known.list, options)
    : planRollback(state, ctx.known.list, { ...options, steps: request.steps });
  return writable(state, planned);
}

/** A plan ready to run, under the lock of `tx`. */
interface LockedPlan {
  tx: WriteTransaction;
  state: DatabaseState;
  plan: readonly Migration[];
  startedAt: string;
  checkForeignKeys: boolean;
}

/** Runs each step of the plan, then commits what is kept with the history and the run log. */
async function runPlan(
  ctx: RunContext,
  request: RunRequest,
  locked: LockedPlan,
): Promise<{ steps: StepResult[]; currentVersion: number }> {
  const { state, plan } = locked;
  const direction: Direction = request.command === "migrate" ? "up" : "down";
  const run = new RunWatch(request.signal);
  let tx = locked.tx;
  try {
    await ctx.history.ensureTables(tx);
    for (const entry of state.imported) await ctx.history.record(tx, entry);
    const foreignKeys = locked.checkForeignKeys ? await watchForeignKeys(tx) : null;
    const steps: StepResult[] = [];
    /** Steps committed so far; the others are in `tx`, and go if it is rolled back. */
    let committed = 0;
    let failure: StepFailed | null = null;
    for (const migration of plan) {
      if (run.stopped) break;
      if (migration.transaction === false && request.dryRun) {
        steps.push(notPreviewed(migration, direction));
        break;
      }
      request.onMigrationStart?.({
        version: migration.version,
        description: migration.description,
        direction,
      });
      const step: StepContext = {
        tx,
        history: ctx.history,
        foreignKeys,
        run,
        timeoutMs: ctx.migrationTimeoutMs,
        now: isoNow,
        preview: request.dryRun ? request.preview : undefined,
      };
      try {
        if (migration.transaction === false) {
          committed = steps.length;
          tx = await runOutside(ctx, step, migration, direction, {
            steps,
            versionAfter: () => versionAfter(state, steps, direction),
            settings: state.settings,
          });
        } else {
          steps.push(await runStep(step, migration, direction));
        }
      } catch (error) {
        if (!(error instanceof StepFailed)) throw error;
        failure = error;
        break;
      }
    }
    const versions = (from: number, to?: number) => steps.slice(from, to).map((s) => s.version);
    const kept = versions(0, committed);
    run.close();
    if (run.lateCall) {
      await tx.rollback();
      throw lateCallFailure(run.lateCall, plan, direction, kept, versions(committed));
    }
    if (request.signal?.aborted) {
      await tx.rollback();
      const currentVersion = versionAfter(state, steps.slice(0, committed), direction);
      throw interrupted(request.signal.reason, failure, kept, versions(committed), currentVersion);
    }
    if (failure && !(await tx.isOpen())) {
      await tx.rollback();
      throw migrationFailure(failure, transactionEnded(versions(committed)), kept);
    }
    if (request.dryRun || steps.length === 0) {
      await tx.rollback();
      if (failure) throw migrationFailure(failure, ROLLED_BACK_ALONE, []);
      return { steps, currentVersion: state.currentVersion };
    }
    const currentVersion = versionAfter(state, steps, direction);
    const finishedAt = isoNow();
    await ctx.history.logRun(tx, {
      command: request.command,
      fromVersion: state.currentVersion,
      toVersion: currentVersion,
      startedAt: locked.startedAt,
      finishedAt,
    });
    await writeSettingsVersion(tx, state.settings, currentVersion, finishedAt);
    await tx.commit();
    if (failure) throw migrationFailure(failure, ROLLED_BACK_ALONE, versions(0));
    return { steps, currentVersion };
  } catch (error) {
    run.close();
    await tx.rollback();
    throw error;
  }
}

/** Runs `work` with foreign-key enforcement off, turning it back on afterwards if it was on. */
async function withForeignKeysDeferred<T>(
  engine: SqlEngine,
  work: (checkForeignKeys: boolean) => Promise<T>,
): Promise<T> {
  const enforced = Number((await engine.query("PRAGMA foreign_keys", []))[0]?.foreign_keys ?? 0) === 1;
  if (!enforced) return await work(false);
  await engine.exec("PRAGMA foreign_keys = OFF");
  try {
    return await work(true);
  } finally {
    await engine.exec("PRAGMA foreign_keys = ON");
  }
}

/** The database's version after a run that kept `steps`. */
function versionAfter(state: DatabaseState, steps: readonly StepResult[], direction: Direction): number {
  const remaining = new Set(
    [...state.applied.values()].filter((e) => e.state === "applied").map((e) => e.version),
  );
  for (const step of steps) {
    if (direction === "up") remaining.add(step.version);
    else remaining.delete(step.version);
  }
  return Math.max(0, ...remaining);
}

/** The entry of a migration a dry run stops before: it runs outside a transaction, which cannot be undone. */
function notPreviewed(migration: Migration, direction: Direction): StepResult {
  return {
    version: migration.version,
    description: migration.description,
    direction,
    durationMs: 0,
    calls: 0,
    preview: {
      rowsChanged: 0,
      created: [],
      altered: [],
      dropped: [],
      destructive: [],
      skipped: "it runs outside a transaction, so a dry run cannot undo it; it and the migrations after it " +
        "were not previewed",
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
