/**
 * A migration that ran no SQL — most often one `deno task new` wrote and nobody filled in — is
 * pointed out when it is applied, so nobody ships a no-op by accident.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { loadMigrations, type Migration, MigrationManager } from "../../mod.ts";
import { batchUpdate } from "../../src/helpers/mod.ts";
import { createMigration } from "../../src/cli/mod.ts";
import { runCli, withTempDir } from "../support/util.ts";

const NOTE = /^it ran no SQL: its up\(\) is empty, as a new migration's template leaves it\./;

async function notesOf(migrations: readonly Migration[]): Promise<(string[] | undefined)[]> {
  const db = new DatabaseSync(":memory:");
  try {
    const result = await new MigrationManager(db).registerMigrations(migrations).migrate();
    return result.steps.map((step) => step.notices);
  } finally {
    db.close();
  }
}

Deno.test("the templates of createMigration(), .ts and .sql, are applied with a note that they ran no SQL", async () => {
  await withTempDir(async (dir) => {
    await createMigration("add user email", { dir });
    await createMigration("add an index", { dir, sql: true });
    const notes = await notesOf(await loadMigrations(dir));
    assert.equal(notes.length, 2);
    for (const note of notes) {
      assert.equal(note?.length, 1);
      assert.match(note![0], NOTE);
    }
  });
});

Deno.test("a migration that runs a statement, a query or a helper gets no such note", async () => {
  const notes = await notesOf([
    { version: 1, description: "table", up: (db) => db.exec("-- a comment\nCREATE TABLE t (x)") },
    { version: 2, description: "query", up: async (db) => void await db.columnExists("t", "x") },
    {
      version: 3,
      description: "helper",
      up: async (db) => void await batchUpdate(db, { table: "t", set: "x = 1", where: "x IS NULL" }),
    },
  ]);
  assert.deepEqual(notes, [undefined, undefined, undefined]);
});

Deno.test("an empty migration outside a transaction, and an empty down(), are pointed out too", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "nothing", transaction: false, up: (db) => db.exec(" \n"), down: () => {} },
    ]);
    const applied = await manager.migrate();
    assert.match(applied.steps[0].notices?.[0] ?? "", NOTE);
    const reverted = await manager.rollback();
    assert.deepEqual(reverted.steps[0].notices, [
      "it ran no SQL: its down() is empty, so rolling it back undid nothing.",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("the CLI prints the note under the migration deno task new wrote", async () => {
  await withTempDir(async (dir) => {
    const migrations = join(dir, "migrations");
    assert.equal((await runCli(["new", "add user email", "--dir", migrations], { task: "new" })).code, 0);
    const run = await runCli(["--db", join(dir, "app.db"), "--dir", migrations]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Applied 001 add user email .*\n {2}note: it ran no SQL: its up\(\) is empty/m);
  });
});
