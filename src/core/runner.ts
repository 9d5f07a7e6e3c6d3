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
import { isBusyError, type SqlEngine, type WriteTransaction } from "../engines/engine.ts";
import { DatabaseStateError, type Direction, MigrationError, RunInterruptedError } from "../shared/errors.ts";
import type { HistoryStore } from "./history.ts";
import { label, listForMessage, type Migration, resolveMigration } from "./migration.ts";
import type { DatabaseState } from "./planner.ts";
import { type Wording, wordsOf } from "./wording.ts";
import {
  assertNoNewForeignKeyViolations,
  migrationFailure,
  recordOutsideStep,
  runStep,
  runStepOutsideTransaction,
  type StartedMigration,
  type StepContext,
  StepFailed,
  type StepResult,
  watchForeignKeys,
} from "./step.ts";
import {
  describeReason,
  type LateCallError,
  type RunControl,
  StepInterrupted,
  type StepScope,
} from "./step_scope.ts";

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
  /** How long a migration may wait without running SQL, in milliseconds; 0 for no limit. */
  migrationTimeoutMs: number;
  /** Whose words messages use for what to do next. */
  wording: Wording;
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
  /** Interrupts the run: what it did in its transaction is rolled back. */
  signal?: AbortSignal;
  /** Told as each migration starts (see `RunOptions.onMigrationStart`). */
  onMigrationStart?(migration: StartedMigration): void;
}

/** What a run did. */
export interface RunOutcome {
  /** One entry per migration run (or previewed), in order. */
  steps: StepResult[];
  /** The database's version afterwards. */
  currentVersion: number;
}

/**
 * The run as its steps see it: late calls are reported to it while it is open, and they, like the
 * caller's signal, interrupt the step that runs.
 */
class RunWatch implements RunControl {
  /** The first call made after its step finished, while the run was open. */
  lateCall: LateCallError | null = null;
  readonly #external: AbortSignal | undefined;
  readonly #steps = new Set<StepScope>();
  #open = true;

