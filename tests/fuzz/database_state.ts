/**
 * Reads what the invariant judges from a database file, with node:sqlite directly: its dump, its
 * history as strata recorded it, and SQLite's integrity check.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { dumpDatabase } from "./dump.ts";

/** One row of `strata_migrations`. */
export interface HistoryRow {
  /** The version. */
  version: number;
  /** The file name recorded. */
  name: string;
  /** `applied`, `started` or `failed`. */
  state: string;
}

/** What a database holds. */
export interface DatabaseState {
  /** The history, by version (empty without a history table). */
  history: HistoryRow[];
  /** Every row of the history, timestamps included: equal only if a run recorded nothing. */
  records: string;
  /** The deterministic dump of the user's schema and rows. */
  dump: string;
  /** `PRAGMA integrity_check`'s answer, lines joined. */
  integrity: string;
}

/** The state of the database file at `path`; an absent file reads as an empty database. */
export function readDatabaseState(path: string): DatabaseState {
  try {
    Deno.statSync(path);
  } catch {
    return { history: [], records: "", dump: "", integrity: "ok" };
  }
  const db = new DatabaseSync(path);
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all().map((row) => String(row.integrity_check))
      .join("; ");
    const has = (table: string) =>
      db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) !== undefined;
    const history = has("strata_migrations")
      ? db.prepare("SELECT version, name, state FROM strata_migrations ORDER BY version").all().map((
        row,
      ) => ({
        version: Number(row.version),
        name: String(row.name),
        state: String(row.state),
      }))
      : [];
    // The run log is left out: whether a run that changed nothing is logged is not the invariant's business.
    const records = has("strata_migrations")
      ? db.prepare("SELECT * FROM strata_migrations ORDER BY version").all().map((row) => JSON.stringify(row))
        .join("\n")
      : "";
    return { history, records, dump: dumpDatabase(db), integrity };
  } finally {
    db.close();
  }
}
