import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readSchema } from "../../src/schema/read_schema.ts";
import { diffSchemas, type DiffSchemasOptions } from "../../src/schema/diff.ts";

async function differences(
  expected: string,
  actual: string,
  options?: DiffSchemasOptions,
): Promise<string[]> {
  const [e, a] = [new DatabaseSync(":memory:"), new DatabaseSync(":memory:")];
  try {
    e.exec(expected);
    a.exec(actual);
    return diffSchemas(await readSchema(e), await readSchema(a), options).map((d) => d.message);
  } finally {
    e.close();
    a.close();
  }
}

Deno.test("diffSchemas() finds nothing between the same schema written with other spacing, case and quoting", async () => {
  assert.deepEqual(
    await differences(
      `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '' CHECK (email <> ''));
       CREATE INDEX users_email ON users (email);
       CREATE TRIGGER users_t AFTER INSERT ON users BEGIN SELECT 1; END;
       CREATE VIEW v AS SELECT id FROM users;`,
      `create table "users"(id integer primary key,email text not null default '' check(email<>''));
       create index [users_email] on users(EMAIL);
       create trigger users_t after insert on users begin select 1; end;
       create view v as select id from users;`,
    ),
    [],
  );
});

Deno.test("diffSchemas() names tables and columns on one side only", async () => {
  assert.deepEqual(
    await differences(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE teams (id INTEGER)",
      "CREATE TABLE users (id INTEGER PRIMARY KEY, nickname TEXT); CREATE TABLE legacy (id INTEGER)",
    ),
    [
      "table teams is in the migrations but not in the database",
      "table users: column email is in the migrations but not in the database",
      "table users: column nickname is in the database but not in the migrations",
      "table legacy is in the database but not in the migrations",
    ],
  );
});

Deno.test("diffSchemas() describes a changed column with its type, NOT NULL, DEFAULT and collation", async () => {
  assert.deepEqual(
    await differences(
      "CREATE TABLE users (email TEXT NOT NULL, age INTEGER DEFAULT 0, name TEXT COLLATE NOCASE)",
      "CREATE TABLE users (email TEXT, age INT, name TEXT)",
    ),
    [
      "table users: column email is TEXT NOT NULL in the migrations but TEXT in the database",
      "table users: column age is INTEGER DEFAULT 0 in the migrations but INT in the database",
      "table users: column name is TEXT COLLATE NOCASE in the migrations but TEXT in the database",
    ],
  );
});

Deno.test("diffSchemas() reports column order, primary key and table options", async () => {
  assert.deepEqual(await differences("CREATE TABLE t (a TEXT, b TEXT)", "CREATE TABLE t (b TEXT, a TEXT)"), [
    "table t: columns are in the order a, b in the migrations but b, a in the database",
  ]);
  assert.deepEqual(
    await differences(
      "CREATE TABLE t (a TEXT NOT NULL, b TEXT, PRIMARY KEY (a)) WITHOUT ROWID",
      "CREATE TABLE t (a TEXT NOT NULL, b TEXT, PRIMARY KEY (a, b))",
    ),
    [
      "table t is WITHOUT ROWID in the migrations but not in the database",
      "table t: primary key is (a) in the migrations but (a, b) in the database",
    ],
  );
  assert.deepEqual(
    await differences(
      "CREATE TABLE t (id INTEGER PRIMARY KEY)",
      "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT) STRICT",
    ),
    [
      "table t is STRICT in the database but not in the migrations",
      "table t is AUTOINCREMENT in the database but not in the migrations",
    ],
  );
});

Deno.test("diffSchemas() reports UNIQUE, CHECK and foreign-key constraints on one side only", async () => {
  assert.deepEqual(
    await differences(
      "CREATE TABLE t (a TEXT UNIQUE, b INTEGER CHECK (b > 0), c INTEGER REFERENCES p (id) ON DELETE CASCADE)",
      "CREATE TABLE t (a TEXT, b INTEGER CHECK (b >= 0), c INTEGER REFERENCES p (id))",
    ),
    [
      "table t: UNIQUE (a) is in the migrations but not in the database",
      "table t: CHECK (b > 0) is in the migrations but not in the database",
      "table t: CHECK (b >= 0) is in the database but not in the migrations",
      "table t: FOREIGN KEY (c) REFERENCES p (id) ON DELETE CASCADE is in the migrations but not in the database",
      "table t: FOREIGN KEY (c) REFERENCES p (id) is in the database but not in the migrations",
    ],
  );
});

Deno.test("diffSchemas() shows both definitions of a changed index, trigger or view", async () => {
  assert.deepEqual(
    await differences(
      `CREATE TABLE t (a TEXT, b TEXT); CREATE UNIQUE INDEX t_a ON t (a);
       CREATE TRIGGER t_x AFTER INSERT ON t BEGIN SELECT 1; END; CREATE VIEW v AS SELECT a FROM t;`,
      `CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX t_a ON t (a) WHERE a IS NOT NULL;
       CREATE TRIGGER t_x AFTER DELETE ON t BEGIN SELECT 1; END; CREATE VIEW v AS SELECT b FROM t;`,
    ),
    [
      'index t_a is "CREATE UNIQUE INDEX t_a ON t(a)" in the migrations but "CREATE INDEX t_a ON t(a) WHERE a IS NOT NULL" in the database',
      'view v is "CREATE VIEW v AS SELECT a FROM t" in the migrations but "CREATE VIEW v AS SELECT b FROM t" in the database',
      'trigger t_x is "CREATE TRIGGER t_x AFTER INSERT ON t BEGIN SELECT 1; END" in the migrations but ' +
      '"CREATE TRIGGER t_x AFTER DELETE ON t BEGIN SELECT 1; END" in the database',
    ],
  );
});

Deno.test("diffSchemas() tells apart views whose columns SQLite names differently, and a view that does not work", async () => {
  assert.deepEqual(
    await differences(
      "CREATE TABLE t (a INTEGER); CREATE VIEW v AS SELECT a+1 FROM t; CREATE VIEW w AS SELECT a FROM t",
      "CREATE TABLE t (a INTEGER); CREATE VIEW v AS SELECT a + 1 FROM t; CREATE VIEW w AS SELECT a FROM t_old",
    ),
    [
      "view v: its columns are named a+1 in the migrations but a + 1 in the database",
      'view w is "CREATE VIEW w AS SELECT a FROM t" in the migrations but "CREATE VIEW w AS SELECT a FROM t_old" in the database',
    ],
  );
  assert.deepEqual(
    await differences(
      "CREATE TABLE t (a INTEGER); CREATE VIEW w AS SELECT a FROM t",
      "CREATE TABLE t (b INTEGER); CREATE VIEW w AS SELECT a FROM t",
    ).then((found) => found.filter((message) => message.startsWith("view"))),
    ["view w does not work in the database: no such column: a"],
  );
});

Deno.test("diffSchemas() names the two sides as told", async () => {
  assert.deepEqual(
    await differences("CREATE TABLE t (a TEXT)", "CREATE TABLE u (a TEXT)", {
      expectedLabel: "migrations 1 to 3",
      actualLabel: "app.db",
    }),
    [
      "table t is in migrations 1 to 3 but not in app.db",
      "table u is in app.db but not in migrations 1 to 3",
    ],
  );
});
