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
  BaselineResult,
  MigrateOptions,
  MigrateResult,
  MigrationManagerOptions,
  RollbackOptions,
  RollbackResult,
  RunOptions,
} from "./src/manager.ts";
export { BaseMigration } from "./src/migration.ts";
export type { Migration, MigrationInput, MigrationModule } from "./src/migration.ts";
export type { MigrationStatus, MigrationStatusEntry, StatusProblem } from "./src/planner.ts";
export type { StepPreview, StepResult } from "./src/step.ts";
export type { Executor } from "./src/executor.ts";
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
} from "./src/engine.ts";
export { SqliteError } from "./src/engine.ts";
export type { DatabaseInput } from "./src/engines/detect.ts";
export type { DbSqliteDatabase, DbSqliteStatement } from "./src/engines/db_sqlite.ts";
export type { BetterSqliteDatabase, BetterSqliteStatement } from "./src/engines/better_sqlite.ts";
export type {
  LibsqlClient,
  LibsqlResultSet,
  LibsqlStatement,
  LibsqlTransaction,
} from "./src/engines/libsql_client.ts";
export { loadMigrations, type LoadOptions } from "./src/loader.ts";
export { openDatabase } from "./src/database.ts";
export type { OpenDatabaseOptions, OpenedDatabase, RemoteDatabaseUrl } from "./src/database.ts";
export { createMigration } from "./src/generator.ts";
export type { CreatedMigration, CreateMigrationOptions } from "./src/generator.ts";
export {
  DatabaseStateError,
  InvalidInputError,
  MigrationError,
  MigrationFileError,
  MigrationSetError,
  RunInterruptedError,
  SchemaChangeError,
  StrataError,
} from "./src/errors.ts";
export type { DatabaseStateReason, Direction } from "./src/errors.ts";
export { rebuildTable } from "./src/rebuild.ts";
export type { RebuildResult, TableChange } from "./src/rebuild.ts";
export { batchCopy, batchUpdate } from "./src/data_migration.ts";
export type {
  BatchCopyOptions,
  BatchOptions,
  BatchProgress,
  BatchSummary,
  BatchUpdateOptions,
} from "./src/data_migration.ts";
export { formatBatchSummary, formatProgress, progressPrinter } from "./src/progress.ts";
export type { ProgressPrinterOptions } from "./src/progress.ts";
export { readSchema } from "./src/schema.ts";
export type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  ReadSchemaOptions,
  TableSchema,
  TriggerSchema,
  ViewSchema,
} from "./src/schema.ts";
export type { SqlSource } from "./src/sql_source.ts";
export { diffSchemas } from "./src/schema_diff.ts";
export type { DiffSchemasOptions, SchemaDifference } from "./src/schema_diff.ts";
export { dumpSchema } from "./src/schema_dump.ts";
export type { DumpSchemaOptions } from "./src/schema_dump.ts";
export { checkDrift, replayMigrations } from "./src/drift.ts";
export type { CheckDriftOptions, DriftReport, ReplayOptions } from "./src/drift.ts";
export { generateMigration, writeSchemaMigration } from "./src/schema_migration.ts";
export type {
  DataChange,
  GeneratedMigration,
  GenerateMigrationOptions,
  WriteSchemaMigrationOptions,
  WrittenSchemaMigration,
} from "./src/schema_migration.ts";
export { verifyMigrations } from "./src/migration_verify.ts";
export type { VerifyOptions, VerifyProblem, VerifyReport } from "./src/migration_verify.ts";
export { findDestructiveChanges } from "./src/destructive.ts";
export type { DestructiveChange } from "./src/destructive.ts";
export { archiveMigrations, readReferenceData, squashMigration } from "./src/squash.ts";
export type {
  ArchivedFile,
  ArchiveOptions,
  ReferenceData,
  SquashedMigration,
  SquashOptions,
} from "./src/squash.ts";
