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
export { MigrationManager } from "./src/core/manager.ts";
export type {
  BaselineResult,
  MigrateOptions,
  MigrateResult,
  MigrationManagerOptions,
  RollbackOptions,
  RollbackResult,
  RunOptions,
} from "./src/core/manager.ts";
export type { Wording } from "./src/core/wording.ts";
export { BaseMigration } from "./src/core/migration.ts";
export type { Migration, MigrationInput, MigrationModule } from "./src/core/migration.ts";
export type { MigrationStatus, MigrationStatusEntry, StatusProblem } from "./src/core/planner.ts";
export type { StartedMigration, StepPreview, StepResult } from "./src/core/step.ts";
export type { Executor } from "./src/core/executor.ts";
export type {
  GuardedAction,
  Row,
  RunResult,
  SqlConnection,
  SqlEngine,
  SqlParam,
  SqlParams,
  SqlValue,
  StatementGuard,
  WriteTransaction,
} from "./src/engines/engine.ts";
export { SqliteError } from "./src/engines/engine.ts";
export type { DatabaseInput } from "./src/engines/detect.ts";
export type { DbSqliteDatabase, DbSqliteStatement } from "./src/engines/db_sqlite.ts";
export type { BetterSqliteDatabase, BetterSqliteStatement } from "./src/engines/better_sqlite.ts";
export type {
  LibsqlClient,
  LibsqlResultSet,
  LibsqlStatement,
  LibsqlTransaction,
} from "./src/engines/libsql_client.ts";
export { loadMigrations, type LoadOptions } from "./src/source/loader.ts";
export { openDatabase } from "./src/core/open_database.ts";
export type { OpenDatabaseOptions, OpenedDatabase, RemoteDatabaseUrl } from "./src/core/open_database.ts";
export { createMigration } from "./src/cli/generator.ts";
export type { CreatedMigration, CreateMigrationOptions } from "./src/cli/generator.ts";
export {
  DatabaseStateError,
  InvalidInputError,
  MigrationError,
  MigrationFileError,
  MigrationSetError,
  RunInterruptedError,
  SchemaChangeError,
  StrataError,
} from "./src/shared/errors.ts";
export type { DatabaseStateReason, Direction } from "./src/shared/errors.ts";
export { rebuildTable } from "./src/helpers/rebuild.ts";
export type { RebuildResult, TableChange } from "./src/helpers/rebuild.ts";
export { batchCopy, batchUpdate } from "./src/helpers/data_migration.ts";
export type {
  BatchCopyOptions,
  BatchOptions,
  BatchProgress,
  BatchSummary,
  BatchUpdateOptions,
} from "./src/helpers/data_migration.ts";
export { formatBatchSummary, formatProgress, progressPrinter } from "./src/helpers/progress.ts";
export type { ProgressPrinterOptions } from "./src/helpers/progress.ts";
export { readSchema } from "./src/schema/model.ts";
export type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  ReadSchemaOptions,
  TableSchema,
  TriggerSchema,
  ViewSchema,
} from "./src/schema/model.ts";
export type { SqlSource } from "./src/schema/source.ts";
export { diffSchemas } from "./src/schema/diff.ts";
export type { DiffSchemasOptions, SchemaDifference } from "./src/schema/diff.ts";
export { dumpSchema } from "./src/schema/dump.ts";
export type { DumpSchemaOptions } from "./src/schema/dump.ts";
export { checkDrift, replayMigrations } from "./src/schema/drift.ts";
export type { CheckDriftOptions, DriftReport, ReplayOptions } from "./src/schema/drift.ts";
export { findDestructiveChanges } from "./src/schema/destructive.ts";
export type { DestructiveChange } from "./src/schema/destructive.ts";
export { archiveMigrations, readReferenceData, squashMigration } from "./src/schema/squash.ts";
export type {
  ArchivedFile,
  ArchiveOptions,
  ReferenceData,
  SquashedMigration,
  SquashOptions,
} from "./src/schema/squash.ts";
