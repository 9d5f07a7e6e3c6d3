import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { SqlValue } from "../../mod.ts";
import { withLiterals } from "../../src/engines/sql_literals.ts";

/** What SQLite stores for `values`, bound as parameters or written in by {@link withLiterals}. */
function stored(values: SqlValue[], written: boolean): unknown[] {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE t (v)");
    const sql = `INSERT INTO t VALUES ${values.map(() => "(?)").join(", ")}`;
    if (written) db.exec(withLiterals(sql, values)!);
    else db.prepare(sql).run(...values);
    const read = db.prepare("SELECT v, typeof(v) AS type FROM t ORDER BY rowid");
    read.setReadBigInts(true);
    return read.all().map((row) => [row.v, row.type]);
  } finally {
    db.close();
  }
}

Deno.test("withLiterals() writes values that SQLite stores exactly as it stores them bound", () => {
  const values: SqlValue[] = [
    null,
    0n,
    -7n,
    2n ** 63n - 1n,
    -(2n ** 63n) + 1n,
    1.5,
    -0.25,
    1e21,
    2 ** 60,
    "",
    "it's; -- not a comment ? /* nor this */",
    "ünïcödé",
    new Uint8Array([0, 1, 254, 255]),
  ];
  assert.deepEqual(stored(values, true), stored(values, false));
});

Deno.test("withLiterals() leaves ? inside strings, quoted names and comments alone", () => {
  assert.equal(
    withLiterals(`SELECT '?', "a?", [b?], \`c?\` -- ?\n, ? /* ? */`, [1n]),
    `SELECT '?', "a?", [b?], \`c?\` -- ?\n, 1 /* ? */`,
  );
});

Deno.test("withLiterals() declines what it cannot write exactly, so the statement is bound instead", () => {
  for (const value of [Number.NaN, Infinity, -(2n ** 63n), 2n ** 63n, "a\0b"]) {
    assert.equal(withLiterals("SELECT ?", [value]), null, String(value));
  }
  assert.equal(withLiterals("SELECT :x", { x: 1 }), null, "named parameters, as an object");
  assert.equal(withLiterals("SELECT $x", [1n]), null, "named parameters, as a list");
  assert.equal(withLiterals("SELECT ?1", [1n]), null, "numbered parameters");
  assert.equal(withLiterals("SELECT ?, ?", [1n]), null, "too few values");
  assert.equal(withLiterals("SELECT 'open", []), null, "an unterminated string");
});
