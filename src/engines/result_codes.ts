/**
 * SQLite's result codes and messages, to name an engine's error the same way on every engine:
 * node:sqlite gives the extended code as a number (`errcode`), libSQL as a number (`rawCode`) and a
 * name (`code`), better-sqlite3 as a name only, @db/sqlite as a number on some errors and not at all
 * on most. A libSQL server gives the name only, and its replica none; their messages carry prefixes
 * (`SQLITE_CONSTRAINT: `, `SQLite error: `, and through a replica
 * `PROXY_ERROR: error executing a request on the primary: `) that are removed, so a message reads
 * as SQLite wrote it.
 *
 * @module
 */
import { SqliteError } from "./engine.ts";

/** The primary result codes, by number (https://sqlite.org/rescode.html). */
const PRIMARY_CODES: readonly string[] = [
  "SQLITE_OK",
  "SQLITE_ERROR",
  "SQLITE_INTERNAL",
  "SQLITE_PERM",
  "SQLITE_ABORT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_INTERRUPT",
  "SQLITE_IOERR",
  "SQLITE_CORRUPT",
  "SQLITE_NOTFOUND",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_EMPTY",
  "SQLITE_SCHEMA",
  "SQLITE_TOOBIG",
  "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH",
  "SQLITE_MISUSE",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_FORMAT",
  "SQLITE_RANGE",
  "SQLITE_NOTADB",
  "SQLITE_NOTICE",
  "SQLITE_WARNING",
];

/** What the engines put on their errors; every field is optional. */
interface EngineErrorFields {
  code?: unknown;
  errcode?: unknown;
  rawCode?: unknown;
}

/** What the engines and servers put in front of SQLite's own message. */
const MESSAGE_PREFIXES =
  /^(?:(?:SQLITE_[A-Z_]+|PROXY_ERROR): |SQLite error: |error executing a request on the primary: )+/;

/**
 * Turns an engine's error for failed SQL into a {@link SqliteError}; other errors (a `TypeError` for
 * a value the engine cannot bind, a closed client, a network failure) are returned unchanged.
 *
 * @param options.plainErrors Treat a plain `Error` as SQLite's: @db/sqlite throws nothing more specific.
 */
export function toSqliteError(error: unknown, options: { plainErrors?: boolean } = {}): unknown {
  if (!(error instanceof Error) || error instanceof SqliteError) return error;
  const fields = error as Error & EngineErrorFields;
  // @db/sqlite's own SqliteError has the number as `code` and "19: constraint failed" as its message.
  const numbered = error.name === "SqliteError" && typeof fields.code === "number";
  const extendedCode = typeof fields.errcode === "number"
    ? fields.errcode
    : typeof fields.rawCode === "number"
    ? fields.rawCode
    : numbered
    ? fields.code as number
    : undefined;
  const name = typeof fields.code === "string" && fields.code.startsWith("SQLITE_") ? fields.code : undefined;
  const fromSqlite = extendedCode !== undefined || name !== undefined || fields.code === "PROXY_ERROR" ||
    fields.code === "ERR_SQLITE_ERROR" || (options.plainErrors === true && error.constructor === Error);
  if (!fromSqlite) return error;
  const message = numbered
    ? error.message.replace(/^\d+: /, "")
    : error.message.replace(MESSAGE_PREFIXES, "");
  return new SqliteError(message, { code: primaryCode(extendedCode, name), extendedCode, cause: error });
}

function primaryCode(extendedCode: number | undefined, name: string | undefined): string | undefined {
  if (extendedCode !== undefined) return PRIMARY_CODES[extendedCode & 0xff];
  if (name === undefined) return undefined;
  // An extended name is its primary name plus a suffix: SQLITE_CONSTRAINT_UNIQUE.
  return PRIMARY_CODES.filter((code) => name === code || name.startsWith(`${code}_`))
    .sort((a, b) => b.length - a.length)[0];
}
