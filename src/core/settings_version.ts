/**
 * The version the original application keeps in its `settings` table, all in one place: reading it,
 * taking it over as history on a database strata has not migrated yet, refusing one that disagrees
 * with the history, and writing each new version back, so that the original application, which reads
 * only `settings`, sees the version strata's history has.
 *
 * The original module documents the key `db_migration_version`, and its deployed code writes
 * `db-migration-version`; either is read, and both are written when both are there.
 *
 * @module
 */
import { DatabaseStateError } from "../shared/errors.ts";
import type { Row, SqlConnection, SqlValue } from "../engines/engine.ts";
import { type Migration, nameOf } from "./migration.ts";

/** The version keys found in a `settings` table. */
export interface SettingsVersion {
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
   * disagree with each other or one is not a version: {@link settingsConflict} then reports the rows.
   */
  version: number | null;
  /** Every version row, as stored, for messages. */
  rows: { key: string; value: SqlValue }[];
  /** The last-run time the keys hold, or null. */
  lastRun: string | null;
  /** Whether missing rows can be inserted (no other column of `settings` needs a value). */
  canInsert: boolean;
}

/** A migration the `settings` version says is applied, as the history records it. */
interface SettingsEntry {
  /** Its version. */
  version: number;
  /** Its file name, or `settings <key>` for a version no known migration has. */
  name: string;
  /** Its description. */
  description: string;
  /** The known migration's checksum, or null. */
  checksum: string | null;
  /** The last-run time of `settings`, or when it was taken over. */
  appliedAt: string;
  /** Unknown: the original application did not record it. */
  durationMs: null;
  /** Always applied: the original application records only finished migrations. */
  state: "applied";
}

const KEYS = [
  { versionKey: "db_migration_version", lastRunKey: "db_migration_last_run" },
  { versionKey: "db-migration-version", lastRunKey: "db-migration-last-run" },
] as const;

/** The spelling the original module's deployed code reads and writes. */
const DEPLOYED_KEYS = KEYS[1];

/**
 * Reads the version from `settings`, given the table's columns (`name`, `required`, `fallback`). With
 * `strict` (no history table yet, so the rows decide what is applied) rows that are not a whole
 * number, or that disagree, are an error; afterwards the history table decides, and
 * {@link settingsConflict} reports rows that disagree with it. With `adopt` (strata has not finished a
 * run on the database: a run interrupted by a migration outside a transaction commits the history,
 * not the settings) a table without a version row is the original module's at version 0.
 *
 * @returns null for a `settings` table of another shape, which is the application's own.
 * @throws {DatabaseStateError} when strict and a value is not a whole number or the rows disagree.
 */
