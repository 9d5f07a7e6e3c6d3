/**
 * One migration step: running a migration's `up()` or `down()` atomically with its history record.
 *
 * A step inside the run's transaction gets a savepoint: on failure it is rolled back to the savepoint
 * alone, so the database is exactly as before this migration, schema and data (SQLite's DDL is
 * transactional). A step that opts out of transactions runs on the engine itself, between the
 * runner's records of its start and of its end. Either way its calls go through a scope that decides
 * when it has ended (see `step_scope.ts`).
 *
 * @module
 */
import { label } from "../shared/format.ts";
import {
  type Row,
  runUnobserved,
  type SqlConnection,
  type SqlEngine,
  type WriteTransaction,
} from "../engines/engine.ts";
import { type Direction, MigrationError } from "../shared/errors.ts";
import { type ExecutorTarget, MigrationExecutor } from "./executor.ts";
import { appliedEntry, type HistoryStore } from "./history.ts";
import { isSqlBody, type Migration } from "./migration.ts";
import { describeReason, type RunControl, StepScope } from "./step_scope.ts";
import { type MigrationGuard, migrationGuard, RUNNER_SAVEPOINT_PREFIX } from "./transaction_guard.ts";

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
  calls: number;
  /**
   * What the migration did that did nothing: `PRAGMA foreign_keys` in its transaction, or no SQL at
   * all (an `up()` still empty).
   */
  notices?: string[];
  /** In a dry run, what the migration would change. */
  preview?: StepPreview;
}

/** A migration a run is starting, as `RunOptions.onMigrationStart` is told. */
export interface StartedMigration {
  /** Its version. */
  version: number;
  /** Its description. */
  description: string;
  /** `"up"` when applying, `"down"` when rolling back. */
  direction: Direction;
}

/**
 * Measures what a migration changes: looks at the database before it runs, and returns what tells,
 * once it has run, what changed. A dry run loads one (see `write_path.ts`); other runs never do.
 */
export type Previewer = (db: SqlConnection, historyTable: string) => Promise<() => Promise<StepPreview>>;

/** What a migration would change, measured in a dry run that is rolled back afterwards. */
export interface StepPreview {
  /** Rows inserted, updated or deleted. */
  rowsChanged: number;
  /** Schema objects created, as `"table users"`, `"index idx_users_email"`. */
  created: string[];
  /** Schema objects whose definition changed. */
  altered: string[];
  /** Schema objects dropped. */
  dropped: string[];
  /** Changes that lose data: tables or columns dropped, rebuilds that leave columns behind. */
  destructive: string[];
  /** Set when the migration was not run: why. */
  skipped?: string;
}

/** What a run knows of the database's foreign keys, shared by its migrations. */
interface ForeignKeyWatch {
  /**
   * Violations the database had before the run (`table rowid parent` keys). A migration fails only
   * for violations it adds: old orphans in an upgraded database must not block every later migration.
   */
  baseline: ReadonlySet<string>;
  /**
   * Whether a foreign key may exist: one was declared before the run, or a migration of the run
   * mentioned `REFERENCES`. While none can, `PRAGMA foreign_key_check`, which visits every table, is
   * skipped: its cost grows with the schema, at every migration.
   */
  declared: boolean;
}

/** The context one migration runs in. */
export interface StepContext {
  /** The run's write transaction. */
  tx: WriteTransaction;
  /** Where the outcome is recorded. */
  history: HistoryStore;
  /** What the run knows of foreign keys, or null when they are not enforced (no check). */
  foreignKeys: ForeignKeyWatch | null;
  /** The run the step belongs to: late calls are reported to it, and it may be interrupted. */
  run: RunControl;
  /** How long a migration may wait without running SQL, in milliseconds; 0 for no limit. */
  timeoutMs: number;
  /** The current time, ISO-8601, for the history record. */
  now: () => string;
  /** Measures what each migration changes, in a dry run; absent otherwise. */
  preview?: Previewer;
}

/** A step that failed: the migration, and why. The runner says what it means for the run. */
export class StepFailed extends Error {
  /** The migration that failed. */
  readonly migration: Migration;
  /** Which way it ran. */
  readonly direction: Direction;

  /** Creates the failure of `migration` with its cause. */
  constructor(migration: Migration, direction: Direction, cause: unknown) {
    super(`Migration ${label(migration)} failed: ${reasonOf(cause)}`, { cause });
    this.migration = migration;
    this.direction = direction;
  }
}

