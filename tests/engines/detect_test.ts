import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import Database from "libsql";
import { InvalidInputError } from "../../mod.ts";
import { toEngine } from "../../src/engines/detect.ts";
import { StandInDatabase } from "../support/db_sqlite_double.ts";
import { withTempDir } from "../support/util.ts";

Deno.test("toEngine() tells each engine's database object by its shape", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "app.db");
    const node = new DatabaseSync(path);
    const standIn = new StandInDatabase(path);
    const libsql = new Database(path);
    const client = createClient({ url: pathToFileURL(path).href });
    try {
      assert.equal(toEngine(node).name, "node:sqlite");
      assert.equal(toEngine(standIn).name, "@db/sqlite");
      assert.equal(toEngine(libsql).name, "better-sqlite3");
      assert.equal(toEngine(client).name, "libSQL (file)");
      const engine = toEngine(node);
      assert.equal(toEngine(engine), engine, "an engine is used as it is");
    } finally {
      client.close();
      libsql.close();
      standIn.close();
      node.close();
    }
  });
});

Deno.test("toEngine() refuses an object that is no database, naming what it got", () => {
  assert.throws(
    () => toEngine(new Map()),
    (error) =>
      error instanceof InvalidInputError && error.input === "db" &&
      /^Expected an open database \(a node:sqlite DatabaseSync, a @db\/sqlite Database, an npm:libsql or better-sqlite3 Database, or a @libsql\/client Client\); got Map\.$/
        .test(error.message),
  );
});
