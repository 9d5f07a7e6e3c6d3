/**
 * The history store: which migrations a database has applied, kept in a table of its own, and the
 * run log beside it. Reading also reads the original application's `settings` version (see
 * `settings_version.ts`), which decides what is applied until the history table exists.
 *
 * Reading never writes: a database is only changed inside the write transaction of a run. A history
 * table changed by hand is not trusted blindly: missing columns and unknown states are refused when
 * it is read, and columns strata cannot fill are reported before a run would write.
 *
 * @module
 */
import { DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import { type Row, runUnobserved, type SqlConnection } from "../engines/engine.ts";
import { readSettingsVersion, settingsAgree, type SettingsVersion } from "./settings_version.ts";
import { type Migration, nameOf } from "./migration.ts";

/** One applied (or started, for a migration outside a transaction) migration, as recorded. */
export interface AppliedMigration {
  /** Version of the migration. */
  version: number;
  /** File name or other identity of the migration when it was applied. */
  name: string;
  /** Description when it was applied. */
  description: string;
  /** Checksum of its source when it was applied; null when unknown. */
  checksum: string | null;
  /** When it was applied (ISO-8601). */
  appliedAt: string;
  /** How long it took, in milliseconds; null when imported from an older history. */
  durationMs: number | null;
  /**
   * `"applied"`; for a migration outside a transaction, `"started"` while it runs (or after its run
   * was killed) and `"failed"` when it threw part way.
   */
  state: "applied" | "started" | "failed";
}

/** Everything recorded in a database about its migrations. */
export interface HistorySnapshot {
  /** Whether the history table exists. */
  exists: boolean;
  /** Applied and started migrations, by version. */
  applied: AppliedMigration[];
  /** When the last migrate or rollback that changed something finished (ISO-8601), or null. */
  lastRun: string | null;
  /** The seed-era `settings` version, when the database has one. */
  settings: SettingsVersion | null;
  /**
   * Columns of the history tables that strata does not fill and that need a value (`NOT NULL`
   * without a default), as `table.column`: writing a record would fail.
   */
  unwritable: string[];
}

/** The columns of the history table and of the run log, as {@link HistoryStore.ensureTables} makes them. */
const HISTORY_COLUMNS = ["version", "name", "description", "checksum", "applied_at", "duration_ms", "state"];
const RUNS_COLUMNS = ["id", "command", "from_version", "to_version", "started_at", "finished_at"];

/** The time a record is stamped with: now, as ISO-8601. */
export function isoNow(): string {
  return new Date().toISOString();
}

/** The default name of the history table. */
export const DEFAULT_HISTORY_TABLE = "strata_migrations";

/**
 * Refuses a history table name that is not a plain SQL identifier.
 *
 * @param input The option or flag it came from, for the error.
 * @throws {InvalidInputError} naming the value and `input`.
 */
export function checkTableName(table: string, input: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new InvalidInputError(
      `The history table name "${table}" (${input}) must be letters, digits and underscores, starting with ` +
        `a letter or underscore.`,
      input,
    );
  }
}

/** Reads and writes the history tables of one database. */
export class HistoryStore {
  readonly #table: string;
  readonly #runsTable: string;

  /**
   * @param table Name of the history table; the run log is `<table>_runs`.
   * @throws {InvalidInputError} when the name is not a plain SQL identifier.
   */
  constructor(table: string = DEFAULT_HISTORY_TABLE) {
    checkTableName(table, "historyTable");
    this.#table = table;
    this.#runsTable = `${table}_runs`;
  }

  /** Name of the history table. */
  get table(): string {
    return this.#table;
  }

