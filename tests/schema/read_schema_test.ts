import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NodeSqliteEngine } from "../../src/engines/node_sqlite.ts";
import type { DatabaseSchema } from "../../src/sql/schema_model.ts";
import { readSchema } from "../../src/schema/read_schema.ts";
import { migrateOnce } from "../support/migrate.ts";

async function schemaOf(sql: string, options: { historyTable?: string } = {}): Promise<DatabaseSchema> {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(sql);
    return await readSchema(db, options);
  } finally {
    db.close();
  }
}

Deno.test("readSchema() reads each column's type, NOT NULL, DEFAULT, key position, collation and generated expression", async () => {
  const schema = await schemaOf(`CREATE TABLE items (
    shop INTEGER NOT NULL,
    sku TEXT COLLATE NOCASE,
    price REAL DEFAULT (0.5 * 2),
    vat REAL GENERATED ALWAYS AS (price * 0.2) STORED,
    label AS (upper(sku)),
    PRIMARY KEY (sku, shop)
  )`);
  assert.deepEqual(schema.tables[0].columns, [
    {
      name: "shop",
      type: "INTEGER",
      notNull: true,
      default: null,
      primaryKey: 2,
      collate: null,
      generated: null,
    },
    {
      name: "sku",
      type: "TEXT",
      notNull: false,
      default: null,
      primaryKey: 1,
      collate: "NOCASE",
      generated: null,
    },
    {
      name: "price",
      type: "REAL",
      notNull: false,
      default: "0.5 * 2",
      primaryKey: 0,
      collate: null,
      generated: null,
    },
    {
      name: "vat",
      type: "REAL",
      notNull: false,
      default: null,
      primaryKey: 0,
      collate: null,
      generated: { kind: "stored", expression: "price * 0.2" },
    },
    {
      name: "label",
      type: "",
      notNull: false,
      default: null,
      primaryKey: 0,
      collate: null,
      generated: { kind: "virtual", expression: "upper(sku)" },
    },
  ]);
});

Deno.test("readSchema() reads WITHOUT ROWID, STRICT, AUTOINCREMENT, UNIQUE and CHECK constraints and foreign keys", async () => {
  const schema = await schemaOf(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE CHECK (length(code) = 3));
    CREATE TABLE members (
      team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      user_id INTEGER NOT NULL,
      role TEXT,
      PRIMARY KEY (team_id, user_id),
      UNIQUE (user_id, role),
      CONSTRAINT known_role CHECK (role IN ('owner', 'member')),
      FOREIGN KEY (user_id) REFERENCES users
    ) WITHOUT ROWID, STRICT;`);
  const [members, teams] = schema.tables;
  assert.deepEqual(
    [members.withoutRowid, members.strict, members.autoincrement, teams.withoutRowid, teams.autoincrement],
    [true, true, false, false, true],
  );
  assert.deepEqual(members.uniques, [["user_id", "role"]]);
  assert.deepEqual(teams.uniques, [["code"]]);
  assert.deepEqual(members.checks, ["CONSTRAINT known_role CHECK (role IN ('owner', 'member'))"]);
  assert.deepEqual(teams.checks, ["CHECK (length(code) = 3)"]);
  assert.deepEqual(members.foreignKeys, [
    { columns: ["team_id"], table: "teams", references: ["id"], onUpdate: "NO ACTION", onDelete: "CASCADE" },
    { columns: ["user_id"], table: "users", references: [], onUpdate: "NO ACTION", onDelete: "NO ACTION" },
  ]);
});

Deno.test("readSchema() reads indexes: unique, partial and on expressions", async () => {
  const schema = await schemaOf(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted INTEGER);
    CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE deleted = 0;
    CREATE INDEX users_deleted ON users (deleted DESC, id);`);
  assert.deepEqual(schema.indexes, [
    {
      name: "users_deleted",
      table: "users",
      unique: false,
      columns: ["deleted DESC", "id"],
      where: null,
      sql: "CREATE INDEX users_deleted ON users(deleted DESC, id)",
    },
    {
      name: "users_email",
      table: "users",
      unique: true,
      columns: ["lower(email)"],
      where: "deleted = 0",
      sql: "CREATE UNIQUE INDEX users_email ON users(lower(email)) WHERE deleted = 0",
    },
  ]);
});

