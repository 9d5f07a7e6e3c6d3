import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError, type MigrationInput, MigrationManager } from "../../mod.ts";
import { readSchema } from "../../src/schema/mod.ts";
import { parseSqlMigration } from "../../src/source/sql_file.ts";
import { diffSchemas } from "../../src/schema/diff.ts";
import {
  type GeneratedMigration,
  generateMigration,
  schemaOfStatements,
} from "../../src/schema/write_migration.ts";
import { FOREIGN_KEYS_GUARD } from "../../src/schema/migration_plan.ts";
import { sqlFileMigration } from "../../src/core/load_migrations.ts";

/** The one migration a test starts from. */
function start(sql: string): MigrationInput[] {
  return [{ version: 1, description: "start", up: (db) => db.exec(sql) }];
}

/** Generates the migration from `before` to `after`. */
async function generate(
  before: string,
  after: string,
  rename: Record<string, string> = {},
): Promise<GeneratedMigration & { text: string }> {
  const generated = await generateMigration(start(before), after, { rename, description: "change" });
  assert.ok(generated.text, "a migration was generated");
  return generated as GeneratedMigration & { text: string };
}

/** The up or down section of a generated file. */
function section(text: string, name: "up" | "down"): string {
  const up = text.indexOf("-- migrate:up");
  const down = text.indexOf("-- migrate:down");
  return name === "up" ? text.slice(up, down) : text.slice(down);
}

/** Statements of a section, comments left out. */
function statements(sql: string): string[] {
  return sql.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("--"));
}

/**
 * Applies `before` and `fill` to a database, runs the generated migration with strata's runner and
 * hands the database to `check`, then rolls the migration back and checks the schema is `before`'s.
 */
async function applied(
  before: string,
  fill: string,
  generated: { text: string },
  check: (db: DatabaseSync) => void | Promise<void>,
): Promise<void> {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      ...start(before),
      sqlFileMigration(
        { version: 2, description: "change" },
        parseSqlMigration(generated.text, "002_change.sql"),
      ),
    ]);
    await manager.migrate({ targetVersion: 1 });
    db.exec(fill);
    await manager.migrate();
    await check(db);
    await manager.rollback();
    assert.deepEqual(diffSchemas(await schemaOfStatements(before, "before"), await readSchema(db)), []);
  } finally {
    db.close();
  }
}

Deno.test("generateMigration() writes nothing when the schema is the one the migrations produce", async () => {
  const sql = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);";
  const generated = await generateMigration(
    start(sql),
    "create table users(id integer primary key, email text)",
  );
  assert.equal(generated.text, null);
  assert.deepEqual(generated.differences, []);
});

Deno.test("a nullable column added at the end is one ADD COLUMN, and dropping it is one DROP COLUMN", async () => {
  const generated = await generate(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nickname TEXT DEFAULT 'none');",
  );
  assert.deepEqual(statements(section(generated.text, "up")), [
    "ALTER TABLE users ADD COLUMN nickname TEXT DEFAULT 'none';",
  ]);
  assert.deepEqual(statements(section(generated.text, "down")), ["ALTER TABLE users DROP COLUMN nickname;"]);
  assert.deepEqual(generated.down.map((c) => c.message), ["drops column nickname of users and its values"]);
});

Deno.test("a column with a non-constant default is added by a rebuild, which works on a table with rows", async () => {
  const before = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);";
  const generated = await generate(
    before,
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created TEXT DEFAULT (datetime('now')));",
  );
  assert.doesNotMatch(generated.text, /ADD COLUMN/);
  assert.match(section(generated.text, "up"), /CREATE TABLE new_notes/);
  await applied(before, "INSERT INTO notes VALUES (1, 'a'), (2, 'b')", generated, (db) => {
    const rows = db.prepare("SELECT id, body, created IS NOT NULL AS dated FROM notes ORDER BY id").all();
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 1, body: "a", dated: 1 }, {
      id: 2,
      body: "b",
      dated: 1,
    }]);
  });
});

