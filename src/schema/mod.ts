/**
 * The schema tools: read a database's schema as plain data, compare two schemas, dump one as
 * deterministic SQL, check a database against what its migrations produce (drift), adopt a database
 * made outside migrations (baseline), and squash old migrations into one.
 *
 * @example Check that a database's schema is what its migrations produce
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { type Migration, MigrationManager } from "../../mod.ts";
 * import { checkDrift } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const migrations: Migration[] = [
 *   { version: 1, description: "users", up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)") },
 * ];
 * const db = new DatabaseSync(":memory:");
 * await new MigrationManager(db).registerMigrations(migrations).migrate();
 * db.exec("ALTER TABLE users ADD COLUMN email TEXT");
 * const report = await checkDrift(db, migrations);
 * assert.equal(report.differences.length, 1);
 * db.close();
 * ```
 *
 * @module
 */
export { readSchema } from "./read_schema.ts";
export type { ReadSchemaOptions, SqlSource } from "./read_schema.ts";
export type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
  TriggerSchema,
  ViewSchema,
} from "../sql/schema_model.ts";
export { diffSchemas } from "./diff.ts";
export type { DiffSchemasOptions, SchemaDifference } from "./diff.ts";
export { dumpSchema } from "./dump.ts";
export type { DumpSchemaOptions } from "./dump.ts";
export { checkDrift, replayMigrations } from "./drift.ts";
export type { CheckDriftOptions, DriftReport, ReplayOptions } from "./drift.ts";
export { findDestructiveChanges } from "../sql/destructive.ts";
export type { DestructiveChange } from "../sql/destructive.ts";
export { baseline } from "./baseline.ts";
export type { BaselineOptions, BaselineResult } from "./baseline.ts";
export { archiveMigrations, readReferenceData, squashMigration } from "./squash.ts";
export type {
  ArchivedFile,
  ArchiveOptions,
  ReferenceData,
  SquashedMigration,
  SquashOptions,
} from "./squash.ts";
export { generateMigration, writeSchemaMigration } from "./write_migration.ts";
export type {
  DataChange,
  GeneratedMigration,
  GenerateMigrationOptions,
  WriteSchemaMigrationOptions,
  WrittenSchemaMigration,
} from "./write_migration.ts";
export { verifyMigrations } from "./verify.ts";
export type { VerifyOptions, VerifyProblem, VerifyReport } from "./verify.ts";