Deno.test("readSchema() reads triggers and views, keeps view text as written and says why a view does not work", async () => {
  const schema = await schemaOf(`
    CREATE TABLE t (a INTEGER, b INTEGER);
    CREATE VIEW sums AS SELECT a+b, a  +  b AS spaced FROM t;
    CREATE VIEW broken AS SELECT gone FROM t;
    CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;`);
  assert.deepEqual(schema.views, [
    {
      name: "broken",
      columns: [],
      error: "no such column: gone",
      sql: "CREATE VIEW broken AS SELECT gone FROM t",
    },
    {
      name: "sums",
      columns: ["a+b", "spaced"],
      error: null,
      sql: "CREATE VIEW sums AS SELECT a+b, a  +  b AS spaced FROM t",
    },
  ]);
  assert.deepEqual(schema.triggers, [
    {
      name: "t_audit",
      table: "t",
      sql: "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN\n  SELECT 1;\n  SELECT 2;\nEND",
    },
  ]);
});

Deno.test("readSchema() leaves out SQLite's own tables and the history tables, whatever their name", async () => {
  const sql = `
    CREATE TABLE kept (id INTEGER PRIMARY KEY AUTOINCREMENT);
    CREATE TABLE strata_migrations (version INTEGER); CREATE TABLE strata_migrations_runs (id INTEGER);
    CREATE INDEX history_version ON strata_migrations (version);
    CREATE TABLE app_history (version INTEGER); CREATE TABLE app_history_runs (id INTEGER);
    ANALYZE;`;
  const names = (schema: DatabaseSchema) =>
    [...schema.tables, ...schema.indexes].map((object) => object.name);
  assert.deepEqual(names(await schemaOf(sql)), ["app_history", "app_history_runs", "kept"]);
  assert.deepEqual(names(await schemaOf(sql, { historyTable: "app_history" })), [
    "kept",
    "strata_migrations",
    "strata_migrations_runs",
    "history_version",
  ]);
});

Deno.test("readSchema() gives the same model for the same schema created in another order and spacing", async () => {
  const first = await schemaOf(`
    CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE a (x TEXT, y TEXT, UNIQUE (y), UNIQUE (x));
    CREATE INDEX b_name ON b (name);`);
  const second = await schemaOf(`
    create table a(x TEXT,y TEXT, unique(x), unique(y));
    create table b(
      id INTEGER primary key,
      name TEXT not null
    );
    create index if not exists b_name on b ( name );`);
  assert.deepEqual(second.tables.map((t) => t.columns), first.tables.map((t) => t.columns));
  assert.deepEqual(second.tables.map((t) => t.uniques), first.tables.map((t) => t.uniques));
  assert.deepEqual(second.indexes.map((i) => i.columns), first.indexes.map((i) => i.columns));
  assert.deepEqual(second.tables.map((t) => t.name), ["a", "b"]);
});

Deno.test("readSchema() reads through a migration's executor, an engine and a transaction alike", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE t (a TEXT)");
    let insideMigration: DatabaseSchema | undefined;
    await migrateOnce(db, async (executor) => {
      insideMigration = await readSchema(executor);
    });
    const engine = new NodeSqliteEngine(db);
    const tx = await engine.beginWrite();
    const inTransaction = await readSchema(tx);
    await tx.rollback();
    assert.deepEqual(insideMigration, await readSchema(db));
    assert.deepEqual(await readSchema(engine), inTransaction);
  } finally {
    db.close();
  }
});