Deno.test("a rebuild keeps every row, rowid, index, trigger and AUTOINCREMENT counter of the table", async () => {
  const before = `CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT, level TEXT);
    CREATE INDEX log_level ON log (level);
    CREATE TABLE counts (n INTEGER);
    CREATE TRIGGER log_count AFTER INSERT ON log BEGIN UPDATE counts SET n = n + 1; END;
    CREATE TABLE tags (name TEXT, note TEXT);`;
  const after = before.replace("level TEXT", "level TEXT NOT NULL DEFAULT 'info'").replace(
    "CREATE TABLE tags (name TEXT, note TEXT)",
    "CREATE TABLE tags (name TEXT, note TEXT NOT NULL DEFAULT '')",
  );
  const generated = await generate(before, after);
  const fill = `INSERT INTO counts VALUES (0);
    INSERT INTO log (line, level) VALUES ('a', NULL), ('b', 'warn'), ('c', 'info');
    DELETE FROM log WHERE line = 'c';
    INSERT INTO tags VALUES ('x', NULL), ('y', 'z'); DELETE FROM tags WHERE name = 'x'; INSERT INTO tags VALUES ('w', 'v');`;
  await applied(before, fill, generated, (db) => {
    assert.deepEqual(db.prepare("SELECT id, line, level FROM log").all().map((r) => ({ ...r })), [
      { id: 1, line: "a", level: "info" },
      { id: 2, line: "b", level: "warn" },
    ]);
    assert.equal(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'log'").get()?.seq, 3);
    assert.deepEqual(db.prepare("SELECT rowid, name FROM tags").all().map((r) => ({ ...r })), [
      { rowid: 2, name: "y" },
      { rowid: 3, name: "w" },
    ]);
    assert.equal(
      db.prepare("SELECT n FROM counts").get()?.n,
      3,
      "the trigger did not fire during the rebuild",
    );
    db.exec("INSERT INTO log (line) VALUES ('d')");
    assert.equal(db.prepare("SELECT n FROM counts").get()?.n, 4, "the trigger is back");
    assert.equal(db.prepare("SELECT max(id) AS id FROM log").get()?.id, 4);
    assert.ok(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'log_level'").get());
  });
});

Deno.test("rebuilding a parent table never deletes or changes the rows that reference it, whatever their ON DELETE", async () => {
  const before = `CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE);
    CREATE TABLE owners (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL);`;
  const after = before.replace("name TEXT)", "name TEXT NOT NULL DEFAULT '')");
  const generated = await generate(before, after);
  const fill =
    "INSERT INTO teams VALUES (1, 'a'); INSERT INTO members VALUES (1, 1); INSERT INTO owners VALUES (1, 1);";
  await applied(before, fill, generated, (db) => {
    assert.deepEqual({ ...db.prepare("SELECT * FROM members").get() }, { id: 1, team_id: 1 });
    assert.deepEqual({ ...db.prepare("SELECT * FROM owners").get() }, { id: 1, team_id: 1 });
  });
});

Deno.test("SQL that rebuilds a referenced table stops at its guard, changing nothing, when foreign keys are enforced", async () => {
  const before = `CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE);`;
  const generated = await generate(before, before.replace("name TEXT)", "name TEXT NOT NULL DEFAULT '')"));
  assert.ok(section(generated.text, "up").includes(FOREIGN_KEYS_GUARD));
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`${before} INSERT INTO teams VALUES (1, 'a'); INSERT INTO members VALUES (1, 1);`);
    db.exec("BEGIN");
    assert.throws(
      () => db.exec(section(generated.text, "up")),
      /CHECK constraint failed: foreign keys are enforced: run this migration with PRAGMA foreign_keys = OFF/,
    );
    db.exec("ROLLBACK");
    assert.deepEqual({ ...db.prepare("SELECT * FROM members").get() }, { id: 1, team_id: 1 });
  } finally {
    db.close();
  }
});

Deno.test("SQL that rebuilds only tables nothing references has no guard, and runs with foreign keys enforced", async () => {
  const before = `CREATE TABLE teams (id INTEGER PRIMARY KEY);
    CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE, role TEXT);`;
  const generated = await generate(
    before,
    before.replace("role TEXT)", "role TEXT NOT NULL DEFAULT 'member')"),
  );
  assert.ok(!generated.text.includes(FOREIGN_KEYS_GUARD));
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`${before} INSERT INTO teams VALUES (1); INSERT INTO members VALUES (1, 1, NULL);`);
    db.exec(`BEGIN; ${section(generated.text, "up")} COMMIT;`);
    assert.deepEqual({ ...db.prepare("SELECT * FROM members").get() }, { id: 1, team_id: 1, role: "member" });
    assert.equal(db.prepare("SELECT count(*) AS n FROM teams").get()?.n, 1);
  } finally {
    db.close();
  }
});

