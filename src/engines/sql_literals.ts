/**
 * A statement with its `?` parameters written into it as SQL literals, so that it can travel inside a
 * script (one round trip to a server, where a script costs the server less than a batch of
 * statements). Only what round-trips exactly is written in: NULL, integers of 64 bits, finite reals,
 * text without NUL characters, and BLOBs; anything else, and named or numbered parameters, leave the
 * statement to be bound as usual.
 *
 * @module
 */
import type { SqlParams, SqlValue } from "./engine.ts";

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** A value as a SQL literal, or null when no literal reads back as the same value. */
function literal(value: SqlValue): string | null {
  if (value === null) return "NULL";
  if (typeof value === "bigint") {
    // The smallest one is written as a negated number too large for an INTEGER, which SQLite reads as REAL.
    return value > MIN_INT64 && value <= MAX_INT64 ? String(value) : null;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // A whole number bound as a JS number is REAL: keep it one in the text.
    const text = String(value);
    return /[.e]/.test(text) ? text : `${text}.0`;
  }
  if (typeof value === "string") return value.includes("\0") ? null : `'${value.replaceAll("'", "''")}'`;
  return `X'${Array.from(value, (byte) => byte.toString(16).padStart(2, "0")).join("")}'`;
}

/**
 * Where a `?` parameter may sit: outside strings, quoted names and comments. Returns the offsets of
 * every `?` there, or null when the SQL has other parameters (`?NNN`, `:name`, `@name`, `$name`).
 */
function placeholders(sql: string): number[] | null {
  const found: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i];
    const close = char === "'" || char === '"' || char === "`" ? char : char === "[" ? "]" : null;
    if (close !== null) {
      // A doubled quote inside a quoted text is the quote itself: the scan resumes past both.
      const end = sql.indexOf(close, i + 1);
      if (end < 0) return null;
      i = end;
    } else if (char === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (char === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (char === "?") {
      if (/[0-9]/.test(sql[i + 1] ?? "")) return null;
      found.push(i);
    } else if ((char === ":" || char === "@" || char === "$") && /[A-Za-z0-9_]/.test(sql[i + 1] ?? "")) {
      return null;
    }
  }
  return found;
}

/**
 * The statement with its positional parameters written in, or null when that cannot be done exactly
 * (named parameters, a value without an exact literal, a count that does not match).
 *
 * @example
 * ```ts
 * import { withLiterals } from "./sql_literals.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(withLiterals("INSERT INTO t VALUES (?, ?)", [1n, "it's"]), "INSERT INTO t VALUES (1, 'it''s')");
 * assert.equal(withLiterals("SELECT :x", { x: 1 }), null);
 * ```
 */
export function withLiterals(sql: string, params: SqlParams): string | null {
  if (!Array.isArray(params)) return null;
  const at = placeholders(sql);
  if (at === null || at.length !== params.length) return null;
  const parts: string[] = [];
  let from = 0;
  for (const [index, offset] of at.entries()) {
    const text = literal(params[index]);
    if (text === null) return null;
    parts.push(sql.slice(from, offset), text);
    from = offset + 1;
  }
  parts.push(sql.slice(from));
  return parts.join("");
}
