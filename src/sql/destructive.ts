/**
 * Destructive changes: what a migration drops that holds data (a table, a column, or a column a table
 * rebuild leaves out), found by comparing the schema before and after it, so `--dry-run` can list
 * them before anything runs: read the schema with `readSchema` before and after the migration inside
 * the dry run's transaction, and pass both here.
 *
 * A rename looks like a drop followed by an addition; when a table or column disappears and another
 * appears in its place, the message says so instead of guessing.
 *
 * @module
 */
import { type DatabaseSchema, findTable } from "./schema_model.ts";

/** Something a migration drops that held data. */
export interface DestructiveChange {
  /** What is dropped. */
  kind: "drop-table" | "drop-column";
  /** The table dropped, or whose column is dropped. */
  table: string;
  /** The column dropped; null for a table. */
  column: string | null;
  /** The change in plain words. */
  message: string;
}

/**
 * Lists the tables and columns of `before` that `after` no longer has. Generated columns and views
 * hold no data of their own and are not listed.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { findDestructiveChanges, readSchema } from "../schema/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, legacy TEXT); CREATE TABLE old_logs (line TEXT)");
 * const before = await readSchema(db);
 * db.exec("ALTER TABLE users DROP COLUMN legacy; DROP TABLE old_logs");
 * const changes = findDestructiveChanges(before, await readSchema(db));
 * assert.deepEqual(changes.map((c) => c.message), [
 *   "drops table old_logs and its rows",
 *   "drops column legacy of users and its values",
 * ]);
 * db.close();
 * ```
 */
export function findDestructiveChanges(before: DatabaseSchema, after: DatabaseSchema): DestructiveChange[] {
  const changes: DestructiveChange[] = [];
  const newTables = after.tables.filter((table) => !findTable(before, table.name)).map((table) => table.name);
  for (const table of before.tables) {
    const kept = findTable(after, table.name);
    if (!kept) {
      changes.push({
        kind: "drop-table",
        table: table.name,
        column: null,
        message: `drops table ${table.name} and its rows${renameHint(newTables, "rows")}`,
      });
      continue;
    }
    const has = (list: { name: string }[], name: string) =>
      list.some((c) => c.name.toLowerCase() === name.toLowerCase());
    const newColumns = kept.columns.filter((column) => !has(table.columns, column.name)).map((column) =>
      column.name
    );
    for (const column of table.columns.filter((c) => !c.generated && !has(kept.columns, c.name))) {
      changes.push({
        kind: "drop-column",
        table: table.name,
        column: column.name,
        message: `drops column ${column.name} of ${table.name} and its values${
          renameHint(newColumns, "values")
        }`,
      });
    }
  }
  return changes;
}

function renameHint(candidates: string[], contents: string): string {
  if (candidates.length === 0) return "";
  return ` (unless it was renamed to ${
    candidates.join(" or ")
  }, which keeps its ${contents}; the schema alone cannot tell)`;
}