Deno.test("views and triggers that name a rebuilt table are dropped before it and created again after", async () => {
  const before = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
    CREATE TABLE audit (note TEXT);
    CREATE VIEW emails AS SELECT email FROM users;
    CREATE VIEW email_count AS SELECT count(*) AS n FROM emails;
    CREATE TRIGGER audit_note AFTER INSERT ON audit BEGIN SELECT count(*) FROM users; END;`;
  const generated = await generate(before, before.replace("email TEXT)", "email TEXT NOT NULL DEFAULT '')"));
  const up = statements(section(generated.text, "up"));
  const at = (prefix: string) => up.findIndex((s) => s.startsWith(prefix));
  for (const name of ["DROP VIEW emails", "DROP VIEW email_count", "DROP TRIGGER audit_note"]) {
    assert.ok(at(name) >= 0 && at(name) < at("DROP TABLE users"), name);
  }
  for (const name of ["CREATE VIEW emails", "CREATE VIEW email_count", "CREATE TRIGGER audit_note"]) {
    assert.ok(at(name) > at("ALTER TABLE new_users RENAME TO users"), name);
  }
  await applied(before, "INSERT INTO users VALUES (1, NULL)", generated, (db) => {
    assert.deepEqual({ ...db.prepare("SELECT n FROM email_count").get() }, { n: 1 });
  });
});

Deno.test("a column that disappears while another appears is dropped and added, not guessed to be renamed", async () => {
  const before = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);";
  const generated = await generate(before, "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT);");
  assert.doesNotMatch(generated.text, /RENAME/);
  assert.deepEqual(generated.up.map((c) => c.message), ["drops column name of users and its values"]);
  assert.match(generated.text, /-- Loses data: drops column name of users and its values\./);
});

Deno.test("--rename renames a column and a table, keeping their rows, and the down renames them back", async () => {
  const before = `CREATE TABLE teams (id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, team_id INTEGER REFERENCES teams (id));
    CREATE INDEX users_name ON users (name);`;
  const after = `CREATE TABLE "groups" (id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT, team_id INTEGER REFERENCES "groups" (id));
    CREATE INDEX users_name ON users (full_name);`;
  const generated = await generate(before, after, { "users.name": "full_name", teams: "groups" });
  assert.deepEqual(statements(section(generated.text, "up")), [
    'ALTER TABLE teams RENAME TO "groups";',
    "ALTER TABLE users RENAME COLUMN name TO full_name;",
  ]);
  assert.deepEqual([...generated.up, ...generated.down], []);
  const fill = "INSERT INTO teams VALUES (1, 'a'); INSERT INTO users VALUES (1, 'Ada', 1);";
  await applied(before, fill, generated, (db) => {
    assert.deepEqual({ ...db.prepare("SELECT * FROM users").get() }, { id: 1, full_name: "Ada", team_id: 1 });
    assert.deepEqual({ ...db.prepare('SELECT * FROM "groups"').get() }, { id: 1, title: "a" });
  });
});

Deno.test("a rename that does not fit both schemas is refused, naming it and why", async () => {
  const before = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);";
  const after = "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT);";
  for (
    const [rename, why] of [
      [
        { "users.nick": "full_name" },
        /Cannot rename users\.nick to full_name: table users has no column nick/,
      ],
      [
        { "users.name": "nickname" },
        /Cannot rename users\.name to nickname: table users has no column nickname in/,
      ],
      [{ people: "persons" }, /Cannot rename people to persons: the migrations have no table people/],
    ] as const
  ) {
    await assert.rejects(
      generateMigration(start(before), after, { rename }),
      (error) => error instanceof InvalidInputError && error.input === "rename" && why.test(error.message),
    );
  }
});

Deno.test("a retyped column's values move as INSERT converts them by affinity, not as CAST does", async () => {
  const before = "CREATE TABLE codes (code TEXT);";
  const generated = await generate(before, "CREATE TABLE codes (code INTEGER);");
  assert.doesNotMatch(generated.text, /CAST/);
  assert.deepEqual(generated.up.map((c) => c.kind), ["retype"]);
  await applied(before, "INSERT INTO codes VALUES ('007'), ('abc'), ('1.0')", generated, (db) => {
    const rows = db.prepare("SELECT code, typeof(code) AS type FROM codes ORDER BY rowid").all().map((r) => ({
      ...r,
    }));
    assert.deepEqual(rows, [
      { code: 7, type: "integer" },
      { code: "abc", type: "text" },
      { code: 1, type: "integer" },
    ]);
  });
});

Deno.test("DEFAULT NULL and no default are different schemas", async () => {
  const generated = await generate(
    "CREATE TABLE t (a TEXT);",
    "CREATE TABLE t (a TEXT DEFAULT NULL);",
  );
  assert.deepEqual(generated.differences, [
    "table t: column a is TEXT DEFAULT NULL in the new schema but TEXT in migration 001",
  ]);
});

Deno.test("a new NOT NULL column without a DEFAULT on a table with rows is refused, with what to do", async () => {
  await assert.rejects(
    generateMigration(
      start("CREATE TABLE users (id INTEGER PRIMARY KEY);"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);",
      {
        targetLabel: "schema.sql",
      },
    ),
    (error) =>
      error instanceof InvalidInputError &&
      /Column email of users is NOT NULL without a DEFAULT.*Give it a DEFAULT in schema\.sql/.test(
        error.message,
      ),
  );
});

Deno.test("a new UNIQUE column whose default every row would share is refused", async () => {
  await assert.rejects(
    generateMigration(
      start("CREATE TABLE users (id INTEGER PRIMARY KEY);"),
      "CREATE TABLE users (id INTEGER PRIMARY KEY, code TEXT UNIQUE DEFAULT 'x');",
    ),
    (error) =>
      error instanceof InvalidInputError &&
      /Column code of users is UNIQUE with DEFAULT 'x'/.test(error.message),
  );
});

Deno.test("a down that restores a dropped NOT NULL column fills it with a value its CHECK accepts, and says so", async () => {
  const before =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, role TEXT NOT NULL CHECK (role <> ''), code TEXT NOT NULL UNIQUE);";
  const generated = await generate(before, "CREATE TABLE users (id INTEGER PRIMARY KEY);");
  assert.deepEqual(generated.down.map((c) => c.message), [
    "restores column role of users without its values, which are gone: every row gets 0",
    "restores column code of users without its values, which are gone: every row gets its row number",
  ]);
  await applied(
    before,
    "INSERT INTO users VALUES (1, 'admin', 'a'), (2, 'member', 'b')",
    generated,
    () => {},
  );
});

Deno.test("a schema file with a statement that is not a CREATE is refused, naming its line", async () => {
  await assert.rejects(
    generateMigration(start("CREATE TABLE t (a);"), "CREATE TABLE t (a);\n\nINSERT INTO t VALUES (1);", {
      targetLabel: "schema.sql",
    }),
    (error) =>
      error instanceof InvalidInputError &&
      /^schema\.sql:3: "INSERT INTO t VALUES \(1\)" is not/.test(error.message),
  );
});

Deno.test("a schema file may name tables before creating them", async () => {
  const schema = await schemaOfStatements(
    "CREATE INDEX posts_user ON posts (user_id); CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);",
    "schema.sql",
  );
  assert.deepEqual(schema.indexes.map((i) => i.name), ["posts_user"]);
});

Deno.test("a column of a renamed table is renamed by the table's old name or its new one", async () => {
  const before = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);";
  const after = "CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT);";
  for (const column of ["users.name", "people.name"]) {
    const generated = await generate(before, after, { users: "people", [column]: "full_name" });
    assert.deepEqual(statements(section(generated.text, "up")), [
      "ALTER TABLE users RENAME TO people;",
      "ALTER TABLE people RENAME COLUMN name TO full_name;",
    ], column);
  }
});
