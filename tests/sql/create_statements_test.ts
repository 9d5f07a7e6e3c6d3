import assert from "node:assert/strict";
import {
  formatCreateTable,
  formatTrigger,
  parseCreateIndex,
  parseCreateTable,
  triggerEvent,
} from "../../src/sql/create_statements.ts";

Deno.test("parseCreateTable() finds columns, their checks, collations and generated expressions, and table constraints", () => {
  const table = parseCreateTable(`CREATE TABLE IF NOT EXISTS main."my table" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    price DECIMAL(10, 2) NOT NULL CONSTRAINT positive CHECK (price > 0),
    name TEXT COLLATE NOCASE DEFAULT (lower('X')),
    total REAL GENERATED ALWAYS AS (price * 1.2) STORED,
    half AS (price / 2),
    CONSTRAINT one_name UNIQUE (name),
    FOREIGN KEY (id) REFERENCES other (id),
    CHECK (price < 1000)
  ) WITHOUT ROWID, STRICT`);
  assert.equal(table.name, "my table");
  assert.equal(table.autoincrement, true);
  assert.deepEqual(table.options, ["WITHOUT ROWID", "STRICT"]);
  assert.deepEqual(table.columns.map((c) => [c.name, c.type, c.collate, c.generated, c.checks]), [
    ["id", "INTEGER", null, null, []],
    ["price", "DECIMAL(10, 2)", null, null, ["CONSTRAINT positive CHECK (price > 0)"]],
    ["name", "TEXT", "NOCASE", null, []],
    ["total", "REAL", null, { kind: "stored", expression: "price * 1.2" }, []],
    ["half", "", null, { kind: "virtual", expression: "price / 2" }, []],
  ]);
  assert.deepEqual(table.constraints, [
    { name: "one_name", kind: "UNIQUE", text: "CONSTRAINT one_name UNIQUE (name)" },
    { name: null, kind: "FOREIGN KEY", text: "FOREIGN KEY (id) REFERENCES other(id)" },
    { name: null, kind: "CHECK", text: "CHECK (price < 1000)" },
  ]);
});

Deno.test("parseCreateTable() reports where the name is, so a rebuild can create the table under another name", () => {
  const sql = 'CREATE TABLE "users" (id INTEGER)';
  const { nameSpan } = parseCreateTable(sql);
  assert.equal(sql.slice(...nameSpan), '"users"');
});

Deno.test("formatCreateTable() writes one column or constraint per line", () => {
  const sql = formatCreateTable(
    parseCreateTable("create table t(a int not null,  b text,unique(a,b)) strict"),
  );
  assert.equal(sql, "CREATE TABLE t (\n  a int not null,\n  b text,\n  unique (a, b)\n) STRICT");
});

Deno.test("parseCreateIndex() finds the table, keys and condition of an index", () => {
  assert.deepEqual(
    parseCreateIndex('CREATE UNIQUE INDEX i ON "t" (lower(a) DESC, b COLLATE NOCASE) WHERE a IS NOT NULL'),
    { unique: true, table: "t", columns: ["lower(a) DESC", "b COLLATE NOCASE"], where: "a IS NOT NULL" },
  );
});

Deno.test("triggerEvent() and formatTrigger() read a trigger's event and lay out its body", () => {
  const sql =
    "CREATE TRIGGER t AFTER UPDATE OF a ON x WHEN new.a > 0 BEGIN UPDATE y SET b = CASE WHEN 1 THEN 2 END; DELETE FROM z; END";
  assert.equal(triggerEvent(sql), "UPDATE");
  assert.equal(
    formatTrigger(sql),
    "CREATE TRIGGER t AFTER UPDATE OF a ON x WHEN new.a > 0 BEGIN\n  UPDATE y SET b = CASE WHEN 1 THEN 2 END;\n  DELETE FROM z;\nEND",
  );
});
