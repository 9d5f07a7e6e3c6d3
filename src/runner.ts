/**
 * The runner: runs planned migrations against a database, each atomic together with its history
 * record.
 *
 * A run takes the write lock once (`BEGIN IMMEDIATE`) and gives each migration a savepoint inside it:
 * a failing migration is rolled back to its savepoint alone, the ones before it are committed, and
 * the whole run pays for a single commit. A crash before that commit leaves the database as it was
 * before the run. SQLite's DDL is transactional, so schema changes roll back as well as data.
 *
 * Foreign-key enforcement, when on, is switched off for the run and replaced by a
 * `PRAGMA foreign_key_check` before each migration is kept: table rebuilds (drop and recreate a table)
 * then cannot cascade-delete or fail half way, and a migration that leaves a dangling reference is
 * still rolled back.
 *
 * @module
 */
import type { SqlConnection, SqlEngine, WriteTransaction } from "./engine.ts";
import { type Direction, MigrationError } from "./errors.ts";
import { MigrationExecutor } from "./executor.ts";
import type { AppliedMigration, HistoryStore } from "./history.ts";
import { label, type Migration } from "./migration.ts";
import { nameOf } from "./planner.ts";

/** What running one migration did. */
export interface StepResult {
  /** Version of the migration. */
  version: number;
  /** Its description. */
  description: string;
  /** `"up"` or `"down"`. */
  direction: Direction;
  /** Time `up()`/`down()` and its checks took, in milliseconds. */
  durationMs: number;
  /** Calls the migration made to the executor. */
  statements: number;
}

/** Runs `work` with foreign-key enforcement off, turning it back on afterwards if it was on. */
export async function withForeignKeysDeferred<T>(
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

/** The context one migration runs in. */
export interface StepContext {
  /** The run's write transaction. */
  tx: WriteTransaction;
  /** Where the outcome is recorded. */
  history: HistoryStore;
  /** Whether to run `PRAGMA foreign_key_check` before keeping the migration. */
  checkForeignKeys: boolean;
  /** The current time, ISO-8601, for the history record. */
  now: () => string;
}

/**
 * Applies or reverts one migration inside a savepoint of the run's transaction, with its history
 * record. On failure the savepoint is rolled back and a {@link MigrationError} thrown: the database
 * is exactly as before this migration.
 */
export async function runStep(
  ctx: StepContext,
  migration: Migration,
  direction: Direction,
): Promise<StepResult> {
  const savepoint = `strata_${migration.version}`;
  await ctx.tx.exec(`SAVEPOINT ${savepoint}`);
  const started = performance.now();
  try {
    const executor = new MigrationExecutor(ctx.tx, { transactional: true });
    const body = direction === "up" ? migration.up : migration.down;
    await body!(executor);
    await executor.settle();
    if (!(await ctx.tx.isOpen())) {
      throw new Error(
        "it ended the transaction it runs in (COMMIT, END or ROLLBACK in its SQL); remove that statement",
      );
    }
    if (ctx.checkForeignKeys) await assertNoForeignKeyViolations(ctx.tx);
    const durationMs = performance.now() - started;
    if (direction === "up") {
      await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), durationMs, "applied"));
    } else {
      await ctx.history.remove(ctx.tx, migration.version);
    }
    await ctx.tx.exec(`RELEASE ${savepoint}`);
    return {
      version: migration.version,
      description: migration.description,
      direction,
      durationMs,
      statements: executor.statementCount,
    };
  } catch (cause) {
    if (await ctx.tx.isOpen()) {
      await ctx.tx.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    }
    throw migrationFailure(migration, direction, cause);
  }
}

/**
 * Runs a migration that opted out of transactions. Its start is recorded in the run's transaction,
 * which is then committed (releasing the lock, keeping the migrations before it); it runs on its own;
 * `finish` records its end in the next transaction. A crash in between leaves it marked as started,
 * which the next run reports instead of guessing.
 */
export async function runStepOutsideTransaction(
  ctx: StepContext,
  engine: SqlConnection,
  migration: Migration,
  direction: Direction,
): Promise<{ step: StepResult; finish: (tx: WriteTransaction) => Promise<void> }> {
  await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), null, "started"));
  await ctx.tx.commit();
  const started = performance.now();
  const executor = new MigrationExecutor(engine, { transactional: false });
  try {
    const body = direction === "up" ? migration.up : migration.down;
    await body!(executor);
    await executor.settle();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new MigrationError(
      `Migration ${label(migration)} failed outside a transaction${
        migration.file ? ` in ${migration.file}` : ""
      }: ` +
        `${reason}. It may be partly ${
          direction === "up" ? "applied" : "reverted"
        }, and stays marked as started. ` +
        `Check the database, then record the outcome with \`migrate mark ${migration.version} --applied\` ` +
        `or \`--pending\`.`,
      {
        version: migration.version,
        description: migration.description,
        direction,
        file: migration.file,
        cause,
      },
    );
  }
  const durationMs = performance.now() - started;
  return {
    step: {
      version: migration.version,
      description: migration.description,
      direction,
      durationMs,
      statements: executor.statementCount,
    },
    finish: async (tx) => {
      if (direction === "up") {
        await ctx.history.record(tx, appliedEntry(migration, ctx.now(), durationMs, "applied"));
      } else await ctx.history.remove(tx, migration.version);
    },
  };
}

/** The history entry of a migration. */
export function appliedEntry(
  migration: Migration,
  appliedAt: string,
  durationMs: number | null,
  state: AppliedMigration["state"],
): AppliedMigration {
  return {
    version: migration.version,
    name: nameOf(migration),
    description: migration.description,
    checksum: migration.checksum ?? null,
    appliedAt,
    durationMs: durationMs === null ? null : Math.round(durationMs * 1000) / 1000,
    state,
  };
}

async function assertNoForeignKeyViolations(db: SqlConnection): Promise<void> {
  const violations = await db.query("PRAGMA foreign_key_check", []);
  if (violations.length === 0) return;
  const shown = violations.slice(0, 5).map((v) =>
    `${v.table} row ${v.rowid ?? "(without rowid)"} references a missing row of ${v.parent}`
  );
  const more = violations.length > 5 ? ` and ${violations.length - 5} more` : "";
  throw new Error(`it leaves foreign key violations: ${shown.join("; ")}${more}`);
}

/** Wraps a failure of `up()`/`down()` into a {@link MigrationError} that names the migration. */
export function migrationFailure(migration: Migration, direction: Direction, cause: unknown): MigrationError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const verb = direction === "up" ? "failed" : "failed to roll back";
  const where = migration.file ? ` in ${migration.file}` : "";
  return new MigrationError(
    `Migration ${label(migration)} ${verb}${where}: ${reason}. ` +
      `It was rolled back and the database is as it was before it; fix it and run again.`,
    {
      version: migration.version,
      description: migration.description,
      direction,
      file: migration.file,
      cause,
    },
  );
}
