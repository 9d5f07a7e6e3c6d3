/**
 * The CLI's flags, defined once (parsing and every `--help` read {@link FLAGS}), and what commands
 * share: the context they run in, and opening the database with the migrations of `--dir`.
 *
 * @module
 */
import type { SqlEngine } from "../engines/engine.ts";
import { requireAccess, requireNet } from "./permissions.ts";
import { databasePath, isRemoteTarget, migrationCacheFile, openEngine } from "../core/open_database.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { UsageError } from "./exit_codes.ts";
import { checkTableName } from "../core/history.ts";
import { loadMigrations } from "../core/load_migrations.ts";
import { directoryPath } from "../source/file_names.ts";
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MIGRATION_TIMEOUT_MS,
  MAX_BUSY_TIMEOUT_MS,
  MAX_MIGRATION_TIMEOUT_MS,
  MigrationManager,
} from "../core/manager.ts";
import { dirname, exists } from "../shared/paths.ts";
import type { Terminal } from "./report.ts";

/** The database used when neither `--db` nor `DATABASE_URL` names one. */
const DEFAULT_DATABASE = "data/app.db";

/** Every flag the CLI knows. */
export type FlagName =
  | "db"
  | "dir"
  | "table"
  | "to"
  | "steps"
  | "dry-run"
  | "backup"
  | "backup-dir"
  | "applied"
  | "pending"
  | "exit-code"
  | "sql"
  | "force"
  | "out"
  | "dump"
  | "reference"
  | "archive-dir"
  | "from"
  | "rename"
  | "busy-timeout"
  | "timeout"
  | "json"
  | "quiet"
  | "verbose"
  | "help";

/** How a flag is parsed and documented. */
interface FlagSpec {
  /** `"string"` for a flag that takes a value. */
  type: "string" | "boolean";
  /** The placeholder of its value in help. */
  value?: string;
  /** One line of help. */
  help: string;
}

/** The flags, with their help. */
export const FLAGS: Record<FlagName, FlagSpec> = {
  db: {
    type: "string",
    value: "PATH",
    help: `database file, in a directory that exists (default: $DATABASE_URL, else ${DEFAULT_DATABASE})`,
  },
  dir: { type: "string", value: "DIR", help: "migrations directory (default: ./migrations)" },
  table: { type: "string", value: "NAME", help: "history table (default: strata_migrations)" },
  to: { type: "string", value: "N", help: "target version" },
  steps: { type: "string", value: "N", help: "how many migrations to roll back (default: 1)" },
  "dry-run": { type: "boolean", help: "run inside a transaction, report what would change, roll back" },
  backup: { type: "boolean", help: "copy the database file before the first migration runs" },
  "backup-dir": {
    type: "string",
    value: "DIR",
    help: "where --backup writes (default: next to the database)",
  },
  applied: { type: "boolean", help: "record the migration as applied" },
  pending: { type: "boolean", help: "record the migration as not applied" },
  "exit-code": {
    type: "boolean",
    help: "exit with the code up would give when it would refuse, 3 when migrations are pending",
  },
  sql: { type: "boolean", help: "write a .sql migration instead of a .ts one" },
  force: { type: "boolean", help: "record the baseline even if the schema differs" },
  out: {
    type: "string",
    value: "PATH",
    help: "where to write the schema (default: schema.sql; - for stdout)",
  },
  dump: { type: "string", value: "PATH", help: "after a successful run, write the schema to PATH" },
  reference: {
    type: "string",
    value: "T1,T2",
    help: "tables whose rows the baseline keeps (reference data)",
  },
  "archive-dir": { type: "string", value: "DIR", help: "where squashed files go (default: <dir>/archive)" },
  from: {
    type: "string",
    value: "FILE|N",
    help: "new: the schema to migrate to (a .sql file or a database); verify: the first version to check",
  },
  rename: {
    type: "string",
    value: "A=B,...",
    help: "with new --from: renames, never guessed (table.old=new for a column, old=new for a table)",
  },
  "busy-timeout": {
    type: "string",
    value: "MS",
    help:
      `wait this long for another process's lock, up to ${MAX_BUSY_TIMEOUT_MS} (default: ${DEFAULT_BUSY_TIMEOUT_MS})`,
  },
  timeout: {
    type: "string",
    value: "MS",
    help:
      `stop a migration that runs no SQL for this long, and roll it back, up to ${MAX_MIGRATION_TIMEOUT_MS} ` +
      `(default: ${DEFAULT_MIGRATION_TIMEOUT_MS}; 0: no limit)`,
  },
  json: { type: "boolean", help: "print machine-readable JSON" },
  quiet: { type: "boolean", help: "print only errors" },
  verbose: { type: "boolean", help: "print the causes of errors" },
  help: { type: "boolean", help: "show this help" },
};

