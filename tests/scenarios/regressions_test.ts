/**
 * Regressions: bugs found in review of the core, each test stating the behaviour that was broken.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Migration, MigrationError, MigrationManager } from "../../mod.ts";
import { migrateOnce } from "../support/migrate.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const TWO: Migration[] = [
  {
    version: 1,
    description: "a",
    up: (db) => db.exec("CREATE TABLE a (x)"),
    down: (db) => db.exec("DROP TABLE a"),
  },
  {
    version: 2,
    description: "b",
    up: (db) => db.exec("CREATE TABLE b (x)"),
    down: (db) => db.exec("DROP TABLE b"),
  },
];

// Was bug 1: the issue says a database whose recorded version is above every known migration is refused
// by migrate and rollback "while getStatus still reports it". For a seed-era database (version in
// `settings`) getStatus() and getCurrentVersion() throw the future-version error instead.
Deno.test("getStatus() reports a seed-era database whose settings version is above every known migration", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
      INSERT INTO settings VALUES ('db_migration_version', '7')`);
    const manager = new MigrationManager(db).registerMigrations(TWO);
    const status = await manager.getStatus();
    assert.equal(status.currentVersion, 7);
    assert.equal(status.latestVersion, 2);
    assert.equal(await manager.getCurrentVersion(), 7);
  } finally {
    db.close();
  }
});

// Was bug 2: `ROLLBACK TRANSACTION TO s` is SQLite's long form of `ROLLBACK TO s` (a savepoint rollback
// that keeps the transaction open), but transactionConflict() only looks at the second keyword and
// rejects it as "ROLLBACK would end the transaction".
Deno.test("a transactional migration may use ROLLBACK TRANSACTION TO a savepoint", async () => {
  const raw = new DatabaseSync(":memory:");
  try {
    await migrateOnce(raw, async (db) => {
      await db.exec(
        "CREATE TABLE a (x); SAVEPOINT s; INSERT INTO a VALUES (1); ROLLBACK TRANSACTION TO SAVEPOINT s",
      );
      await db.exec("SAVEPOINT s2; INSERT INTO a VALUES (2); ROLLBACK TRANSACTION TO s2; RELEASE s2");
    });
    assert.equal(raw.prepare("SELECT count(*) AS n FROM a").get()?.n, 0);
  } finally {
    raw.close();
  }
});

// Was bug 3: a failing migration must leave the database exactly as it was. On a seed-era database
// (version in `settings`, no history table yet) a failure of the first pending migration still
// commits the import of versions 1..N: the strata_migrations tables are created, a run is logged and
// `db_migration_last_run` is written, although no migration was applied.
Deno.test("a failing first migration on a seed-era database leaves the file unchanged", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db_migration_version', '1'), ('bot_name', 'x')`);
      const bytes = fileBytes(path);
      const manager = new MigrationManager(db).registerMigrations([
        TWO[0],
        { version: 2, description: "broken", up: (x) => x.exec("INSERT INTO missing VALUES (1)") },
      ]);
      await assert.rejects(manager.migrate(), MigrationError);
      assert.deepEqual(
        db.prepare("SELECT key FROM settings ORDER BY key").all().map((r) => r.key),
        ["bot_name", "db_migration_version"],
      );
      assert.equal(
        db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE 'strata_%'").get()?.n,
        0,
      );
      assert.deepEqual(fileBytes(path), bytes);
    });
  });
});

// Was bug 4: the seed compatibility reads any table named `settings`. An application whose own
// `settings` table has other columns cannot be inspected or migrated at all: getStatus() and
// migrate() fail with a raw engine error "no such column: key" (not even a StrataError).
Deno.test("an application's own settings table without key/value columns does not block migrations", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE TABLE settings (id INTEGER PRIMARY KEY, name TEXT, val TEXT);
      INSERT INTO settings VALUES (1, 'theme', 'dark')`);
    const manager = new MigrationManager(db).registerMigrations(TWO);
    assert.equal((await manager.getStatus()).currentVersion, 0);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
    assert.deepEqual(db.prepare("SELECT * FROM settings").all().map((r) => ({ ...r })), [
      { id: 1, name: "theme", val: "dark" },
    ]);
  } finally {
    db.close();
  }
});

// Was bug 5: error messages tell the user to run commands the CLI does not have. An interrupted
// `transaction: false` migration is refused with "record the outcome with `migrate mark 1 --applied`",
// and edited/renamed migrations with "`migrate accept`", but the CLI knows only up, status, rollback
// and new, so a database in the "started" state cannot be recovered by any documented means.
Deno.test("the `migrate mark` command that the interrupted-migration error recommends exists", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_outside.sql": "-- migrate:up transaction:false\nINSERT INTO missing VALUES (1);\n",
    });
    const db = join(dir, "app.db");
    const first = await runCli(["--db", db, "--dir", migrations]);
    assert.notEqual(first.code, 0);
    // A short busy timeout: a newer run may wait for the "started" migration to finish.
    const second = await runCli(["--db", db, "--dir", migrations, "--busy-timeout", "100"]);
    assert.match(second.stderr, /migrate mark 1 --applied/);
    const mark = await runCli(["mark", "1", "--pending", "--db", db, "--dir", migrations]);
    assert.equal(mark.code, 0, mark.stderr);
  });
});

Deno.test("the `migrate accept` command that the edited-migration error recommends exists", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations])).code, 0);
    await Deno.writeTextFile(join(migrations, "001_a.sql"), "-- migrate:up\nCREATE TABLE a (x, y);\n");
    const refused = await runCli(["--db", db, "--dir", migrations]);
    assert.match(refused.stderr, /migrate accept/);
    const accept = await runCli(["accept", "--db", db, "--dir", migrations]);
    assert.equal(accept.code, 0, accept.stderr);
  });
});

// Was: `accept 1 2` failed with 'Unexpected argument "2"' although its usage says [VERSION...].
Deno.test("`migrate accept` takes several versions and accepts only those", async () => {
  await withTempDir(async (dir) => {
    const sql = (table: string, columns: string) => `-- migrate:up\nCREATE TABLE ${table} (${columns});\n`;
    const migrations = await writeFiles(join(dir, "m"), {
      "001_a.sql": sql("a", "x"),
      "002_b.sql": sql("b", "x"),
      "003_c.sql": sql("c", "x"),
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations])).code, 0);
    for (const [name, table] of [["001_a.sql", "a"], ["002_b.sql", "b"], ["003_c.sql", "c"]]) {
      await Deno.writeTextFile(join(migrations, name), sql(table, "x, y"));
    }
    const accept = await runCli(["accept", "1", "3", "--db", db, "--dir", migrations, "--json"]);
    assert.equal(accept.code, 0, accept.stderr);
    const refused = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /edited since they ran: 2 \(002_b\.sql\)\./);
  });
});

// Was bug 6: `rollback --steps -1` says "--steps needs a value" although a value was given; the message
// should name the value at fault like `--steps 0` does ("must be a whole number of 1 or more; got ...").
Deno.test("`rollback --steps -1` names the value at fault", async () => {
  await withTempDir(async (dir) => {
    const run = await runCli(["rollback", "--steps", "-1", "--db", join(dir, "app.db")]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--steps must be a whole number of 1 or more; got "-1"/);
  });
});

// VACUUM cannot run under the migrate task's permissions: Deno's node:sqlite allows no ATTACH
// (SQLITE_LIMIT_ATTACHED = 0 without -A) and VACUUM needs one. The failure must say so, and be
// recorded as failed, so the next run reports it at once instead of waiting for it to finish.
Deno.test("a VACUUM migration under the task's permissions fails clearly and is reported at once next time", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_table.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
      "002_vacuum.sql": "-- migrate:up transaction:false\nVACUUM;\n",
    });
    const db = join(dir, "app.db");
    const run = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /002_vacuum\.sql.*--allow-all.*recorded as failed/s);
    const started = Date.now();
    const next = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(next.code, 5);
    assert.match(next.stderr, /failed part way.*migrate mark 2 --applied/s);
    assert.ok(Date.now() - started < 30_000, "reported without waiting out the busy timeout");
  });
});

// Was bug 8: the foreign-key check after each migration runs `PRAGMA foreign_key_check` over the whole
// database, so violations that existed before the run (rows written while enforcement was off, as
// the seed's Python sqlite3 did by default) fail every migration, even one that touches no table
// involved, with a message blaming that migration. node:sqlite turns enforcement on by default, so
// this hits any upgraded database with an orphan row. Only violations the migration added should count.
Deno.test("foreign key violations that existed before a migration do not fail it", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`PRAGMA foreign_keys = OFF;
      CREATE TABLE users (id INTEGER PRIMARY KEY);
      CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
      INSERT INTO posts VALUES (1, 99);
      PRAGMA foreign_keys = ON;`);
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "unrelated", up: (x) => x.exec("CREATE TABLE tags (name TEXT)") },
    ]);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1]);
  } finally {
    db.close();
  }
});

// Was bug 9: reading a pragma is refused as if it were set: `PRAGMA foreign_keys` or
// `PRAGMA journal_mode` without `=` changes nothing, but a transactional migration that queries
// them fails with "SQLite ignores PRAGMA foreign_keys inside a transaction".
Deno.test("a transactional migration may read PRAGMA foreign_keys and PRAGMA journal_mode", async () => {
  const raw = new DatabaseSync(":memory:");
  try {
    const counts: number[] = [];
    await migrateOnce(raw, async (db) => {
      counts.push(
        (await db.query("PRAGMA foreign_keys")).length,
        (await db.query("PRAGMA journal_mode")).length,
      );
    });
    assert.deepEqual(counts, [1, 1]);
  } finally {
    raw.close();
  }
});
