/**
 * A SQL error in a `.sql` migration names the line and column of the file where SQLite found it,
 * whether the executor ran the section as one script or one statement at a time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { loadMigrations, MigrationError, MigrationManager, SqliteError } from "../../mod.ts";
import { locateSqlError } from "../../src/sql/error_position.ts";
import { runCli, withTempDir, writeFiles } from "../support/util.ts";

/** Applies the migrations of `files` to a new in-memory database; returns the error it fails with. */
async function failure(files: Record<string, string>): Promise<MigrationError> {
  return await withTempDir(async (dir) => {
    const migrations = await loadMigrations(await writeFiles(join(dir, "m"), files));
    const db = new DatabaseSync(":memory:");
    try {
      const error = await new MigrationManager(db).registerMigrations(migrations).migrate().then(
        () => assert.fail("the migration should fail"),
        (error) => error,
      );
      assert.ok(error instanceof MigrationError, String(error));
      return error;
    } finally {
      db.close();
    }
  });
}

Deno.test("a syntax error in a .sql section names its line and column in the file, not SQLite's quote", async () => {
  const error = await failure({
    "001_bad.sql": "-- Two tables and a typo.\n\n-- migrate:up\nCREATE TABLE a (x);\nCREATE TABLE b (y);\n" +
      "  SELEC 1;\nCREATE TABLE c (z);\n\n-- migrate:down\nDROP TABLE a;\n",
  });
  assert.match(
    error.message,
    /001_bad\.sql: near "SELEC": syntax error at line 6, column 3\. It was rolled back/,
  );
  assert.doesNotMatch(error.message, /at offset|CREATE TABLE c/);
  assert.ok(error.cause instanceof SqliteError);
  assert.match(
    String((error.cause.cause as Error).message),
    /at offset 3$/,
    "the engine's own error is kept",
  );
});

Deno.test("the column counts characters, whatever UTF-8 bytes come before it on the line", async () => {
  const error = await failure({
    "001_bad.sql": "-- migrate:up\nCREATE TABLE a (x);\nINSERT INTO a SELECT 'é€', zz FROM a;\n",
  });
  assert.match(error.message, /no such column: zz at line 3, column 28\./);
});

Deno.test("a CRLF file and a BOM do not shift the line or column", async () => {
  const error = await failure({
    "001_bad.sql": "\uFEFF-- migrate:up\r\nCREATE TABLE a (x);\r\nSELECT nope FROM a;\r\n",
  });
  assert.match(error.message, /no such column: nope at line 3, column 8\./);
});

Deno.test("an error in a section long enough to run statement by statement is placed too", async () => {
  const filler = Array.from({ length: 3000 }, (_, i) => `INSERT INTO a VALUES (${i}, 'some text to fill');`);
  const error = await failure({
    "001_long.sql": `-- migrate:up\nCREATE TABLE a (x, y);\n${
      filler.join("\n")
    }\nINSERT INTO a SELECT nope FROM a;\n`,
  });
  assert.match(error.message, /no such column: nope at line 3003, column 22\./);
});

Deno.test("an error SQLite does not place keeps its message", async () => {
  const error = await failure({
    "001_bad.sql":
      "-- migrate:up\nCREATE TABLE a (x UNIQUE);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);\n",
  });
  assert.match(
    error.message,
    /failed in .*001_bad\.sql: UNIQUE constraint failed: a\.x\. It was rolled back/,
  );
});

Deno.test('locateSqlError() finds SQLite\'s quote after an earlier " in " of its message', () => {
  const text = "-- migrate:up\nSELECT 1 ORDER BY zz;\n";
  const error = new SqliteError(
    "1st ORDER BY term does not match any column in the result set in SELECT 1 ORDER BY zz;\n at offset 18",
    { code: "SQLITE_ERROR" },
  );
  const located = locateSqlError(error, text.slice(14), { text, start: 14 });
  assert.ok(located instanceof SqliteError);
  assert.equal(
    located.message,
    "1st ORDER BY term does not match any column in the result set at line 2, column 19",
  );
  assert.equal(located.code, "SQLITE_ERROR");
});

Deno.test("locateSqlError() returns other errors, and quotes of other SQL, as they are", () => {
  const plain = new Error("no such column: x in SELECT x at offset 7");
  assert.equal(locateSqlError(plain, "SELECT x", { text: "SELECT x", start: 0 }), plain);
  const elsewhere = new SqliteError("no such column: y in SELECT y at offset 7");
  assert.equal(locateSqlError(elsewhere, "SELECT x", { text: "SELECT x", start: 0 }), elsewhere);
});

Deno.test("the CLI prints the line and column, and --verbose prints each cause once", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_bad.sql": "-- migrate:up\nCREATE TABLE a (x);\nINSERT INTO a VALUES (1);\nSELEC 2;\n",
    });
    const db = join(dir, "app.db");
    const run = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: Migration 1 \("bad"\) failed in .*001_bad\.sql: near "SELEC": syntax error at line 4, column 1\./,
    );
    const verbose = await runCli(["--db", db, "--dir", migrations, "--verbose"]);
    const causes = verbose.stderr.split("\n").filter((line) => line.startsWith("caused by: "));
    assert.ok(causes.length >= 1, verbose.stderr);
    assert.equal(new Set(causes).size, causes.length, "no cause printed twice");
  });
});
