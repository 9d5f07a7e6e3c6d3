import assert from "node:assert/strict";
import { join } from "node:path";
import { InvalidInputError, type MigrationInput } from "../../mod.ts";
import { verifyMigrations } from "../../src/schema/verify.ts";
import { POSTS_WITHOUT_DOWN_SQL, USERS_SQL } from "../support/fixtures.ts";
import { runCli, withTempDir, writeFiles } from "../support/util.ts";

function sql(version: number, up: string, down?: string): MigrationInput {
  return {
    version,
    description: `m${version}`,
    up: (db) => db.exec(up),
    ...(down === undefined ? {} : { down: (db) => db.exec(down) }),
  };
}

Deno.test("verifyMigrations() finds nothing when every down restores the schema before it", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)", "DROP TABLE users"),
    sql(2, "CREATE INDEX users_name ON users (name)", "DROP INDEX users_name"),
    sql(3, "ALTER TABLE users ADD COLUMN email TEXT", "ALTER TABLE users DROP COLUMN email"),
  ]);
  assert.deepEqual(report, { verified: [1, 2, 3], problems: [] });
});

Deno.test("verifyMigrations() compares meaning, not SQL text: a column renamed and renamed back restores it", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"),
    sql(
      2,
      "ALTER TABLE users RENAME COLUMN name TO full_name",
      "ALTER TABLE users RENAME COLUMN full_name TO name",
    ),
  ], { from: 2 });
  assert.deepEqual(report, { verified: [2], problems: [] });
});

Deno.test("verifyMigrations() reports a down that leaves a table behind, and goes on with the migrations after it", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE a (x); CREATE TABLE b (y)", "DROP TABLE a"),
    sql(2, "CREATE TABLE c (z)", "DROP TABLE c; DROP TABLE a"),
  ]);
  assert.deepEqual(report.problems.map((p) => [p.version, p.kind, p.differences]), [
    [1, "schema", ["table b is in the database after its down but not in the database before it"]],
    [2, "schema", ["table a is in the database before it but not in the database after its down"]],
  ]);
  assert.match(
    report.problems[0].message,
    /^Migration 1 \("m1"\): its down does not restore the schema: table b/,
  );
});

Deno.test("verifyMigrations() reports a migration without down", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE a (x)", "DROP TABLE a"),
    sql(2, "CREATE TABLE b (y)"),
  ]);
  assert.deepEqual(report.problems.map((p) => [p.version, p.kind, p.message]), [
    [2, "no-down", 'Migration 2 ("m2"): it has no down, so it cannot be rolled back'],
  ]);
});

Deno.test("verifyMigrations() reports a down that changes rows of a table its up leaves alone", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT)", "DROP TABLE teams"),
    sql(2, "CREATE TABLE users (id INTEGER PRIMARY KEY)", "DROP TABLE users; DELETE FROM teams"),
  ]);
  assert.deepEqual(report.problems.map((p) => [p.version, p.kind, p.differences]), [
    [2, "rows", ["rows of table teams changed"]],
  ]);
});

Deno.test("verifyMigrations() runs each migration on tables with rows, as production does", async () => {
  const report = await verifyMigrations([
    sql(1, "CREATE TABLE users (id INTEGER PRIMARY KEY)", "DROP TABLE users"),
    sql(2, "ALTER TABLE users ADD COLUMN email TEXT NOT NULL", "ALTER TABLE users DROP COLUMN email"),
  ]);
  assert.deepEqual(report.problems.map((p) => [p.version, p.kind]), [[2, "up-fails"]]);
  assert.match(
    report.problems[0].message,
    /up fails on a database with rows: .*Cannot add a NOT NULL column/,
  );
});

Deno.test("verifyMigrations() refuses a --from that is no migration's version", async () => {
  await assert.rejects(
    verifyMigrations([sql(1, "CREATE TABLE a (x)")], { from: 5 }),
    (error) =>
      error instanceof InvalidInputError &&
      /Cannot verify from version 5: no migration has that version/.test(error.message),
  );
});

Deno.test("migrate verify exits 4 and lists each migration that does not round-trip, touching no file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), {
      "001_users.sql": USERS_SQL,
      "002_posts.sql": POSTS_WITHOUT_DOWN_SQL,
    });
    const before = [...Deno.readDirSync(root)].map((e) => e.name);
    const run = await runCli(["verify", "--dir", dir], { cwd: root });
    assert.equal(run.code, 4, run.stderr);
    assert.equal(
      run.stdout.trim(),
      '1 of 2 migrations checked (migrations 001 to 002) do not round-trip:\n- Migration 2 ("posts"): it has no down, so it cannot be rolled back',
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "001_users.sql",
      "002_posts.sql",
    ]);
  });
});

Deno.test("migrate verify --from N checks from that version and exits 0 when each round-trips", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), {
      "001_users.sql": "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n",
      "002_posts.sql":
        "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n",
    });
    const run = await runCli(["verify", "--from", "2", "--dir", dir], { cwd: root });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Verified migration 002 on an in-memory database: each one's down restores/);
    const bad = await runCli(["verify", "--from", "0", "--dir", dir], { cwd: root });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from must be a whole number of 1 or more; got "0"/);
  });
});
