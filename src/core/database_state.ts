/**
 * Where a database stands: what it has applied, read from its history (or, on a database strata has
 * not migrated yet, from the original application's `settings` version), judged against the known
 * migrations' numbering. Reads only; the planner decides from it what a command would do.
 *
 * @module
 */
import type { SqlConnection } from "../engines/engine.ts";
import { type AppliedMigration, type HistorySnapshot, type HistoryStore, isoNow } from "./history.ts";
import { gapError, type Migration, type VersionGap, versionsIn } from "./migration.ts";
import { historyFromSettings, type SettingsVersion } from "./settings_version.ts";

/** What a database has applied, with a seed-era `settings` version already turned into history entries. */
export interface DatabaseState {
  /** Highest applied version, 0 when none. */
  currentVersion: number;
  /** Applied (and started) migrations by version. */
  applied: Map<number, AppliedMigration>;
  /** Entries taken over from a seed-era `settings` version, to be written on the first run. */
  imported: AppliedMigration[];
  /** The seed-era `settings` version to keep up to date, when the database has one. */
  settings: SettingsVersion | null;
  /** Columns of the history tables strata cannot fill (see {@link HistorySnapshot.unwritable}). */
  unwritable: string[];
}

/** The known migrations, and the versions missing between them (see `gapsOf`). */
export interface KnownMigrations {
  /** The migrations, sorted by version. */
  readonly list: readonly Migration[];
  /** Versions missing between them, judged against each database read. */
  readonly gaps: readonly VersionGap[];
}

/**
 * Reads the database's history and derives its state.
 *
 * @throws {DatabaseStateError} when the history or the `settings` version cannot be trusted.
 * @throws {MigrationSetError} for versions missing between the known migrations that the database
 *   never applied: a set numbered with a hole (applied missing versions are deleted files, which the
 *   planner reports).
 */
export async function readState(
  db: SqlConnection,
  history: HistoryStore,
  known: KnownMigrations,
): Promise<DatabaseState> {
  return stateOf(await history.read(db), known);
}

/**
 * The state of a database from its history (see {@link readState}).
 *
 * @throws {MigrationSetError} for versions missing between the known migrations that the database
 *   never applied.
 */
export function stateOf(snapshot: HistorySnapshot, known: KnownMigrations): DatabaseState {
  const applied = new Map(snapshot.applied.map((entry) => [entry.version, entry]));
  const imported = !snapshot.exists && snapshot.settings
    ? historyFromSettings(snapshot.settings, known.list, isoNow())
    : [];
  for (const entry of imported) applied.set(entry.version, entry);
  let currentVersion = 0;
  for (const entry of applied.values()) {
    if (entry.state === "applied" && entry.version > currentVersion) currentVersion = entry.version;
  }
  if (known.gaps.length > 0) {
    const missing = versionsIn(known.gaps, (version) => applied.has(version));
    if (missing.length > 0) throw gapError(known.list, missing);
  }
  return { currentVersion, applied, imported, settings: snapshot.settings, unwritable: snapshot.unwritable };
}
