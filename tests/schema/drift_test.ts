import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/core/open_database.ts";
import { checkDrift, replayMigrations } from "../../src/schema/drift.ts";
import { DatabaseStateError } from "../../src/shared/errors.ts";
import { loadMigrations } from "../../src/core/load_migrations.ts";
import { MigrationManager } from "../../src/core/manager.ts";
import type { Migration } from "../../src/core/migration.ts";
import { rebuildTable } from "../../src/helpers/rebuild.ts";
import { repoPath, withTempDir } from "../support/util.ts";

const messages = (report: { differences: { message: string }[] }) => report.differences.map((d) => d.message);

const USERS_AND_POSTS: Migration[] = [
  {
    version: 1,
    description: "create users",
    up: (db) =>
      db.exec(
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT)",
      ),
  },
  {
    version: 2,
    description: "create posts",
    up: (db) =>
      db.exec(
        `CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), body TEXT);
               CREATE INDEX posts_user ON posts (user_id);`,
      ),
  },
];

Deno.test("checkDrift() finds a table that CREATE TABLE IF NOT EXISTS kept in an older shape", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
    await new MigrationManager(db).registerMigrations(USERS_AND_POSTS).migrate();
    const report = await checkDrift(db, USERS_AND_POSTS);
    assert.equal(report.version, 2);
    assert.deepEqual(messages(report), [
      "table users: column email is TEXT NOT NULL in the migrations but TEXT in the database",
      "table users: column name is in the migrations but not in the database",
      "table users: UNIQUE (email) is in the migrations but not in the database",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() finds no drift in a database made by the repository's migrations", async () => {
  await withTempDir(async (dir) => {
    const migrations = await loadMigrations(repoPath("migrations"));
    const db = await openDatabase(join(dir, "app.db"), { migrations });
    try {
      const report = await checkDrift(db, migrations);
      assert.equal(report.version, migrations.at(-1)!.version);
      assert.deepEqual(report.differences, []);
      assert.ok(report.expected.tables.length > 0);
      assert.deepEqual(report.actual, report.expected);
    } finally {
      db.close();
    }
  });
});

Deno.test("checkDrift() finds changes made by hand after the migrations ran", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(db).registerMigrations(USERS_AND_POSTS).migrate();
    db.exec(
      "DROP INDEX posts_user; CREATE INDEX users_name ON users (name); ALTER TABLE posts ADD COLUMN draft INTEGER",
    );
    assert.deepEqual(messages(await checkDrift(db, USERS_AND_POSTS)), [
      "table posts: column draft is in the database but not in the migrations",
      "index posts_user is in the migrations but not in the database",
      "index users_name is in the database but not in the migrations",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() compares with the migrations up to the database's version, not the newest", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(db).registerMigrations(USERS_AND_POSTS).migrate({ targetVersion: 1 });
    const report = await checkDrift(db, USERS_AND_POSTS);
    assert.equal(report.version, 1);
    assert.deepEqual(report.differences, []);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() with a version tells whether a schema made outside migrations matches a baseline", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`
      CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
      CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), body TEXT);`);
    assert.deepEqual(messages(await checkDrift(db, USERS_AND_POSTS, { version: 1 })), [
      "table posts is in the database but not in the migrations",
    ]);
    assert.deepEqual(messages(await checkDrift(db, USERS_AND_POSTS, { version: 2 })), [
      "index posts_user is in the migrations but not in the database",
    ]);
    db.exec("CREATE INDEX posts_user ON posts (user_id)");
    assert.deepEqual(messages(await checkDrift(db, USERS_AND_POSTS, { version: 2 })), []);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() sees a table made by a rebuild and the same table written by hand as equal", async () => {
  const migrations: Migration[] = [
    {
      version: 1,
      description: "users",
      up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT)"),
    },
    {
      version: 2,
      description: "require email",
      up: async (db) =>
        void await rebuildTable(db, "users", { columns: { email: "TEXT NOT NULL", legacy: null } }),
    },
  ];
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("create table USERS ( id integer primary key , email text not null )");
    assert.deepEqual(messages(await checkDrift(db, migrations, { version: 2 })), []);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() leaves out a history table of another name", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(db, { historyTable: "app_versions" }).registerMigrations(USERS_AND_POSTS)
      .migrate();
    const report = await checkDrift(db, USERS_AND_POSTS, { historyTable: "app_versions" });
    assert.deepEqual([report.version, report.differences], [2, []]);
    assert.deepEqual(report.actual.tables.map((table) => table.name), ["posts", "users"]);
  } finally {
    db.close();
  }
});

Deno.test("checkDrift() refuses a version no known migration reaches", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    await assert.rejects(
      checkDrift(db, USERS_AND_POSTS, { version: 5 }),
      (error: unknown) => {
        assert.ok(error instanceof DatabaseStateError);
        assert.equal(error.reason, "future-version");
        assert.match(error.message, /Cannot check drift at version 5: the newest known migration is 2/);
        return true;
      },
    );
  } finally {
    db.close();
  }
});

Deno.test("replayMigrations() returns an in-memory database at the version asked for", async () => {
  const memory = await replayMigrations(USERS_AND_POSTS, { version: 1 });
  try {
    assert.deepEqual(
      memory.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name",
      ).all()
        .map((row) => row.name),
      ["users"],
    );
  } finally {
    memory.close();
  }
});
