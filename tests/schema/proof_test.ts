import assert from "node:assert/strict";
import type { MigrationInput } from "../../mod.ts";
import { replayMigrations } from "../../src/schema/drift.ts";
import { readSchema } from "../../src/schema/read_schema.ts";
import { proveMigration } from "../../src/schema/proof.ts";
import { schemaOfStatements } from "../../src/schema/write_migration.ts";

const START =
  "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);";
const WANTED =
  "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, bio TEXT); CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);";

/** The proof of a hand-written "generated" migration from START to WANTED. */
async function prove(up: string, down: string): Promise<string[]> {
  const migrations: MigrationInput[] = [{ version: 1, description: "start", up: (db) => db.exec(START) }];
  const memory = await replayMigrations(migrations);
  try {
    const result = await proveMigration({
      base: memory.serialize(),
      migrations,
      migration: { version: 2, description: "change", up: (db) => db.exec(up), down: (db) => db.exec(down) },
      before: await readSchema(memory),
      after: await schemaOfStatements(WANTED, "schema.sql"),
      renames: { tables: {}, columns: {} },
      targetLabel: "schema.sql",
    });
    return result.problems;
  } finally {
    memory.close();
  }
}

Deno.test("the proof passes a migration that reaches the wanted schema and comes back", async () => {
  assert.deepEqual(
    await prove("ALTER TABLE users ADD COLUMN bio TEXT", "ALTER TABLE users DROP COLUMN bio"),
    [],
  );
});

Deno.test("the proof names a down that does not return to the schema before", async () => {
  assert.deepEqual(await prove("ALTER TABLE users ADD COLUMN bio TEXT", "SELECT 1"), [
    "after down, table users: column bio is in the database after down but not in the migrations",
  ]);
});

Deno.test("the proof names rows lost, and rows changed in a table the migration leaves alone", async () => {
  assert.deepEqual(
    await prove(
      "ALTER TABLE users ADD COLUMN bio TEXT; DELETE FROM users; UPDATE teams SET name = 'x'",
      "ALTER TABLE users DROP COLUMN bio",
    ),
    [
      "after up, table users has 0 rows instead of 2",
      "after up, rows of table teams, which the migration does not change, changed",
      "after down, table users has 0 rows instead of 2",
      "after down, rows of table teams, which the migration does not change, changed",
    ],
  );
});

Deno.test("the proof runs on rows: a migration that only works on empty tables fails it", async () => {
  const problems = await prove(
    "ALTER TABLE users ADD COLUMN bio TEXT NOT NULL",
    "ALTER TABLE users DROP COLUMN bio",
  );
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^up fails on a database with rows: .*Cannot add a NOT NULL column/);
});
