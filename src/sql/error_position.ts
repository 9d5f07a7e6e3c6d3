/**
 * Where in a `.sql` migration file SQLite found an error, as a line and column. SQLite ends the
 * message of an error it can place with ` in <SQL> at offset N`: `<SQL>` is the statement it failed
 * to prepare together with the rest of the script after it (the executor ran the section as one
 * script), or the statement alone (it ran the statements one at a time), and `N` is a byte offset
 * into it. Loaded only when a section fails.
 *
 * @module
 */
import { SqliteError } from "../engines/engine.ts";
import { statementsOf } from "./script.ts";

/** A section of a `.sql` file: the text it was cut from, and where it starts in that text. */
export interface SqlSection {
  /** The file's text, as parsed (without a BOM, with `\n` line breaks). */
  text: string;
  /** Offset of the section's first character in `text`. */
  start: number;
}

/**
 * `error` with its place in the file instead of SQLite's quote of the script: a {@link SqliteError}
 * that says "at line L, column C", keeping the engine's error as its cause. Any other error, and one
 * SQLite did not place, is returned as it is.
 *
 * @param sql The section as it was run.
 *
 * @example Place a syntax error
 * ```ts
 * import { SqliteError } from "../engines/engine.ts";
 * import { locateSqlError } from "./error_position.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "-- migrate:up\nCREATE TABLE a (x);\n  SELEC 1;\n";
 * const sql = text.slice(14);
 * const error = new SqliteError('near "SELEC": syntax error in \n  SELEC 1;\n at offset 3');
 * const located = locateSqlError(error, sql, { text, start: 14 });
 * assert.equal((located as Error).message, 'near "SELEC": syntax error at line 3, column 3');
 * ```
 */
export function locateSqlError(error: unknown, sql: string, section: SqlSection): unknown {
  if (!(error instanceof SqliteError)) return error;
  const placed = placeInSection(error.message, sql);
  if (placed === null) return error;
  const { line, column } = lineAndColumn(section.text, section.start + placed.offset);
  return new SqliteError(`${placed.what} at line ${line}, column ${column}`, {
    code: error.code,
    extendedCode: error.extendedCode,
    cause: error.cause ?? error,
  });
}

/** SQLite's message without its quote, and the offset in `sql` it points at; null when it places nothing. */
function placeInSection(message: string, sql: string): { what: string; offset: number } | null {
  const suffix = / at offset (\d+)$/.exec(message);
  if (suffix === null) return null;
  const body = message.slice(0, suffix.index);
  for (let at = body.indexOf(" in "); at !== -1; at = body.indexOf(" in ", at + 1)) {
    const quoted = body.slice(at + " in ".length);
    const start = quotedStart(quoted, sql);
    if (start !== null) {
      return { what: body.slice(0, at), offset: start + charactersIn(quoted, Number(suffix[1])) };
    }
  }
  return null;
}

/** Where the quoted SQL starts in the section: as its tail (one script), or as one of its statements. */
function quotedStart(quoted: string, sql: string): number | null {
  if (quoted.length > 0 && sql.endsWith(quoted)) return sql.length - quoted.length;
  for (const statement of statementsOf(sql)) {
    if (statement.text === quoted) return statement.start;
  }
  return null;
}

/** How many characters of `text` its first `bytes` UTF-8 bytes are. */
function charactersIn(text: string, bytes: number): number {
  return new TextDecoder().decode(new TextEncoder().encode(text).subarray(0, bytes)).length;
}

/** The line and column (both from 1) of an offset in a text with `\n` line breaks. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  for (let at = text.indexOf("\n"); at !== -1 && at < offset; at = text.indexOf("\n", at + 1)) line++;
  return { line, column: offset - text.lastIndexOf("\n", offset - 1) };
}