  constructor(external: AbortSignal | undefined) {
    this.#external = external;
    external?.addEventListener("abort", this.#onAbort);
  }

  /** Whether the run must stop: its signal aborted, or a late call came. */
  get stopped(): boolean {
    return this.lateCall !== null || this.#external?.aborted === true;
  }

  calledLate(error: LateCallError): boolean {
    if (!this.#open) return false;
    this.lateCall ??= error;
    this.#interrupt(error);
    return true;
  }

  enter(step: StepScope): void {
    this.#steps.add(step);
    if (this.lateCall) step.fail(new StepInterrupted(this.lateCall));
    else if (this.#external?.aborted) step.fail(new StepInterrupted(this.#external.reason));
  }

  leave(step: StepScope): void {
    this.#steps.delete(step);
  }

  /** From now on, late calls are the caller's to see: the run is being committed or rolled back. */
  close(): void {
    this.#open = false;
    this.#external?.removeEventListener("abort", this.#onAbort);
  }

  readonly #onAbort = () => this.#interrupt(this.#external!.reason);

  #interrupt(reason: unknown): void {
    for (const step of this.#steps) step.fail(new StepInterrupted(reason));
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

/**
 * Takes the write lock, waiting up to the busy timeout.
 *
 * @throws {DatabaseStateError} with reason `"busy"` when another connection keeps the lock longer.
 */
export async function beginWrite(
  ctx: Pick<RunContext, "engine" | "busyTimeoutMs" | "wording">,
): Promise<WriteTransaction> {
  try {
    return await ctx.engine.beginWrite();
  } catch (cause) {
    if (!isBusyError(cause)) throw cause;
    throw new DatabaseStateError(
      `The database is locked: another connection held its write lock for more than ${ctx.busyTimeoutMs} ms ` +
        `(the busy timeout). Another process may be migrating it or running a long write; try again, or ` +
        `raise the busy timeout (${wordsOf(ctx.wording).busyTimeout}).`,
      { reason: "busy", cause },
    );
  }
}

/** Runs `work` in a write transaction, committing if it returns and rolling back if it throws. */
export async function inWriteTransaction<T>(
  ctx: Pick<RunContext, "engine" | "busyTimeoutMs" | "wording">,
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
 * @throws {MigrationError} when a migration fails (after committing the ones before it, unless the
 *   failure ended the run's transaction, or was a late call, which roll the whole run back).
 * @throws {RunInterruptedError} when `request.signal` aborts; the run is rolled back.
 * @throws {DatabaseStateError} when the database is refused once the lock is held.
 */
export async function executeRun(ctx: RunContext, request: RunRequest): Promise<RunOutcome> {
  return await withForeignKeysDeferred(ctx.engine, async (checkForeignKeys) => {
    const startedAt = isoNow();
    const run = new RunWatch(request.signal);
    let tx = await beginWrite(ctx);
    try {
      const state = await ctx.readState(tx);
      const plan = await Promise.all(request.plan(state).map(resolveMigration));
      request.check?.(plan);
      if (request.signal?.aborted) {
        throw interrupted(request.signal.reason, null, [], [], state.currentVersion);
      }
      if (plan.length === 0) {
        run.close();
        await tx.rollback();
        return { steps: [], currentVersion: state.currentVersion };
      }
      await ctx.history.ensureTables(tx);
      for (const entry of state.imported) await ctx.history.record(tx, entry);
      const foreignKeys = checkForeignKeys ? await watchForeignKeys(tx) : null;
      const steps: StepResult[] = [];
      /** Steps committed so far; the others are in `tx`, and go if it is rolled back. */
      let committed = 0;
      let failure: StepFailed | null = null;
      for (const migration of plan) {
        if (run.stopped) break;
        if (migration.transaction === false && request.dryRun) {
          steps.push(notPreviewed(migration, request.direction));
          break;
        }
        request.onMigrationStart?.({
          version: migration.version,
          description: migration.description,
          direction: request.direction,
        });
        const step: StepContext = {
          tx,
          history: ctx.history,
          foreignKeys,
          run,
          timeoutMs: ctx.migrationTimeoutMs,
          now: isoNow,
          preview: request.dryRun,
        };
        try {
          if (migration.transaction === false) {
            committed = steps.length;
            tx = await runOutside(ctx, step, state, migration, request.direction, steps);
          } else {
            steps.push(await runStep(step, migration, request.direction));
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
        throw lateCallFailure(run.lateCall, plan, request.direction, kept, versions(committed));
      }
      if (request.signal?.aborted) {
        await tx.rollback();
        const currentVersion = versionAfter(state, steps.slice(0, committed), request.direction);
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
      const currentVersion = versionAfter(state, steps, request.direction);
      await ctx.history.logRun(tx, {
        command: request.command,
        fromVersion: state.currentVersion,
        toVersion: currentVersion,
        startedAt,
        finishedAt: isoNow(),
      }, state.legacy);
      await tx.commit();
      if (failure) throw migrationFailure(failure, ROLLED_BACK_ALONE, versions(0));
      return { steps, currentVersion };
    } catch (error) {
      run.close();
      await tx.rollback();
      throw error;
    }
  });
}

/**
 * Runs a migration outside a transaction (see `runStepOutsideTransaction`): records it as started and
 * commits the run's transaction (keeping the migrations before it, releasing the lock), runs it, and
 * records its outcome in a new write transaction, which it returns. A crash in between leaves it
 * marked as started, which the next run reports instead of guessing. Foreign keys are switched off again, as they are for
 * the whole run (the migration may have switched them on, and a later rebuild would then cascade),
 * and violations it left are its own: it fails for them, and the baseline is taken again after it.
 *
 * @throws {MigrationError} when it failed: it is recorded as failed, and its statements before the
 *   failure stay.
 */
async function runOutside(
  ctx: RunContext,
  step: StepContext,
  state: DatabaseState,
  migration: Migration,
  direction: Direction,
  steps: StepResult[],
): Promise<WriteTransaction> {
  // The seed-era version follows each commit, so the original application reads what is committed.
  const commitWith = async (tx: WriteTransaction) => {
    await ctx.history.syncLegacy(tx, state.legacy, versionAfter(state, steps, direction), step.now());
    await tx.commit();
  };
  await recordOutsideStep(step, migration, { direction, durationMs: 0, state: "started" });
  await commitWith(step.tx);
  const outside = await runStepOutsideTransaction(step, ctx.engine, migration, direction);
  await ctx.engine.exec("PRAGMA foreign_keys = OFF");
  const tx = await beginWrite(ctx);
  let failure = outside.failure;
  if (step.foreignKeys && failure === null) {
    step.foreignKeys.declared ||= outside.mentionsReferences;
    if (step.foreignKeys.declared) {
      failure = await assertNoNewForeignKeyViolations(tx, step.foreignKeys.baseline).then(
        () => null,
        (e) => e,
      );
    }
    step.foreignKeys.baseline = (await watchForeignKeys(tx)).baseline;
  }
  const record = { ...step, tx };
  await recordOutsideStep(record, migration, {
    direction,
    durationMs: outside.step.durationMs,
    state: failure === null ? "finished" : "failed",
  });
  if (failure === null) {
    steps.push(outside.step);
    return tx;
  }
  await commitWith(tx);
  const verb = direction === "up" ? "applied" : "reverted";
  throw migrationFailure(
    new StepFailed(migration, direction, failure),
    `It ran outside a transaction, so what it did before the failure stays: it may be partly ${verb}, and ` +
      `it is recorded as failed. Check the database, then record the outcome with ` +
      `\`migrate mark ${migration.version} --applied\` or \`--pending\`.`,
    steps.map((s) => s.version),
  );
}

const ROLLED_BACK_ALONE = "It was rolled back and the database is as it was before it; fix it and run again.";

function transactionEnded(pendingAgain: readonly number[]): string {
  const earlier = pendingAgain.length === 0
    ? ""
    : ` Migration${pendingAgain.length === 1 ? "" : "s"} ${listForMessage(pendingAgain.map(String))}, ` +
      `applied before it in this run, ${pendingAgain.length === 1 ? "was" : "were"} rolled back with it ` +
      `and ${pendingAgain.length === 1 ? "is" : "are"} pending again.`;
  return `SQLite ended the run's transaction with it, so the whole run was rolled back.${earlier} Nothing of ` +
    `the run was kept; fix the migration and run again.`;
}

function lateCallFailure(
  error: LateCallError,
  plan: readonly Migration[],
  direction: Direction,
  kept: readonly number[],
  pendingAgain: readonly number[],
): MigrationError {
  const migration = plan.find((m) => m.version === error.version)!;
  const again = pendingAgain.length === 0
    ? ""
    : ` (migration${pendingAgain.length === 1 ? "" : "s"} ${listForMessage(pendingAgain.map(String))} ` +
      `of this run ${pendingAgain.length === 1 ? "is" : "are"} pending again)`;
  return new MigrationError(
    `${error.message} The call came while the run was still open, so the run was rolled back${again}: ` +
      `what migration ${label(migration)} meant to do was not all done when it was recorded. Await every ` +
      `call, then run again.`,
    {
      version: migration.version,
      description: migration.description,
      direction,
      file: migration.file,
      cause: error,
      committed: kept,
    },
  );
}

function interrupted(
  reason: unknown,
  failure: StepFailed | null,
  kept: readonly number[],
  pendingAgain: readonly number[],
  currentVersion: number,
): RunInterruptedError {
  const during = failure ? ` during migration ${label(failure.migration)}` : "";
  const again = pendingAgain.length === 0
    ? ""
    : `: migration${pendingAgain.length === 1 ? "" : "s"} ${listForMessage(pendingAgain.map(String))} ` +
      `of this run ${pendingAgain.length === 1 ? "is" : "are"} pending again`;
  const keptNote = kept.length === 0
    ? ""
    : ` (${listForMessage(kept.map(String))}, committed before it, stay)`;
  return new RunInterruptedError(
    `The run was interrupted (${describeReason(reason)})${during} and rolled back${again}${keptNote}. ` +
      `The database is at version ${currentVersion}.`,
    { reason, currentVersion, committed: kept, cause: failure?.cause },
  );
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
