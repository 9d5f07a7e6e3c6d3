/**
 * A small SQL lexer: splits a script into statements the way SQLite does (strings, quoted names,
 * comments and trigger bodies kept whole) so the toolkit can see which statements a migration runs
 * without running them.
 *
 * @module
 */

/** One statement of a script, without its trailing semicolon. */
export interface SqlStatement {
  /** The statement's text, trimmed, comments kept. */
  text: string;
  /** Its leading words and symbols in upper case (up to five), e.g. `["CREATE", "TABLE", "USERS", "("]`. */
  keywords: string[];
}

/**
 * Splits a script into statements. Semicolons inside strings, quoted identifiers, comments and
 * `CREATE TRIGGER … BEGIN … END` bodies do not end a statement. Empty statements are dropped.
 */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let words: string[] = [];
  let inTrigger = false;
  let depth = 0; // BEGIN/CASE … END nesting inside a trigger body
  let i = 0;
  const finish = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (words.length > 0) statements.push({ text, keywords: words.slice(0, 5) });
    start = end + 1;
    words = [];
    inTrigger = false;
    depth = 0;
  };
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"' || ch === "`") {
      i = skipQuoted(sql, i, ch);
      words.push("");
    } else if (ch === "[") {
      const end = sql.indexOf("]", i);
      i = end === -1 ? sql.length : end + 1;
      words.push("");
    } else if (ch === ";") {
      if (inTrigger && depth > 0) {
        i++;
      } else {
        finish(i);
        i++;
      }
    } else if (/[A-Za-z_]/.test(ch)) {
      let end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end])) end++;
      const word = sql.slice(i, end).toUpperCase();
      if (words.length < 4 && word === "TRIGGER" && words[0] === "CREATE") inTrigger = true;
      if (inTrigger && (word === "BEGIN" || word === "CASE")) depth++;
      if (inTrigger && word === "END" && depth > 0) depth--;
      words.push(word);
      i = end;
    } else {
      if (!/\s/.test(ch)) words.push(ch);
      i++;
    }
  }
  finish(sql.length);
  return statements;
}

function skipQuoted(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/**
 * Why a statement cannot run inside a migration's transaction, or null when it can: transaction
 * control would end the transaction the migration is atomic in, and SQLite refuses or ignores a few
 * statements inside any transaction.
 */
export function transactionConflict(statement: SqlStatement): string | null {
  const [first, second, third] = statement.keywords;
  if (first === "BEGIN" || first === "COMMIT" || first === "END") {
    return `${first} would end the transaction the migration runs in`;
  }
  const toSavepoint = second === "TO" || (second === "TRANSACTION" && third === "TO");
  if (first === "ROLLBACK" && !toSavepoint) {
    return "ROLLBACK would end the transaction the migration runs in";
  }
  if (first === "VACUUM") return "SQLite cannot VACUUM inside a transaction";
  if (first === "ATTACH" || first === "DETACH") return `SQLite cannot ${first} inside a transaction`;
  if (first === "PRAGMA") {
    // PRAGMA [schema.]name, then "=" or "(" when it sets a value; reading it is harmless.
    const [pragma, next] = third === "." ? statement.keywords.slice(3, 5) : [second, third];
    const sets = next === "=" || next === "(";
    if (sets && pragma === "JOURNAL_MODE") return "SQLite cannot change journal_mode inside a transaction";
    if (sets && pragma === "FOREIGN_KEYS") return "SQLite ignores PRAGMA foreign_keys inside a transaction";
  }
  return null;
}
