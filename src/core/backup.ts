/**
 * Backups before a run: a consistent copy of a file database, written with SQLite's online backup
 * API, named after the database, its version and the time, never overwriting anything.
 *
 * A backup is whole or absent. The copy is written under a temporary name in the destination
 * directory (a dotfile ending in `.partial`, which no backup's name matches), synced to disk, and
 * only then renamed to its backup name, and the directory is synced so that the rename lasts too.
 * A failed backup removes its temporary file; a killed one can leave it behind, never a file with
 * a backup's name.
 *
 * @module
 */
import { databaseFile } from "../engines/database_file.ts";
import type { SqlEngine } from "../engines/engine.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { basename, dirname, exists, extname, join } from "../shared/paths.ts";

/** Where and how to back up, as given by the caller. */
export interface BackupOptions {
  /** Directory for the copy. @default the database's own directory */
  dir?: string;
}

/** The name of a backup: `app-v3-20261124T104217123Z.db` for `app.db` at version 3. */
function backupName(databaseFile: string, version: number, at: Date): string {
  const extension = extname(databaseFile);
  const stem = basename(databaseFile, extension);
  const stamp = at.toISOString().replace(/[-:.]/g, "");
  return `${stem}-v${version}-${stamp}${extension || ".db"}`;
}

/**
 * Writes a consistent copy of the database and returns its path. The copy gets its name only once
 * it is complete and on disk (see the module notes).
 *
 * @throws {InvalidInputError} for an in-memory database, an engine without online backup, or an
 *   existing file at the backup's path.
 * @throws the engine's or the file system's error when the copy cannot be written; no file with a
 *   backup's name is left then.
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
  const partial = join(dir, partialName(file));
  try {
    await engine.backup(partial);
    await sync(partial, { read: true, write: true });
    await Deno.rename(partial, destination);
  } catch (error) {
    await removeQuietly(partial);
    await removeQuietly(`${partial}-journal`);
    throw error;
  }
  await syncDirectory(dir);
  return destination;
}

/**
 * The temporary name a backup is written under: a dotfile of this process ending in `.partial`,
 * so that neither a backup's name nor SQLite's journal names (`app.db-journal`) can match it.
 */
function partialName(databaseFile: string): string {
  return `.${basename(databaseFile)}-backup-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.partial`;
}

/** Flushes a file's data, or a directory's entries, to the disk. */
async function sync(path: string, options: Deno.OpenOptions): Promise<void> {
  const file = await Deno.open(path, options);
  try {
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * Flushes a directory's entries to the disk, so that a rename in it survives a power loss. Windows
 * cannot open a directory to sync it; there the rename is left to the file system.
 */
async function syncDirectory(path: string): Promise<void> {
  if (Deno.build.os !== "windows") await sync(path, { read: true });
}

/**
 * Removes a file left by a failed backup, if there is one. A failure to remove it is not reported:
 * the error that stopped the backup is, and the file's name never looks like a backup.
 */
async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Absent, or not removable: either way no file with a backup's name is left.
  }
}
