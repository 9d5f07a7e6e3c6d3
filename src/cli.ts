/**
 * The command line: `deno task migrate [command] [flags]` and `deno task new "description"`.
 * Commands and flags are defined once below; parsing, `--help` and validation all read that table.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { databasePath } from "./database.ts";
import { InvalidInputError, StrataError } from "./errors.ts";
import { createMigration } from "./generator.ts";
import { loadMigrations } from "./loader.ts";
import { DEFAULT_BUSY_TIMEOUT_MS, MigrationManager } from "./manager.ts";
import { formatVersion, statusReport, stepLine, summaryLine } from "./report.ts";

/** The database used when neither `--db` nor `DATABASE_URL` names one. */
export const DEFAULT_DATABASE = "data/app.db";

type FlagName = "db" | "dir" | "to" | "steps" | "json" | "sql" | "busy-timeout" | "verbose" | "help";

const FLAGS: Record<FlagName, { type: "string" | "boolean"; value?: string; help: string }> = {
  db: {
    type: "string",
    value: "PATH",
    help: `database file (default: $DATABASE_URL, else ${DEFAULT_DATABASE})`,
  },
  dir: { type: "string", value: "DIR", help: "migrations directory (default: ./migrations)" },
  to: { type: "string", value: "N", help: "target version" },
  steps: { type: "string", value: "N", help: "how many migrations to roll back (default: 1)" },
  json: { type: "boolean", help: "print machine-readable JSON" },
  sql: { type: "boolean", help: "write a .sql migration instead of a .ts one" },
  "busy-timeout": {
    type: "string",
    value: "MS",
    help: `wait this long for another process's lock (default: ${DEFAULT_BUSY_TIMEOUT_MS})`,
  },
  verbose: { type: "boolean", help: "print the cause of errors" },
  help: { type: "boolean", help: "show help" },
};

interface CommandSpec {
  usage: string;
  summary: string;
  flags: FlagName[];
  positionals: number;
  run(args: ParsedArgs, io: CliIo): Promise<void>;
}

interface ParsedArgs {
  flags: Partial<Record<FlagName, string | boolean>>;
  positionals: string[];
  env: (name: string) => string | undefined;
}

/** Where the CLI writes. */
export interface CliIo {
  /** Writes a line of normal output. */
  out(line: string): void;
  /** Writes a line of error output. */
  err(line: string): void;
}

const DATABASE_FLAGS: FlagName[] = ["db", "dir", "busy-timeout", "verbose", "help"];

const COMMANDS: Record<string, CommandSpec> = {
  up: {
    usage: "up [--to N]",
    summary: "apply pending migrations (the default command)",
    flags: [...DATABASE_FLAGS, "to", "json"],
    positionals: 0,
    run: runUp,
  },
  status: {
    usage: "status [--json]",
    summary: "show the database's version and each migration's state",
    flags: [...DATABASE_FLAGS, "json"],
    positionals: 0,
    run: runStatus,
  },
  rollback: {
    usage: "rollback [--steps N | --to N]",
    summary: "revert the newest migrations (1 by default)",
    flags: [...DATABASE_FLAGS, "steps", "to", "json"],
    positionals: 0,
    run: runRollback,
  },
  new: {
    usage: 'new "description" [--sql]',
    summary: "write the next numbered migration file",
    flags: ["dir", "sql", "verbose", "help"],
    positionals: 1,
    run: runNew,
  },
};

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/**
 * Runs the CLI with `argv` (without the program name) and returns the exit code.
 *
 * @param env Reads an environment variable; injected so tests need no environment permission.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = consoleIo,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<number> {
  let verbose = argv.includes("--verbose");
  try {
    const name = argv[0] && !argv[0].startsWith("-") ? argv[0] : "up";
    const command = COMMANDS[name];
    if (!command) {
      if (name === "help") {
        io.out(toolHelp());
        return EXIT.ok;
      }
      throw new InvalidInputError(
        `Unknown command "${name}". Commands: ${
          Object.keys(COMMANDS).join(", ")
        }. Run with --help for usage.`,
        name,
      );
    }
    const rest = argv[0] === name ? argv.slice(1) : [...argv];
    const parsed = parse(name, command, rest, env);
    verbose = parsed.flags.verbose === true;
    if (parsed.flags.help) {
      io.out(name === "up" && !argv.includes("up") ? toolHelp() : commandHelp(command));
      return EXIT.ok;
    }
    await command.run(parsed, io);
    return EXIT.ok;
  } catch (error) {
    io.err(errorReport(error, verbose));
    return error instanceof InvalidInputError ? EXIT.usage : EXIT.error;
  }
}

function parse(name: string, command: CommandSpec, argv: string[], env: ParsedArgs["env"]): ParsedArgs {
  const options = Object.fromEntries(command.flags.map((flag) => [flag, { type: FLAGS[flag].type }]));
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
    const flagName = flag.replace(/^-+/, "").split("=")[0];
    const problem = !flag
      ? message
      : flagName in FLAGS && command.flags.includes(flagName as FlagName)
      ? (/does not take/.test(message) ? `${flag} takes no value` : `${flag} needs a value`)
      : flagName in FLAGS
      ? `${flag} does not apply to "${name}"`
      : `unknown flag ${flag}`;
    throw new InvalidInputError(
      `Invalid arguments for "${name}": ${problem}. Run "${name} --help" for its flags.`,
      flag || name,
    );
  }
  if (positionals.length > command.positionals) {
    throw new InvalidInputError(
      `Unexpected argument "${positionals[command.positionals]}" for "${name}". Usage: ${command.usage}`,
      positionals[command.positionals],
    );
  }
  return { flags: values as ParsedArgs["flags"], positionals, env };
}

function wholeNumber(args: ParsedArgs, flag: FlagName, min: number): number | undefined {
  const raw = args.flags[flag];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new InvalidInputError(
      `--${flag} must be a whole number of ${min} or more; got "${raw}".`,
      `--${flag}`,
    );
  }
  return Number(text);
}

function databaseTarget(args: ParsedArgs): string {
  const given = args.flags.db as string | undefined ?? args.env("DATABASE_URL") ?? DEFAULT_DATABASE;
  if (given.trim() === "") throw new InvalidInputError("--db needs a path.", "--db");
  return databasePath(given);
}

/** Opens the database of a command, or null when it does not exist and `create` is false. */
function openTarget(
  args: ParsedArgs,
  options: { create: boolean },
): { db: DatabaseSync; path: string } | null {
  const path = databaseTarget(args);
  if (!options.create && path !== ":memory:" && !existsSync(path)) return null;
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  const timeout = wholeNumber(args, "busy-timeout", 0) ?? DEFAULT_BUSY_TIMEOUT_MS;
  return { db: new DatabaseSync(path, { timeout }), path };
}

