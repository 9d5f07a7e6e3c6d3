/**
 * What a message says to do next is in the words of whoever reads it: the CLI's flags
 * (`migrate rollback --to 1`, `--force`) when the CLI shows it, the API's options otherwise.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Migration, MigrationManager } from "../../mod.ts";
import { baseline } from "../../src/schema/mod.ts";
import { repoPath, runCli, withDatabase, withTempDir } from "../support/util.ts";

const MIGRATIONS = repoPath("migrations");

const TWO: Migration[] = [
  { version: 1, description: "one", up: (db) => db.exec("CREATE TABLE one (x)") },
  {
    version: 2,
    description: "two",
    up: (db) => db.exec("CREATE TABLE two (x)"),
    down: (db) => db.exec("DROP TABLE two"),
  },
];

/** The message a refused run of the CLI prints, after checking it names no API option. */
function cliMessage(stderr: string): string {
  assert.doesNotMatch(stderr, /targetVersion|busyTimeoutMs|force: true|\({ /, "no API option named");
  return stderr;
}

Deno.test("up --to below the database's version points to rollback --to, in the CLI's words", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", MIGRATIONS])).code, 0);
    const run = await runCli(["up", "--to", "1", "--db", db, "--dir", MIGRATIONS]);
    assert.equal(run.code, 1);
    assert.match(cliMessage(run.stderr), /already at 2\. To go back, use `migrate rollback --to 1`\./);
  });
});

Deno.test("rollback --to above the database's version points to migrate --to, and up --to to leaving out --to", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assert.equal((await runCli(["up", "--to", "1", "--db", db, "--dir", MIGRATIONS])).code, 0);
    const back = await runCli(["rollback", "--to", "2", "--db", db, "--dir", MIGRATIONS]);
    assert.match(cliMessage(back.stderr), /the database is at 1\. To go forward, use `migrate --to 2`\./);
    const above = await runCli(["up", "--to", "7", "--db", db, "--dir", MIGRATIONS]);
    assert.match(cliMessage(above.stderr), /or leave out --to to apply everything\./);
  });
});

Deno.test("baseline on a drifted schema says --force", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "legacy.db");
    await withDatabase(db, (legacy) => legacy.exec("CREATE TABLE other (x)"));
    const run = await runCli(["baseline", "--to", "1", "--db", db, "--dir", MIGRATIONS]);
    assert.equal(run.code, 4);
    assert.match(cliMessage(run.stderr), /record it anyway with `--force`\./);
  });
});

Deno.test("the same refusals from the API name its options", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations(TWO);
    await manager.migrate();
    await assert.rejects(manager.migrate({ targetVersion: 1 }), /use `rollback\({ targetVersion: 1 }\)`\./);
    await manager.rollback({ steps: 1 });
    await assert.rejects(manager.rollback({ targetVersion: 2 }), /use `migrate\({ targetVersion: 2 }\)`\./);
    await assert.rejects(manager.migrate({ targetVersion: 5 }), /leave out targetVersion to apply/);
  } finally {
    db.close();
  }
  const legacy = new DatabaseSync(":memory:");
  try {
    legacy.exec("CREATE TABLE other (x)");
    await assert.rejects(baseline(legacy, TWO, 1), /record it anyway with `force: true`\./);
  } finally {
    legacy.close();
  }
});
