/**
 * The outputs docs/guide.md shows: `check` on the database its text describes (a table made by hand
 * before migration 1's `CREATE TABLE IF NOT EXISTS`), and `up --dry-run` of the migration 4 it quotes.
 * Each runs on a fresh clone whose migrations are the text's, and prints what the guide shows.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cloneRepository, followShown, runOffline } from "../support/fresh_machine.ts";
import { blocksRunBy, section, shownCommands } from "../support/markdown.ts";
import { withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const [DRIFT, DESTRUCTIVE] = blocksRunBy(import.meta.url);

Deno.test("this test runs the outputs of docs/guide.md's drift check and destructive dry run", () => {
  assert.deepEqual([DRIFT, DESTRUCTIVE].map((block) => `${block?.file} ${block?.heading}`), [
    "docs/guide.md ## Check for drift",
    "docs/guide.md ## See what a migration destroys before it runs",
  ]);
});

/** The SQL a section quotes (a code span starting with `starts`), wherever its lines break. */
function quoted(heading: string, starts: string): string {
  const text = section("docs/guide.md", heading).replace(/\s+/g, " ");
  const found = new RegExp("`(" + starts + "[^`]*)`").exec(text);
  assert.ok(found, `docs/guide.md's "${heading}" quotes ${starts}…`);
  return found[1];
}

/** A clone whose migrations are `files` (name → SQL of the up section), with `data/`. */
async function projectWith(dir: string, files: Record<string, string>): Promise<string> {
  const root = await cloneRepository(dir);
  await Deno.remove(join(root, "migrations"), { recursive: true });
  const sections = Object.entries(files).map(([name, sql]) => [name, `-- migrate:up\n${sql}\n`]);
  await writeFiles(join(root, "migrations"), Object.fromEntries(sections));
  await Deno.mkdir(join(root, "data"));
  return root;
}

Deno.test("docs/guide.md's drift check prints what the guide shows for a table made by hand", async () => {
  const migration = quoted("## Check for drift", "CREATE TABLE IF NOT EXISTS users");
  await withTempDir(async (dir) => {
    const root = await projectWith(dir, { "001_users.sql": `${migration};` });
    await withDatabase(join(root, "data", "app.db"), (db) => {
      db.exec(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT); CREATE INDEX users_name ON users (name)",
      );
    });
    const applied = await runOffline("deno task migrate", root, dir);
    assert.equal(applied.code, 0, applied.stderr);
    const [check] = shownCommands(DRIFT);
    await followShown([check], root, dir);
    assert.equal((await runOffline(check.command, root, dir)).code, 4, "check exits 4 on drift");
  });
});

Deno.test("docs/guide.md's dry run lists what the migration it quotes would destroy", async () => {
  const migration = quoted(
    "## See what a migration destroys before it runs",
    "ALTER TABLE users DROP COLUMN",
  );
  await withTempDir(async (dir) => {
    const root = await projectWith(dir, {
      "001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, legacy_note TEXT);\n" +
        "INSERT INTO users (name, legacy_note) VALUES ('Ann', 'a note');",
      "002_legacy_flags.sql": "CREATE TABLE legacy_flags (user_id INTEGER, flag TEXT);\n" +
        "INSERT INTO legacy_flags VALUES (1, 'beta');",
      "003_index_users.sql": "CREATE INDEX users_name ON users (name);",
    });
    const applied = await runOffline("deno task migrate", root, dir);
    assert.equal(applied.code, 0, applied.stderr);
    await Deno.writeTextFile(
      join(root, "migrations", "004_drop_legacy.sql"),
      `-- migrate:up\n${migration}\n`,
    );
    await followShown(shownCommands(DESTRUCTIVE), root, dir);
  });
});