  /**
   * Reads the history without writing anything.
   *
   * @throws {DatabaseStateError} with reason `"corrupt-history"` for a history table that lacks a
   *   column or records an unknown state or version, and `"corrupt-version"` for a seed-era version
   *   that cannot be read while there is no history table.
   */
  async read(db: SqlConnection): Promise<HistorySnapshot> {
    // The shape of the three tables in one query: a start-up pays for one round trip, not three.
    const columns = await db.query(
      `SELECT t.name AS tbl, c.name AS name, c."notnull" AS required, c.dflt_value AS fallback
       FROM sqlite_schema AS t JOIN pragma_table_info(t.name) AS c
       WHERE t.type = 'table' AND t.name IN (?, ?, 'settings')`,
      [this.#table, this.#runsTable],
    );
    const of = (table: string) => columns.filter((c) => c.tbl === table);
    const history = of(this.#table);
    const exists = history.length > 0;
    const unwritable = [
      ...checkColumns(this.#table, history, HISTORY_COLUMNS),
      ...checkColumns(this.#runsTable, of(this.#runsTable), RUNS_COLUMNS),
    ];
    const loggedRun = exists && of(this.#runsTable).length > 0
      ? ((await db.query(`SELECT max(finished_at) AS last FROM "${this.#runsTable}"`, []))[0]?.last as
        | string
        | null) ??
        null
      : null;
    const settingsColumns = of("settings");
    const settings = settingsColumns.length > 0
      ? await readSettingsVersion(db, settingsColumns, { strict: !exists, adopt: loggedRun === null })
      : null;
    if (!exists) return { exists, applied: [], lastRun: settings?.lastRun ?? null, settings, unwritable };
    const rows = await db.query(
      `SELECT version, name, description, checksum, applied_at, duration_ms, state FROM "${this.#table}" ORDER BY version`,
      [],
    );
    const applied = rows.map((row) => toApplied(row, this.#table));
    return { exists: true, applied, lastRun: loggedRun, settings, unwritable };
  }

  /**
   * Whether the history records exactly these migrations (a function, so a new database without a
   * history never builds the list) as applied, with these names and checksums, and nothing else.
   * Compared as one JSON value built by SQLite, so a start-up with nothing to do costs one row instead
   * of an object per applied migration. False when the table is missing or anything differs; the
   * caller then reads the history in full.
   */
  async recordsExactly(
    db: SqlConnection,
    expected: () => readonly { version: number; name: string; checksum: string | null }[],
  ): Promise<boolean> {
    // No ORDER BY: a scan of the table gives its rows in version order (the rowid) without the sort,
    // which costs more than the rest of the query; rows in another order would only mean "differs".
    const sql = `SELECT json_group_array(json_array(version, name, checksum, state)) AS history,
      (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'settings') AS settings
      FROM "${this.#table}"`;
    const row = (await db.query(sql, []).catch(() => []))[0];
    // A new database has no history table: nothing to build the comparison for.
    if (typeof row?.history !== "string") return false;
    const list = expected();
    if (row.history !== JSON.stringify(list.map((m) => [m.version, m.name, m.checksum, "applied"]))) {
      return false;
    }
    return Number(row.settings) === 0 || await settingsAgree(db, list.at(-1)?.version ?? 0);
  }

  /** Creates the history tables if missing. Call inside the run's write transaction. */
  async ensureTables(db: SqlConnection): Promise<void> {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS "${this.#table}" (
        version     INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        checksum    TEXT,
        applied_at  TEXT NOT NULL,
        duration_ms REAL,
        state       TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'started', 'failed'))
      );
      CREATE TABLE IF NOT EXISTS "${this.#runsTable}" (
        id           INTEGER PRIMARY KEY,
        command      TEXT NOT NULL,
        from_version INTEGER NOT NULL,
        to_version   INTEGER NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT NOT NULL
      );`);
  }

  /** Records a migration as applied (or started). */
  async record(db: SqlConnection, entry: AppliedMigration): Promise<void> {
    await runUnobserved(
      db,
      `INSERT OR REPLACE INTO "${this.#table}" (version, name, description, checksum, applied_at, duration_ms, state)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.version,
        entry.name,
        entry.description,
        entry.checksum,
        entry.appliedAt,
        entry.durationMs,
        entry.state,
      ],
    );
  }

  /** Removes a migration from the history (after its `down()` ran). */
  async remove(db: SqlConnection, version: number): Promise<void> {
    await runUnobserved(db, `DELETE FROM "${this.#table}" WHERE version = ?`, [version]);
  }

  /** Logs a migrate or rollback run that changed something. Call in the run's write transaction. */
  async logRun(
    db: SqlConnection,
    run: { command: string; fromVersion: number; toVersion: number; startedAt: string; finishedAt: string },
  ): Promise<void> {
    await db.run(
      `INSERT INTO "${this.#runsTable}" (command, from_version, to_version, started_at, finished_at) VALUES (?, ?, ?, ?, ?)`,
      [run.command, run.fromVersion, run.toVersion, run.startedAt, run.finishedAt],
    );
  }
}

/**
 * The columns of a history table that strata cannot fill. A table that lacks one of strata's own
 * columns cannot even be read, and is refused.
 *
 * @throws {DatabaseStateError} with reason `"corrupt-history"` naming the table and the columns it lacks.
 */
function checkColumns(table: string, columns: readonly Row[], ours: readonly string[]): string[] {
  if (columns.length === 0) return [];
  const lacking = ours.filter((name) => !columns.some((c) => c.name === name));
  if (lacking.length > 0) {
    throw new DatabaseStateError(
      `The history table ${table} has no column ${lacking.join(", ")} (it has ${
        columns.map((c) => c.name).join(", ")
      }): it was made by another tool or changed by hand, so strata cannot tell what was applied. ` +
        `Restore it from a backup, or give strata a table of its own (--table, historyTable); nothing was changed.`,
      { reason: "corrupt-history" },
    );
  }
  return columns.filter((c) =>
    !ours.includes(String(c.name)) && Number(c.required) === 1 && c.fallback === null
  )
    .map((c) => `${table}.${c.name}`);
}

/** One history row, refused when it holds what strata never writes. */
function toApplied(row: Row, table: string): AppliedMigration {
  const version = Number(row.version);
  const state = row.state;
  if (
    !Number.isSafeInteger(version) || version < 1 || (state !== "applied" && state !== "started" &&
      state !== "failed")
  ) {
    const what = Number.isSafeInteger(version) && version >= 1
      ? `version ${version} with the state ${
        JSON.stringify(state)
      }, which is none of applied, started or failed`
      : `a row with the version ${
        JSON.stringify(typeof row.version === "bigint" ? String(row.version) : row.version)
      }, which is not a migration version`;
    throw new DatabaseStateError(
      `The history table ${table} records ${what}: it was changed by hand. Correct that row (or restore ` +
        `the table from a backup), then run again; nothing was changed.`,
      { reason: "corrupt-history", versions: Number.isSafeInteger(version) ? [version] : [] },
    );
  }
  return {
    version,
    name: String(row.name),
    description: String(row.description),
    checksum: row.checksum === null ? null : String(row.checksum),
    appliedAt: String(row.applied_at),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    state,
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
