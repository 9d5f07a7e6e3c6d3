import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Migration, MigrationManager } from "../../mod.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: "users",
    up: async (db) => {
      await db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
      await db.run("INSERT INTO users (email) VALUES (?), (?)", "a@example.com", "b@example.com");
    },
    down: (db) => db.exec("DROP TABLE users"),
  },
  {
    version: 2,
    description: "email index and cleanup",
    up: async (db) => {
      await db.exec("CREATE UNIQUE INDEX users_email ON users (email)");
      await db.run("UPDATE users SET email = upper(email)");
      await db.exec("CREATE TABLE scratch (x); DROP TABLE scratch");
    },
    down: (db) => db.exec("DROP INDEX users_email"),
  },
];

Deno.test("a dry run reports each migration's changes and leaves the file byte-for-byte unchanged", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      const manager = new MigrationManager(db).registerMigrations(MIGRATIONS);
      await manager.migrate({ targetVersion: 1 });
      const before = fileBytes(path);
      const result = await manager.migrate({ dryRun: true });
      assert.equal(result.dryRun, true);
      assert.deepEqual(result.steps.map((step) => step.version), [2]);
      assert.equal(result.currentVersion, 1);
      const preview = result.steps[0].preview!;
      assert.deepEqual(preview.created, ["index users_email"]);
      assert.equal(preview.rowsChanged, 2);
      assert.equal(result.steps[0].calls, 3);
      assert.deepEqual(fileBytes(path), before);
      assert.equal(await manager.getCurrentVersion(), 1);

      const rollback = await manager.rollback({ dryRun: true, targetVersion: 0 });
      assert.deepEqual(rollback.steps.map((step) => step.version), [1]);
      assert.deepEqual(rollback.steps[0].preview!.dropped, ["table users"]);
      assert.deepEqual(fileBytes(path), before);
    });
  });
});

Deno.test("a dry run stops at a migration outside a transaction and says it was not previewed", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      MIGRATIONS[0],
      { version: 2, description: "vacuum", transaction: false, up: (db) => db.exec("VACUUM") },
      { ...MIGRATIONS[1], version: 3 },
    ]);
    const result = await manager.migrate({ dryRun: true });
    assert.deepEqual(result.steps.map((step) => step.version), [1, 2]);
    assert.match(result.steps[1].preview!.skipped!, /outside a transaction/);
    assert.equal(await manager.getCurrentVersion(), 0);
  } finally {
    db.close();
  }
});

Deno.test("migrate --dry-run prints what would change and leaves the database file unchanged", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_users.sql":
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\nINSERT INTO users VALUES (1);\n",
      "002_drop_users.sql": "-- migrate:up\nDROP TABLE users;\n",
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations, "--to", "1"])).code, 0);
    const before = fileBytes(db);
    const run = await runCli(["--db", db, "--dir", migrations, "--dry-run"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Would apply 002 drop users: 1 call; 0 rows changed; drops table users/);
    assert.match(run.stdout, /Dry run: 1 migration would be applied; .* unchanged at version 1\./);
    assert.deepEqual(fileBytes(db), before);
  });
});

Deno.test("migrate --dry-run counts only the migrations it previewed and names the one it stopped at", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_users.sql": "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n",
      "002_vacuum.sql": "-- migrate:up transaction:false\nVACUUM;\n",
      "003_posts.sql": "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
    });
    const db = join(dir, "app.db");
    const first = await runCli(["--db", db, "--dir", migrations, "--dry-run"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /Dry run: 1 migration would be applied, then 002 vacuum and any after it, which were not previewed; .* unchanged at version 0\./,
    );
    assert.equal((await runCli(["--db", db, "--dir", migrations, "--to", "1"])).code, 0);
    const second = await runCli(["--db", db, "--dir", migrations, "--dry-run"]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /Dry run: 002 vacuum and any after it would be applied but were not previewed; .* unchanged at version 1\./,
    );
  });
});
