/**
 * `status --exit-code` as a deploy gate: whenever `up` would refuse, status says so, names the
 * problem on each migration concerned, and exits with the code `up` exits with, and neither of them
 * changes a byte of the database.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type DatabaseStateReason,
  loadMigrations,
  MigrationManager,
  type MigrationStatus,
} from "../../mod.ts";
import { USERS_AND_POSTS_FILES } from "../support/fixtures.ts";
import { fileBytes, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const FILES: Record<string, string> = {
  ...USERS_AND_POSTS_FILES,
  "003_tags.sql":
    "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n",
};

/** A project whose three migrations are applied, through the API. */
async function appliedProject(root: string): Promise<{ db: string; dir: string }> {
  const dir = await writeFiles(join(root, "migrations"), FILES);
  const db = join(root, "app.db");
  await withDatabase(db, async (conn) => {
    await new MigrationManager(conn).registerMigrations(await loadMigrations(dir)).migrate();
  });
  return { db, dir };
}

/** Rebuilds the history table with one more column, `NOT NULL` without a default. */
const EXTRA_COLUMN = `
  ALTER TABLE strata_migrations RENAME TO old_history;
  CREATE TABLE strata_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
    checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL, state TEXT NOT NULL DEFAULT 'applied',
    reviewer TEXT NOT NULL);
  INSERT INTO strata_migrations SELECT *, 'ann' FROM old_history;
  DROP TABLE old_history;`;

interface Condition {
  name: string;
  /** Changes the applied project. */
  setup(paths: { db: string; dir: string }): Promise<void>;
  /** The exit code of `up` and of `status --exit-code`. */
  code: number;
  /** The reason of the problem `up` throws, first in status's list. */
  reason: DatabaseStateReason;
  /** The problem status gives the migration concerned, when it is about one. */
  entry?: { version: number; problem: string };
  /** What the message says. */
  message: RegExp;
}

const OLD = "2020-01-01T00:00:00.000Z";

