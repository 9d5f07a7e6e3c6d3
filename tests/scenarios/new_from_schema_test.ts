/**
 * `deno task new "description" --from FILE`: the migration written from the schema you want, as a
 * user runs it (the `new` task's permissions), from a `.sql` file or a database read without writes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileBytes, runCli, withTempDir, writeFiles } from "../support/util.ts";

const START = "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT);\n" +
  "-- migrate:down\nDROP TABLE users;\n";

/** A project with one migration; returns its root and migrations directory. */
async function project(root: string): Promise<string> {
  return await writeFiles(join(root, "migrations"), { "001_users.sql": START });
}

function newFrom(root: string, args: string[]) {
  return runCli(["new", ...args, "--dir", join(root, "migrations")], { cwd: root, task: "new" });
}

Deno.test("new --from writes the next .sql migration, lists what loses data, and it applies and rolls back", async () => {
  await withTempDir(async (root) => {
    const dir = await project(root);
    await Deno.writeTextFile(
      join(root, "schema.sql"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '');\n",
    );
    const run = await newFrom(root, ["require email", "--from", "schema.sql"]);
    assert.equal(run.code, 0, run.stderr);
    const file = join(dir, "002_require_email.sql");
    assert.equal(
      run.stdout.trim(),
      [
        `Wrote ${file} (version 002). Before writing it, strata ran it on a database with rows in every table: ` +
        `up gives exactly the schema of schema.sql, down the one before.`,
        "Steps that drop or change data, or fail on some rows (marked in the file; read them before you apply it):",
        "  up: drops column legacy of users and its values",
        "  up: makes column email of users NOT NULL: rows holding NULL there get its default, ''",
      ].join("\n"),
    );
    const text = await Deno.readTextFile(file);
    assert.match(text, /^-- require email\n/);
    assert.match(text, /-- Loses data: drops column legacy of users and its values\./);
    const db = join(root, "app.db");
    const up = await runCli(["--db", db, "--dir", dir]);
    assert.equal(up.code, 0, up.stderr);
    const check = await runCli(["check", "--db", db, "--dir", dir]);
    assert.equal(check.code, 0, check.stdout);
    const back = await runCli(["rollback", "--db", db, "--dir", dir]);
    assert.equal(back.code, 0, back.stderr);
  });
});

Deno.test("new --from writes nothing when the file has the schema the migrations produce, and says so", async () => {
  await withTempDir(async (root) => {
    const dir = await project(root);
    await Deno.writeTextFile(
      join(root, "schema.sql"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT);",
    );
    const run = await newFrom(root, ["nothing", "--from", "schema.sql"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "schema.sql has the schema the migrations produce; nothing was written.");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["001_users.sql"]);
  });
});

Deno.test("new --from a database reads its schema without writing to it or next to it", async () => {
  await withTempDir(async (root) => {
    const dir = await project(root);
    const path = join(root, "live.db");
    const live = new DatabaseSync(path);
    live.exec(
      "PRAGMA journal_mode = WAL; CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT, bio TEXT);",
    );
    live.close();
    const bytes = fileBytes(path);
    const files = [...Deno.readDirSync(root)].map((e) => e.name).sort();
    const run = await newFrom(root, ["add bio", "--from", "live.db"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(fileBytes(path), bytes);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), files);
    assert.match(
      await Deno.readTextFile(join(dir, "002_add_bio.sql")),
      /ALTER TABLE users ADD COLUMN bio TEXT;/,
    );
  });
});

Deno.test("new --rename renames instead of dropping, and a malformed --rename is a usage error", async () => {
  await withTempDir(async (root) => {
    const dir = await project(root);
    await Deno.writeTextFile(
      join(root, "schema.sql"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT, legacy TEXT);",
    );
    const run = await newFrom(root, ["rename email", "--from", "schema.sql", "--rename", "users.email=mail"]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /drops column/);
    assert.match(
      await Deno.readTextFile(join(dir, "002_rename_email.sql")),
      /ALTER TABLE users RENAME COLUMN email TO mail;/,
    );
    for (
      const [args, message] of [
        [
          ["x", "--from", "schema.sql", "--rename", "users.email"],
          /--rename takes old=new pairs separated by commas/,
        ],
        [["x", "--rename", "users.email=mail"], /--rename goes with --from FILE/],
      ] as const
    ) {
      const bad = await newFrom(root, [...args]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
    }
  });
});

Deno.test("new --from refuses a change no SQL can make on a table with rows, and writes nothing", async () => {
  await withTempDir(async (root) => {
    const dir = await project(root);
    await Deno.writeTextFile(
      join(root, "schema.sql"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT, name TEXT NOT NULL);",
    );
    const run = await newFrom(root, ["add name", "--from", "schema.sql"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Column name of users is NOT NULL without a DEFAULT/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["001_users.sql"]);
  });
});

Deno.test("new --from a file that is not a schema names the file", async () => {
  await withTempDir(async (root) => {
    await project(root);
    const missing = await newFrom(root, ["x", "--from", "nowhere.sql"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read the schema file nowhere\.sql/);
    await Deno.writeFile(join(root, "latin1.sql"), new Uint8Array([0x43, 0xe9, 0xff]));
    const binary = await newFrom(root, ["x", "--from", "latin1.sql"]);
    assert.equal(binary.code, 1);
    assert.match(binary.stderr, /The schema file latin1\.sql is neither UTF-8 text nor a SQLite database/);
  });
});
