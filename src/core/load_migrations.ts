/**
 * The migrations of a directory: its migration files (see `source/`) as {@link Migration}s.
 *
 * - `NNN_snake_case_name.ts`: the default export is a migration object (without `version`) or a
 *   `BaseMigration` subclass. The module is imported only when the migration has to run.
 * - `NNN_snake_case_name.sql`: `-- migrate:up` and optional `-- migrate:down` sections, each run as
 *   one script. `transaction:false` after a marker runs the migration outside a transaction.
 *
 * @module
 */
import { directoryPath } from "../source/file_names.ts";
import { type MigrationFile, readMigrationFileAgain, readMigrationFiles } from "../source/migration_files.ts";
import type { SqlFile } from "../source/sql_file.ts";
import { importMigrationModule } from "../source/ts_module.ts";
import type { Executor } from "./executor.ts";
import { builtMigration, type DeferredMigration, type Migration, sqlBody } from "./migration.ts";

/** Options of {@link loadMigrations}. */
export interface LoadOptions {
  /**
   * A cache file, e.g. `app.db-strata-cache` next to the database: files whose size and times are
   * unchanged since they were last read are not read again (their code is read when they run), and the
   * listing is skipped while the directory is unchanged. Without it, every file is read.
   */
  cacheFile?: string;
  /**
   * Update the cache file when what it knows changed; false only reads it, for commands that must
   * write nothing (`status`).
   * @default {true}
   */
  writeCache?: boolean;
}

/**
 * Loads every migration file of a directory, sorted by version.
 *
 * @param dir The directory, as a path (relative to the working directory) or a `file:` URL.
 * @returns The migrations; `.ts` files are imported only when they run.
 * @throws {MigrationFileError} when the directory cannot be read or a file is malformed.
 * @throws {InvalidInputError} when `dir` is a URL that is not a `file:` URL.
 *
 * @example Load the migrations next to this module
 * ```ts
 * import { loadMigrations } from "../../mod.ts";
 *
 * const migrations = await loadMigrations(new URL("../../migrations/", import.meta.url));
 * console.log(migrations.map((m) => `${m.version} ${m.description}`));
 * ```
 */
export function loadMigrations(dir: string | URL, options: LoadOptions = {}): Promise<Migration[]> {
  try {
    return Promise.resolve(readMigrationFiles(directoryPath(dir), options).map(migrationOf));
  } catch (error) {
    return Promise.reject(error);
  }
}

function migrationOf(file: MigrationFile): Migration {
  if (file.sql) return sqlFileMigration(factsOf(file), file.sql);
  return deferred(file);
}

/**
 * The migration of a `.sql` file's sections, with what is known of it: what the schema tools run
 * when they replay or prove a migration they wrote.
 *
 * @example
 * ```ts
 * import { parseSqlMigration } from "../source/sql_file.ts";
 * import { sqlFileMigration } from "./load_migrations.ts";
 * import assert from "node:assert/strict";
 *
 * const sql = parseSqlMigration("-- migrate:up\nCREATE TABLE t (x);\n", "001_t.sql");
 * const migration = sqlFileMigration({ version: 1, description: "t" }, sql);
 * assert.equal(typeof migration.up, "function");
 * ```
 */
export function sqlFileMigration(facts: Omit<Migration, "up">, sql: SqlFile): Migration {
  return builtMigration({ ...facts, ...sqlBodies(sql) });
}

/** What a file tells about its migration before its code is loaded. */
function factsOf(file: MigrationFile): Omit<Migration, "up"> {
  return {
    version: file.version,
    description: file.description,
    file: file.file,
    checksum: file.checksum,
    ...(file.baseline ? { baseline: true } : {}),
  };
}

/**
 * The sections as functions. Made here rather than in the parser, whose closures would keep the
 * parser's whole scope alive for as long as the migration is loaded.
 */
function sqlBodies(sql: SqlFile): Pick<Migration, "up" | "down" | "transaction"> {
  return {
    up: sqlBody(sql.up.sql, sql.up),
    ...(sql.down ? { down: sqlBody(sql.down.sql, sql.down) } : {}),
    ...(sql.transaction ? {} : { transaction: false }),
  };
}

/**
 * A migration whose code is read on first use, only when it has to run: deciding that nothing is
 * pending never imports a `.ts` module, nor reads a file the cache knows.
 */
function deferred(file: MigrationFile): DeferredMigration {
  let loaded: Promise<Migration> | undefined;
  const resolve = () => loaded ??= loadCode(file);
  return {
    ...factsOf(file),
    resolve,
    up: async (db) => await (await resolve()).up(db),
  };
}

async function loadCode(file: MigrationFile): Promise<Migration> {
  const current = file.cached ? readMigrationFileAgain(file) : file;
  if (current.sql) return sqlFileMigration(factsOf(current), current.sql);
  const module = await importMigrationModule(current.file, current.version);
  const { up, down } = module;
  return {
    ...factsOf(current),
    up: (db: Executor) => up(db as never) as void | Promise<void>,
    ...(down ? { down: (db: Executor) => down(db as never) as void | Promise<void> } : {}),
    ...(module.transaction ? {} : { transaction: false }),
  };
}
