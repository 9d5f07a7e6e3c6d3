/**
 * Statements of a script, split where SQLite splits them, so the toolkit can run a script one
 * statement at a time and see what each one is without running it.
 *
 * Token boundaries follow SQLite's tokenizer: strings, quoted names (`"…"`, `` `…` ``, `[…]`),
 * comments, and parameters, including the Tcl-style `$name(…)` whose parentheses may hold any text.
 * Statement ends follow `sqlite3_complete()`: a semicolon ends a statement, except inside
 * `CREATE [TEMP] TRIGGER`, which ends only at `; END ;`. A column named `begin`, `end` or `case`
 * therefore never changes where a statement ends.
 *
 * @module
 */

/** One statement of a script. */
export interface SqlStatement {
  /** The statement from its first token up to its semicolon (excluded), comments inside it kept. */
  text: string;
  /** Offset of its first token in the script. */
  start: number;
  /** Its leading words and symbols in upper case (up to five); a string or quoted name is `""`. */
  keywords: string[];
}

/** What a token is, as far as finding statements needs. */
const enum Kind {
  Space,
  Semicolon,
  Word,
  Other,
}

/** The classes of `sqlite3_complete()`'s state machine. */
const enum Token {
  Semi,
  Ws,
  Other,
  Explain,
  Create,
  Temp,
  Trigger,
  End,
}

/**
 * `sqlite3_complete()`'s transitions: `STATES[state][token]`. States: 0 before anything, 1 at a
 * statement's end, 2 in a statement, 3 after EXPLAIN, 4 after CREATE, 5 in a trigger, 6 after a
 * semicolon in a trigger, 7 after `; END` in a trigger. Reaching 1 on a semicolon ends a statement.
 */
const STATES: readonly (readonly number[])[] = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];

const KEYWORD_TOKENS: Readonly<Record<string, Token>> = {
  EXPLAIN: Token.Explain,
  CREATE: Token.Create,
  TEMP: Token.Temp,
  TEMPORARY: Token.Temp,
  TRIGGER: Token.Trigger,
  END: Token.End,
};

/** Whether a character code can be part of a name: SQLite's `IdChar`. */
function isNameChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) ||
    code === 0x5f || code === 0x24 || code >= 0x80;
}

/** Whether a character code can start a name. */
function isNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f || code >= 0x80;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** Offset just past the quoted run that starts at `from`, where a doubled quote stands for itself. */
function quotedEnd(sql: string, from: number, quote: number): number {
  let i = from + 1;
  for (;;) {
    const at = sql.indexOf(String.fromCharCode(quote), i);
    if (at === -1) return sql.length;
    if (sql.charCodeAt(at + 1) !== quote) return at + 1;
    i = at + 2;
  }
}

/** Offset just past the next `end` from `from`, or the end of the script. */
function until(sql: string, end: string, from: number): number {
  const at = sql.indexOf(end, from);
  return at === -1 ? sql.length : at + end.length;
}

/**
 * Offset just past a parameter that starts at `from` with `$`, `@`, `:` or `#`: a name, where `::`
 * and a `(…)` suffix after at least one name character belong to it, as SQLite reads Tcl variables.
 */
