/**
 * Versioned schema migrations for SQLite in Deno: apply, inspect and roll back numbered migrations,
 * each atomic with its history record, on Deno's built-in `node:sqlite`.
 *
 * @example Apply the migrations of a directory when the app starts
 * ```ts
 * import { openDatabase } from "./mod.ts";
 *
 * const db = await openDatabase(":memory:", { migrations: new URL("./migrations/", import.meta.url) });
 * console.log(db.prepare("SELECT count(*) AS n FROM strata_migrations").get());
 * db.close();
 * ```
 *
 * @module
 */
export { MigrationManager } from "./src/manager.ts";
export type {
  MigrateOptions,
  MigrateResult,
  MigrationManagerOptions,
  RollbackOptions,
  RollbackResult,
} from "./src/manager.ts";
export { BaseMigration } from "./src/migration.ts";
export type { Migration, MigrationInput, MigrationModule } from "./src/migration.ts";
export type { MigrationStatus, MigrationStatusEntry } from "./src/planner.ts";
export type { StepResult } from "./src/runner.ts";
export type { Executor } from "./src/executor.ts";
export type {
  Row,
  RunResult,
  SqlConnection,
  SqlEngine,
  SqlParam,
  SqlParams,
  SqlValue,
  WriteTransaction,
} from "./src/engine.ts";
export type { DatabaseInput } from "./src/engines/detect.ts";
export { loadMigrations } from "./src/loader.ts";
export { openDatabase } from "./src/database.ts";
export type { OpenDatabaseOptions } from "./src/database.ts";
export { createMigration } from "./src/generator.ts";
export type { CreatedMigration, CreateMigrationOptions } from "./src/generator.ts";
export {
  DatabaseStateError,
  InvalidInputError,
  MigrationError,
  MigrationFileError,
  MigrationSetError,
  StrataError,
} from "./src/errors.ts";
export type { DatabaseStateReason, Direction } from "./src/errors.ts";
