/**
 * The CLI's commands, defined once: `cli.ts` parses, validates and documents them from
 * {@link COMMANDS}, and each command's `run` does its work through the public API. The schema tools
 * (check, dump, baseline, squash) are loaded only when one of them runs.
 *
 * @module
 */
import {
  type CommandContext,
  type CommandSpec,
  type FlagName,
  migrationsDirectory,
  parseWholeNumber,
  print,
  wholeNumber,
  withTarget,
} from "./flags.ts";
import { requireAccess } from "./permissions.ts";
import { RunningLine } from "./progress.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { EXIT, exitCodeForReason, UsageError } from "./exit_codes.ts";
import type { MigrationStatus } from "../core/planner.ts";
import type { RunResult } from "../core/runner.ts";
import { dirname, resolve } from "../shared/paths.ts";
import { formatVersion } from "../shared/format.ts";
import { runReport, statusReport } from "./report.ts";
import type { StartedMigration } from "../core/step.ts";

const DATABASE_FLAGS: FlagName[] = ["db", "dir", "table", "busy-timeout", "json", "quiet", "verbose", "help"];

/** The commands, in the order help lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  up: {
    usage: "[--to N] [--dry-run] [--backup]",
    summary: "apply pending migrations (the default command)",
    description: "Applies pending migrations in order, each atomically with its history record. " +
      "With nothing pending it changes nothing and takes no lock. Creates a missing database file " +
      "(and says so), in a directory that must exist unless it is the default data/.",
    flags: [...DATABASE_FLAGS, "to", "dry-run", "backup", "backup-dir", "dump", "timeout"],
    positionals: [],
    run: (c) => runMigrations(c, "migrate"),
  },
  status: {
    usage: "[--json] [--exit-code]",
    summary: "show the version and each migration's state",
    description: "Shows the database's version, the newest known migration, each migration's state, " +
      "and what would stop up. Reads the migration files (those the file cache beside the database " +
      "knows unchanged are only stat'ed), that cache and the database. Writes nothing of its own: no " +
      "database, directory or cache file; a missing database is reported as version 0. Like any reader, " +
      "SQLite itself rolls back a write that crashed half done (a hot journal) when it opens the file. " +
      "With --exit-code it exits 0 only when up has nothing to do, 3 when migrations are pending, and " +
      "with up's own code when up would refuse.",
    flags: [...DATABASE_FLAGS, "exit-code"],
    positionals: [],
    run: runStatus,
  },
  rollback: {
    usage: "[--steps N | --to N] [--dry-run] [--backup]",
    summary: "revert the newest migrations (1 by default)",
    description: "Runs down() of the newest applied migrations, newest first, each atomically. " +
      "Refuses before changing anything if one of them has no down().",
    flags: [...DATABASE_FLAGS, "steps", "to", "dry-run", "backup", "backup-dir", "dump", "timeout"],
    positionals: [],
    run: (c) => runMigrations(c, "rollback"),
  },
  validate: {
    usage: "",
    summary: "check applied migrations against their files",
    description: "Reports applied migrations whose files were edited, renamed or deleted, files added " +
      "below the current version, migrations that never finished, a settings version that disagrees " +
      "with the history, and applied migrations it cannot check (no known checksum recorded). Reads " +
      "every file, writes nothing. Exits with 5 on any of them.",
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
  check: {
    usage: "",
    summary: "compare the schema with what the migrations produce",
    description: "Replays the migrations up to the database's version on an in-memory database and " +
      "compares the schemas: tables, columns, indexes, constraints, foreign keys, triggers, views. " +
      "Writes nothing. Exits with 4 and lists each difference when they differ.",
    flags: DATABASE_FLAGS,
    positionals: [],
    run: async (c) => (await import("./schema_commands.ts")).runCheck(c),
  },
  dump: {
    usage: "[--out PATH]",
    summary: "write the schema as deterministic SQL",
    description: "Writes the database's schema, sorted and normalised, with its version in a header, " +
      "to schema.sql (or --out PATH; with - it goes to stdout and nothing is written) for reviewers to diff.",
    flags: [...DATABASE_FLAGS, "out"],
    positionals: [],
    run: async (c) => (await import("./schema_commands.ts")).runDump(c),
  },
  baseline: {
    usage: "--to N [--force]",
    summary: "adopt a database made outside migrations",
    description: "Records migrations 1 to N as applied without running them, after checking that the " +
      "schema is what they produce (exit 4 if not; --force records anyway).",
    flags: [...DATABASE_FLAGS, "to", "force"],
    positionals: [],
    run: async (c) => (await import("./schema_commands.ts")).runBaseline(c),
  },
  squash: {
    usage: "--to N [--reference T1,T2] [--archive-dir DIR]",
    summary: "collapse migrations up to N into one baseline",
    description: "Writes NNN_baseline.sql, which creates what migrations up to N did (and the rows of " +
      "the --reference tables), after proving both end in the same schema; moves the old files to " +
      "the archive folder. Databases at N or later are unaffected; new ones apply one file.",
    flags: ["dir", "to", "reference", "archive-dir", "json", "quiet", "verbose", "help"],
    positionals: [],
    run: async (c) => (await import("./schema_commands.ts")).runSquash(c),
  },
  verify: {
    usage: "[--from N]",
    summary: "check that each migration's down undoes its up",
    description: "On an in-memory database, applies each migration (from --from N on), then its down, " +
      "then it again: after the down the schema must be the one before it, and the rows of tables it " +
      "leaves alone must be as they were (each table gets a sample row first). Lists every migration " +
      "whose down does not restore them or that has none, and exits with 4 if any. Touches no file or database.",
    flags: ["dir", "table", "from", "json", "quiet", "verbose", "help"],
    positionals: [],
    run: async (c) => (await import("./schema_commands.ts")).runVerify(c),
  },
  new: {
    usage: "[--sql] [--from FILE [--rename A=B,...]]",
    summary: "write the next numbered migration file",
    description: "Writes NNN_description.ts (or .sql with --sql) in the migrations directory, numbered " +
      "one above the highest, with up and down that do nothing until edited. With --from FILE (the " +
      "schema you want: a .sql file of CREATE statements, or a database, only read) it writes the .sql " +
      "migration that takes the schema the migrations produce there and back, after proving both on a " +
      "database with rows, and lists every step that drops or changes data; renames are never guessed.",
    flags: ["dir", "sql", "from", "rename", "json", "quiet", "verbose", "help"],
    positionals: [{ name: '"description"', optional: false }],
    run: runNew,
  },
};

async function runMigrations(c: CommandContext, command: "migrate" | "rollback"): Promise<void> {
  const targetVersion = wholeNumber(c, "to", 0);
  const steps = command === "rollback" ? wholeNumber(c, "steps", 1) : undefined;
  if (steps !== undefined && targetVersion !== undefined) {
    throw new UsageError("Give either --steps or --to, not both.", "--steps");
  }
  const dryRun = c.flags["dry-run"] === true;
  const backupDir = c.flags["backup-dir"] as string | undefined;
  const backup = c.flags.backup === true || backupDir !== undefined ? { dir: backupDir } : false;
  const dump = c.flags.dump as string | undefined;
  if (dump !== undefined) {
    requireAccess(resolve(dump), ["write"], { flag: "--dump", what: "the schema file" });
  }
  await withTarget(c, { create: command === "migrate" && !dryRun, cache: "update" }, async (target) => {
    if (command === "rollback" && !target.exists) {
      throw new InvalidInputError(`There is no database at ${target.path} to roll back.`, "--db");
    }
    if (backup && !dryRun) {
      const dir = resolve(backupDir ?? dirname(target.path));
      requireAccess(dir, ["write"], {
        flag: backupDir ? "--backup-dir" : "--backup",
        what: "the backup directory",
      });
    }
    const started = performance.now();
    const running = c.io.live && !c.flags.quiet && !c.flags.json ? new RunningLine(c.io.live) : null;
    const onMigrationStart = running ? (m: StartedMigration) => running.start(m) : undefined;
    const result = await untilSignalled<RunResult>((signal) =>
      command === "migrate"
        ? target.manager.migrate({ targetVersion, dryRun, backup, signal, onMigrationStart })
        : target.manager.rollback({ steps, targetVersion, dryRun, backup, signal, onMigrationStart })
    ).finally(() => running?.stop());
    const elapsedMs = performance.now() - started;
    if (dump !== undefined && !dryRun) {
      await (await import("./schema_commands.ts")).writeSchemaFile(target, dump);
    }
    print(
      c,
      {
        database: target.path,
        created: target.created,
        ...(target.createdDirectory ? { createdDirectory: target.createdDirectory } : {}),
        ...result,
        durationMs: elapsedMs,
        ...(dump && !dryRun ? { schemaFile: dump } : {}),
      },
      function* () {
        if (target.created) {
          const directory = target.createdDirectory ? `the directory ${target.createdDirectory} and ` : "";
          yield `Created ${directory}the database ${target.path}.`;
        }
        yield* runReport(c.io, target.path, result, command, elapsedMs);
        if (dump !== undefined && !dryRun) yield `Wrote the schema to ${dump}.`;
      },
    );
  });
}

/**
 * Runs `work` with SIGINT and SIGTERM turned into an abort of its signal, so that a run stopped from
 * the keyboard or by a process manager is rolled back and says so (the error's exit code is then
 * 130 or 143). A second signal exits at once: SQLite's journal undoes an unfinished transaction.
 */
