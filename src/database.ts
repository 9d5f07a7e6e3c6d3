/**
 * `openDatabase`: open a database file and bring it up to date, the way the original module ran its
 * migrations whenever the database was opened.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError } from "./errors.ts";
import { loadMigrations } from "./loader.ts";
import { DEFAULT_BUSY_TIMEOUT_MS, MigrationManager, type MigrationManagerOptions } from "./manager.ts";
import type { Migration, MigrationInput } from "./migration.ts";

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions extends MigrationManagerOptions {
  /**
   * The migrations to apply: a list, or the directory (path or `file:` URL) to load them from.
   * @default {"./migrations"}
   */
  migrations?: readonly MigrationInput[] | string | URL;
}

/**
 * Opens (creating it and its directory if needed) a SQLite database file, applies every pending
 * migration, and returns the open `DatabaseSync`. The caller closes it.
 *
 * @param path A file path, a `file:` URL, or `":memory:"`.
 * @returns The open database, at the newest known version.
 * @throws {MigrationError} when a migration fails; the database is closed first.
 * @throws {DatabaseStateError} when the database is refused (newer than the migrations, corrupt version, …).
 *
 * @example Open a database with its migrations applied
 * ```ts
 * import { openDatabase } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = await openDatabase(":memory:", {
 *   migrations: [{ version: 1, description: "create notes", up: (db) => db.exec("CREATE TABLE notes (body TEXT)") }],
 * });
 * db.prepare("INSERT INTO notes VALUES (?)").run("hello");
 * assert.equal(db.prepare("SELECT count(*) AS n FROM notes").get()?.n, 1);
 * db.close();
 * ```
 */
export async function openDatabase(
  path: string | URL,
  options: OpenDatabaseOptions = {},
): Promise<DatabaseSync> {
  const file = databasePath(path);
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const migrations = await migrationList(options.migrations ?? "./migrations");
  const db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    await new MigrationManager(db, options).registerMigrations(migrations).migrate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

async function migrationList(
  source: readonly MigrationInput[] | string | URL,
): Promise<readonly MigrationInput[]> {
  return typeof source === "string" || source instanceof URL
    ? await loadMigrations(source) as Migration[]
    : source;
}

/**
 * The file path of a database target: a path, a `file:` URL, or `sqlite:`/`sqlite3:` as in
 * dbmate-style `DATABASE_URL`s. Relative paths are resolved against the working directory.
 *
 * @throws {InvalidInputError} for another URL scheme.
 */
export function databasePath(target: string | URL): string {
  const text = target instanceof URL ? target.href : target;
  if (text === ":memory:") return text;
  if (text.startsWith("file:")) return fileURLToPath(new URL(text));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "sqlite" || scheme === "sqlite3") {
    return resolve(text.slice(scheme.length + 1).replace(/^\/\//, ""));
  }
  if (scheme && scheme.length > 1) {
    throw new InvalidInputError(
      `Cannot open "${text}": the ${scheme}: scheme is not supported. Give a file path, a file: URL or sqlite:PATH.`,
      "db",
    );
  }
  return resolve(text);
}