const CONDITIONS: Condition[] = [
  {
    name: "an applied migration's file was edited",
    setup: ({ dir }) =>
      Deno.writeTextFile(join(dir, "002_posts.sql"), `-- reviewed\n${FILES["002_posts.sql"]}`),
    code: 5,
    reason: "checksum-mismatch",
    entry: { version: 2, problem: "edited" },
    message: /edited since they ran: 2 \(002_posts\.sql\)/,
  },
  {
    name: "an applied migration's file was deleted between others",
    setup: ({ dir }) => Deno.remove(join(dir, "002_posts.sql")),
    code: 5,
    reason: "missing-file",
    entry: { version: 2, problem: "missing" },
    message: /Applied migration 2 \(002_posts\.sql\) is missing from the migrations directory.*Restore it/,
  },
  {
    name: "the newest applied migration's file was deleted",
    setup: ({ dir }) => Deno.remove(join(dir, "003_tags.sql")),
    code: 5,
    reason: "future-version",
    entry: { version: 3, problem: "missing" },
    message: /It has applied 3 \(003_tags\.sql\), which no known migration provides.*Restore the files/,
  },
  {
    name: "an applied migration's file was renamed",
    setup: ({ dir }) => Deno.rename(join(dir, "002_posts.sql"), join(dir, "002_articles.sql")),
    code: 5,
    reason: "renamed",
    entry: { version: 2, problem: "renamed" },
    message: /renamed since they ran: 002_posts\.sql is now 002_articles\.sql/,
  },
  {
    name: "a migration outside a transaction was left started by a crash",
    setup: ({ db }) =>
      withDatabase(db, (conn) => {
        conn.prepare("UPDATE strata_migrations SET state = 'started', applied_at = ? WHERE version = 3").run(
          OLD,
        );
      }),
    code: 5,
    reason: "interrupted",
    entry: { version: 3, problem: "started" },
    message: /never finished.*migrate mark 3 --applied/s,
  },
  {
    name: "a migration outside a transaction failed part way",
    setup: ({ db }) =>
      withDatabase(db, (conn) => {
        conn.prepare("UPDATE strata_migrations SET state = 'failed', applied_at = ? WHERE version = 3").run(
          OLD,
        );
      }),
    code: 5,
    reason: "interrupted",
    entry: { version: 3, problem: "failed" },
    message: /failed part way/,
  },
  {
    name: "a migration below the database's version was never applied",
    setup: ({ db }) =>
      withDatabase(db, (conn) => conn.exec("DELETE FROM strata_migrations WHERE version = 2")),
    code: 5,
    reason: "out-of-order",
    entry: { version: 2, problem: "out-of-order" },
    message: /Migration 2 \(002_posts\.sql\) is older than the database's version 3/,
  },
  {
    name: "the original application rolled back after strata took over",
    setup: ({ db }) =>
      withDatabase(db, (conn) =>
        conn.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
          INSERT INTO settings VALUES ('db-migration-version', '2')`)),
    code: 5,
    reason: "version-conflict",
    message: /db-migration-version = "2", but strata's history records version 3/,
  },
  {
    name: "a migration is pending and the history table has a column strata cannot fill",
    setup: async ({ db, dir }) => {
      await Deno.writeTextFile(
        join(dir, "004_notes.sql"),
        "-- migrate:up\nCREATE TABLE notes (body TEXT);\n",
      );
      await withDatabase(db, (conn) => conn.exec(EXTRA_COLUMN));
    },
    code: 1,
    reason: "corrupt-history",
    message: /strata_migrations\.reviewer/,
  },
];

for (const condition of CONDITIONS) {
  Deno.test(`up and status --exit-code both exit ${condition.code} when ${condition.name}`, async () => {
    await withTempDir(async (root) => {
      const paths = await appliedProject(root);
      await condition.setup(paths);
      const args = ["--db", paths.db, "--dir", paths.dir];
      const before = fileBytes(paths.db);

      const up = await runCli(args);
      assert.equal(up.code, condition.code, up.stderr);
      assert.match(up.stderr, condition.message);

      const gate = await runCli(["status", "--exit-code", "--json", ...args]);
      assert.equal(gate.code, condition.code, gate.stderr);
      const status: MigrationStatus = JSON.parse(gate.stdout);
      assert.equal(status.ok, false);
      assert.equal(status.problems[0].reason, condition.reason);
      assert.match(status.problems[0].message, condition.message);
      if (condition.entry) {
        const entry = status.migrations.find((m) => m.version === condition.entry!.version);
        assert.equal(entry?.problem, condition.entry.problem);
      }
      assert.deepEqual(fileBytes(paths.db), before, "neither changed a byte");
    });
  });
}

Deno.test("status --exit-code exits 3 while up would apply pending migrations, then 0", async () => {
  await withTempDir(async (root) => {
    const { db, dir } = await appliedProject(root);
    await Deno.writeTextFile(join(dir, "004_notes.sql"), "-- migrate:up\nCREATE TABLE notes (body TEXT);\n");
    const args = ["--db", db, "--dir", dir];
    const pending = await runCli(["status", "--exit-code", "--json", ...args]);
    assert.equal(pending.code, 3, pending.stderr);
    assert.deepEqual([JSON.parse(pending.stdout).ok, JSON.parse(pending.stdout).problems], [false, []]);
    assert.equal((await runCli(args)).code, 0);
    const done = await runCli(["status", "--exit-code", "--json", ...args]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(JSON.parse(done.stdout).ok, true);
  });
});

Deno.test("status without --exit-code shows what stops up, and exits 0", async () => {
  await withTempDir(async (root) => {
    const { db, dir } = await appliedProject(root);
    await Deno.remove(join(dir, "002_posts.sql"));
    const run = await runCli(["status", "--db", db, "--dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Version\s+3 of 3, 1 problem stops up \(below\)/);
    assert.match(run.stdout, /002\s+missing\s/);
    assert.match(run.stdout, /^- Applied migration 2 \(002_posts\.sql\) is missing/m);
    assert.doesNotMatch(run.stdout, /up to date/);
  });
});

Deno.test("getStatus() reports not ok with the problem migrate() throws, on the migration concerned", async () => {
  await withTempDir(async (root) => {
    const { db, dir } = await appliedProject(root);
    await Deno.writeTextFile(join(dir, "001_users.sql"), `${FILES["001_users.sql"]}-- later\n`);
    await withDatabase(db, async (conn) => {
      const manager = new MigrationManager(conn).registerMigrations(await loadMigrations(dir));
      const status = await manager.getStatus();
      assert.equal(status.ok, false);
      assert.equal(status.pendingCount, 0, "nothing pending, yet not ok");
      assert.deepEqual(status.migrations.map((m) => m.problem), ["edited", null, null]);
      await assert.rejects(manager.migrate(), (error: unknown) => {
        assert.equal((error as Error).message, status.problems[0].message);
        return true;
      });
    });
  });
});