async function untilSignalled<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const listeners = SIGNALS.map((name) => {
    const listener = () => {
      if (controller.signal.aborted) Deno.exit(EXIT[name === "SIGINT" ? "sigint" : "sigterm"]);
      controller.abort(name);
    };
    try {
      Deno.addSignalListener(name, listener);
    } catch {
      return null; // a signal this platform cannot listen for (SIGTERM on Windows)
    }
    return { name, listener };
  });
  try {
    return await work(controller.signal);
  } finally {
    for (const added of listeners) if (added) Deno.removeSignalListener(added.name, added.listener);
  }
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

async function runStatus(c: CommandContext): Promise<number> {
  return await withTarget(c, { create: false, cache: "read" }, async (target) => {
    const status = await target.manager.getStatus();
    print(
      c,
      { database: target.path, exists: target.exists, ...status },
      () => statusReport(c.io, target.path, status, target.exists ? "" : " (does not exist yet)"),
    );
    return c.flags["exit-code"] ? statusExitCode(status) : EXIT.ok;
  });
}

/** The deploy gate: the code `up` exits with when it would refuse, else 3 for pending migrations, else 0. */
function statusExitCode(status: MigrationStatus): number {
  const [first] = status.problems;
  if (first) return exitCodeForReason(first.reason);
  return status.pendingCount > 0 ? EXIT.pending : EXIT.ok;
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
    return problems.length === 0 ? EXIT.ok : exitCodeForReason(problems[0].reason);
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
    const accepted = await target.manager.accept(versions);
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
    throw new UsageError("Give exactly one of --applied or --pending.", "--applied");
  }
  const outcome = c.flags.applied ? "applied" : "pending";
  await withTarget(c, { create: false }, async (target) => {
    await target.manager.mark(version, outcome);
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
    throw new UsageError('Give a description: new "add index on users email".', "description");
  }
  if (c.flags.from !== undefined || c.flags.rename !== undefined) {
    return await (await import("./schema_commands.ts")).runNewFromSchema(c, description);
  }
  const dir = migrationsDirectory(c);
  requireAccess(dir, ["read", "write"], {
    flag: "--dir",
    what: "the migrations directory",
    task: c.flags.dir === undefined ? 'deno task new "description"' : undefined,
  });
  const { createMigration } = await import("./generator.ts");
  const created = await createMigration(description, { dir, sql: c.flags.sql === true });
  print(
    c,
    created,
    () =>
      `Created ${created.path} (version ${formatVersion(created.version)}). ` +
      `Write its up and down, then run \`deno task migrate\`.`,
  );
}
