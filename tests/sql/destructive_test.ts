import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { findDestructiveChanges } from "../../src/sql/destructive.ts";
import { rebuildTable } from "../../src/helpers/rebuild.ts";
import { readSchema } from "../../src/schema/read_schema.ts";
import { migrateOnce } from "../support/migrate.ts";

/** The destructive changes a migration makes to a database created by `setup`. */
async function changesOf(setup: string, migration: (db: DatabaseSync) => Promise<void> | void) {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(setup);
    const before = await readSchema(db);
    await migration(db);
    return findDestructiveChanges(before, await readSchema(db));
  } finally {
    db.close();
  }
}

Deno.test("findDestructiveChanges() lists dropped tables and dropped columns", async () => {
  const changes = await changesOf(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, legacy TEXT); CREATE TABLE logs (line TEXT); CREATE VIEW v AS SELECT 1",
    (db) => db.exec("ALTER TABLE users DROP COLUMN legacy; DROP TABLE logs; DROP VIEW v"),
  );
  assert.deepEqual(changes, [
    { kind: "drop-table", table: "logs", column: null, message: "drops table logs and its rows" },
    {
      kind: "drop-column",
      table: "users",
      column: "legacy",
      message: "drops column legacy of users and its values",
    },
  ]);
});

Deno.test("findDestructiveChanges() lists the columns a table rebuild leaves out", async () => {
  const changes = await changesOf(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, nickname TEXT)",
    (db) =>
      migrateOnce(
        db,
        (executor) =>
          rebuildTable(executor, "users", { columns: { email: null, nickname: "TEXT NOT NULL" } }),
      ),
  );
  assert.deepEqual(changes.map((change) => change.message), ["drops column email of users and its values"]);
});

Deno.test("findDestructiveChanges() ignores added objects and generated columns, which hold no data", async () => {
  const changes = await changesOf(
    "CREATE TABLE t (a INTEGER, twice INTEGER AS (a * 2))",
    (db) => db.exec("ALTER TABLE t DROP COLUMN twice; ALTER TABLE t ADD COLUMN b TEXT; CREATE TABLE u (x)"),
  );
  assert.deepEqual(changes, []);
});

Deno.test("findDestructiveChanges() says when a dropped table or column may have been renamed", async () => {
  const changes = await changesOf(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
    (db) => db.exec("ALTER TABLE users RENAME COLUMN name TO full_name; ALTER TABLE users RENAME TO people"),
  );
  assert.deepEqual(changes.map((change) => change.message), [
    "drops table users and its rows (unless it was renamed to people, which keeps its rows; the schema alone cannot tell)",
  ]);
  const columnChanges = await changesOf(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
    (db) => db.exec("ALTER TABLE users RENAME COLUMN name TO full_name"),
  );
  assert.deepEqual(columnChanges.map((change) => change.message), [
    "drops column name of users and its values (unless it was renamed to full_name, which keeps its values; the schema alone cannot tell)",
  ]);
});
