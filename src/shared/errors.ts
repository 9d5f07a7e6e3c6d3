/**
 * The error family. Every error the toolkit throws on purpose is a {@link StrataError}, so a caller
 * can tell "the tool refused or a migration failed" from a bug, and read the data it needs from the
 * fields of the subclass instead of parsing messages.
 *
 * @module
 */

/**
 * Base class of every error the toolkit throws on purpose.
 *
 * @example Tell the tool's refusals from bugs
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager, StrataError } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const manager = new MigrationManager(db);
 * await assert.rejects(manager.migrate({ targetVersion: 3 }), StrataError);
 * db.close();
 * ```
 */
export class StrataError extends Error {
  /** Creates the error; `cause` keeps the underlying error for `--verbose` and debuggers. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Which way a migration was being run when it failed. */
export type Direction = "up" | "down";

/**
 * A migration's `up()` or `down()` failed (or broke a rule checked after it, such as a foreign key).
 *
 * The migration was rolled back as a whole; `version`, `description` and `cause` say which one and why.
 *
 * @example Find out which migration failed and why
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationError, MigrationManager } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const manager = new MigrationManager(db).registerMigrations([
 *   { version: 1, description: "index users", up: (db) => db.exec("CREATE INDEX i ON users (email)") },
 * ]);
 * await assert.rejects(manager.migrate(), (error) => {
 *   assert.ok(error instanceof MigrationError);
 *   assert.equal(error.version, 1);
 *   assert.match(String((error.cause as Error).message), /no such table/);
 *   return true;
 * });
 * db.close();
 * ```
 */
export class MigrationError extends StrataError {
  /** Version of the migration that failed. */
  readonly version: number;
  /** Description of the migration that failed. */
  readonly description: string;
  /** `"up"` when applying, `"down"` when rolling back. */
  readonly direction: Direction;
  /** The migration's file, when it came from one. */
  readonly file?: string;
  /**
   * Versions this run applied (or rolled back) and kept before the failure, in order: they are
   * committed. Empty when the whole run was rolled back.
   */
  readonly committed: readonly number[];

  /** Creates the error for one migration; the message is built by the caller. */
  constructor(
    message: string,
    details: {
      version: number;
      description: string;
      direction: Direction;
      file?: string;
      cause?: unknown;
      committed?: readonly number[];
    },
  ) {
    super(message, { cause: details.cause });
    this.version = details.version;
    this.description = details.description;
    this.direction = details.direction;
    this.file = details.file;
    this.committed = details.committed ?? [];
  }
}

/**
 * A run was interrupted (its `signal` aborted; the CLI aborts on SIGINT and SIGTERM) and rolled back:
 * nothing of the migrations it was running in its transaction was kept.
 *
 * @example Stop a run from outside
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager, RunInterruptedError } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const controller = new AbortController();
 * const manager = new MigrationManager(db).registerMigrations([
 *   { version: 1, description: "create t", up: (db) => db.exec("CREATE TABLE t (x)") },
 *   { version: 2, description: "wait", up: () => controller.abort("SIGTERM") },
 * ]);
 * await assert.rejects(manager.migrate({ signal: controller.signal }), (error) => {
 *   assert.ok(error instanceof RunInterruptedError);
 *   assert.equal(error.reason, "SIGTERM");
 *   assert.equal(error.currentVersion, 0);
 *   return true;
 * });
 * db.close();
 * ```
 */
export class RunInterruptedError extends StrataError {
  /** The abort signal's reason, such as `"SIGTERM"`. */
  readonly reason: unknown;
  /** The database's version afterwards. */
  readonly currentVersion: number;
  /** Versions this run had applied (or reverted) and kept before the interruption. */
  readonly committed: readonly number[];

  /** Creates the error; the message is built by the caller. */
  constructor(
    message: string,
    details: { reason: unknown; currentVersion: number; committed?: readonly number[]; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.reason = details.reason;
    this.currentVersion = details.currentVersion;
    this.committed = details.committed ?? [];
  }
}

/**
 * The list of migrations is not valid: a bad or duplicate version (when registered), or a version
 * missing between them that the database never applied (when a database is read). Nothing was run.
 *
 * @example A gap in the versions
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager, MigrationSetError } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const up = () => {};
 * const manager = new MigrationManager(db).registerMigrations([
 *   { version: 1, description: "a", up },
 *   { version: 3, description: "c", up },
 * ]);
 * await assert.rejects(manager.migrate(), (error) => error instanceof MigrationSetError && error.versions[0] === 2);
 * db.close();
 * ```
 */
export class MigrationSetError extends StrataError {
  /** The versions at fault. */
  readonly versions: readonly number[];

