/**
 * Backups before a run: a consistent copy of a file database, written with SQLite's online backup
 * API, named after the database, its version and the time, never overwriting anything.
 *
 * @module
 */
import type { SqlEngine } from "./engine.ts";
import { InvalidInputError } from "./errors.ts";
import { basename, dirname, exists, extname, join } from "./paths.ts";

/** Where and how to back up, as given by the caller. */
export interface BackupOptions {
  /** Directory for the copy. @default the database's own directory */
  dir?: string;
}

/** The file of the main database, or null for an in-memory or temporary one. */
export async function databaseFile(engine: SqlEngine): Promise<string | null> {
  const rows = await engine.query("PRAGMA database_list", []);
  const main = rows.find((row) => row.name === "main");
  const file = typeof main?.file === "string" ? main.file : "";
  return file === "" ? null : file;
}

/** The name of a backup: `app-v3-20261124T104217123Z.db` for `app.db` at version 3. */
function backupName(databaseFile: string, version: number, at: Date): string {
  const extension = extname(databaseFile);
  const stem = basename(databaseFile, extension);
  const stamp = at.toISOString().replace(/[-:.]/g, "");
  return `${stem}-v${version}-${stamp}${extension || ".db"}`;
}

/**
 * Writes a consistent copy of the database and returns its path.
 *
 * @throws {InvalidInputError} for an in-memory database, an engine without online backup, or an
 *   existing file at the backup's path.
 */
export async function backupDatabase(
  engine: SqlEngine,
  version: number,
  options: BackupOptions = {},
): Promise<string> {
  const file = await databaseFile(engine);
  if (file === null) {
    throw new InvalidInputError(
      "Cannot back up an in-memory database; --backup needs a database file.",
      "backup",
    );
  }
  if (!engine.backup) {
    throw new InvalidInputError(
      `The ${engine.name} engine has no online backup; back the database up yourself, then run without --backup.`,
      "backup",
    );
  }
  const dir = options.dir ?? dirname(file);
  await Deno.mkdir(dir, { recursive: true });
  const destination = join(dir, backupName(file, version, new Date()));
  if (exists(destination)) {
    throw new InvalidInputError(
      `The backup file ${destination} already exists; it was left as it is.`,
      "backup",
    );
  }
  await engine.backup(destination);
  return destination;
}
