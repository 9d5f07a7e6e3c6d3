/**
 * Helpers for migrations: change a table the way SQLite's `ALTER TABLE` cannot (SQLite's 12-step
 * rebuild), and update or copy large tables in batches with progress. Each runs as one call of the
 * migration's executor, so nothing else of the migration can come between its statements.
 *
 * @example Make a column NOT NULL in a migration
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
 * import { rebuildTable } from "./mod.ts";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, 'a@x')");
 * await new MigrationManager(db).registerMigrations([{
 *   version: 1,
 *   description: "require email",
 *   up: async (db) => {
 *     await rebuildTable(db, "users", { columns: { email: "TEXT NOT NULL" } });
 *   },
 * }]).migrate();
 * db.close();
 * ```
 *
 * @module
 */
export { rebuildTable } from "./rebuild.ts";
export type { RebuildResult, TableChange } from "./rebuild.ts";
export { SchemaChangeError } from "../shared/errors.ts";
export { batchCopy, batchUpdate } from "./data_migration.ts";
export type {
  BatchCopyOptions,
  BatchOptions,
  BatchProgress,
  BatchSummary,
  BatchUpdateOptions,
} from "./data_migration.ts";
export { formatBatchSummary, formatProgress, progressPrinter } from "./progress.ts";
export type { ProgressPrinterOptions } from "./progress.ts";