async function managerFor(db: DatabaseSync, args: ParsedArgs): Promise<MigrationManager> {
  const migrations = await loadMigrations(args.flags.dir as string | undefined ?? "./migrations");
  return new MigrationManager(db, {
    busyTimeoutMs: wholeNumber(args, "busy-timeout", 0) ?? DEFAULT_BUSY_TIMEOUT_MS,
  }).registerMigrations(migrations);
}

async function runUp(args: ParsedArgs, io: CliIo): Promise<void> {
  const targetVersion = wholeNumber(args, "to", 0);
  const target = openTarget(args, { create: true })!;
  try {
    const manager = await managerFor(target.db, args);
    const started = performance.now();
    const result = await manager.migrate({ targetVersion });
    const elapsed = performance.now() - started;
    if (args.flags.json) {
      io.out(JSON.stringify({ database: target.path, ...result, durationMs: elapsed }, null, 2));
      return;
    }
    for (const step of result.steps) io.out(stepLine(step));
    io.out(summaryLine(target.path, result, "migrate", elapsed));
  } finally {
    target.db.close();
  }
}

async function runRollback(args: ParsedArgs, io: CliIo): Promise<void> {
  const steps = wholeNumber(args, "steps", 1);
  const targetVersion = wholeNumber(args, "to", 0);
  if (steps !== undefined && targetVersion !== undefined) {
    throw new InvalidInputError("Give either --steps or --to to rollback, not both.", "--steps");
  }
  const target = openTarget(args, { create: false });
  if (!target) {
    throw new InvalidInputError(`There is no database at ${databaseTarget(args)} to roll back.`, "--db");
  }
  try {
    const manager = await managerFor(target.db, args);
    const started = performance.now();
    const result = await manager.rollback({ steps, targetVersion });
    const elapsed = performance.now() - started;
    if (args.flags.json) {
      io.out(JSON.stringify({ database: target.path, ...result, durationMs: elapsed }, null, 2));
      return;
    }
    for (const step of result.steps) io.out(stepLine(step));
    io.out(summaryLine(target.path, result, "rollback", elapsed));
  } finally {
    target.db.close();
  }
}

async function runStatus(args: ParsedArgs, io: CliIo): Promise<void> {
  const target = openTarget(args, { create: false });
  const path = target?.path ?? databaseTarget(args);
  const db = target?.db ?? new DatabaseSync(":memory:");
  try {
    const status = await (await managerFor(db, args)).getStatus();
    if (args.flags.json) {
      io.out(JSON.stringify({ database: path, exists: target !== null, ...status }, null, 2));
    } else io.out(statusReport(path, status, target ? "" : " (does not exist yet)"));
  } finally {
    db.close();
  }
}

async function runNew(args: ParsedArgs, io: CliIo): Promise<void> {
  const description = args.positionals[0];
  if (description === undefined) {
    throw new InvalidInputError('Give a description: new "add index on users email".', "description");
  }
  const created = await createMigration(description, {
    dir: args.flags.dir as string | undefined,
    sql: args.flags.sql === true,
  });
  io.out(
    `Created ${created.path} (version ${formatVersion(created.version)}). ` +
      `Write its up and down, then run \`deno task migrate\`.`,
  );
}

function toolHelp(): string {
  const lines = [
    "Versioned SQLite migrations.",
    "",
    "Usage: deno task migrate [command] [flags]",
    '       deno task new "description" [--sql]',
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([, spec]) => `  ${spec.usage.padEnd(32)} ${spec.summary}`),
    "",
    'Run "<command> --help" for its flags.',
  ];
  return lines.join("\n");
}

function commandHelp(command: CommandSpec): string {
  return [
    `Usage: ${command.usage}`,
    "",
    `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`,
    "",
    "Flags:",
    ...command.flags.map((flag) => {
      const spec = FLAGS[flag];
      return `  ${`--${flag}${spec.value ? ` ${spec.value}` : ""}`.padEnd(22)} ${spec.help}`;
    }),
  ].join("\n");
}

function errorReport(error: unknown, verbose: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`error: ${message}`];
  if (!(error instanceof StrataError) && !verbose) {
    lines.push("(this looks like a bug or an engine error; run with --verbose for details)");
  }
  if (verbose) {
    let cause: unknown = error instanceof Error ? error.cause : undefined;
    while (cause) {
      lines.push(`caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    if (error instanceof Error && error.stack) lines.push(error.stack);
  }
  return lines.join("\n");
}

const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
