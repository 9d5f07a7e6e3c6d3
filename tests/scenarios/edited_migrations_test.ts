import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseStateError, loadMigrations, MigrationManager } from "../../mod.ts";
import { USERS_AND_POSTS_FILES } from "../support/fixtures.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

/** Applies USERS_AND_POSTS_FILES to a new database, then lets the test change the files. */
async function appliedProject(dir: string): Promise<{ db: string; migrations: string }> {
  const migrations = await writeFiles(join(dir, "migrations"), USERS_AND_POSTS_FILES);
  const db = join(dir, "app.db");
  const run = await runCli(["--db", db, "--dir", migrations]);
  assert.equal(run.code, 0, run.stderr);
  return { db, migrations };
}

async function managerFor(db: string, migrations: string, work: (m: MigrationManager) => Promise<void>) {
  await withDatabase(db, async (conn) => {
    await work(new MigrationManager(conn).registerMigrations(await loadMigrations(migrations)));
  });
}

Deno.test("migrate, rollback and validate refuse an applied migration whose file was edited, naming it", async () => {
  await withTempDir(async (dir) => {
    const { db, migrations } = await appliedProject(dir);
    await Deno.writeTextFile(
      join(migrations, "001_users.sql"),
      USERS_AND_POSTS_FILES["001_users.sql"].replace("id INTEGER", "id TEXT"),
    );
    await Deno.writeTextFile(
      join(migrations, "003_tags.sql"),
      "-- migrate:up\nCREATE TABLE tags (id INTEGER);\n",
    );
    const before = fileBytes(db);
    for (const args of [[], ["rollback"], ["validate"]]) {
      const run = await runCli([...args, "--db", db, "--dir", migrations]);
      assert.equal(run.code, 5, `${args.join(" ") || "up"}: ${run.stderr}${run.stdout}`);
      assert.match(run.stderr + run.stdout, /edited since they ran: 1 \(001_users\.sql\)/);
    }
    assert.deepEqual(fileBytes(db), before);
  });
});

Deno.test("a renamed or deleted applied migration file is refused, naming the file", async () => {
  await withTempDir(async (dir) => {
    const { db, migrations } = await appliedProject(dir);
    await Deno.rename(join(migrations, "002_posts.sql"), join(migrations, "002_articles.sql"));
    const renamed = await runCli(["validate", "--db", db, "--dir", migrations]);
    assert.equal(renamed.code, 5);
    assert.match(renamed.stdout, /renamed since they ran: 002_posts\.sql is now 002_articles\.sql/);
    await Deno.remove(join(migrations, "002_articles.sql"));
    const deleted = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(deleted.code, 5);
    assert.match(deleted.stderr, /2 \(002_posts\.sql\), which no known migration provides/);
  });
});

Deno.test("accept records an intended edit, after which migrate runs again", async () => {
  await withTempDir(async (dir) => {
    const { db, migrations } = await appliedProject(dir);
    await Deno.writeTextFile(
      join(migrations, "002_posts.sql"),
      "-- a comment\n" + USERS_AND_POSTS_FILES["002_posts.sql"],
    );
    await managerFor(db, migrations, async (manager) => {
      await assert.rejects(
        manager.migrate(),
        (e) => e instanceof DatabaseStateError && e.reason === "checksum-mismatch",
      );
      assert.deepEqual(await manager.accept(), [2]);
      assert.deepEqual(await manager.validate(), []);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), []);
    });
  });
});

Deno.test("checksums ignore line endings, a byte-order mark and trailing newlines", async () => {
  await withTempDir(async (dir) => {
    const { db, migrations } = await appliedProject(dir);
    const path = join(migrations, "001_users.sql");
    await Deno.writeTextFile(
      path,
      "\uFEFF" + USERS_AND_POSTS_FILES["001_users.sql"].replaceAll("\n", "\r\n") + "\r\n\r\n",
    );
    await managerFor(db, migrations, async (manager) => {
      assert.deepEqual(await manager.validate(), []);
    });
  });
});

Deno.test("a migration added below the current version is an error naming it, never skipped", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_users.sql": USERS_AND_POSTS_FILES["001_users.sql"],
      "003_posts.sql": USERS_AND_POSTS_FILES["002_posts.sql"],
    });
    const db = join(dir, "app.db");
    // Applied 1 and 3 when 2 did not exist yet (a branch renumbered its file after the merge).
    await withDatabase(db, async (conn) => {
      const manager = new MigrationManager(conn).registerMigrations(
        (await loadMigrations(migrations)).map((m) => m.version === 3 ? { ...m, version: 2 } : m),
      );
      await manager.migrate();
      conn.exec("UPDATE strata_migrations SET version = 3 WHERE version = 2");
    });
    await Deno.writeTextFile(
      join(migrations, "002_tags.sql"),
      "-- migrate:up\nCREATE TABLE tags (id INTEGER);\n",
    );
    const before = fileBytes(db);
    const run = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /Migration 2 \(002_tags\.sql\) is older than the database's version 3/);
    assert.deepEqual(fileBytes(db), before);
  });
});