/** What a command receives. */
export interface CommandContext {
  /** Parsed flags. */
  flags: Partial<Record<FlagName, string | boolean>>;
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** Output; `live` replaces the terminal's current line, on a terminal only. */
  io: Terminal & { out(line: string): void; err(line: string): void; live?(text: string): void };
}

/** A command: its help and its work. */
export interface CommandSpec {
  /** The flags part of its usage line. */
  usage: string;
  /** One line for the tool's help. */
  summary: string;
  /** A paragraph for the command's help. */
  description: string;
  /** Flags it accepts. */
  flags: FlagName[];
  /** Positional arguments it accepts. */
  positionals: { name: string; optional: boolean }[];
  /** Does the work; returns the exit code when it is not 0. */
  run(context: CommandContext): Promise<number | void>;
}

/** A flag's value as a whole number from `min` to `max`, or undefined when the flag is absent. */
export function wholeNumber(
  c: CommandContext,
  flag: FlagName,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = c.flags[flag];
  if (raw === undefined) return undefined;
  return parseWholeNumber(String(raw), `--${flag}`, min, max);
}

/** A whole number from `min` to `max`, or a usage error naming the flag or argument. */
export function parseWholeNumber(
  raw: string,
  name: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`${name} must be a whole number ${range}; got "${raw}".`, name);
  }
  return value;
}

/** Where the command's database is, and who said so. */
interface DatabaseTarget {
  /** The path or URL as given. */
  target: string;
  /** `--db` or `DATABASE_URL`; null for the default. */
  source: "--db" | "DATABASE_URL" | null;
}

/** The `--db` target, else `DATABASE_URL`, else the default file. */
function databaseTarget(c: CommandContext): DatabaseTarget {
  const flag = c.flags.db as string | undefined;
  const env = flag === undefined ? c.env("DATABASE_URL") : undefined;
  const source = flag !== undefined ? "--db" : env !== undefined ? "DATABASE_URL" : null;
  const target = flag ?? env ?? DEFAULT_DATABASE;
  if (target.trim() === "") {
    throw new UsageError(`${source} is empty; give a database path or URL.`, source ?? "--db");
  }
  return { target, source };
}

/** Runs a check of the library under a flag's name: what it refuses is an error in the command line. */
function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message, error.input);
    throw error;
  }
}

/** An open database of a command; `exists` is false for a file that does not exist yet. */
export interface OpenTarget {
  /** The manager, with the migrations of `--dir` registered. */
  manager: MigrationManager;
  /** The engine, for the schema tools. */
  engine: SqlEngine;
  /** The database as messages name it. */
  path: string;
  /** False for a file that did not exist and was not created. */
  exists: boolean;
  /** True when the file did not exist and the command created it. */
  created: boolean;
  /** The directory created for it (only the default `data/` is), or null. */
  createdDirectory: string | null;
  /** Closes the database. */
  close(): Promise<void>;
}

/** How a command opens its database. */
interface TargetOptions {
  /**
   * Create a missing database file (in a directory that exists, or the default `data/`); otherwise
   * it is read as an empty database, so nothing is written.
   */
  create: boolean;
  /**
   * Take what the file cache knows of unchanged migration files instead of reading them, for the
   * commands every start-up runs: `"update"` (`up`, `rollback`) also writes what it learnt,
   * `"read"` (`status`) writes nothing. The others read every file.
   */
  cache?: "read" | "update";
}

/**
 * Loads the migrations, then opens the database. A missing directory is made only for the default
 * database (`data/app.db`): a `--db` or `DATABASE_URL` naming one that does not exist is a typo far
 * more often than a wish, and is refused.
 */
