/**
 * Versioned schema migrations for SQLite in Deno: apply, inspect and roll back numbered migrations,
 * each atomic with its history record, on Deno's built-in `node:sqlite` (or any engine of
 * `./src/engines/mod.ts`). This module is the core; the schema tools (`./src/schema/mod.ts`), the
 * table and data helpers (`./src/helpers/mod.ts`) and the command line (`./src/cli/main.ts`) are
 * modules of their own.
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
export { MigrationManager } from "./src/core/manager.ts";
export type {
  MigrateOptions,
  MigrationManagerOptions,
  RollbackOptions,
  RunOptions,
} from "./src/core/manager.ts";
export type { RunResult } from "./src/core/runner.ts";
export { BaseMigration } from "./src/core/migration.ts";
export type { Migration, MigrationInput, MigrationModule } from "./src/core/migration.ts";
export type { MigrationStatus, MigrationStatusEntry, StatusProblem } from "./src/core/planner.ts";
export type { StartedMigration, StepPreview, StepResult } from "./src/core/step.ts";
export type { Executor } from "./src/core/executor.ts";
export { LateCallError } from "./src/core/step_scope.ts";
export type { Row, SqlParam, SqlValue, StatementResult } from "./src/engines/engine.ts";
export { SqliteError } from "./src/engines/engine.ts";
export type { DatabaseInput } from "./src/engines/detect.ts";
export { loadMigrations, type LoadOptions } from "./src/core/load_migrations.ts";
export { openDatabase } from "./src/core/open_database.ts";
export type { OpenDatabaseOptions, OpenedDatabase, RemoteDatabaseUrl } from "./src/core/open_database.ts";
export {
  DatabaseStateError,
  InvalidInputError,
  MigrationError,
  MigrationFileError,
  MigrationSetError,
  RunInterruptedError,
  StrataError,
} from "./src/shared/errors.ts";
export type { DatabaseStateReason, Direction } from "./src/shared/errors.ts";
