/**
 * The CLI's commands and flags, defined once: `cli.ts` parses and documents them from these tables,
 * and each command's `run` does its work through the public API.
 *
 * @module
 */
import { openEngine } from "./database.ts";
import { InvalidInputError } from "./errors.ts";
import { loadMigrations } from "./loader.ts";
import { DEFAULT_BUSY_TIMEOUT_MS, MigrationManager } from "./manager.ts";
import { formatVersion, runReport, statusReport, type Terminal } from "./report.ts";

/** The database used when neither `--db` nor `DATABASE_URL` names one. */
export const DEFAULT_DATABASE = "data/app.db";

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
  | "busy-timeout"
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
  "busy-timeout": {
    type: "string",
    value: "MS",
    help: `wait this long for another process's lock (default: ${DEFAULT_BUSY_TIMEOUT_MS})`,
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

const DATABASE_FLAGS: FlagName[] = ["db", "dir", "table", "busy-timeout", "json", "quiet", "verbose", "help"];

/** The commands, in the order help lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  up: {
    usage: "[--to N] [--dry-run] [--backup]",
    summary: "apply pending migrations (the default command)",
    description: "Applies pending migrations in order, each atomically with its history record. " +
      "With nothing pending it changes nothing and takes no lock.",
    flags: [...DATABASE_FLAGS, "to", "dry-run", "backup", "backup-dir"],
    positionals: [],
    run: (c) => runMigrations(c, "migrate"),
  },
  status: {
    usage: "[--json] [--exit-code]",
    summary: "show the version and each migration's state",
    description: "Shows the database's version, the newest known migration, and whether each is applied. " +
      "Reads only; a missing database file is reported as version 0 and not created.",
    flags: [...DATABASE_FLAGS, "exit-code"],
    positionals: [],
    run: runStatus,
  },
  rollback: {
    usage: "[--steps N | --to N] [--dry-run] [--backup]",
    summary: "revert the newest migrations (1 by default)",
    description: "Runs down() of the newest applied migrations, newest first, each atomically. " +
      "Refuses before changing anything if one of them has no down().",
    flags: [...DATABASE_FLAGS, "steps", "to", "dry-run", "backup", "backup-dir"],
    positionals: [],
    run: (c) => runMigrations(c, "rollback"),
  },
  validate: {
    usage: "",
    summary: "check applied migrations against their files",
    description: "Reports applied migrations whose files were edited, renamed or deleted, files added " +
      "below the current version, and migrations that never finished. Exits with 5 on any of them.",
    flags: DATABASE_FLAGS,
    positionals: [],
    run: runValidate,
  },
  accept: {
    usage: "",
    summary: "record edited or renamed migration files as intended",
    description: "Records the current checksum and file name of applied migrations that were edited or " +
      "renamed on purpose (comments, formatting), for the given versions or all of them.",
    flags: DATABASE_FLAGS,
    positionals: [{ name: "VERSION...", optional: true }],
    run: runAccept,
  },
  mark: {
    usage: "--applied | --pending",
    summary: "record the outcome of an interrupted migration",
    description: "For a migration that runs outside a transaction and whose run was killed: after " +
      "checking the database, record it as applied, or as pending so the next run repeats it.",
    flags: [...DATABASE_FLAGS, "applied", "pending"],
    positionals: [{ name: "VERSION", optional: false }],
    run: runMark,
  },
  new: {
    usage: "[--sql]",
    summary: "write the next numbered migration file",
    description: "Writes NNN_description.ts (or .sql with --sql) in the migrations directory, numbered " +
      "one above the highest, with up and down that do nothing until edited.",
    flags: ["dir", "sql", "json", "quiet", "verbose", "help"],
    positionals: [{ name: '"description"', optional: false }],
    run: runNew,
  },
};

function wholeNumber(c: CommandContext, flag: FlagName, min: number): number | undefined {
  const raw = c.flags[flag];
  if (raw === undefined) return undefined;
  return parseWholeNumber(String(raw), `--${flag}`, min);
}

function parseWholeNumber(raw: string, name: string, min: number): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new InvalidInputError(`${name} must be a whole number of ${min} or more; got "${raw}".`, name);
  }
  return Number(text);
}

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
interface OpenTarget {
  manager: MigrationManager;
  path: string;
  exists: boolean;
  close(): Promise<void>;
}

/**
 * Loads the migrations, then opens the database (creating a missing file only when `create`;
 * otherwise it is read as an empty database, so nothing is written).
 */
async function open(c: CommandContext, options: { create: boolean }): Promise<OpenTarget> {
  const busyTimeoutMs = wholeNumber(c, "busy-timeout", 0) ?? DEFAULT_BUSY_TIMEOUT_MS;
  const migrations = await loadMigrations(c.flags.dir as string | undefined ?? "./migrations");
  const opened = await openEngine(databaseTarget(c), { busyTimeoutMs, create: options.create });
  try {
    const manager = new MigrationManager(opened.engine, {
      busyTimeoutMs,
      historyTable: c.flags.table as string | undefined,
    }).registerMigrations(migrations);
    return { manager, path: opened.path, exists: opened.exists, close: opened.close };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

async function withTarget<T>(
  c: CommandContext,
  options: { create: boolean },
  work: (target: OpenTarget) => Promise<T>,
): Promise<T> {
  const target = await open(c, options);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

function print(c: CommandContext, json: unknown, human: () => string): void {
  if (c.flags.json) c.io.out(JSON.stringify(json, null, 2));
  else if (!c.flags.quiet) c.io.out(human());
}

async function runMigrations(c: CommandContext, command: "migrate" | "rollback"): Promise<void> {
  const targetVersion = wholeNumber(c, "to", 0);
  const steps = command === "rollback" ? wholeNumber(c, "steps", 1) : undefined;
  if (steps !== undefined && targetVersion !== undefined) {
    throw new InvalidInputError("Give either --steps or --to, not both.", "--steps");
  }
  const dryRun = c.flags["dry-run"] === true;
  const backupDir = c.flags["backup-dir"] as string | undefined;
  const backup = c.flags.backup === true || backupDir !== undefined ? { dir: backupDir } : false;
  await withTarget(c, { create: command === "migrate" && !dryRun }, async (target) => {
    if (command === "rollback" && !target.exists) {
      throw new InvalidInputError(`There is no database at ${target.path} to roll back.`, "--db");
    }
    const started = performance.now();
    const result = command === "migrate"
      ? await target.manager.migrate({ targetVersion, dryRun, backup })
      : await target.manager.rollback({ steps, targetVersion, dryRun, backup });
    const elapsedMs = performance.now() - started;
    print(
      c,
      { database: target.path, ...result, durationMs: elapsedMs },
      () => runReport(c.io, target.path, result, command, elapsedMs),
    );
  });
}

async function runStatus(c: CommandContext): Promise<number> {
  return await withTarget(c, { create: false }, async (target) => {
    const status = await target.manager.getStatus();
    print(
      c,
      { database: target.path, exists: target.exists, ...status },
      () => statusReport(c.io, target.path, status, target.exists ? "" : " (does not exist yet)"),
    );
    return c.flags["exit-code"] && status.pendingCount > 0 ? 3 : 0;
  });
}

async function runValidate(c: CommandContext): Promise<number> {
  return await withTarget(c, { create: false }, async (target) => {
    const problems = await target.manager.validate();
    print(
      c,
      { database: target.path, ok: problems.length === 0, problems: problems.map(problemJson) },
      () =>
        problems.length === 0
          ? `${target.path}: every applied migration matches its file.`
          : problems.map((p) => `- ${p.message}`).join("\n"),
    );
    return problems.length === 0 ? 0 : 5;
  });
}

function problemJson(problem: { reason: string; versions: readonly number[]; message: string }) {
  return { reason: problem.reason, versions: problem.versions, message: problem.message };
}

async function runAccept(c: CommandContext): Promise<void> {
  const versions = c.positionals.length > 0
    ? c.positionals.map((v) => parseWholeNumber(v, "VERSION", 1))
    : undefined;
  await withTarget(c, { create: false }, async (target) => {
    const accepted = await target.manager.acceptChanges(versions);
    print(
      c,
      { database: target.path, accepted },
      () =>
        accepted.length === 0
          ? "Nothing to accept: every applied migration matches its file."
          : `Recorded the current files of ${accepted.map(formatVersion).join(", ")} as applied.`,
    );
  });
}

async function runMark(c: CommandContext): Promise<void> {
  const version = parseWholeNumber(c.positionals[0] ?? "", "VERSION", 1);
  if ((c.flags.applied === true) === (c.flags.pending === true)) {
    throw new InvalidInputError("Give exactly one of --applied or --pending.", "--applied");
  }
  const outcome = c.flags.applied ? "applied" : "pending";
  await withTarget(c, { create: false }, async (target) => {
    await target.manager.resolveStarted(version, outcome);
    print(
      c,
      { database: target.path, version, outcome },
      () => `Recorded ${formatVersion(version)} as ${outcome}.`,
    );
  });
}

async function runNew(c: CommandContext): Promise<void> {
  const description = c.positionals[0];
  if (description === undefined) {
    throw new InvalidInputError('Give a description: new "add index on users email".', "description");
  }
  const { createMigration } = await import("./generator.ts");
  const created = await createMigration(description, {
    dir: c.flags.dir as string | undefined,
    sql: c.flags.sql === true,
  });
  print(
    c,
    created,
    () =>
      `Created ${created.path} (version ${formatVersion(created.version)}). ` +
      `Write its up and down, then run \`deno task migrate\`.`,
  );
}