export async function readSettingsVersion(
  db: SqlConnection,
  columns: readonly Row[],
  options: { strict: boolean; adopt: boolean },
): Promise<SettingsVersion | null> {
  if (!columns.some((c) => c.name === "key") || !columns.some((c) => c.name === "value")) return null;
  // A row can be added for a missing key only if no other column needs a value.
  const canInsert = columns.every((c) =>
    c.name === "key" || c.name === "value" || Number(c.required) === 0 || c.fallback !== null
  );
  const found = await db.query(
    "SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?)",
    KEYS.flatMap((k) => [k.versionKey, k.lastRunKey]),
  );
  const rows = found.filter((row) => KEYS.some((k) => k.versionKey === row.key))
    .map((row) => ({ key: String(row.key), value: row.value }));
  if (rows.length === 0) {
    // Once strata has finished a run, a settings table without the key is the application's own.
    return options.adopt && canInsert
      ? { keys: [DEPLOYED_KEYS], version: 0, rows, lastRun: null, canInsert }
      : null;
  }
  const keys = KEYS.filter((k) => rows.some((row) => row.key === k.versionKey));
  const lastRunValue = keys.map((k) => found.find((row) => row.key === k.lastRunKey)?.value)
    .find((v) => typeof v === "string");
  const lastRun = typeof lastRunValue === "string" ? lastRunValue : null;
  const versions = rows.map((row) => parseVersion(row.value));
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
 * Whether every version row of `settings`, if any, holds `version`: the cheap check of an up-to-date
 * start-up. A settings table of another shape has nothing to agree with.
 */
export async function settingsAgree(db: SqlConnection, version: number): Promise<boolean> {
  const rows = await db.query(
    "SELECT value FROM settings WHERE key IN (?, ?)",
    KEYS.map((k) => k.versionKey),
  ).catch(() => []);
  return rows.every((row) => parseVersion(row.value) === version);
}

/**
 * The history entries a database strata never migrated gets from its `settings` version: every known
 * migration up to it, and the version itself when no known migration has it (the database was
 * migrated by newer code: kept, so status reports it and runs refuse it).
 *
 * @param now The time to record when `settings` holds no last-run time.
 */
export function historyFromSettings(
  settings: SettingsVersion,
  known: readonly Migration[],
  now: string,
): SettingsEntry[] {
  const version = settings.version ?? 0;
  const entry = (m: Pick<SettingsEntry, "version" | "name" | "description" | "checksum">): SettingsEntry => ({
    ...m,
    appliedAt: settings.lastRun ?? now,
    durationMs: null,
    state: "applied",
  });
  const imported = known.filter((m) => m.version <= version).map((m) =>
    entry({ version: m.version, name: nameOf(m), description: m.description, checksum: m.checksum ?? null })
  );
  if (version > 0 && !imported.some((m) => m.version === version)) {
    const key = settings.keys[0].versionKey;
    imported.push(entry({
      version,
      name: `settings ${key}`,
      description: `recorded in settings (${key})`,
      checksum: null,
    }));
  }
  return imported;
}

/**
 * The refusal of a `settings` version that is not the history's `currentVersion`, or null: the
 * original application migrated or rolled back on its own after strata took over, and running on
 * either version would be a guess.
 *
 * @param unfinished Whether a migration outside a transaction never finished: its run committed the
 *   history without reaching the settings, and recording its outcome (`migrate mark`) brings them
 *   level, so that is reported alone.
 */
export function settingsConflict(
  settings: SettingsVersion | null,
  currentVersion: number,
  unfinished: boolean,
): DatabaseStateError | null {
  if (!settings || settings.rows.length === 0 || settings.version === currentVersion || unfinished) {
    return null;
  }
  return new DatabaseStateError(
    `The settings table holds ${listRows(settings.rows)}, but strata's history records version ` +
      `${currentVersion}: the original application migrated or rolled back the database after strata took ` +
      `over, or one of them was edited by hand. Find out which is right (\`migrate check\` compares the ` +
      `schema with what migrations up to ${currentVersion} produce), then make them agree: set ` +
      `${settings.keys[0].versionKey} to ${currentVersion}, or correct the history. Nothing was changed.`,
    {
      reason: "version-conflict",
      versions: settings.version === null ? [currentVersion] : [currentVersion, settings.version],
    },
  );
}

/**
 * Writes `version` and the time `at` under the keys the database uses, inserting the rows it lacks.
 * Unrelated settings rows are never touched. Call in the write transaction that changed the history.
 */
export async function writeSettingsVersion(
  db: SqlConnection,
  settings: SettingsVersion | null,
  version: number,
  at: string,
): Promise<void> {
  for (const keys of settings?.keys ?? []) {
    await upsert(db, keys.versionKey, String(version), settings!.canInsert);
    await upsert(db, keys.lastRunKey, at, settings!.canInsert);
  }
}

async function upsert(db: SqlConnection, key: string, value: string, canInsert: boolean): Promise<void> {
  const updated = await db.run("UPDATE settings SET value = ? WHERE key = ?", [value, key]);
  if (updated.changes === 0 && canInsert) {
    await db.run("INSERT INTO settings (key, value) VALUES (?, ?)", [key, value]);
  }
}

/** The settings rows as a message shows them: `db-migration-version = "3"`. */
function listRows(rows: readonly { key: string; value: SqlValue }[]): string {
  return rows.map((row) => `${row.key} = ${shown(row.value)}`).join(", ");
}

function shown(value: SqlValue): string {
  if (value instanceof Uint8Array) return "a blob";
  return JSON.stringify(typeof value === "bigint" ? String(value) : value);
}

/** A stored version as a number, or null when it is not a whole number of 0 or more. */
function parseVersion(value: unknown): number | null {
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
