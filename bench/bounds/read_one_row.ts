/**
 * Lower bound of a start-up with nothing to do (W2): plain node:sqlite opening the database and
 * reading one row of the history table. Run as a script for whole-process timings, or imported for
 * in-process ones.
 *
 * Usage: `deno run <migrate task flags> bench/bounds/read_one_row.ts DATABASE`
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** Opens `database`, reads the newest history row, and closes it. */
export function readOneRow(database: string): void {
  const db = new DatabaseSync(database);
  db.prepare("SELECT version FROM strata_migrations ORDER BY version DESC LIMIT 1").get();
  db.close();
}

if (import.meta.main) readOneRow(Deno.args[0]);
