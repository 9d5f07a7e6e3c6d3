/**
 * SQL tokens: the lexer the schema tools read `CREATE` statements with, and the two ways they write
 * tokens back: {@link formatTokens} (normalised spacing, same meaning, for schema dumps and rebuilt
 * tables) and {@link sqlKey} (insensitive to spacing, case and identifier quoting, for comparing).
 *
 * @module
 */

/** What a token is. `word` is a bare keyword or name; `identifier` a quoted name. */
type TokenKind =
  | "word"
  | "identifier"
  | "string"
  | "number"
  | "blob"
  | "variable"
  | "operator"
  | "punctuation";

/** One token, with where it sits in the source text. */
export interface Token {
  /** What kind of token it is. */
  kind: TokenKind;
  /** Its text as written, quotes included. */
  text: string;
  /** Offset of its first character in the source. */
  start: number;
  /** Offset just past its last character. */
  end: number;
}

/** Every keyword of SQLite's parser (https://www.sqlite.org/lang_keywords.html), in upper case. */
const KEYWORDS: ReadonlySet<string> = new Set(
  `ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY
  CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE
  CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP
  EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM
  FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT
  INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING
  NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
  RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK
  ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION
  UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`.split(/\s+/),
);

const OPERATORS = ["->>", "->", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>"];
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Splits SQL into tokens, leaving out whitespace and comments.
 *
 * @example
 * ```ts
 * import { tokenize } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tokenize("a <= 'x;y' -- note").map((t) => t.text), ["a", "<=", "'x;y'"]);
 * ```
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, end });
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1] ?? "";
    if (/\s/.test(ch)) i++;
    else if (ch === "-" && next === "-") i = until(sql, "\n", i);
    else if (ch === "/" && next === "*") i = until(sql, "*/", i + 2);
    else if (ch === "'") push("string", quoteEnd(sql, i, "'"));
    else if (ch === '"' || ch === "`") push("identifier", quoteEnd(sql, i, ch));
    else if (ch === "[") push("identifier", until(sql, "]", i));
    else if ((ch === "x" || ch === "X") && next === "'") push("blob", quoteEnd(sql, i + 1, "'"));
    else if (WORD_START.test(ch)) push("word", runEnd(sql, i + 1, WORD_PART));
    else if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(next))) push("number", numberEnd(sql, i));
    else if (ch === "?") push("variable", runEnd(sql, i + 1, /[0-9]/));
    else if (ch === ":" || ch === "@" || ch === "$") push("variable", runEnd(sql, i + 1, WORD_PART));
    else if ("(),;.".includes(ch)) push("punctuation", i + 1);
    else push("operator", i + (OPERATORS.find((op) => sql.startsWith(op, i))?.length ?? 1));
  }
  return tokens;
}

/** Offset just past the next `end` from `from`, or the end of the text. */
function until(sql: string, end: string, from: number): number {
  const at = sql.indexOf(end, from);
  return at === -1 ? sql.length : at + end.length;
}

/** End of a quoted run starting at `from`, where a doubled quote stands for itself. */
function quoteEnd(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i++;
    }
    i++;
  }
  return sql.length;
}

function runEnd(sql: string, from: number, part: RegExp): number {
  let i = from;
  while (i < sql.length && part.test(sql[i])) i++;
  return i;
}

function numberEnd(sql: string, from: number): number {
  const match = /^(0x[0-9a-f_]+|[0-9_]*\.?[0-9_]*(e[+-]?[0-9_]+)?)/i.exec(sql.slice(from));
  return from + Math.max(1, match?.[0].length ?? 1);
}

/** Whether a token is the keyword `word` (case-insensitive). */
export function isKeyword(token: Token | undefined, word: string): boolean {
  return token?.kind === "word" && token.text.toUpperCase() === word;
}

/** The name a `word` or quoted `identifier` (or a string used as a name) stands for, quotes removed. */
export function tokenName(token: Token): string {
  if (token.kind === "word") return token.text;
  const body = token.text.slice(1, -1);
  if (token.text.startsWith("[")) return body;
  const quote = token.text[0];
  return body.replaceAll(quote + quote, quote);
}

/**
 * A name as SQL: bare when it is a plain name that is not a keyword, otherwise in double quotes.
 *
 * @example
 * ```ts
 * import { quoteName } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(quoteName("users"), "users");
 * assert.equal(quoteName("order"), '"order"');
 * assert.equal(quoteName('odd "name"'), '"odd ""name"""');
 * ```
 */
export function quoteName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

/** Index of the `)` that closes the `(` at `open`, or the last index when it is never closed. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].text === "(") depth++;
    else if (tokens[i].text === ")" && --depth === 0) return i;
  }
  return tokens.length - 1;
}

/** Splits tokens at top-level commas (commas inside parentheses stay). */
export function splitAtCommas(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === "(") depth++;
    if (token.text === ")") depth--;
    if (token.text === "," && depth === 0) parts.push([]);
    else parts.at(-1)!.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** Keywords written like function calls, with their `(` right after them. */
const CALLED_KEYWORDS = new Set(["CAST", "RAISE"]);

/** Keywords that end an operand, so a `-` after them is binary (`NULL - 1`), not a sign. */
const OPERAND_KEYWORDS = new Set(["NULL", "END", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"]);

/**
 * Writes tokens back as SQL with one space between them, except where SQL reads better without:
 * after `(` and `.`, before `)`, `,`, `.` and `;`, between a name and its `(` (`lower(x)`,
 * `VARCHAR(10)`), and after a sign (`-1`). Quoting and case stay as written, so the meaning
 * never changes; two operators always keep a space between them so `- -1` never becomes a comment.
 *
 * @example
 * ```ts
 * import { formatTokens, tokenize } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatTokens(tokenize("CHECK( price>0 AND lower( name )<>'' )")), "CHECK (price > 0 AND lower(name) <> '')");
 * ```
 */
export function formatTokens(tokens: readonly Token[]): string {
  let out = "";
  tokens.forEach((token, i) => {
    const before = tokens[i - 1];
    if (before && spaceBetween(tokens[i - 2], before, token)) out += " ";
    out += token.text;
  });
  return out;
}

function spaceBetween(beforePrevious: Token | undefined, previous: Token, token: Token): boolean {
  if (previous.text === "(" || previous.text === ".") return false;
  if ([")", ",", ".", ";"].includes(token.text)) return false;
  if (token.text === "(") {
    const word = previous.text.toUpperCase();
    const called = previous.kind === "word" && (!KEYWORDS.has(word) || CALLED_KEYWORDS.has(word));
    return previous.kind !== "identifier" && !called;
  }
  const isSign = (previous.text === "-" || previous.text === "+") && !endsOperand(beforePrevious);
  return !(isSign && token.kind !== "operator");
}

function endsOperand(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.kind === "operator") return false;
  if (token.kind === "punctuation") return token.text === ")";
  if (token.kind === "word") {
    const upper = token.text.toUpperCase();
    return !KEYWORDS.has(upper) || OPERAND_KEYWORDS.has(upper);
  }
  return true;
}

/**
 * A comparison key for SQL text: tokens joined by single spaces, names and keywords in lower case and
 * plain quoted names unquoted, so `CREATE INDEX "I" ON t (a)` and `create index i on T(A)` agree.
 * Strings keep their case. Not meant to be run.
 */
export function sqlKey(sql: string): string {
  return tokenize(sql).map((token) => {
    if (token.kind === "word") return token.text.toLowerCase();
    if (token.kind !== "identifier") return token.text;
    const name = tokenName(token).toLowerCase();
    return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  }).join(" ");
}
