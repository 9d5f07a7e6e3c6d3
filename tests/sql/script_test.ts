import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  lineCommentOffsets,
  setsForeignKeys,
  splitStatements,
  type SqlStatement,
  transactionConflict,
} from "../../src/sql/script.ts";

function texts(sql: string): string[] {
  return splitStatements(sql).map((s) => s.text);
}

const reserved = (name: string) => name.startsWith("strata_");

function conflict(sql: string): string | null {
  const [statement] = splitStatements(sql);
  return transactionConflict(statement, reserved);
}

function conflicts(statements: SqlStatement[]): (string | null)[] {
  return statements.map((statement) => transactionConflict(statement, reserved));
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
    ["SELECT 1", "SELECT 2 -- tail;", "SELECT 3"],
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

Deno.test("transactionConflict() flags what would reach past the transaction", () => {
  assert.match(conflict("ATTACH 'x.db' AS x") ?? "", /ATTACH/);
  assert.match(conflict("DETACH x") ?? "", /DETACH/);
  assert.match(conflict("PRAGMA journal_mode = WAL") ?? "", /journal_mode/);
  assert.match(conflict("PRAGMA main.journal_mode=DELETE") ?? "", /journal_mode/);
});

Deno.test("transactionConflict() flags releasing or rolling back to the runner's savepoints", () => {
  for (
    const sql of [
      "RELEASE strata_3",
      "RELEASE SAVEPOINT strata_3",
      'ROLLBACK TO "strata_3"',
      "ROLLBACK TRANSACTION TO SAVEPOINT [strata_3]",
      "SAVEPOINT strata_3",
    ]
  ) {
    assert.match(conflict(sql) ?? "", /savepoint strata_3 belongs to the runner/, sql);
  }
});

Deno.test("setsForeignKeys() tells a PRAGMA foreign_keys that sets it from one that reads it", () => {
  const sets = (sql: string) => setsForeignKeys(splitStatements(sql)[0]);
  assert.equal(sets("PRAGMA foreign_keys = OFF"), true);
  assert.equal(sets("pragma main.foreign_keys=on"), true);
  assert.equal(sets("PRAGMA foreign_keys"), false);
  assert.equal(sets("PRAGMA foreign_key_check"), false);
  assert.equal(conflict("PRAGMA foreign_keys = OFF"), null);
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
  assert.deepEqual(conflicts(statements), [null, null]);
});

Deno.test("a column named begin never hides a COMMIT after a trigger", () => {
  const sql = `CREATE TABLE t (begin, "end", x);
    CREATE TRIGGER trg AFTER INSERT ON t BEGIN
      UPDATE t SET begin = 0, "end" = CASE WHEN NEW.x > 0 THEN 1 END WHERE rowid = NEW.rowid;
    END;
    INSERT INTO t (x) VALUES (1); COMMIT; INSERT INTO t (x) VALUES (2)`;
  const statements = splitStatements(sql);
  assert.equal(statements.length, 5);
  assert.deepEqual(conflicts(statements).map((c) => c !== null), [false, false, false, true, false]);
});

Deno.test("a trigger that sets a column named end is one statement with no conflict", () => {
  const sql = `CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET "end" = 1, begin = 2; END; SELECT 1`;
  const statements = splitStatements(sql);
  assert.equal(statements.length, 2);
  assert.deepEqual(conflicts(statements), [null, null]);
});

Deno.test("a Tcl-style parameter $a(...) holds a semicolon, as SQLite reads it", () => {
  assert.deepEqual(texts("SELECT $a(x;COMMIT); SELECT :b::c"), ["SELECT $a(x;COMMIT)", "SELECT :b::c"]);
  assert.equal(conflict("SELECT $a(x;COMMIT)"), null);
});

Deno.test("splitStatements() quotes a statement from its first token, not the comment above it", () => {
  const [statement] = splitStatements("-- make it durable\n/* now */ COMMIT;");
  assert.equal(statement.text, "COMMIT");
  assert.equal(statement.start, "-- make it durable\n/* now */ ".length);
});

Deno.test("splitStatements() agrees with SQLite on every statement of a tricky script", () => {
  const sql = `CREATE TABLE t (begin, "end", "case", x);
    CREATE TEMP TRIGGER IF NOT EXISTS trg BEFORE INSERT ON t BEGIN
      SELECT CASE WHEN NEW.x < 0 THEN RAISE(ABORT, 'neg; ative') END;
      UPDATE t SET begin = 1, "case" = 'end;' WHERE begin IS NULL;
    END;
    INSERT INTO t (x) VALUES (1), (2);
    SELECT [odd;name] FROM (SELECT 1 AS [odd;name]);`;
  const db = new DatabaseSync(":memory:");
  try {
    for (const statement of splitStatements(sql)) db.exec(statement.text);
    assert.equal(db.prepare("SELECT count(*) AS n FROM t").get()?.n, 2);
  } finally {
    db.close();
  }
});

Deno.test("lineCommentOffsets() finds line comments outside strings and block comments", () => {
  const sql = "SELECT '-- no';\n/* -- no\n*/ -- yes\n\"-- no\" -- also";
  assert.deepEqual(lineCommentOffsets(sql), [sql.indexOf("-- yes"), sql.indexOf("-- also")]);
});

Deno.test("lineCommentOffsets() reads -- inside parameters, names and literals as SQLite does", () => {
  for (
    const [sql, expected] of [
      ["SELECT $a(x--y) -- here", ["-- here"]],
      ["SELECT a$b(c) -- here", ["-- here"]],
      ["SELECT 1$a('--') -- here: after a number, the quote starts a string", ["-- here"]],
      ["SELECT x'--', [--], \"--\", `--` -- here", ["-- here"]],
      ["SELECT 1 -- one\n/* -- not */ SELECT 2--two", ["-- one", "--two"]],
      ["SELECT a- -1, a/2 -- here", ["-- here"]],
      ["SELECT @x, :y::z, #w -- here", ["-- here"]],
    ] as const
  ) {
    assert.deepEqual(lineCommentOffsets(sql), expected.map((text) => sql.indexOf(text)), sql);
  }
});