function parameterEnd(sql: string, from: number): number {
  let i = from + 1;
  let named = 0;
  while (i < sql.length) {
    const code = sql.charCodeAt(i);
    if (isNameChar(code)) {
      named++;
      i++;
    } else if (code === 0x28 && named > 0) {
      let j = i + 1;
      while (j < sql.length && !isSpace(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 0x29) j++;
      return j < sql.length && sql.charCodeAt(j) === 0x29 ? j + 1 : j;
    } else if (code === 0x3a && sql.charCodeAt(i + 1) === 0x3a) {
      i += 2;
    } else break;
  }
  return i;
}

/** Where a token ends and what it is: filled in by {@link readToken}, reused for every token. */
interface TokenCursor {
  kind: Kind;
  end: number;
}

/** Reads the token that starts at `i` into `cursor`. Comments are spaces; a name or keyword is a word. */
function readToken(sql: string, i: number, cursor: TokenCursor): void {
  const code = sql.charCodeAt(i);
  let end = i + 1;
  let kind = Kind.Other;
  if (isSpace(code)) {
    while (end < sql.length && isSpace(sql.charCodeAt(end))) end++;
    kind = Kind.Space;
  } else if (code === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
    const newline = sql.indexOf("\n", i + 2);
    end = newline === -1 ? sql.length : newline + 1;
    kind = Kind.Space;
  } else if (code === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
    end = until(sql, "*/", i + 2);
    kind = Kind.Space;
  } else if (code === 0x3b) {
    kind = Kind.Semicolon;
  } else if (code === 0x27 || code === 0x22 || code === 0x60) {
    end = quotedEnd(sql, i, code);
  } else if (code === 0x5b) {
    end = until(sql, "]", i + 1);
  } else if (isNameStart(code)) {
    while (end < sql.length && isNameChar(sql.charCodeAt(end))) end++;
    kind = Kind.Word;
  } else if (code === 0x24 || code === 0x40 || code === 0x3a || code === 0x23) {
    end = parameterEnd(sql, i);
  } else if (code >= 0x30 && code <= 0x39) {
    while (end < sql.length && (isNameChar(sql.charCodeAt(end)) || sql.charCodeAt(end) === 0x2e)) end++;
  }
  cursor.kind = kind;
  cursor.end = end;
}

/**
 * The statements of a script, in order, read as they are asked for: a script of hundreds of
 * megabytes is read once, without a list of its statements. Statements that are only comments or
 * whitespace are skipped.
 */
export function* statementsOf(sql: string): Generator<SqlStatement, void, undefined> {
  const cursor: TokenCursor = { kind: Kind.Space, end: 0 };
  let state = 0;
  let start = -1; // first token of the statement being read
  let keywords: string[] = [];
  for (let i = 0; i < sql.length; i = cursor.end) {
    readToken(sql, i, cursor);
    if (cursor.kind === Kind.Space) {
      state = STATES[state][Token.Ws];
    } else if (cursor.kind === Kind.Semicolon) {
      state = STATES[state][Token.Semi];
      if (state === 1 && start !== -1) {
        yield { text: sql.slice(start, i).trimEnd(), start, keywords };
        start = -1;
        keywords = [];
      }
    } else {
      if (start === -1) start = i;
      if (keywords.length < 5) {
        const text = sql.slice(i, cursor.end);
        keywords.push(cursor.kind === Kind.Word ? text.toUpperCase() : isQuoted(text) ? "" : text);
      }
      state = STATES[state][cursor.kind === Kind.Word ? keywordToken(sql, i, cursor.end) : Token.Other];
    }
  }
  if (start !== -1) yield { text: sql.slice(start).trimEnd(), start, keywords };
}

/** The state machine's class of a word: most words are none of its keywords, told by length and first letter. */
function keywordToken(sql: string, from: number, to: number): Token {
  const length = to - from;
  const first = sql.charCodeAt(from) | 0x20; // lower case
  if (length < 3 || length > 9 || (first !== 0x65 && first !== 0x63 && first !== 0x74)) return Token.Other;
  return KEYWORD_TOKENS[sql.slice(from, to).toUpperCase()] ?? Token.Other;
}

function isQuoted(text: string): boolean {
  const first = text.charCodeAt(0);
  return first === 0x27 || first === 0x22 || first === 0x60 || first === 0x5b;
}

/**
 * Splits a script into statements. Semicolons inside strings, quoted names, parameters, comments and
 * `CREATE TRIGGER … BEGIN … END` bodies do not end a statement.
 *
 * @example
 * ```ts
 * import { splitStatements } from "./script.ts";
 * import assert from "node:assert/strict";
 *
 * const script = "CREATE TABLE t (begin, x); -- a note\nINSERT INTO t VALUES ('a;b', 1);";
 * assert.deepEqual(splitStatements(script).map((s) => s.text), [
 *   "CREATE TABLE t (begin, x)",
 *   "INSERT INTO t VALUES ('a;b', 1)",
 * ]);
 * ```
 */
export function splitStatements(sql: string): SqlStatement[] {
  return [...statementsOf(sql)];
}

/**
 * Offsets of the line comments (`-- …`) of a script that stand outside strings, quoted names and
 * block comments, in order: where a `-- migrate:up` marker can be.
 */
export function lineCommentOffsets(sql: string): number[] {
  const offsets: number[] = [];
  const cursor: TokenCursor = { kind: Kind.Space, end: 0 };
  // Only a few characters can start a token that spans another's text (a comment, a string, a
  // quoted name, a parameter): the scan jumps from one to the next instead of reading every token.
  const next = /['"`[\-/@:#$]/g;
  for (let i = 0; i < sql.length;) {
    next.lastIndex = i;
    const found = next.exec(sql);
    if (!found) break;
    const at = found.index;
    // Inside a name or a number, `$` is part of it, not the start of a parameter.
    if (sql.charCodeAt(at) === 0x24 && at > 0 && isNameChar(sql.charCodeAt(at - 1))) {
      i = at + 1;
      continue;
    }
    readToken(sql, at, cursor);
    if (cursor.kind === Kind.Space && sql.charCodeAt(at) === 0x2d) offsets.push(at);
    i = cursor.end;
  }
  return offsets;
}

/**
 * Why a statement cannot run inside a migration's transaction, or null when it can: transaction
 * control would end or escape the transaction the migration is atomic in, releasing or rolling back
 * to one of the runner's savepoints (`reservedSavepoint` tells their names) would break the
 * migration's own rollback, and attaching a database or changing the journal mode would reach past
 * it. Used where the engine has no authorizer to ask SQLite itself. (`VACUUM` is left to SQLite,
 * which refuses it inside a transaction on every engine.)
 */
export function transactionConflict(
  statement: SqlStatement,
  reservedSavepoint: (name: string) => boolean,
): string | null {
  const [first, second, third] = statement.keywords;
  if (first === "BEGIN" || first === "COMMIT" || first === "END") {
    return `${first} would end the transaction the migration runs in`;
  }
  const toSavepoint = second === "TO" || (second === "TRANSACTION" && third === "TO");
  if (first === "ROLLBACK" && !toSavepoint) {
    return "ROLLBACK would end the transaction the migration runs in";
  }
  if (first === "ROLLBACK" || first === "RELEASE" || first === "SAVEPOINT") {
    const name = savepointName(statement.text);
    if (name !== null && reservedSavepoint(name)) {
      return `the savepoint ${name} belongs to the runner, which rolls the migration back with it`;
    }
  }
  if (first === "ATTACH" || first === "DETACH") return `SQLite cannot ${first} inside a transaction`;
  if (first === "PRAGMA") {
    // PRAGMA [schema.]name, then "=" or "(" when it sets a value; reading it is harmless.
    const [pragma, next] = third === "." ? statement.keywords.slice(3, 5) : [second, third];
    if ((next === "=" || next === "(") && pragma === "JOURNAL_MODE") {
      return "SQLite cannot change journal_mode inside a transaction";
    }
  }
  return null;
}

/** The savepoint a `SAVEPOINT`, `RELEASE [SAVEPOINT]` or `ROLLBACK [TRANSACTION] TO [SAVEPOINT]` names. */
function savepointName(text: string): string | null {
  const words: string[] = [];
  const cursor: TokenCursor = { kind: Kind.Space, end: 0 };
  for (let i = 0; i < text.length && words.length < 6; i = cursor.end) {
    readToken(text, i, cursor);
    if (cursor.kind !== Kind.Space) words.push(text.slice(i, cursor.end));
  }
  let at = 1;
  const skip = (word: string) => {
    if (words[at]?.toUpperCase() === word && at < words.length - 1) at++;
  };
  if (words[0].toUpperCase() === "ROLLBACK") {
    skip("TRANSACTION");
    skip("TO");
  }
  if (words[0].toUpperCase() !== "SAVEPOINT") skip("SAVEPOINT");
  return words[at] === undefined ? null : unquote(words[at]);
}

function unquote(name: string): string {
  const first = name[0];
  if (first === "[") return name.slice(1, -1);
  if (first === '"' || first === "`" || first === "'") {
    return name.slice(1, -1).replaceAll(first + first, first);
  }
  return name;
}

/**
 * Whether a statement sets `PRAGMA foreign_keys`, which SQLite ignores inside a transaction: in a
 * migration it is a no-op (enforcement is off during a run, and violations are checked before commit).
 */
export function setsForeignKeys(statement: SqlStatement): boolean {
  const [first, second, third] = statement.keywords;
  if (first !== "PRAGMA") return false;
  const [pragma, next] = third === "." ? statement.keywords.slice(3, 5) : [second, third];
  return pragma === "FOREIGN_KEYS" && (next === "=" || next === "(");
}
