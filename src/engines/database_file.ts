/**
 * The file a connection's main database lives in, as SQLite reports it.
 *
 * @module
 */
import type { SqlConnection } from "./engine.ts";

/**
 * The file of the connection's main database, or null for an in-memory or temporary one.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { NodeSqliteEngine } from "./node_sqlite.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * assert.equal(await databaseFile(new NodeSqliteEngine(db)), null);
 * db.close();
 * ```
 */
export async function databaseFile(db: SqlConnection): Promise<string | null> {
  const rows = await db.query("PRAGMA database_list", []);
  const file = rows.find((row) => row.name === "main")?.file;
  return typeof file === "string" && file !== "" ? file : null;
}