async function open(c: CommandContext, options: TargetOptions): Promise<OpenTarget> {
  const busyTimeoutMs = wholeNumber(c, "busy-timeout", 0, MAX_BUSY_TIMEOUT_MS) ?? DEFAULT_BUSY_TIMEOUT_MS;
  const migrationTimeoutMs = wholeNumber(c, "timeout", 0, MAX_MIGRATION_TIMEOUT_MS);
  const table = c.flags.table as string | undefined;
  if (table !== undefined) asUsage(() => checkTableName(table, "--table"));
  const { target, source } = databaseTarget(c);
  const path = isRemoteTarget(target) ? null : asUsage(() => databasePath(target, source ?? "--db"));
  const dir = migrationsDirectory(c);
  requireAccess(dir, ["read"], { flag: "--dir", what: "the migrations directory" });
  if (path === null) requireNet(target, source ?? "--db");
  else if (path !== ":memory:") requireDatabaseAccess(path, source ?? "--db", options.create);
  const migrations = await loadMigrations(dir, {
    cacheFile: options.cache ? migrationCacheFile(target) : undefined,
    writeCache: options.cache === "update",
  });
  const creates = options.create && path !== null && path !== ":memory:" && !exists(path);
  const createdDirectory = creates ? makeDirectory(path!, source) : null;
  const opened = await openEngine(target, { busyTimeoutMs, create: options.create });
  try {
    const manager = new MigrationManager(opened.engine, {
      busyTimeoutMs,
      migrationTimeoutMs,
      historyTable: table,
      wording: "cli",
    })
      .registerMigrations(migrations);
    return {
      manager,
      engine: opened.engine,
      path: opened.path,
      exists: opened.exists,
      created: creates,
      createdDirectory,
      close: opened.close,
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** The absolute path of `--dir`, else `./migrations`. */
export function migrationsDirectory(c: CommandContext): string {
  return directoryPath(c.flags.dir as string | undefined ?? "./migrations");
}

/**
 * Refuses a database file this run may not read, or write when it exists or is to be created
 * (node:sqlite opens a file for both; a missing one that is only read is read as empty). Whether it
 * exists cannot be asked without read access, so a run without it is told to add both.
 */
function requireDatabaseAccess(path: string, flag: string, create: boolean): void {
  const origin = { flag, what: "the database", scope: dirname(path) };
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted" || create || exists(path)) {
    requireAccess(path, ["read", "write"], origin);
  }
}

/**
 * Makes the directory of a new database file when it is missing and the database is the default
 * one; returns it, or null when it exists.
 *
 * @throws {InvalidInputError} naming the directory and where the path came from, otherwise.
 */
function makeDirectory(path: string, source: DatabaseTarget["source"]): string | null {
  const dir = dirname(path);
  if (exists(dir)) return null;
  if (source !== null) {
    throw new InvalidInputError(
      `The directory ${dir} of the database ${path} (${source}) does not exist. Create it first, or ` +
        `check the path; nothing was created.`,
      source,
    );
  }
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Runs `work` with the command's database open, closing it afterwards. When the command created the
 * database and fails, it leaves nothing behind: the empty file and the directory made for it go.
 */
export async function withTarget<T>(
  c: CommandContext,
  options: TargetOptions,
  work: (target: OpenTarget) => Promise<T>,
): Promise<T> {
  const target = await open(c, options);
  let done = false;
  try {
    const result = await work(target);
    done = true;
    return result;
  } finally {
    await target.close();
    if (!done && target.created) removeCreated(target);
  }
}

function removeCreated(target: OpenTarget): void {
  // Only while empty: a file with content is a database some part of the run wrote. Not recursive:
  // a directory something else wrote into stays. What cannot be removed is left as it is.
  const removeIf = (path: string, condition: () => boolean) => {
    try {
      if (condition()) Deno.removeSync(path);
    } catch {
      // Left in place.
    }
  };
  removeIf(target.path, () => Deno.statSync(target.path).size === 0);
  if (target.createdDirectory) removeIf(target.createdDirectory, () => true);
}

/**
 * Prints JSON with `--json`, nothing with `--quiet`, else the human text. Text given as lines is
 * written a few hundred at a time: the report of 10,000 migrations is never one string in memory.
 */
export function print(c: CommandContext, json: unknown, human: () => string | Iterable<string>): void {
  if (c.flags.json) return c.io.out(JSON.stringify(json, null, 2));
  if (c.flags.quiet) return;
  const text = human();
  if (typeof text === "string") return c.io.out(text);
  let batch: string[] = [];
  for (const line of text) {
    batch.push(line);
    if (batch.length === PRINT_BATCH) {
      c.io.out(batch.join("\n"));
      batch = [];
    }
  }
  if (batch.length > 0) c.io.out(batch.join("\n"));
}

/** Lines written at once by {@link print}. */
const PRINT_BATCH = 256;
