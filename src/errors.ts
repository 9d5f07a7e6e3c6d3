/**
 * The error family. Every error the toolkit throws on purpose is a {@link StrataError}, so a caller
 * can tell "the tool refused or a migration failed" from a bug, and read the data it needs from the
 * fields of the subclass instead of parsing messages.
 *
 * @module
 */

/** Base class of every error the toolkit throws on purpose. */
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

  /** Creates the error for one migration; the message is built by the caller. */
  constructor(
    message: string,
    details: { version: number; description: string; direction: Direction; file?: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.version = details.version;
    this.description = details.description;
    this.direction = details.direction;
    this.file = details.file;
  }
}

/** The list of migrations is not valid: a bad, duplicate or missing version. Nothing was run. */
export class MigrationSetError extends StrataError {
  /** The versions at fault. */
  readonly versions: readonly number[];

  /** Creates the error naming the versions at fault. */
  constructor(message: string, versions: readonly number[]) {
    super(message);
    this.versions = versions;
  }
}

/** A file in the migrations directory looks like a migration but cannot be used. */
export class MigrationFileError extends StrataError {
  /** Path of the file at fault (or of the directory when it cannot be read). */
  readonly file: string;

  /** Creates the error naming the file at fault. */
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

/** An option, argument or flag has a value the toolkit cannot accept. */
export class InvalidInputError extends StrataError {
  /** Name of the option or flag at fault, such as `targetVersion` or `--steps`. */
  readonly input: string;

  /** Creates the error naming the option or flag at fault. */
  constructor(message: string, input: string) {
    super(message);
    this.input = input;
  }
}

/** Why a database was refused before anything was run. */
export type DatabaseStateReason =
  | "future-version"
  | "corrupt-version"
  | "unknown-applied"
  | "out-of-order"
  | "missing-migrations"
  | "drift"
  | "checksum-mismatch"
  | "renamed"
  | "interrupted"
  | "unreadable"
  | "read-only"
  | "busy";

/**
 * The database is in a state the toolkit will not migrate from, such as a version no known migration
 * reaches, a corrupt recorded version, or an applied migration whose file changed. Nothing was written.
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
