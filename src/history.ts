/**
 * The history store: which migrations a database has applied, kept in a table of its own, plus the
 * version key of databases made by the original Python module (a `settings` table), which it reads
 * on first run and keeps up to date afterwards so old application code still sees the version.
 *
 * Reading never writes: a database is only changed inside the write transaction of a run.
 *
 * @module
 */
import { DatabaseStateError, InvalidInputError } from "./errors.ts";
import { type Row, runUnobserved, type SqlConnection } from "./engine.ts";

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
   * `db_migration_last_run`, the `db-migration-version` / `db-migration-last-run` its code wrote, or both.
   */
  keys: { versionKey: string; lastRunKey: string }[];
  /** The version the keys hold; only read while there is no history table yet. */
  version: number;
  /** The last-run time the keys hold, or null. */
  lastRun: string | null;
  /** Whether a missing last-run row can be inserted (no other column of `settings` needs a value). */
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
}

const LEGACY_KEYS = [
  { versionKey: "db_migration_version", lastRunKey: "db_migration_last_run" },
  { versionKey: "db-migration-version", lastRunKey: "db-migration-last-run" },
] as const;

/** The default name of the history table. */
export const DEFAULT_HISTORY_TABLE = "strata_migrations";

/** Reads and writes the history tables of one database. */
export class HistoryStore {
  readonly #table: string;
  readonly #runsTable: string;

  /**
   * @param table Name of the history table; the run log is `<table>_runs`.
   * @throws {InvalidInputError} when the name is not a plain SQL identifier.
   */
  constructor(table: string = DEFAULT_HISTORY_TABLE) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
      throw new InvalidInputError(
        `The history table name "${table}" must be letters, digits and underscores, starting with a letter or underscore.`,
        "historyTable",
      );
    }
    this.#table = table;
    this.#runsTable = `${table}_runs`;
  }

  /** Name of the history table. */
  get table(): string {
    return this.#table;
  }

  /** Reads the history without writing anything. */
  async read(db: SqlConnection): Promise<HistorySnapshot> {
    const tables = new Set(
      (await db.query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?, 'settings')",
        [this.#table, this.#runsTable],
      )).map((row) => row.name as string),
    );
    const exists = tables.has(this.#table);
    const legacy = tables.has("settings") ? await readLegacyVersion(db, { strict: !exists }) : null;
    if (!exists) return { exists, applied: [], lastRun: legacy?.lastRun ?? null, legacy };
    const rows = await db.query(
      `SELECT version, name, description, checksum, applied_at, duration_ms, state FROM "${this.#table}" ORDER BY version`,
      [],
    );
    const applied = rows.map(toApplied);
    const lastRun = tables.has(this.#runsTable)
      ? ((await db.query(`SELECT max(finished_at) AS last FROM "${this.#runsTable}"`, []))[0]?.last as
        | string
        | null) ??
        null
      : null;
    return { exists: true, applied, lastRun, legacy };
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
    const sql = `SELECT json_group_array(json_array(version, name, checksum, state)) AS history
      FROM "${this.#table}"`;
    const history = (await db.query(sql, []).catch(() => []))[0]?.history;
    // A new database has no history table: nothing to build the comparison for.
    if (typeof history !== "string") return false;
    return history === JSON.stringify(expected().map((m) => [m.version, m.name, m.checksum, "applied"]));
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
    for (const keys of legacy?.keys ?? []) {
      await db.run("UPDATE settings SET value = ? WHERE key = ?", [String(run.toVersion), keys.versionKey]);
      const updated = await db.run("UPDATE settings SET value = ? WHERE key = ?", [
        run.finishedAt,
        keys.lastRunKey,
      ]);
      if (updated.changes === 0 && legacy!.canInsert) {
        await db.run("INSERT INTO settings (key, value) VALUES (?, ?)", [keys.lastRunKey, run.finishedAt]);
      }
    }
  }
}

function toApplied(row: Row): AppliedMigration {
  return {
    version: Number(row.version),
    name: String(row.name),
    description: String(row.description),
    checksum: row.checksum === null ? null : String(row.checksum),
    appliedAt: String(row.applied_at),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    state: row.state === "started" || row.state === "failed" ? row.state : "applied",
  };
}

/**
 * Reads the version the original module stored in `settings`. Its documentation names the key
 * `db_migration_version`; its deployed code wrote `db-migration-version`. Either is accepted.
 * With `strict` (no history table yet, so the value decides what is applied) a value that is not a
 * whole number is an error; afterwards the history table decides and the keys are only kept in sync.
 *
 * @throws {DatabaseStateError} when strict and a value is not a whole number or the spellings disagree.
 */
async function readLegacyVersion(
  db: SqlConnection,
  options: { strict: boolean },
): Promise<LegacyVersion | null> {
  const columns = await db.query(
    "SELECT name, \"notnull\" AS required, dflt_value AS fallback, pk FROM pragma_table_info('settings')",
    [],
  );
  // An application's own settings table of another shape is not the original module's.
  if (!columns.some((c) => c.name === "key") || !columns.some((c) => c.name === "value")) return null;
  // A row can be added for a missing last-run key only if no other column needs a value.
  const canInsert = columns.every((c) =>
    c.name === "key" || c.name === "value" || Number(c.required) === 0 || c.fallback !== null
  );
  const rows = await db.query(
    "SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?)",
    LEGACY_KEYS.flatMap((k) => [k.versionKey, k.lastRunKey]),
  );
  const valueOf = (key: string) => rows.find((row) => row.key === key)?.value;
  const keys = LEGACY_KEYS.filter((k) => valueOf(k.versionKey) !== undefined);
  if (keys.length === 0) return null;
  const lastRunValue = keys.map((k) => valueOf(k.lastRunKey)).find((v) => typeof v === "string");
  const lastRun = typeof lastRunValue === "string" ? lastRunValue : null;
  if (!options.strict) return { keys: [...keys], version: 0, lastRun, canInsert };
  const versions = keys.map((k) => parseLegacyVersion(valueOf(k.versionKey), k.versionKey));
  if (versions.length === 2 && versions[0] !== versions[1]) {
    throw new DatabaseStateError(
      `The settings table holds two different versions: ${keys[0].versionKey} = ${versions[0]} and ${
        keys[1].versionKey
      } = ${versions[1]}. Delete the wrong row, then run again.`,
      { reason: "corrupt-version", versions },
    );
  }
  return { keys: [...keys], version: versions[0], lastRun, canInsert };
}

function parseLegacyVersion(value: unknown, key: string): number {
  const text = typeof value === "string"
    ? value.trim()
    : typeof value === "number" || typeof value === "bigint"
    ? String(value)
    : null;
  if (text !== null && /^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new DatabaseStateError(
    `The settings table holds ${key} = ${
      JSON.stringify(typeof value === "bigint" ? String(value) : value)
    }, ` +
      `which is not a migration version (a whole number, 0 or more). Set it to the version the database ` +
      `is really at, or delete the row if no migration was ever applied.`,
    { reason: "corrupt-version" },
  );
}
