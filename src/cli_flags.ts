/**
 * The CLI's flags, defined once (parsing and every `--help` read {@link FLAGS}), and what commands
 * share: the context they run in, and opening the database with the migrations of `--dir`.
 *
 * @module
 */
import type { SqlEngine } from "./engine.ts";
import { migrationCacheFile, openEngine } from "./database.ts";
import { InvalidInputError } from "./errors.ts";
import { loadMigrations } from "./loader.ts";
import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_MIGRATION_TIMEOUT_MS, MigrationManager } from "./manager.ts";
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
  | "busy-timeout"
  | "timeout"
  | "json"
  | "quiet"
  | "verbose"
  | "help";

/** How a flag is parsed and documented. */
export interface FlagSpec {
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
    help: `database file (default: $DATABASE_URL, else ${DEFAULT_DATABASE})`,
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
  "exit-code": { type: "boolean", help: "exit with 3 when migrations are pending" },
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
  "busy-timeout": {
    type: "string",
    value: "MS",
    help: `wait this long for another process's lock (default: ${DEFAULT_BUSY_TIMEOUT_MS})`,
  },
  timeout: {
    type: "string",
    value: "MS",
    help:
      `stop a migration that runs no SQL for this long, and roll it back (default: ${DEFAULT_MIGRATION_TIMEOUT_MS}; ` +
      `0: no limit)`,
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
  /** Output. */
  io: Terminal & { out(line: string): void; err(line: string): void };
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

/** A flag's value as a whole number of at least `min`, or undefined when the flag is absent. */
export function wholeNumber(c: CommandContext, flag: FlagName, min: number): number | undefined {
  const raw = c.flags[flag];
  if (raw === undefined) return undefined;
  return parseWholeNumber(String(raw), `--${flag}`, min);
}

/** A whole number of at least `min`, or an error naming the flag or argument. */
export function parseWholeNumber(raw: string, name: string, min: number): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new InvalidInputError(`${name} must be a whole number of ${min} or more; got "${raw}".`, name);
  }
  return Number(text);
}

/** The `--db` target, else `DATABASE_URL`, else the default file. */
function databaseTarget(c: CommandContext): string {
  const flag = c.flags.db as string | undefined;
  const given = flag ?? c.env("DATABASE_URL") ?? DEFAULT_DATABASE;
  if (given.trim() === "") {
    const source = flag === undefined ? "DATABASE_URL" : "--db";
    throw new InvalidInputError(`${source} is empty; give a database path or URL.`, source);
  }
  return given;
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
  /** Closes the database. */
  close(): Promise<void>;
}

/** How a command opens its database. */
export interface TargetOptions {
  /** Create a missing database file; otherwise it is read as an empty database, so nothing is written. */
  create: boolean;
  /**
   * Take what the file cache knows of unchanged migration files instead of reading them: for the
   * commands every start-up runs (`up`, `status`, `rollback`). The others read every file.
   */
  cached?: boolean;
}

/** Loads the migrations, then opens the database. */
async function open(c: CommandContext, options: TargetOptions): Promise<OpenTarget> {
  const busyTimeoutMs = wholeNumber(c, "busy-timeout", 0) ?? DEFAULT_BUSY_TIMEOUT_MS;
  const target = databaseTarget(c);
  const migrations = await loadMigrations(c.flags.dir as string | undefined ?? "./migrations", {
    cacheFile: options.cached ? migrationCacheFile(target) : undefined,
  });
  const opened = await openEngine(target, { busyTimeoutMs, create: options.create });
  try {
    const manager = new MigrationManager(opened.engine, {
      busyTimeoutMs,
      migrationTimeoutMs: wholeNumber(c, "timeout", 0),
      historyTable: c.flags.table as string | undefined,
    }).registerMigrations(migrations);
    return { manager, engine: opened.engine, path: opened.path, exists: opened.exists, close: opened.close };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** Runs `work` with the command's database open, closing it afterwards. */
export async function withTarget<T>(
  c: CommandContext,
  options: TargetOptions,
  work: (target: OpenTarget) => Promise<T>,
): Promise<T> {
  const target = await open(c, options);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
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
