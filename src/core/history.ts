/**
 * The history store: which migrations a database has applied, kept in a table of its own, plus the
 * version key of databases made by the original Python module (a `settings` table), which it reads
 * on first run and keeps up to date afterwards so old application code still sees the version.
 *
 * Reading never writes: a database is only changed inside the write transaction of a run. A history
 * table changed by hand is not trusted blindly: missing columns and unknown states are refused when
 * it is read, and columns strata cannot fill are reported before a run would write.
 *
 * @module
 */
import { DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import { type Row, runUnobserved, type SqlConnection, type SqlValue } from "../engines/engine.ts";

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

/** The seed-era version keys found in a `settings` table. */
export interface LegacyVersion {
  /**
   * The key spellings the database uses: the documented `db_migration_version` /
   * `db_migration_last_run`, the `db-migration-version` / `db-migration-last-run` its code wrote, or
   * both. For a `settings` table without a version row (the original module creates the table before
   * its first migration and writes the key only after one succeeds), the deployed spelling, which the
   * first run writes.
   */
  keys: { versionKey: string; lastRunKey: string }[];
  /**
   * The version the rows hold (0 when there is none); null when, once the history table exists, they
   * disagree with each other or one is not a version: the planner then reports the rows.
   */
  version: number | null;
  /** Every version row, as stored, for messages. */
  rows: { key: string; value: SqlValue }[];
  /** The last-run time the keys hold, or null. */
  lastRun: string | null;
  /** Whether missing rows can be inserted (no other column of `settings` needs a value). */
  canInsert: boolean;
}

/** Everything recorded in a database about its migrations. */
export interface HistorySnapshot {
  /** Whether the history table exists. */
  exists: boolean;
  /** Applied and started migrations, by version. */
  applied: AppliedMigration[];
  /** When the last migrate or rollback that changed something finished (ISO-8601), or null. */
  lastRun: string | null;
  /** The seed-era `settings` version key, when the database has one. */
  legacy: LegacyVersion | null;
  /**
   * Columns of the history tables that strata does not fill and that need a value (`NOT NULL`
   * without a default), as `table.column`: writing a record would fail.
   */
  unwritable: string[];
}

const LEGACY_KEYS = [
  { versionKey: "db_migration_version", lastRunKey: "db_migration_last_run" },
  { versionKey: "db-migration-version", lastRunKey: "db-migration-last-run" },
] as const;

/** The spelling the original module's deployed code reads and writes. */
const DEPLOYED_KEYS = LEGACY_KEYS[1];

/** The columns of the history table and of the run log, as {@link HistoryStore.ensureTables} makes them. */
const HISTORY_COLUMNS = ["version", "name", "description", "checksum", "applied_at", "duration_ms", "state"];
const RUNS_COLUMNS = ["id", "command", "from_version", "to_version", "started_at", "finished_at"];

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
    const settings = of("settings");
    const legacy = settings.length > 0
      ? await readLegacyVersion(db, settings, { strict: !exists, adopt: loggedRun === null })
      : null;
    if (!exists) return { exists, applied: [], lastRun: legacy?.lastRun ?? null, legacy, unwritable };
    const rows = await db.query(
      `SELECT version, name, description, checksum, applied_at, duration_ms, state FROM "${this.#table}" ORDER BY version`,
      [],
    );
    const applied = rows.map((row) => toApplied(row, this.#table));
    return { exists: true, applied, lastRun: loggedRun, legacy, unwritable };
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

  /**
   * Logs a migrate or rollback run that changed something, and brings a seed-era `settings` version
   * key up to date so application code that reads it sees the new version.
   */
  async logRun(
    db: SqlConnection,
    run: { command: string; fromVersion: number; toVersion: number; startedAt: string; finishedAt: string },
    legacy: LegacyVersion | null,
  ): Promise<void> {
    await db.run(
      `INSERT INTO "${this.#runsTable}" (command, from_version, to_version, started_at, finished_at) VALUES (?, ?, ?, ?, ?)`,
      [run.command, run.fromVersion, run.toVersion, run.startedAt, run.finishedAt],
    );
    await this.syncLegacy(db, legacy, run.toVersion, run.finishedAt);
  }

  /**
   * Writes `version` and the time `at` under the seed-era keys the database uses, inserting the rows
   * it lacks, so the original application reads the version strata's history has. Unrelated settings
   * rows are never touched. Call in the write transaction that changed the history.
   */
  async syncLegacy(
    db: SqlConnection,
    legacy: LegacyVersion | null,
    version: number,
    at: string,
  ): Promise<void> {
    for (const keys of legacy?.keys ?? []) {
      await upsertSetting(db, keys.versionKey, String(version), legacy!.canInsert);
      await upsertSetting(db, keys.lastRunKey, at, legacy!.canInsert);
    }
  }
}

async function upsertSetting(
  db: SqlConnection,
  key: string,
  value: string,
  canInsert: boolean,
): Promise<void> {
  const updated = await db.run("UPDATE settings SET value = ? WHERE key = ?", [value, key]);
  if (updated.changes === 0 && canInsert) {
    await db.run("INSERT INTO settings (key, value) VALUES (?, ?)", [key, value]);
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

/**
 * Reads the version the original module stored in `settings`. Its documentation names the key
 * `db_migration_version`; its deployed code wrote `db-migration-version`. Either is accepted. With
 * `strict` (no history table yet, so the rows decide what is applied) rows that are not a whole
 * number, or that disagree, are an error; afterwards the history table decides, and the planner
 * reports rows that disagree with it. With `adopt` (strata has not finished a run on the database:
 * a run interrupted by a migration outside a transaction commits the history, not the settings) a
 * table without a version row is the original module's at version 0.
 *
 * @throws {DatabaseStateError} when strict and a value is not a whole number or the rows disagree.
 */
async function readLegacyVersion(
  db: SqlConnection,
  columns: readonly Row[],
  options: { strict: boolean; adopt: boolean },
): Promise<LegacyVersion | null> {
  // An application's own settings table of another shape is not the original module's.
  if (!columns.some((c) => c.name === "key") || !columns.some((c) => c.name === "value")) return null;
  // A row can be added for a missing key only if no other column needs a value.
  const canInsert = columns.every((c) =>
    c.name === "key" || c.name === "value" || Number(c.required) === 0 || c.fallback !== null
  );
  const found = await db.query(
    "SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?)",
    LEGACY_KEYS.flatMap((k) => [k.versionKey, k.lastRunKey]),
  );
  const rows = found.filter((row) => LEGACY_KEYS.some((k) => k.versionKey === row.key))
    .map((row) => ({ key: String(row.key), value: row.value }));
  if (rows.length === 0) {
    // Once strata has finished a run, a settings table without the key is the application's own.
    return options.adopt && canInsert
      ? { keys: [DEPLOYED_KEYS], version: 0, rows, lastRun: null, canInsert }
      : null;
  }
  const keys = LEGACY_KEYS.filter((k) => rows.some((row) => row.key === k.versionKey));
  const lastRunValue = keys.map((k) => found.find((row) => row.key === k.lastRunKey)?.value)
    .find((v) => typeof v === "string");
  const lastRun = typeof lastRunValue === "string" ? lastRunValue : null;
  const versions = rows.map((row) => parseLegacyVersion(row.value));
  if (options.strict) {
    const bad = rows.find((_, i) => versions[i] === null);
    if (bad) throw notAVersion(bad);
    if (new Set(versions).size > 1) {
      throw new DatabaseStateError(
        `The settings table holds ${rows.length} version rows that disagree: ${listRows(rows)}. The ` +
          `original application may read either. Delete the wrong row (keep the version the database is ` +
          `really at), then run again; nothing was changed.`,
        { reason: "corrupt-version", versions: versions as number[] },
      );
    }
  }
  const version = versions.every((v) => v !== null && v === versions[0]) ? versions[0] : null;
  return { keys: [...keys], version, rows, lastRun, canInsert };
}

/**
 * Whether every seed-era version row, if any, holds `version`: the cheap check of an up-to-date
 * start-up. A settings table of another shape has nothing to agree with.
 */
async function settingsAgree(db: SqlConnection, version: number): Promise<boolean> {
  const rows = await db.query(
    "SELECT value FROM settings WHERE key IN (?, ?)",
    LEGACY_KEYS.map((k) => k.versionKey),
  ).catch(() => []);
  return rows.every((row) => parseLegacyVersion(row.value) === version);
}

/** The settings rows as a message shows them: `db-migration-version = "3"`. */
export function listRows(rows: readonly { key: string; value: SqlValue }[]): string {
  return rows.map((row) => `${row.key} = ${shown(row.value)}`).join(", ");
}

function shown(value: SqlValue): string {
  if (value instanceof Uint8Array) return "a blob";
  return JSON.stringify(typeof value === "bigint" ? String(value) : value);
}

/** A stored version as a number, or null when it is not a whole number of 0 or more. */
function parseLegacyVersion(value: unknown): number | null {
  const text = typeof value === "string"
    ? value.trim()
    : typeof value === "number" || typeof value === "bigint"
    ? String(value)
    : null;
  return text !== null && /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

function notAVersion(row: { key: string; value: SqlValue }): DatabaseStateError {
  return new DatabaseStateError(
    `The settings table holds ${row.key} = ${shown(row.value)}, which is not a migration version (a whole ` +
      `number, 0 or more). Set it to the version the database is really at, or delete the row if no ` +
      `migration was ever applied.`,
    { reason: "corrupt-version" },
  );
}