/** One step's scope and its executor, on a connection. */
function openStep(
  ctx: StepContext,
  migration: Migration,
  direction: Direction,
  target: Omit<ExecutorTarget, "guard">,
): { scope: StepScope; executor: MigrationExecutor; notices: string[]; guard: MigrationGuard | null } {
  const notices: string[] = [];
  const guard = target.transaction
    ? migrationGuard((notice) => notices.includes(notice) || notices.push(notice))
    : null;
  const scope = new StepScope({ migration, direction, run: ctx.run, timeoutMs: ctx.timeoutMs });
  return { scope, executor: new MigrationExecutor(scope, { ...target, guard }), notices, guard };
}

/** Runs `up()` or `down()` in its scope until the step ends, then seals it (see `step_scope.ts`). */
async function runBody(
  scope: StepScope,
  executor: MigrationExecutor,
  migration: Migration,
  direction: Direction,
): Promise<void> {
  const body = direction === "up" ? migration.up : migration.down!;
  try {
    await scope.run(() => body(executor), isSqlBody(body));
  } finally {
    await scope.seal();
  }
}

/**
 * Applies or reverts one migration inside a savepoint of the run's transaction, with its history
 * record. On failure the savepoint is rolled back (when the transaction is still open) and a
 * {@link StepFailed} thrown.
 */
export async function runStep(
  ctx: StepContext,
  migration: Migration,
  direction: Direction,
): Promise<StepResult> {
  const savepoint = `${RUNNER_SAVEPOINT_PREFIX}${migration.version}`;
  await runUnobserved(ctx.tx, `SAVEPOINT ${savepoint}`);
  const started = performance.now();
  const { scope, executor, notices, guard } = openStep(ctx, migration, direction, {
    connection: ctx.tx,
    transaction: ctx.tx,
  });
  try {
    const measured = ctx.preview ? await ctx.preview(ctx.tx, ctx.history.table) : null;
    ctx.tx.guard?.(guard!.guard);
    try {
      await runBody(scope, executor, migration, direction);
    } finally {
      ctx.tx.guard?.(null);
    }
    if (!(await ctx.tx.isOpen())) throw new Error("it ended the transaction it runs in");
    const preview = measured ? await measured() : undefined;
    if (ctx.foreignKeys) {
      ctx.foreignKeys.declared ||= executor.mentionsReferences;
      if (ctx.foreignKeys.declared) await assertNoNewForeignKeyViolations(ctx.tx, ctx.foreignKeys.baseline);
    }
    const durationMs = performance.now() - started;
    if (!executor.ranSql) notices.push(ranNoSql(direction));
    if (direction === "up") {
      await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), durationMs, "applied"));
    } else {
      await ctx.history.remove(ctx.tx, migration.version);
    }
    await runUnobserved(ctx.tx, `RELEASE ${savepoint}`);
    return stepResult(migration, direction, durationMs, scope.calls, notices, preview);
  } catch (cause) {
    if (await ctx.tx.isOpen()) {
      await runUnobserved(ctx.tx, `ROLLBACK TO ${savepoint}`);
      await runUnobserved(ctx.tx, `RELEASE ${savepoint}`);
    }
    throw new StepFailed(migration, direction, cause);
  }
}

/**
 * The notice of a migration that ran no SQL: most often one written by `deno task new` and never
 * filled in, which would otherwise be recorded as applied without a word.
 */
function ranNoSql(direction: Direction): string {
  return direction === "up"
    ? "it ran no SQL: its up() is empty, as a new migration's template leaves it. If it was meant to " +
      "change something, roll it back, write it, and apply it again."
    : "it ran no SQL: its down() is empty, so rolling it back undid nothing.";
}

function stepResult(
  migration: Migration,
  direction: Direction,
  durationMs: number,
  calls: number,
  notices: readonly string[],
  preview?: StepPreview,
): StepResult {
  return {
    version: migration.version,
    description: migration.description,
    direction,
    durationMs,
    calls,
    ...(notices.length > 0 ? { notices: [...notices] } : {}),
    ...(preview ? { preview } : {}),
  };
}

/** What running a migration outside a transaction did; the runner records it. */
interface OutsideStep {
  /** The step, as a successful one is reported. */
  step: StepResult;
  /** Why it failed, or null; its statements before the failure stay. */
  failure: unknown;
  /** Whether a foreign key may now exist: it mentioned `REFERENCES`. */
  mentionsReferences: boolean;
}

/**
 * Runs a migration that opted out of transactions, on the engine itself: the runner has recorded it
 * as started and committed, and records its end. A transaction it leaves open is rolled back, never
 * committed: it would hold half of what the migration meant to do.
 */