  /** Creates the error naming the versions at fault. */
  constructor(message: string, versions: readonly number[]) {
    super(message);
    this.versions = versions;
  }
}

/**
 * A file in the migrations directory looks like a migration but cannot be used.
 *
 * @example A misnamed file
 * ```ts
 * import { loadMigrations, MigrationFileError } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/1_users.sql`, "-- migrate:up\nCREATE TABLE users (id INTEGER);\n");
 * await assert.rejects(loadMigrations(dir), (error) => error instanceof MigrationFileError && error.file.endsWith("1_users.sql"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class MigrationFileError extends StrataError {
  /** Path of the file at fault (or of the directory when it cannot be read). */
  readonly file: string;

  /** Creates the error naming the file at fault. */
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

/**
 * An option, argument or flag has a value the toolkit cannot accept.
 *
 * @example Rolling back more than was applied
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { InvalidInputError, MigrationManager } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const manager = new MigrationManager(db);
 * await assert.rejects(manager.rollback({ steps: 2 }), (error) => error instanceof InvalidInputError && error.input === "steps");
 * db.close();
 * ```
 */
export class InvalidInputError extends StrataError {
  /** Name of the option or flag at fault, such as `targetVersion` or `--steps`. */
  readonly input: string;

  /** Creates the error naming the option or flag at fault. */
  constructor(message: string, input: string) {
    super(message);
    this.input = input;
  }
}

/**
 * Why a database was refused before anything was run:
 * - the history and the migration files disagree: `"future-version"` (applied versions newer than
 *   every file), `"missing-file"` (an applied migration's file was deleted), `"missing-migrations"`
 *   (migrations the database needs are archived), `"out-of-order"`, `"checksum-mismatch"`,
 *   `"renamed"`, `"interrupted"` (a migration outside a transaction never finished),
 *   `"version-conflict"` (the seed-era `settings` version disagrees with the history), and, from
 *   `validate()` only, `"unverified-checksum"` (a record whose checksum cannot be compared);
 * - the database cannot be used as it is: `"corrupt-version"`, `"corrupt-history"`, `"unreadable"`,
 *   `"read-only"`, `"busy"`;
 * - `"drift"`: the schema is not what the migrations produce.
 */
export type DatabaseStateReason =
  | "future-version"
  | "corrupt-version"
  | "corrupt-history"
  | "unknown-applied"
  | "out-of-order"
  | "missing-migrations"
  | "missing-file"
  | "drift"
  | "checksum-mismatch"
  | "unverified-checksum"
  | "renamed"
  | "interrupted"
  | "version-conflict"
  | "unreadable"
  | "read-only"
  | "busy";

/**
 * The database is in a state the toolkit will not migrate from, such as a version no known migration
 * reaches, a corrupt recorded version, or an applied migration whose file changed. Nothing was written.
 *
 * @example A database migrated by newer code
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { DatabaseStateError, MigrationManager } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const up = () => {};
 * await new MigrationManager(db).registerMigrations([{ version: 1, description: "a", up }, { version: 2, description: "b", up }]).migrate();
 * const older = new MigrationManager(db).registerMigrations([{ version: 1, description: "a", up }]);
 * await assert.rejects(older.migrate(), (error) => error instanceof DatabaseStateError && error.reason === "future-version");
 * db.close();
 * ```
 */
export class DatabaseStateError extends StrataError {
  /** What is wrong, as a stable code. */
  readonly reason: DatabaseStateReason;
  /** The versions concerned, when the reason is about particular migrations. */
  readonly versions: readonly number[];

  /** Creates the error with its reason code and the versions concerned. */
  constructor(
    message: string,
    details: { reason: DatabaseStateReason; versions?: readonly number[]; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.reason = details.reason;
    this.versions = details.versions ?? [];
  }
}

/**
 * A table rebuild or data migration could not be done as asked: the new definition, the copied rows,
 * an index, trigger or view, or a foreign key does not fit. The change was undone; `table` names the
 * table concerned.
 *
 * @example A rebuild that would drop an indexed column
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationError, MigrationManager } from "../../mod.ts";
 * import { rebuildTable, SchemaChangeError } from "../helpers/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const manager = new MigrationManager(db).registerMigrations([
 *   { version: 1, description: "users", up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX users_email ON users (email)") },
 *   {
 *     version: 2,
 *     description: "drop email",
 *     async up(db) {
 *       await rebuildTable(db, "users", { columns: { email: null } });
 *     },
 *   },
 * ]);
 * await assert.rejects(manager.migrate(), (error) => error instanceof MigrationError && error.cause instanceof SchemaChangeError);
 * db.close();
 * ```
 */
export class SchemaChangeError extends StrataError {
  /** The table being changed. */
  readonly table: string;

  /** Creates the error naming the table. */
  constructor(message: string, table: string, options?: { cause?: unknown }) {
    super(message, options);
    this.table = table;
  }
}
