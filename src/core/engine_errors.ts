/**
 * Engine errors a user meets before any migration changes anything — "not a database",
 * "read-only", "locked" — turned into refusals that name the file and say what to do.
 *
 * @module
 */
import { databaseFile } from "../engines/database_file.ts";
import { isBusyError, type SqlConnection, SqliteError } from "../engines/engine.ts";
import { DatabaseStateError, MigrationError, StrataError } from "../shared/errors.ts";
import { type Wording, wordsOf } from "./wording.ts";

/**
 * The error a public call ends with: `error` itself, or a clear refusal when it is an engine error a
 * user can meet before anything changed. A migration that fails because the database refuses every
 * write, before anything of its run was kept, is such a refusal too: the database is read-only,
 * whatever the migration does; after a commit, the failing migration's own SQL is at fault.
 *
 * @param db The database, asked for its file only when a message names it.
 */
export async function explainFailure(error: unknown, db: SqlConnection, wording: Wording): Promise<unknown> {
  if (error instanceof MigrationError) {
    if (error.committed.length > 0 || !isReadOnly(error.cause)) return error;
  } else if (error instanceof StrataError) {
    return error;
  }
  const file = await databaseFile(db).catch(() => null);
  if (error instanceof MigrationError) return readOnlyError(error, file);
  const message = error instanceof Error ? error.message : String(error);
  const database = file ? `The database ${file}` : "The database";
  if (/file is not a database|file is encrypted|malformed/i.test(message)) {
    return new DatabaseStateError(
      `${database} is not a usable SQLite database (${message}). Check the path; nothing was changed.`,
      { reason: "unreadable", cause: error },
    );
  }
  if (isReadOnly(error)) return readOnlyError(error, file);
  if (isBusyError(error)) {
    return new DatabaseStateError(
      `${database} is locked by another connection (${message}). Try again, or raise the busy timeout ` +
        `(${wordsOf(wording).busyTimeout}). Nothing was changed.`,
      { reason: "busy", cause: error },
    );
  }
  return error;
}

/**
 * Whether an engine's error, or one of its causes, means the database cannot be written: opened
 * read-only or a read-only file (`SQLITE_READONLY`), or a directory where SQLite cannot create the
 * journal it needs before the first write (`SQLITE_CANTOPEN`, or `SQLITE_READONLY_DIRECTORY`).
 */
function isReadOnly(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (
      cause instanceof SqliteError && (cause.code === "SQLITE_READONLY" || cause.code === "SQLITE_CANTOPEN")
    ) {
      return true;
    }
    if (/attempt to write a readonly database|unable to open database file/.test(cause.message)) return true;
  }
  return false;
}

/** The refusal of a database that cannot be written, keeping `error` (and the migration it names) as its cause. */
function readOnlyError(error: unknown, file: string | null): DatabaseStateError {
  let reason = error instanceof Error ? error.message : String(error);
  for (let cause = error; cause instanceof Error; cause = cause.cause) reason = cause.message;
  return new DatabaseStateError(
    `${file ? `The database ${file}` : "The database"} is read-only (${reason}): strata could not write ` +
      `to it, or create the journal SQLite writes next to it. Open it for writing, or check the ` +
      `permissions of the file and of its directory. Nothing was changed.`,
    { reason: "read-only", cause: error },
  );
}
