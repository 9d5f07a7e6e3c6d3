import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readSchema } from "../../src/schema/mod.ts";
import { addSampleRows, tableRows } from "../../src/schema/sample_rows.ts";

Deno.test("addSampleRows() fills every table with rows its constraints and foreign keys accept", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL REFERENCES customers (code),
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')), total REAL CHECK (total >= 0));
      CREATE TABLE customers (code TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL) WITHOUT ROWID;
      CREATE TABLE pairs (a INTEGER, b INTEGER, parent_a INTEGER, parent_b INTEGER, PRIMARY KEY (a, b),
        FOREIGN KEY (parent_a, parent_b) REFERENCES pairs (a, b));`);
    const result = addSampleRows(db, await readSchema(db), { rowsPerTable: 3 });
    assert.deepEqual(result.rows, { customers: 3, orders: 3, pairs: 3 });
    assert.deepEqual(result.empty, []);
    assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    const statuses = db.prepare("SELECT DISTINCT status FROM orders").all().map((r) => r.status);
    assert.ok(statuses.every((s) => s === "open" || s === "closed"), String(statuses));
  } finally {
    db.close();
  }
});

Deno.test("addSampleRows() leaves a table empty, and says so, when no row it tries fits", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE odd (x INTEGER NOT NULL CHECK (x = abs(x) + 1)); CREATE TABLE fine (y TEXT)");
    const result = addSampleRows(db, await readSchema(db));
    assert.deepEqual(result.empty, ["odd"]);
    assert.equal(result.rows.fine, 2);
  } finally {
    db.close();
  }
});

Deno.test("addSampleRows() keeps only the rows accept() takes, and onlyEmpty fills only empty tables", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT); INSERT INTO b VALUES ('kept')");
    const schema = await readSchema(db);
    const result = addSampleRows(db, schema, { onlyEmpty: true, accept: (_, row) => row.x !== null });
    assert.deepEqual(result.rows, { a: 2 });
    assert.deepEqual(tableRows(db, schema.tables[1]), ["1, 'kept'"]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM a WHERE x IS NULL").get()?.n, 0);
  } finally {
    db.close();
  }
});
