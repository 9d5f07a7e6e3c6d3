/**
 * A history table edited by hand is not trusted blindly: what cannot be checked is reported, what
 * cannot be read is refused naming the table, and a table strata cannot write to refuses a run
 * before it blames a migration.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseStateError, loadMigrations, MigrationError, MigrationManager } from "../../mod.ts";
import { USERS_AND_POSTS_FILES } from "../support/fixtures.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

/** Applies USERS_AND_POSTS_FILES to a new database through the CLI, then lets the test edit the history. */
async function applied(root: string): Promise<{ db: string; dir: string; args: string[] }> {
  const dir = await writeFiles(join(root, "migrations"), USERS_AND_POSTS_FILES);
  const db = join(root, "app.db");
  const run = await runCli(["--db", db, "--dir", dir]);
  assert.equal(run.code, 0, run.stderr);
  return { db, dir, args: ["--db", db, "--dir", dir] };
}

function corruptHistory(...mentions: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof DatabaseStateError, String(error));
    assert.equal(error.reason, "corrupt-history");
    for (const text of mentions) assert.ok(error.message.includes(text), `${text} in: ${error.message}`);
    return true;
  };
}

for (
  const [what, checksum] of [["no checksum", null], ["a checksum of an unknown kind", "md5:0cc175b9c0f1b6a8"]]
) {
  Deno.test(`validate reports an applied migration whose record has ${what}, until accept records it`, async () => {
    await withTempDir(async (root) => {
      const { db, args } = await applied(root);
      await withDatabase(db, (conn) => {
        conn.prepare("UPDATE strata_migrations SET checksum = ? WHERE version = 2").run(checksum);
      });
      const validate = await runCli(["validate", ...args]);
      assert.equal(validate.code, 5, validate.stderr);
      assert.match(validate.stdout, /cannot be checked against its file.*2 \(002_posts\.sql\)/);
      assert.doesNotMatch(validate.stdout, /every applied migration matches/);
      const json = JSON.parse((await runCli(["validate", "--json", ...args])).stdout);
      assert.deepEqual(json.problems.map((p: { reason: string }) => p.reason), ["unverified-checksum"]);
      assert.equal((await runCli(args)).code, 0, "up is not refused: nothing says the file changed");

      assert.equal((await runCli(["accept", ...args])).code, 0);
      const after = await runCli(["validate", ...args]);
      assert.equal(after.code, 0, after.stdout);
      assert.match(after.stdout, /every applied migration matches its file/);
    });
  });
}

Deno.test("a history row with a state strata does not know is refused, naming the table, version and state", async () => {
  await withTempDir(async (root) => {
    const { db, dir, args } = await applied(root);
    await withDatabase(db, (conn) => {
      // A table made without the CHECK constraint, as another tool or an old script would.
      conn.exec(`ALTER TABLE strata_migrations RENAME TO kept;
        CREATE TABLE strata_migrations (${COLUMNS.strata_migrations});
        INSERT INTO strata_migrations SELECT * FROM kept; DROP TABLE kept;
        UPDATE strata_migrations SET state = 'done' WHERE version = 2;`);
    });
    const before = fileBytes(db);
    await withDatabase(db, async (conn) => {
      const manager = new MigrationManager(conn).registerMigrations(await loadMigrations(dir));
      const check = corruptHistory("strata_migrations", "version 2", '"done"');
      await assert.rejects(manager.migrate(), check);
      await assert.rejects(manager.getStatus(), check);
      await assert.rejects(manager.validate(), check);
    });
    for (const command of [[], ["status", "--exit-code"], ["validate"]]) {
      const run = await runCli([...command, ...args]);
      assert.equal(run.code, 1, command.join(" "));
      assert.match(run.stderr, /The history table strata_migrations records version 2 with the state "done"/);
    }
    assert.deepEqual(fileBytes(db), before);
  });
});

Deno.test("a history table that lacks one of strata's columns is refused, naming the table and the column", async () => {
  await withTempDir(async (root) => {
    const { db, args } = await applied(root);
    await withDatabase(db, (conn) => conn.exec("ALTER TABLE strata_migrations DROP COLUMN duration_ms"));
    const before = fileBytes(db);
    const run = await runCli(["status", ...args]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The history table strata_migrations has no column duration_ms/);
    assert.deepEqual(fileBytes(db), before);
  });
});

/** The history tables as strata makes them, to rebuild them with a column added by hand. */
const COLUMNS: Record<string, string> = {
  strata_migrations:
    `version INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, checksum TEXT,
    applied_at TEXT NOT NULL, duration_ms REAL, state TEXT NOT NULL DEFAULT 'applied'`,
  strata_migrations_runs: `id INTEGER PRIMARY KEY, command TEXT NOT NULL, from_version INTEGER NOT NULL,
    to_version INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL`,
};

/** Rebuilds `table` with an extra column `NOT NULL` without a default, keeping its rows. */
function addRequiredColumn(table: string, column: string): string {
  return `ALTER TABLE "${table}" RENAME TO kept;
    CREATE TABLE "${table}" (${COLUMNS[table]}, ${column} TEXT NOT NULL);
    INSERT INTO "${table}" SELECT *, 'ann' FROM kept;
    DROP TABLE kept;`;
}

for (const table of Object.keys(COLUMNS)) {
  Deno.test(`a NOT NULL column added to ${table} refuses a run before it starts, naming the table, not a migration`, async () => {
    await withTempDir(async (root) => {
      const dir = await writeFiles(join(root, "migrations"), USERS_AND_POSTS_FILES);
      const db = join(root, "app.db");
      let ran = false;
      await withDatabase(db, async (conn) => {
        const [first, second] = await loadMigrations(dir);
        await new MigrationManager(conn).registerMigrations([first]).migrate();
        conn.exec(addRequiredColumn(table, "reviewer"));
        const before = fileBytes(db);
        const manager = new MigrationManager(conn).registerMigrations([
          first,
          { ...second, up: (x) => (ran = true, second.up(x)) },
        ]);
        await assert.rejects(manager.migrate(), (error: unknown) => {
          assert.ok(!(error instanceof MigrationError), "not blamed on the migration");
          return corruptHistory(`${table}.reviewer`, "NOT NULL without a default")(error);
        });
        assert.equal((await manager.getStatus()).problems.at(-1)?.reason, "corrupt-history");
        assert.equal(ran, false, "the migration never ran");
        assert.deepEqual(fileBytes(db), before);
      });
    });
  });
}

Deno.test("a NOT NULL column strata cannot fill does not stop a database with nothing to do", async () => {
  await withTempDir(async (root) => {
    const { db, dir, args } = await applied(root);
    await withDatabase(db, (conn) => conn.exec(addRequiredColumn("strata_migrations_runs", "host")));
    assert.equal((await runCli(args)).code, 0);
    const gate = await runCli(["status", "--exit-code", ...args]);
    assert.equal(gate.code, 0, gate.stdout);
    await Deno.writeTextFile(join(dir, "003_tags.sql"), "-- migrate:up\nCREATE TABLE tags (id INTEGER);\n");
    const pending = await runCli(["status", "--exit-code", ...args]);
    assert.equal(pending.code, 1, "up would refuse as soon as it has something to record");
    assert.match(pending.stdout, /strata_migrations_runs\.host/);
  });
});
