/**
 * One table of bad inputs: each must give a clear error naming the culprit, a non-zero exit, and
 * leave the database byte-for-byte as it was.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  DatabaseStateError,
  InvalidInputError,
  MigrationError,
  MigrationManager,
  openDatabase,
} from "../../mod.ts";
import { checkDrift } from "../../src/schema/mod.ts";
import { openEngine } from "../../src/core/open_database.ts";
import type { Executor } from "../../src/core/executor.ts";
import { USERS_SQL } from "../support/fixtures.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const GOOD = { "001_users.sql": USERS_SQL };

interface Case {
  name: string;
  /** Migration files (name → text) of the case; GOOD when not given. */
  files?: Record<string, string>;
  /** Prepares the database file; a database at version 1 of GOOD when not given. */
  database?: (path: string) => void;
  args: (paths: { db: string; dir: string }) => string[];
  code: number;
  error: RegExp;
}

function seedSettings(version: string) {
  return (path: string) =>
    withSync(path, (db) => {
      db.exec("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)");
      db.prepare("INSERT INTO settings VALUES ('db_migration_version', ?)").run(version);
    });
}

function withSync(path: string, fn: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(path);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

const migrated = (path: string) =>
  withSync(path, (db) => {
    db.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY);
      CREATE TABLE strata_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
        checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL, state TEXT NOT NULL DEFAULT 'applied');
      INSERT INTO strata_migrations VALUES (1, '001_users.sql', 'users', NULL, '2026-01-01T00:00:00.000Z', 1, 'applied');`);
  });

const up = ({ db, dir }: { db: string; dir: string }) => ["--db", db, "--dir", dir];

const CASES: Case[] = [
  {
    name: "a file that is not a database",
    database: (path) => Deno.writeTextFileSync(path, "this is a text file, not SQLite ".repeat(200)),
    args: up,
    code: 1,
    error: /The database .*app\.db is not a usable SQLite database/,
  },
  {
    name: "a missing migrations directory",
    args: ({ db, dir }) => ["--db", db, "--dir", join(dir, "nope")],
    code: 1,
    error: /Cannot read the migrations directory .*nope: it does not exist/,
  },
  {
    name: "a migrations directory that is a file",
    args: ({ db }) => ["--db", db, "--dir", db],
    code: 1,
    error: /Cannot read the migrations directory .*app\.db/,
  },
  ...["1_x.ts", "001-x.ts", "001_.sql", "abc_x.ts"].map((file): Case => ({
    name: `a misnamed file ${file}`,
    files: { ...GOOD, [file]: "-- migrate:up\n" },
    args: up,
    code: 1,
    error: new RegExp(`${file.replace(".", "\\.")} is not a valid migration file name`),
  })),
  {
    name: "a TS file whose default export is not a migration",
    files: { ...GOOD, "002_bad.ts": "export default { version: 2, apply() {} };\n" },
    args: up,
    code: 1,
    error: /002_bad\.ts: the default export is not a migration/,
  },
  {
    name: "a TS file that throws on import",
    files: { ...GOOD, "002_throws.ts": 'throw new Error("boom at import");\nexport default {};\n' },
    args: up,
    code: 1,
    error: /002_throws\.ts could not be imported: .*boom at import/,
  },
  {
    name: "a SQL file without markers",
    files: { ...GOOD, "002_plain.sql": "CREATE TABLE t (x);\n" },
    args: up,
    code: 1,
    error: /002_plain\.sql:1 has SQL before the "-- migrate:up" marker/,
  },
  {
    name: "a SQL file with two up sections",
    files: { ...GOOD, "002_twice.sql": "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n" },
    args: up,
    code: 1,
    error: /002_twice\.sql:3 has a second "-- migrate:up" section/,
  },
  {
    name: "a version beyond Number.MAX_SAFE_INTEGER",
    files: { ...GOOD, "9007199254740993_huge.sql": "-- migrate:up\nSELECT 1;\n" },
    args: up,
    code: 1,
    error: /9007199254740993_huge\.sql has version 9007199254740993, which is not a usable version/,
  },
  ...["abc", "-1", "2.5"].map((value): Case => ({
    name: `a corrupt version '${value}' in a seed-era settings table`,
    database: seedSettings(value),
    args: up,
    code: 1,
    error: new RegExp(
      `db_migration_version = "${value.replace(".", "\\.")}", which is not a migration version`,
    ),
  })),
  {
    name: "a database from the future",
    database: (path) => {
      migrated(path);
      withSync(
        path,
        (db) =>
          db.exec("INSERT INTO strata_migrations VALUES (2, '002_x.sql', 'x', NULL, 'now', 1, 'applied')"),
      );
    },
    args: up,
    code: 5,
    error: /at version 2, but the newest known migration is 1.*002_x\.sql/s,
  },
  ...["0", "-1", "x"].map((steps): Case => ({
    name: `--steps ${steps}`,
    database: migrated,
    args: (paths) => ["rollback", ...up(paths), `--steps=${steps}`],
    code: 2,
    error: new RegExp(`--steps must be a whole number of 1 or more; got "${steps}"`),
  })),
  {
    name: "an unknown command",
    database: migrated,
    args: (paths) => ["migrat", ...up(paths)],
    code: 2,
    error: /Unknown command "migrat"/,
  },
  {
    name: "an unknown flag",
    database: migrated,
    args: (paths) => [...up(paths), "--dryrun"],
    code: 2,
    error: /unknown flag --dryrun/,
  },
  ...["2147483648", "-1", "1e3", "99999999999999999999"].map((ms): Case => ({
    name: `--busy-timeout ${ms} (SQLite takes 0 to 2147483647)`,
    database: migrated,
    args: (paths) => [...up(paths), `--busy-timeout=${ms}`],
    code: 2,
    error: new RegExp(`--busy-timeout must be a whole number from 0 to 2147483647; got "${ms}"`),
  })),
  ...[["--to", "9007199254740992"], ["--steps", "99999999999999999999"]].map(([flag, value]): Case => ({
    name: `${flag} ${value}, beyond a safe integer`,
    database: migrated,
    args: (paths) => ["rollback", ...up(paths), flag, value],
    code: 2,
    error: new RegExp(`${flag} must be a whole number of [01] or more; got "${value}"`),
  })),
  {
    name: "a history table name that is not a name",
    database: migrated,
    args: (paths) => ["status", ...up(paths), "--table", "history; DROP TABLE users"],
    code: 2,
    error: /The history table name "history; DROP TABLE users" \(--table\) must be letters/,
  },
];

for (const c of CASES) {
  Deno.test(`bad input: ${c.name} is a clear error and changes nothing`, async () => {
    await withTempDir(async (root) => {
      const dir = await writeFiles(join(root, "migrations"), c.files ?? GOOD);
      const db = join(root, "app.db");
      (c.database ?? migrated)(db);
      const before = fileBytes(db);
      const run = await runCli(c.args({ db, dir }));
      assert.equal(run.code, c.code, run.stderr);
      assert.match(run.stderr, c.error);
      assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace without --verbose");
      assert.equal(run.stderr.trim().split("\n").length, 1, "one paragraph");
      assert.deepEqual(fileBytes(db), before);
    });
  });
}

Deno.test("bad input: a read-only connection is refused clearly and nothing changes", async () => {
  await withTempDir(async (root) => {
    const path = join(root, "app.db");
    migrated(path);
    const before = fileBytes(path);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const manager = new MigrationManager(db).registerMigrations([
        { version: 1, description: "users", up: () => {} },
        { version: 2, description: "more", up: (db) => db.exec("CREATE TABLE more (x)") },
      ]);
      await assert.rejects(manager.migrate(), /app\.db is read-only/);
    } finally {
      db.close();
    }
    assert.deepEqual(fileBytes(path), before);
  });
});

Deno.test("bad input: a read-only connection is blamed on the database, not on the first migration", async () => {
  await withTempDir(async (root) => {
    const path = join(root, "app.db");
    const migrations = [
      { version: 1, description: "users", up: (db: Executor) => db.exec("CREATE TABLE users (id INTEGER)") },
      { version: 2, description: "more", up: (db: Executor) => db.exec("CREATE TABLE more (x)") },
    ];
    await withDatabase(
      path,
      (db) => new MigrationManager(db).registerMigrations(migrations.slice(0, 1)).migrate(),
    );
    const before = fileBytes(path);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const manager = new MigrationManager(db).registerMigrations(migrations);
      await assert.rejects(manager.migrate(), (error: unknown) => {
        assert.ok(error instanceof DatabaseStateError, String(error));
        assert.equal(error.reason, "read-only");
        assert.match(
          error.message,
          /^The database .*app\.db is read-only \(attempt to write a readonly database\)/,
        );
        assert.ok(
          error.cause instanceof MigrationError && error.cause.version === 2,
          "the migration is the cause",
        );
        return true;
      });
    } finally {
      db.close();
    }
    assert.deepEqual(fileBytes(path), before);
  });
});

/**
 * Makes `dir` read-only for this process, even as root (whom permission bits do not stop: then the
 * immutable attribute, where the file system has one); false when neither works. `undo` reverts it.
 */
async function makeReadOnly(dir: string): Promise<boolean> {
  await Deno.chmod(dir, 0o555);
  if (!(await canWrite(dir))) return true;
  const chattr = await new Deno.Command("chattr", { args: ["+i", dir], stderr: "null" }).output().catch(() =>
    null
  );
  return chattr?.success === true && !(await canWrite(dir));
}

async function undoReadOnly(dir: string): Promise<void> {
  await new Deno.Command("chattr", { args: ["-i", dir], stderr: "null" }).output().catch(() => null);
  await Deno.chmod(dir, 0o755);
}

async function canWrite(dir: string): Promise<boolean> {
  try {
    await Deno.writeTextFile(join(dir, ".probe"), "");
    await Deno.remove(join(dir, ".probe"));
    return true;
  } catch {
    return false;
  }
}

Deno.test("bad input: a database in a read-only directory is refused as read-only, and nothing changes", async (t) => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), {
      ...GOOD,
      "002_more.sql": "-- migrate:up\nCREATE TABLE more (x);\n",
    });
    const home = join(root, "data");
    await Deno.mkdir(home);
    const path = join(home, "app.db");
    // Both history tables exist, so the first write of the run is the migration's own.
    assert.equal((await runCli(["--db", path, "--dir", dir, "--to", "1"])).code, 0);
    const before = fileBytes(path);
    if (!(await makeReadOnly(home))) {
      await t.step({ name: "no way to make a directory read-only here", ignore: true, fn: () => {} });
      return;
    }
    try {
      const run = await runCli(["--db", path, "--dir", dir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: The database .*app\.db is read-only/);
      assert.doesNotMatch(run.stderr, /Migration 2/, "not blamed on the migration");
    } finally {
      await undoReadOnly(home);
    }
    assert.deepEqual(fileBytes(path), before);
  });
});

Deno.test("bad input: a busy timeout beyond SQLite's 32 bits is refused by every API that takes one", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    for (const busyTimeoutMs of [2 ** 31, -1, 1.5, Number.NaN]) {
      const refused = (error: unknown) =>
        error instanceof InvalidInputError && error.input === "busyTimeoutMs" &&
        /from 0 to 2147483647/.test(error.message);
      assert.throws(() => new MigrationManager(db, { busyTimeoutMs }), refused, String(busyTimeoutMs));
      await assert.rejects(openEngine(":memory:", { busyTimeoutMs }), refused, String(busyTimeoutMs));
      await assert.rejects(openDatabase(":memory:", { migrations: [], busyTimeoutMs }), refused);
    }
    const longest = await openEngine(":memory:", { busyTimeoutMs: 2 ** 31 - 1 });
    await longest.close();
  } finally {
    db.close();
  }
});

Deno.test("bad input: checkDrift() refuses a version that is not a whole number", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    for (const version of [-1, 1.5]) {
      await assert.rejects(
        checkDrift(db, [], { version }),
        (error: unknown) => error instanceof InvalidInputError && error.input === "version",
      );
    }
  } finally {
    db.close();
  }
});

Deno.test("bad input: a database locked by another connection is refused clearly and nothing changes", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), {
      ...GOOD,
      "002_more.sql": "-- migrate:up\nCREATE TABLE more (x);\n",
    });
    const path = join(root, "app.db");
    migrated(path);
    const before = fileBytes(path);
    await withDatabase(path, async (holder) => {
      holder.exec("BEGIN EXCLUSIVE");
      try {
        const run = await runCli(["--db", path, "--dir", dir, "--busy-timeout", "100"]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /locked/);
      } finally {
        holder.exec("ROLLBACK");
      }
    });
    assert.deepEqual(fileBytes(path), before);
  });
});
