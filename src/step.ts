/**
 * One migration step: running a migration's `up()` or `down()` atomically with its history record.
 *
 * A step inside the run's transaction gets a savepoint: on failure it is rolled back to the savepoint
 * alone, so the database is exactly as before this migration, schema and data (SQLite's DDL is
 * transactional). A step that opts out of transactions is recorded as started, run on its own, then
 * recorded as finished, so a crash in between is reported on the next run, never guessed at.
 *
 * @module
 */
import { type Row, runUnobserved, type SqlConnection, type WriteTransaction } from "./engine.ts";
import type { DatabaseSchema } from "./schema.ts";
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
  /** In a dry run, what the migration would change. */
  preview?: StepPreview;
}

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
export interface ForeignKeyWatch {
  /**
   * Violations the database had before the run (`table rowid parent` keys). A migration fails only
   * for violations it adds: old orphans in an upgraded database must not block every later migration.
   */
  baseline: ReadonlySet<string>;
  /**
   * Whether a foreign key may exist: one was declared before the run, or a migration of the run
   * mentioned `REFERENCES`. While none can, `PRAGMA foreign_key_check`, which visits every table, is
   * skipped: with 10,000 tables it costs 0.27 ms a migration.
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
  /** The current time, ISO-8601, for the history record. */
  now: () => string;
  /** Measure what each migration changes (for a dry run). @default {false} */
  preview?: boolean;
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
  await runUnobserved(ctx.tx, `SAVEPOINT ${savepoint}`);
  const started = performance.now();
  try {
    const before = ctx.preview ? await observe(ctx.tx) : null;
    const executor = new MigrationExecutor(ctx.tx, { transactional: true });
    const body = direction === "up" ? migration.up : migration.down;
    await body!(executor);
    await executor.settle();
    const preview = before ? await compare(before, await observe(ctx.tx)) : undefined;
    if (!(await ctx.tx.isOpen())) {
      throw new Error(
        "it ended the transaction it runs in (COMMIT, END or ROLLBACK in its SQL); remove that statement",
      );
    }
    if (ctx.foreignKeys) {
      ctx.foreignKeys.declared ||= executor.mentionsReferences;
      if (ctx.foreignKeys.declared) await assertNoNewForeignKeyViolations(ctx.tx, ctx.foreignKeys.baseline);
    }
    const durationMs = performance.now() - started;
    if (direction === "up") {
      await ctx.history.record(ctx.tx, appliedEntry(migration, ctx.now(), durationMs, "applied"));
    } else {
      await ctx.history.remove(ctx.tx, migration.version);
    }
    await runUnobserved(ctx.tx, `RELEASE ${savepoint}`);
    return {
      version: migration.version,
      description: migration.description,
      direction,
      durationMs,
      statements: executor.statementCount,
      ...(preview ? { preview } : {}),
    };
  } catch (cause) {
    if (await ctx.tx.isOpen()) {
      await ctx.tx.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
    }
    throw migrationFailure(migration, direction, cause);
  }
}

interface Observation {
  changes: number;
  objects: Map<string, string>;
  schema: DatabaseSchema;
}

/** What a dry run needs to compare before and after a migration (schema modules load only then). */
async function observe(db: SqlConnection): Promise<Observation> {
  const { readSchema } = await import("./schema.ts");
  const [{ changes }] = await db.query("SELECT total_changes() AS changes", []);
  const rows = await db.query("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", []);
  return {
    changes: Number(changes),
    objects: new Map(rows.map((row) => [`${row.type} ${row.name}`, String(row.sql)])),
    schema: await readSchema(db),
  };
}

async function compare(before: Observation, after: Observation): Promise<StepPreview> {
  const { findDestructiveChanges } = await import("./destructive.ts");
  const created = [...after.objects.keys()].filter((key) => !before.objects.has(key));
  const dropped = [...before.objects.keys()].filter((key) => !after.objects.has(key));
  const altered = [...after.objects.keys()].filter((key) =>
    before.objects.has(key) && before.objects.get(key) !== after.objects.get(key)
  );
  const destructive = findDestructiveChanges(before.schema, after.schema).map((change) => change.message);
  return { rowsChanged: after.changes - before.changes, created, altered, dropped, destructive };
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
    // Recorded as failed, not started, so the next run reports it at once instead of waiting for it.
    await ctx.history.record(engine, appliedEntry(migration, ctx.now(), null, "failed")).catch(() => {});
    throw new MigrationError(
      `Migration ${label(migration)} failed outside a transaction${where(migration)}: ${reasonOf(cause)}. ` +
        `It may be partly ${direction === "up" ? "applied" : "reverted"}, and is recorded as failed. ` +
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

async function assertNoNewForeignKeyViolations(
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

/** Wraps a failure of `up()`/`down()` into a {@link MigrationError} that names the migration. */
function migrationFailure(migration: Migration, direction: Direction, cause: unknown): MigrationError {
  const verb = direction === "up" ? "failed" : "failed to roll back";
  return new MigrationError(
    `Migration ${label(migration)} ${verb}${where(migration)}: ${reasonOf(cause)}. ` +
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

function where(migration: Migration): string {
  return migration.file ? ` in ${migration.file}` : "";
}

/** The message of a cause, with the next step for failures whose engine message does not say it. */
function reasonOf(cause: unknown): string {
  const message = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, "");
  if (/too many attached databases - max 0/.test(message)) {
    return `${message} (Deno's node:sqlite allows VACUUM, VACUUM INTO and ATTACH only to a run with ` +
      `--allow-all; run VACUUM outside migrations, or run this migration with -A)`;
  }
  return message;
}