export async function runStepOutsideTransaction(
  ctx: StepContext,
  engine: SqlEngine,
  migration: Migration,
  direction: Direction,
): Promise<OutsideStep> {
  const started = performance.now();
  const { scope, executor } = openStep(ctx, migration, direction, { connection: engine, transaction: null });
  let failure: unknown = null;
  try {
    await runBody(scope, executor, migration, direction);
  } catch (error) {
    failure = error;
  }
  if (await engine.inTransaction()) {
    await engine.exec("ROLLBACK");
    failure ??= new Error(
      "it left a transaction open (a BEGIN without its COMMIT), which was rolled back rather than committed " +
        "half done",
    );
  }
  const durationMs = performance.now() - started;
  const notices = failure === null && !executor.ranSql ? [ranNoSql(direction)] : [];
  return {
    step: stepResult(migration, direction, durationMs, scope.calls, notices),
    failure,
    mentionsReferences: executor.mentionsReferences,
  };
}

/**
 * Records a migration that runs outside a transaction: `"started"` before it runs, then its outcome,
 * each in a write transaction of the run's.
 */
export async function recordOutsideStep(
  ctx: StepContext,
  migration: Migration,
  outcome: { direction: Direction; durationMs: number; state: "started" | "failed" | "finished" },
): Promise<void> {
  if (outcome.state === "started") {
    await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), null, "started"));
  } else if (outcome.state === "failed") {
    await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), null, "failed"));
  } else if (outcome.direction === "up") {
    await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), outcome.durationMs, "applied"));
  } else {
    await ctx.history.remove(ctx.tx, migration.version);
  }
}

/** What a run starts from: the database's foreign-key violations, and whether it declares any key. */
export async function watchForeignKeys(db: SqlConnection): Promise<ForeignKeyWatch> {
  const rows = await db.query("PRAGMA foreign_key_check", []);
  // A foreign key is declared with REFERENCES in its table's SQL (the word elsewhere only costs a check).
  const declared = await db.query(
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%references%' LIMIT 1",
    [],
  );
  return { baseline: new Set(rows.map(violationKey)), declared: declared.length > 0 };
}

function violationKey(row: Row): string {
  return `${row.table} ${row.rowid} ${row.parent}`;
}

/** Fails when the database has foreign-key violations that are not in `baseline`. */
export async function assertNoNewForeignKeyViolations(
  db: SqlConnection,
  baseline: ReadonlySet<string>,
): Promise<void> {
  const added = (await db.query("PRAGMA foreign_key_check", [])).filter((row) =>
    !baseline.has(violationKey(row))
  );
  if (added.length === 0) return;
  const shown = added.slice(0, 5).map((v) =>
    `${v.table} row ${v.rowid ?? "(without rowid)"} references a missing row of ${v.parent}`
  );
  const more = added.length > 5 ? ` and ${added.length - 5} more` : "";
  throw new Error(`it leaves foreign key violations: ${shown.join("; ")}${more}`);
}

/**
 * The error of a failed migration: what failed, where, why, and `consequence`, what it means for the
 * database (it was rolled back alone, with the run, or not at all).
 */
export function migrationFailure(
  failed: StepFailed,
  consequence: string,
  committed: readonly number[],
): MigrationError {
  const { migration, direction } = failed;
  const verb = direction === "up" ? "failed" : "failed to roll back";
  return new MigrationError(
    `Migration ${label(migration)} ${verb}${where(migration)}: ${reasonOf(failed.cause)}. ${consequence}`,
    {
      version: migration.version,
      description: migration.description,
      direction,
      file: migration.file,
      cause: failed.cause,
      committed,
    },
  );
}

function where(migration: Migration): string {
  return migration.file ? ` in ${migration.file}` : "";
}

/** The message of a cause, with the next step for failures whose engine message does not say it. */
function reasonOf(cause: unknown): string {
  const message = describeReason(cause).replace(/\.$/, "");
  if (/too many attached databases - max 0/.test(message)) {
    return `${message} (Deno's node:sqlite allows VACUUM, VACUUM INTO and ATTACH only to a run with ` +
      `--allow-all; run VACUUM outside migrations, or run this migration with -A)`;
  }
  if (/cannot VACUUM from within a transaction/.test(message)) {
    return `${message} (a migration that runs VACUUM must run outside a transaction: set ` +
      `\`transaction: false\` on it, or \`-- migrate:up transaction:false\` in a .sql file)`;
  }
  return message;
}
