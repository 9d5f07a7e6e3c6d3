/**
 * Shared test helpers: temporary directories and databases that clean up after themselves, byte
 * snapshots of files, running the CLI in a real process with the permissions deno.json declares, and
 * migrations that record their runs, for tests of many processes at once.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const ROOT = new URL("../../", import.meta.url);

/** Absolute path of a file in the repository. */
export function repoPath(relative: string): string {
  return decodeURIComponent(new URL(relative, ROOT).pathname);
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "strata_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes files (name → text) into a directory, creating it; returns the directory. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return dir;
}

/** Opens a database file, runs `fn`, and closes it. */
export async function withDatabase<T>(path: string, fn: (db: DatabaseSync) => Promise<T> | T): Promise<T> {
  const db = new DatabaseSync(path);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** The bytes of a file, to assert that something left it unchanged. */
export function fileBytes(path: string): Uint8Array {
  return Deno.readFileSync(path);
}

/** Names and SQL of every schema object, to compare schemas. */
export function schemaOf(db: DatabaseSync): Record<string, unknown>[] {
  return db.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name").all().map((row) => ({
    ...row,
  }));
}

/**
 * The permission flags of a deno.json task, so tests run the CLI exactly as users do. A flag the task
 * shell computes (`"--allow-run=$(…)"`) is left out: the processes tests start with these flags start
 * none of their own.
 */
export function taskFlags(task: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(repoPath("deno.json")));
  const command: string = config.tasks[task];
  return command.split(/\s+/).filter((part) => part.startsWith("--allow-") || part.startsWith("--deny-"));
}

/** The directory temporary directories are made in. */
const TEMP_ROOT = (() => {
  const probe = Deno.makeTempDirSync();
  Deno.removeSync(probe);
  return dirname(probe);
})();

/**
 * A task's flags with its scoped file access widened to the temporary directories tests work in, as
 * a user widens them who points `--db` or `--dir` outside the default layout.
 */
export function widenedTaskFlags(task: string): string[] {
  return taskFlags(task).map((flag) => /^--allow-(read|write)=/.test(flag) ? `${flag},${TEMP_ROOT}` : flag);
}

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `src/cli/main.ts` in a new Deno process with the `migrate` task's permissions (or another task's),
 * widened to the temporary directories unless `exact`. `env` adds to the environment.
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; task?: string; exact?: boolean } = {},
): Promise<CliRun> {
  const task = options.task ?? "migrate";
  const flags = options.exact ? taskFlags(task) : widenedTaskFlags(task);
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, repoPath("src/cli/main.ts"), ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  });
  const output = await command.output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/**
 * Starts `src/cli/main.ts` in a child process, with the `migrate` task's permissions widened to the
 * temporary directories, that a test can kill.
 */
export function spawnCli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...widenedTaskFlags("migrate"), repoPath("src/cli/main.ts"), ...args],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits until a file exists (a child process's signal that it reached a point), for up to 5 s. */
export async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error(`${path} never appeared`);
}

/** Migrations that record each time they run in `runs`, so a second run of any of them shows. */
export function recordingMigrations(count: number): Record<string, string> {
  const files: Record<string, string> = {
    "001_runs.sql":
      "-- migrate:up\nCREATE TABLE runs (version INTEGER NOT NULL);\nINSERT INTO runs VALUES (1);\n",
  };
  for (let v = 2; v <= count; v++) {
    files[`${String(v).padStart(3, "0")}_step_${v}.sql`] =
      `-- migrate:up\nCREATE TABLE t${v} (id INTEGER PRIMARY KEY, x TEXT);\n` +
      `INSERT INTO t${v} (x) SELECT 'row' FROM (SELECT 1 UNION ALL SELECT 2);\nINSERT INTO runs VALUES (${v});\n`;
  }
  return files;
}
