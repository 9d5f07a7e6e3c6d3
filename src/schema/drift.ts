/**
 * The drift check: does a live database have the schema its migrations produce? The known migrations
 * are replayed on an empty in-memory database up to the live database's version, and the two schemas
 * compared. This catches changes made by hand, and the classic failure of `CREATE TABLE IF NOT
 * EXISTS`: a table that already existed in an older shape is silently kept.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import type { DatabaseInput } from "../engines/detect.ts";
import { MigrationManager } from "../core/manager.ts";
import type { MigrationInput } from "../core/migration.ts";
import type { DatabaseSchema } from "../sql/schema_model.ts";
import { readSchema } from "./read_schema.ts";
import { diffSchemas, type SchemaDifference } from "./diff.ts";

/** Options of {@link replayMigrations}. */
export interface ReplayOptions {
  /** Apply the migrations up to this version. @default the newest */
  version?: number;
  /** The history table's name, as the live database uses it. @default {"strata_migrations"} */
  historyTable?: string;
}

/**
 * Applies migrations to a new in-memory database and returns it; the caller closes it.
 *
 * @example See the schema migrations produce
 * ```ts
 * import { replayMigrations } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const memory = await replayMigrations([
 *   { version: 1, description: "users", up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)") },
 * ]);
 * assert.equal(memory.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'users'").get()?.n, 1);
 * memory.close();
 * ```
 *
 * @throws {MigrationError} when a migration fails on the empty database.
 * @throws {InvalidInputError} for a version above the newest migration.
 */
export async function replayMigrations(
  migrations: readonly MigrationInput[],
  options: ReplayOptions = {},
): Promise<DatabaseSync> {
  const memory = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(memory, { historyTable: options.historyTable })
      .registerMigrations(migrations)
      .migrate(options.version === undefined ? {} : { targetVersion: options.version });
    return memory;
  } catch (error) {
    memory.close();
    throw error;
  }
}

/** Options of {@link checkDrift}. */
export interface CheckDriftOptions {
  /**
   * Compare with the schema of migrations 1 to this version. For a baseline, the version the
   * database is claimed to be at.
   * @default the version the database records
   */
  version?: number;
  /** The history table's name, left out of the comparison. @default {"strata_migrations"} */
  historyTable?: string;
}

/** What {@link checkDrift} found. */
export interface DriftReport {
  /** The version compared at. */
  version: number;
  /** How the live schema differs from the migrations'; empty when there is no drift. */
  differences: SchemaDifference[];
  /** The schema the migrations produce. */
  expected: DatabaseSchema;
  /** The live database's schema. */
  actual: DatabaseSchema;
}

/**
 * Compares a live database's schema with the one its migrations produce at its version (or at
 * `options.version`, to check a baseline before recording versions as applied).
 *
 * @param db The live database: a `node:sqlite` `DatabaseSync` or any engine.
 * @param migrations Every known migration.
 * @returns The differences, empty when the schemas match, and both schemas.
 * @throws {DatabaseStateError} when the database is at a version no known migration reaches, or
 *   applied a migration whose file was deleted (reason `"missing-file"`).
 * @throws {InvalidInputError} for a `version` that is not a whole number of 0 or more.
 * @throws {MigrationError} when a migration fails while being replayed.
 *
 * @example Catch a table that `CREATE TABLE IF NOT EXISTS` left in an older shape
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager, type MigrationInput } from "../../mod.ts";
 * import { checkDrift } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const migrations: MigrationInput[] = [{
 *   version: 1,
 *   description: "create users",
 *   up: (db) => db.exec("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)"),
 * }];
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)");
 * await new MigrationManager(db).registerMigrations(migrations).migrate();
 * const report = await checkDrift(db, migrations);
 * assert.deepEqual(report.differences.map((d) => d.message), [
 *   "table users: column email is in the migrations but not in the database",
 * ]);
 * db.close();
 * ```
 */
export async function checkDrift(
  db: DatabaseInput,
  migrations: readonly MigrationInput[],
  options: CheckDriftOptions = {},
): Promise<DriftReport> {
  const live = new MigrationManager(db, { historyTable: options.historyTable }).registerMigrations(
    migrations,
  );
  if (options.version !== undefined && !(Number.isSafeInteger(options.version) && options.version >= 0)) {
    throw new InvalidInputError(
      `version must be a whole number of 0 or more; got ${String(options.version)}.`,
      "version",
    );
  }
  // The replay needs every file that made the database: a deleted one is named, not taken for a gap.
  const deleted = (await live.validate()).find((problem) => problem.reason === "missing-file");
  if (deleted) throw deleted;
  const version = options.version ?? await live.getCurrentVersion();
  const latest = live.migrations.at(-1)?.version ?? 0;
  if (version > latest) {
    throw new DatabaseStateError(
      `Cannot check drift at version ${version}: the newest known migration is ${latest}. The check ` +
        `replays the migrations that made the database; add the missing migration files.`,
      { reason: "future-version", versions: [version] },
    );
  }
  const memory = await replayMigrations(migrations, { version, historyTable: options.historyTable });
  try {
    const expected = await readSchema(memory, options);
    const actual = await readSchema(db, options);
    return { version, differences: diffSchemas(expected, actual), expected, actual };
  } finally {
    memory.close();
  }
}
