/**
 * The wanted schema of `new --from FILE`, read from a file: SQL text (`CREATE` statements, such as
 * a `schema.sql` written by `migrate dump`), or a SQLite database, which is read without writing to
 * it or next to it: its bytes are copied into memory, so no lock, journal or `-shm` file is made.
 * A database in WAL mode whose `-wal` file holds changes not yet in the main file is opened
 * read-only instead, to read those changes too.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { MigrationFileError } from "../shared/errors.ts";
import { exists } from "../shared/paths.ts";

/** The 16 bytes every SQLite database file starts with. */
const HEADER = "SQLite format 3\0";

/**
 * Reads a schema file: the SQL text of a `.sql` file, or, for a SQLite database, an in-memory
 * database with its schema (the caller closes it).
 *
 * @throws {MigrationFileError} naming the file when it cannot be read, is neither UTF-8 text nor a
 *   database, or is a database SQLite cannot open.
 *
 * @example
 * ```ts
 * import { readSchemaFile } from "./target_file.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".sql" });
 * await Deno.writeTextFile(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n");
 * assert.equal(await readSchemaFile(path), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n");
 * await Deno.remove(path);
 * ```
 */
export async function readSchemaFile(path: string): Promise<string | DatabaseSync> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (cause) {
    throw new MigrationFileError(
      `Cannot read the schema file ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Give a .sql file of CREATE statements or a SQLite database.`,
      path,
      { cause },
    );
  }
  if (new TextDecoder().decode(bytes.subarray(0, 16)) !== HEADER) return text(path, bytes);
  try {
    return openCopy(path, bytes);
  } catch (cause) {
    throw new MigrationFileError(
      `Cannot read the schema of the database ${path}: ${
        cause instanceof Error ? cause.message : String(cause)
      }.`,
      path,
      { cause },
    );
  }
}

function text(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new MigrationFileError(
      `The schema file ${path} is neither UTF-8 text nor a SQLite database. Give a .sql file of CREATE ` +
        `statements (UTF-8) or a SQLite database.`,
      path,
    );
  }
}

function openCopy(path: string, bytes: Uint8Array): DatabaseSync {
  const wal = `${path}-wal`;
  if (exists(wal) && Deno.statSync(wal).size > 0) return new DatabaseSync(path, { readOnly: true });
  // A database in WAL mode says so in bytes 18 and 19; in memory it reads as a rollback-journal one.
  const copy = bytes.slice();
  if (copy[18] === 2) copy[18] = 1;
  if (copy[19] === 2) copy[19] = 1;
  const db = new DatabaseSync(":memory:");
  try {
    db.deserialize(copy);
    db.prepare("SELECT count(*) FROM sqlite_schema").get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
