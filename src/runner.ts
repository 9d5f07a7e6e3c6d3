/**
 * The runner: runs a planned batch of migrations under the database's write lock.
 *
 * A run takes the write lock once (`BEGIN IMMEDIATE`, waiting out the busy timeout), re-reads the
 * history — another process may have migrated while this one waited — re-plans, and runs each
 * migration as a step with its own savepoint. A failing migration is rolled back alone, the ones
 * before it are committed, and the whole run pays for a single commit. A crash before that commit
 * leaves the database as it was before the run.
 *
 * Foreign-key enforcement, when on, is switched off for the run and replaced by a
 * `PRAGMA foreign_key_check` before each migration is kept: table rebuilds (drop and recreate a table)
 * then cannot cascade-delete or fail half way, and a migration that leaves a dangling reference is
 * still rolled back. `PRAGMA foreign_keys` cannot change inside a transaction, hence outside the run.
 *
 * @module
 */
import { isBusyError, type SqlEngine, type WriteTransaction } from "./engine.ts";
import { DatabaseStateError, type Direction } from "./errors.ts";
import type { HistoryStore } from "./history.ts";
import { type Migration, resolveMigration } from "./migration.ts";
import type { DatabaseState } from "./planner.ts";
import {
  runStep,
  runStepOutsideTransaction,
  type StepContext,
  type StepResult,
  watchForeignKeys,
} from "./step.ts";

/** What a run needs from the manager. */
export interface RunContext {
  /** The database. */
  engine: SqlEngine;
  /** Its history tables. */
  history: HistoryStore;
  /** Reads the database's state, refusing one that cannot be migrated. */
  readState(db: WriteTransaction): Promise<DatabaseState>;
  /** The busy timeout in force, for messages. */
  busyTimeoutMs: number;
}

/** One migrate or rollback run. */
export interface RunRequest {
  /** `"migrate"` or `"rollback"`, for the run log. */
  command: "migrate" | "rollback";
  /** `"up"` for migrate, `"down"` for rollback. */
  direction: Direction;
  /** Plans the run against the state read under the lock. */
  plan(state: DatabaseState): Migration[];
  /** Checks the resolved plan before anything runs (e.g. every step has `down()`). */
  check?(plan: readonly Migration[]): void;
  /** Run everything, report what it did, then roll it all back. @default {false} */
  dryRun?: boolean;
}

/** What a run did. */
export interface RunOutcome {
  /** One entry per migration run (or previewed), in order. */
  steps: StepResult[];
  /** The database's version afterwards. */
  currentVersion: number;
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

/**
 * Takes the write lock, waiting up to the busy timeout.
 *
 * @throws {DatabaseStateError} with reason `"busy"` when another connection keeps the lock longer.
 */
export async function beginWrite(
  ctx: Pick<RunContext, "engine" | "busyTimeoutMs">,
): Promise<WriteTransaction> {
  try {
    return await ctx.engine.beginWrite();
  } catch (cause) {
    if (!isBusyError(cause)) throw cause;
    throw new DatabaseStateError(
      `The database is locked: another connection held its write lock for more than ${ctx.busyTimeoutMs} ms ` +
        `(the busy timeout). Another process may be migrating it or running a long write; try again, or ` +
        `raise the busy timeout (busyTimeoutMs, --busy-timeout).`,
      { reason: "busy", cause },
    );
  }
}

/** Runs `work` in a write transaction, committing if it returns and rolling back if it throws. */
export async function inWriteTransaction<T>(
  ctx: Pick<RunContext, "engine" | "busyTimeoutMs">,
  work: (tx: WriteTransaction) => Promise<T>,
): Promise<T> {
  const tx = await beginWrite(ctx);
  try {
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}

/**
 * Runs a migrate or rollback under the write lock; see the module documentation for the guarantees.
 *
 * @throws {MigrationError} when a migration fails (after committing the ones before it).
 * @throws {DatabaseStateError} when the database is refused once the lock is held.
 */
export async function executeRun(ctx: RunContext, request: RunRequest): Promise<RunOutcome> {
  return await withForeignKeysDeferred(ctx.engine, async (checkForeignKeys) => {
    const startedAt = isoNow();
    let tx = await beginWrite(ctx);
    try {
      const state = await ctx.readState(tx);
      const plan = await Promise.all(request.plan(state).map(resolveMigration));
      request.check?.(plan);
      if (plan.length === 0) {
        await tx.rollback();
        return { steps: [], currentVersion: state.currentVersion };
      }
      await ctx.history.ensureTables(tx);
      for (const entry of state.imported) await ctx.history.record(tx, entry);
      const foreignKeys = checkForeignKeys ? await watchForeignKeys(tx) : null;
      const steps: StepResult[] = [];
      let failure: unknown = null;
      for (const migration of plan) {
        const step: StepContext = {
          tx,
          history: ctx.history,
          foreignKeys,
          now: isoNow,
          preview: request.dryRun,
        };
        if (migration.transaction === false && request.dryRun) {
          steps.push(notPreviewed(migration, request.direction));
          break;
        }
        try {
          if (migration.transaction === false) {
            const outside = await runStepOutsideTransaction(step, ctx.engine, migration, request.direction);
            tx = await beginWrite(ctx);
            await outside.finish(tx);
            steps.push(outside.step);
          } else {
            steps.push(await runStep(step, migration, request.direction));
          }
        } catch (error) {
          failure = error;
          break;
        }
      }
      const nothingKept = steps.length === 0;
      if (request.dryRun || nothingKept || !(await tx.isOpen())) {
        await tx.rollback();
        if (failure) throw failure;
        return { steps, currentVersion: state.currentVersion };
      }
      const remaining = new Set(
        [...state.applied.values()].filter((e) => e.state === "applied").map((e) => e.version),
      );
      for (const step of steps) {
        if (request.direction === "up") remaining.add(step.version);
        else remaining.delete(step.version);
      }
      const currentVersion = Math.max(0, ...remaining);
      await ctx.history.logRun(tx, {
        command: request.command,
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

function notPreviewed(migration: Migration, direction: Direction): StepResult {
  return {
    version: migration.version,
    description: migration.description,
    direction,
    durationMs: 0,
    statements: 0,
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

function isoNow(): string {
  return new Date().toISOString();
}
