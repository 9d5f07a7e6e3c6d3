import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { DatabaseStateError, type Executor, MigrationManager } from "../../mod.ts";
import { baseline } from "../../src/schema/mod.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const FILES = {
  "001_users.sql":
    "-- migrate:up\nCREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n" +
    "-- migrate:down\nDROP TABLE users;\n",
  "002_roles.sql":
    "-- migrate:up\nCREATE TABLE roles (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE);\n" +
    "INSERT INTO roles (name) VALUES ('admin'), ('member');\n-- migrate:down\nDROP TABLE roles;\n",
  "003_user_role.sql":
    "-- migrate:up\nALTER TABLE users ADD COLUMN role_id INTEGER REFERENCES roles (id);\n" +
    "CREATE INDEX users_role ON users (role_id);\n",
};

Deno.test("check exits 4 and names the table a CREATE TABLE IF NOT EXISTS left in an older shape", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), FILES);
    const db = join(dir, "app.db");
    await withDatabase(db, (conn) => conn.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)"));
    assert.equal((await runCli(["--db", db, "--dir", migrations])).code, 0);
    const before = fileBytes(db);
    const run = await runCli(["check", "--db", db, "--dir", migrations]);
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stdout, /table users: column email is in the migrations but not in the database/);
    assert.deepEqual(fileBytes(db), before, "check only reads");

    const clean = join(dir, "clean.db");
    assert.equal((await runCli(["--db", clean, "--dir", migrations])).code, 0);
    const ok = await runCli(["check", "--db", clean, "--dir", migrations, "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).differences, []);
  });
});

Deno.test("dump writes the same schema.sql for databases migrated the same way, with the version", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), FILES);
    const [a, b] = [join(dir, "a.db"), join(dir, "b.db")];
    const applied = await runCli(["--db", a, "--dir", migrations, "--dump", join(dir, "a.sql")]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /Wrote the schema to/);
    assert.equal((await runCli(["--db", b, "--dir", migrations])).code, 0);
    const dumped = await runCli(["dump", "--db", b, "--dir", migrations, "--out", join(dir, "b.sql")]);
    assert.equal(dumped.code, 0, dumped.stderr);
    const [textA, textB] = [
      await Deno.readTextFile(join(dir, "a.sql")),
      await Deno.readTextFile(join(dir, "b.sql")),
    ];
    assert.equal(textA, textB);
    assert.match(textA, /version 3/);
    assert.match(textA, /CREATE INDEX users_role ON users/);
    assert.doesNotMatch(textA, /strata_migrations/, "the history tables are not part of the schema");
  });
});

Deno.test("baseline records versions only when the schema matches, or with --force", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), FILES);
    const db = join(dir, "legacy.db");
    await withDatabase(db, (conn) => conn.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)"));
    const before = fileBytes(db);
    const refused = await runCli(["baseline", "--to", "1", "--db", db, "--dir", migrations]);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /column email is in the migrations but not in the database/);
    assert.deepEqual(fileBytes(db), before);

    await withDatabase(
      db,
      (conn) =>
        conn.exec("DROP TABLE users; CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)"),
    );
    const adopted = await runCli(["baseline", "--to", "1", "--db", db, "--dir", migrations]);
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.match(adopted.stdout, /Recorded migrations 001 to 001 as applied/);
    const rest = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /Applied 002 roles[\s\S]*Applied 003 user role/);
    assert.doesNotMatch(rest.stdout, /Applied 001/);
  });
});

Deno.test("baseline(db, migrations, version, { force }) records a differing schema and reports what it accepted", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)");
    const migrations = [{
      version: 1,
      description: "users",
      up: (x: Executor) => x.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"),
    }];
    const manager = new MigrationManager(db).registerMigrations(migrations);
    await assert.rejects(
      baseline(db, migrations, 1),
      (e) => e instanceof DatabaseStateError && e.reason === "drift",
    );
    const result = await baseline(db, migrations, 1, { force: true });
    assert.deepEqual(result.recorded, [1]);
    assert.equal(result.differences.length, 1);
    assert.equal(await manager.getCurrentVersion(), 1);
    await assert.rejects(baseline(db, migrations, 1), /already records migrations/);
  } finally {
    db.close();
  }
});

Deno.test("squash writes a baseline that fresh databases apply in one step to the same schema", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), FILES);
    const old = join(dir, "old.db");
    assert.equal((await runCli(["--db", old, "--dir", migrations])).code, 0);
    const squashed = await runCli(["squash", "--to", "3", "--reference", "roles", "--dir", migrations]);
    assert.equal(squashed.code, 0, squashed.stderr);
    assert.deepEqual([...Deno.readDirSync(migrations)].map((e) => e.name).sort(), [
      "003_baseline.sql",
      "archive",
    ]);
    assert.deepEqual(
      [...Deno.readDirSync(join(migrations, "archive"))].map((e) => e.name).sort(),
      Object.keys(FILES),
      "the old files are archived, not deleted",
    );

    const fresh = join(dir, "fresh.db");
    const applied = await runCli(["--db", fresh, "--dir", migrations]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /Applied 003 baseline/);
    await withDatabase(fresh, (conn) => {
      assert.deepEqual(conn.prepare("SELECT name FROM roles ORDER BY id").all().map((r) => r.name), [
        "admin",
        "member",
      ]);
    });
    for (const db of [old, fresh]) {
      const check = await runCli(["check", "--db", db, "--dir", migrations]);
      assert.equal(check.code, 0, `${db}: ${check.stdout}${check.stderr}`);
    }
    const untouched = await runCli(["--db", old, "--dir", migrations]);
    assert.equal(untouched.code, 0, untouched.stderr);
    assert.match(untouched.stdout, /Nothing to apply/);
    const dumps = await Promise.all(
      [old, fresh].map((db) => runCli(["dump", "--db", db, "--dir", migrations, "--out", "-"])),
    );
    assert.equal(dumps[0].stdout, dumps[1].stdout, "both paths end in the same schema");
  });
});

Deno.test("a database below a squashed baseline is refused, naming what it needs", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), FILES);
    const partial = join(dir, "partial.db");
    assert.equal((await runCli(["--db", partial, "--dir", migrations, "--to", "1"])).code, 0);
    assert.equal((await runCli(["squash", "--to", "3", "--dir", migrations])).code, 0);
    const before = fileBytes(partial);
    const run = await runCli(["--db", partial, "--dir", migrations]);
    assert.equal(run.code, 5);
    assert.match(
      run.stderr,
      /at version 1, and 3 \(003_baseline\.sql\) is a baseline .* needs migrations 2 to 3/,
    );
    assert.deepEqual(fileBytes(partial), before);
  });
});

Deno.test("a dry run lists the destructive changes of a pending migration", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      ...FILES,
      "004_drop.sql": "-- migrate:up\nALTER TABLE users DROP COLUMN email;\nDROP TABLE roles;\n",
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations, "--to", "3"])).code, 0);
    const before = fileBytes(db);
    const run = await runCli(["--db", db, "--dir", migrations, "--dry-run"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /destructive: drops column email of users and its values/);
    assert.match(run.stdout, /destructive: drops table roles and its rows/);
    assert.deepEqual(fileBytes(db), before);
  });
});
