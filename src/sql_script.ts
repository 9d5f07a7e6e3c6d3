/**
 * Statements of a script: splits it the way SQLite does (strings, quoted names, comments and trigger
 * bodies kept whole) so the toolkit can see which statements a migration runs without running them.
 *
 * @module
 */
import { isKeyword, type Token, tokenize } from "./sql_tokens.ts";

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
  let current: Token[] = [];
  let start = 0; // where the statement's text begins: just past the previous semicolon
  let inTrigger = false;
  let depth = 0; // BEGIN/CASE … END nesting inside a trigger body
  const finish = (end: number) => {
    if (current.length > 0) {
      statements.push({ text: sql.slice(start, end).trim(), keywords: current.slice(0, 5).map(keywordOf) });
    }
    start = end + 1;
    current = [];
    inTrigger = false;
    depth = 0;
  };
  for (const token of tokenize(sql)) {
    if (token.kind === "punctuation" && token.text === ";" && !(inTrigger && depth > 0)) {
      finish(token.start);
      continue;
    }
    if (token.kind === "word") {
      const word = token.text.toUpperCase();
      if (word === "TRIGGER" && current.length < 4 && isKeyword(current[0], "CREATE")) inTrigger = true;
      if (inTrigger && (word === "BEGIN" || word === "CASE")) depth++;
      if (inTrigger && word === "END" && depth > 0) depth--;
    }
    current.push(token);
  }
  finish(sql.length);
  return statements;
}

/** A token as {@link SqlStatement.keywords} lists it: words in upper case, quoted text as "". */
function keywordOf(token: Token): string {
  if (token.kind === "word") return token.text.toUpperCase();
  return token.kind === "punctuation" || token.kind === "operator" ? token.text : "";
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
