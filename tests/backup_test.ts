import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError, MigrationManager } from "../mod.ts";
import { runCli, withDatabase, withTempDir, writeFiles } from "./_util.ts";

Deno.test("--backup copies the database before the first pending migration and says where", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_users.sql":
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\nINSERT INTO users VALUES (7);\n",
      "002_drop_users.sql": "-- migrate:up\nDROP TABLE users;\n",
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations, "--to", "1"])).code, 0);
    const backups = join(dir, "backups");
    const run = await runCli(["--db", db, "--dir", migrations, "--backup-dir", backups]);
    assert.equal(run.code, 0, run.stderr);
    const [copy] = [...Deno.readDirSync(backups)].map((entry) => join(backups, entry.name));
    assert.match(basename(copy), /^app-v1-\d{8}T\d{9}Z\.db$/);
    assert.match(run.stdout, new RegExp(`Backed up .* to ${copy.replaceAll(".", "\\.")}`));
    await withDatabase(copy, (conn) => {
      assert.equal(
        conn.prepare("SELECT id FROM users").get()?.id,
        7,
        "the copy has the data the migration dropped",
      );
      assert.equal(conn.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    });
    const nothing = await runCli(["--db", db, "--dir", migrations, "--backup-dir", backups]);
    assert.equal(nothing.code, 0);
    assert.equal([...Deno.readDirSync(backups)].length, 1, "no backup when nothing is pending");
  });
});

Deno.test("a backup of an in-memory database is refused before anything runs", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "t", up: (db) => db.exec("CREATE TABLE t (x)") },
    ]);
    await assert.rejects(manager.migrate({ backup: true }), InvalidInputError);
    assert.equal(await manager.getCurrentVersion(), 0);
  } finally {
    db.close();
  }
});
