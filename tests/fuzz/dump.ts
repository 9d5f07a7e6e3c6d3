/**
 * A deterministic dump of a database's user content, for comparing two databases: every schema
 * object (strata's own tables and SQLite's internals left out), sorted, then every row of every user
 * table, sorted. One line per object and per row.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** Names of objects that are not the user's: SQLite's internals and strata's history tables. */
const NOT_USER = "(name LIKE 'sqlite\\_%' ESCAPE '\\' OR name LIKE 'strata\\_%' ESCAPE '\\' OR " +
  "tbl_name LIKE 'strata\\_%' ESCAPE '\\')";

/** The user tables of a database, sorted by name. */
export function userTables(db: DatabaseSync): string[] {
  return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND NOT ${NOT_USER} ORDER BY name`)
    .all().map((row) => String(row.name));
}

/** The dump, as one string of lines. */
export function dumpDatabase(db: DatabaseSync): string {
  const lines = db.prepare(
    `SELECT type, name, sql FROM sqlite_schema WHERE NOT ${NOT_USER} ORDER BY type, name`,
  )
    .all().map((row) => `${row.type} ${row.name}: ${row.sql}`);
  for (const table of userTables(db)) {
    const columns = db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").all(table)
      .map((row) => `"${String(row.name)}"`).join(", ");
    const rows = db.prepare(
      `SELECT group_concat(r, char(10) ORDER BY r) AS rows FROM (SELECT json_array(${columns}) AS r FROM "${table}")`,
    ).get()?.rows;
    if (typeof rows !== "string") continue;
    for (const row of rows.split("\n")) lines.push(`${table} ${row}`);
  }
  return lines.join("\n");
}

/** The first lines where two dumps differ, for a report. */
export function firstDifferences(actual: string, expected: string, count = 6): string[] {
  const a = actual === "" ? [] : actual.split("\n");
  const e = expected === "" ? [] : expected.split("\n");
  const inActual = new Set(a);
  const inExpected = new Set(e);
  const extra = a.filter((line) => !inExpected.has(line)).slice(0, count).map((line) => `  + ${line}`);
  const missing = e.filter((line) => !inActual.has(line)).slice(0, count).map((line) => `  - ${line}`);
  const counts =
    `(${a.length} lines in the database, ${e.length} expected; + only in the database, - only expected)`;
  return [counts, ...missing, ...extra];
}
