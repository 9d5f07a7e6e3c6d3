import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { splitStatements, transactionConflict } from "../src/sql_script.ts";

function texts(sql: string): string[] {
  return splitStatements(sql).map((s) => s.text);
}

function conflict(sql: string): string | null {
  const [statement] = splitStatements(sql);
  return transactionConflict(statement);
}

Deno.test("splitStatements() splits on semicolons, trims, and drops empty statements", () => {
  assert.deepEqual(texts("CREATE TABLE a (x);\n  INSERT INTO a VALUES (1) ;;\n\n"), [
    "CREATE TABLE a (x)",
    "INSERT INTO a VALUES (1)",
  ]);
  assert.deepEqual(texts(""), []);
  assert.deepEqual(texts(" ; ;\n"), []);
});

Deno.test("splitStatements() keeps a last statement without a semicolon", () => {
  assert.deepEqual(texts("SELECT 1; SELECT 2"), ["SELECT 1", "SELECT 2"]);
});

Deno.test("splitStatements() ignores semicolons inside strings, including doubled quotes", () => {
  assert.deepEqual(texts("INSERT INTO a VALUES ('x; y'); INSERT INTO a VALUES ('it''s; fine')"), [
    "INSERT INTO a VALUES ('x; y')",
    "INSERT INTO a VALUES ('it''s; fine')",
  ]);
});

Deno.test("splitStatements() ignores semicolons inside quoted identifiers", () => {
  assert.deepEqual(
    texts('CREATE TABLE "odd;name" (x); CREATE TABLE `b;c` (y); CREATE TABLE [d;e] (z); SELECT 1'),
    ['CREATE TABLE "odd;name" (x)', "CREATE TABLE `b;c` (y)", "CREATE TABLE [d;e] (z)", "SELECT 1"],
  );
});

Deno.test("splitStatements() ignores semicolons in line and block comments", () => {
  assert.deepEqual(
    texts("-- first; not a split\nSELECT 1; /* a; b; */ SELECT 2 -- tail;\n; SELECT 3"),
    ["-- first; not a split\nSELECT 1", "/* a; b; */ SELECT 2 -- tail;", "SELECT 3"],
  );
});

Deno.test("splitStatements() drops statements that are only comments", () => {
  assert.deepEqual(texts("-- nothing here;\n/* nor; here */;"), []);
});

Deno.test("splitStatements() keeps a CREATE TRIGGER ... BEGIN ... END body whole, with CASE inside", () => {
  const sql = `
    CREATE TABLE t (x, y);
    CREATE TRIGGER trg AFTER INSERT ON t
    WHEN NEW.x IS NOT NULL
    BEGIN
      UPDATE t SET y = CASE WHEN NEW.x > 0 THEN 'pos; itive' ELSE 'neg' END WHERE rowid = NEW.rowid;
      INSERT INTO t (x, y) SELECT NULL, CASE NEW.x WHEN 1 THEN 'one' END;
    END;
    INSERT INTO t (x) VALUES (1)`;
  const statements = splitStatements(sql);
  assert.equal(statements.length, 3);
  assert.match(statements[1].text, /^CREATE TRIGGER trg[\s\S]*END$/);
  assert.deepEqual(statements[2].keywords.slice(0, 2), ["INSERT", "INTO"]);
});

Deno.test("splitStatements() handles CREATE TEMP TRIGGER IF NOT EXISTS and a CASE in the WHEN clause", () => {
  const sql = `CREATE TEMP TRIGGER IF NOT EXISTS trg BEFORE DELETE ON t
    WHEN CASE WHEN OLD.x > 0 THEN 1 ELSE 0 END
    BEGIN SELECT RAISE(ABORT, 'no; way'); END; SELECT 2;`;
  assert.equal(splitStatements(sql).length, 2);
});

Deno.test("splitStatements() splits the way SQLite runs the script", () => {
  const sql = `
    CREATE TABLE log (msg TEXT);
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
      INSERT INTO log VALUES (CASE WHEN NEW.name LIKE '%;%' THEN 'semi; colon' ELSE NEW.name END);
    END;
    INSERT INTO items (name) VALUES ('a;b'), ('c');`;
  const db = new DatabaseSync(":memory:");
  try {
    for (const statement of splitStatements(sql)) db.exec(statement.text);
    assert.deepEqual(db.prepare("SELECT msg FROM log ORDER BY rowid").all().map((r) => r.msg), [
      "semi; colon",
      "c",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("splitStatements() reports up to five leading keywords in upper case", () => {
  assert.deepEqual(splitStatements("create table users (id, x)")[0].keywords, [
    "CREATE",
    "TABLE",
    "USERS",
    "(",
    "ID",
  ]);
  assert.deepEqual(splitStatements("pragma main.journal_mode = wal")[0].keywords, [
    "PRAGMA",
    "MAIN",
    ".",
    "JOURNAL_MODE",
    "=",
  ]);
});

Deno.test("transactionConflict() flags statements that would end the migration's transaction", () => {
  for (const sql of ["BEGIN", "begin transaction", "BEGIN EXCLUSIVE", "COMMIT", "END", "ROLLBACK"]) {
    assert.match(conflict(sql) ?? "", /would end the transaction/, sql);
  }
});

Deno.test("transactionConflict() flags what SQLite refuses or ignores inside a transaction", () => {
  assert.match(conflict("VACUUM") ?? "", /VACUUM/);
  assert.match(conflict("VACUUM INTO 'x.db'") ?? "", /VACUUM/);
  assert.match(conflict("ATTACH 'x.db' AS x") ?? "", /ATTACH/);
  assert.match(conflict("DETACH x") ?? "", /DETACH/);
  assert.match(conflict("PRAGMA journal_mode = WAL") ?? "", /journal_mode/);
  assert.match(conflict("PRAGMA main.journal_mode=DELETE") ?? "", /journal_mode/);
  assert.match(conflict("PRAGMA foreign_keys = ON") ?? "", /foreign_keys/);
});

Deno.test("transactionConflict() allows ordinary statements, savepoints and ROLLBACK TO", () => {
  for (
    const sql of [
      "CREATE TABLE begin_log (x)",
      "INSERT INTO t VALUES ('COMMIT')",
      "SAVEPOINT s",
      "RELEASE SAVEPOINT s",
      "ROLLBACK TO s",
      "ROLLBACK TO SAVEPOINT s",
      "PRAGMA user_version = 3",
      "PRAGMA foreign_key_check",
      "-- COMMIT\nSELECT 1",
    ]
  ) {
    assert.equal(conflict(sql), null, sql);
  }
});

Deno.test("no statement of a trigger with CASE ... END is mistaken for transaction control", () => {
  const sql = `CREATE TRIGGER trg AFTER UPDATE ON t BEGIN
      UPDATE t SET y = CASE WHEN NEW.x THEN 1 ELSE 0 END;
      UPDATE t SET z = CASE NEW.x WHEN 1 THEN 'a' END;
    END;
    CREATE TRIGGER trg2 AFTER DELETE ON t BEGIN DELETE FROM u WHERE id = OLD.id; END`;
  const statements = splitStatements(sql);
  assert.equal(statements.length, 2);
  assert.deepEqual(statements.map(transactionConflict), [null, null]);
});
