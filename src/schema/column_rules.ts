/**
 * SQLite's rules about columns that a generated migration follows: which columns `ALTER TABLE … ADD
 * COLUMN` can add to a table with rows, and a declared type's affinity, which decides how a copied
 * value converts (https://www.sqlite.org/datatype3.html#type_affinity).
 *
 * @module
 */
import type { ColumnSchema } from "../sql/schema_model.ts";
import { formatTokens, tokenize } from "../sql/tokens.ts";

/**
 * Whether `ALTER TABLE … ADD COLUMN` can add a column to a table with rows: SQLite refuses a
 * PRIMARY KEY or UNIQUE column (the trial finds those), and, on a table with rows only (which the
 * trial's has not), a STORED generated column, a NOT NULL one without a default, and a default that
 * is not a literal.
 *
 * @example
 * ```ts
 * import { canAddColumn } from "./column_rules.ts";
 * import assert from "node:assert/strict";
 *
 * const column = { name: "c", type: "TEXT", notNull: false, primaryKey: 0, collate: null, generated: null };
 * assert.equal(canAddColumn({ ...column, default: "'x'" }), true);
 * assert.equal(canAddColumn({ ...column, default: "(datetime('now'))" }), false);
 * assert.equal(canAddColumn({ ...column, notNull: true, default: null }), false);
 * ```
 */
export function canAddColumn(column: ColumnSchema): boolean {
  if (column.generated?.kind === "stored") return false;
  if (column.notNull && (column.default === null || isNullLiteral(column.default)) && !column.generated) {
    return false;
  }
  if (column.default === null) return true;
  const tokens = tokenize(column.default);
  const inner = tokens[0]?.text === "(" && tokens.at(-1)?.text === ")" ? tokens.slice(1, -1) : tokens;
  const body = inner[0]?.text === "-" || inner[0]?.text === "+" ? inner.slice(1) : inner;
  if (body.length !== 1) return false;
  const [token] = body;
  if (token.kind === "number") return true;
  if (inner !== body) return false;
  return token.kind === "string" || token.kind === "blob" ||
    (token.kind === "word" && ["NULL", "TRUE", "FALSE"].includes(token.text.toUpperCase()));
}

/** Whether a default is NULL, as `DEFAULT NULL` or `DEFAULT (NULL)` writes it. */
export function isNullLiteral(value: string): boolean {
  const words = tokenize(value).filter((token) => token.text !== "(" && token.text !== ")");
  return words.length === 1 && words[0].kind === "word" && words[0].text.toUpperCase() === "NULL";
}

/** The expression of a `CHECK (…)` constraint, with or without its `CONSTRAINT name`. */
export function checkExpression(check: string): string {
  const tokens = tokenize(check);
  const open = tokens.findIndex((token) => token.text === "(");
  return formatTokens(tokens.slice(open + 1, -1));
}

/**
 * A column's type affinity, by SQLite's rules
 * (https://www.sqlite.org/datatype3.html#determination_of_column_affinity). `ANY` converts nothing in
 * a STRICT table, like BLOB; elsewhere it is NUMERIC.
 *
 * @example
 * ```ts
 * import { affinity } from "./column_rules.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(affinity("VARCHAR(20)"), "TEXT");
 * assert.equal(affinity("BIGINT"), "INTEGER");
 * assert.equal(affinity("ANY"), "NUMERIC");
 * assert.equal(affinity("ANY", true), "BLOB");
 * ```
 */
export function affinity(type: string, strict = false): "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC" {
  const upper = type.toUpperCase();
  if (upper.includes("INT")) return "INTEGER";
  if (upper.includes("CHAR") || upper.includes("CLOB") || upper.includes("TEXT")) return "TEXT";
  if (upper.includes("BLOB") || upper === "" || (strict && upper === "ANY")) return "BLOB";
  if (upper.includes("REAL") || upper.includes("FLOA") || upper.includes("DOUB")) return "REAL";
  return "NUMERIC";
}
