import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import Database from "libsql";
import { SqliteError } from "../../mod.ts";
import { LibsqlClientEngine } from "../../src/engines/libsql_client.ts";
import { withTempDir } from "../support/util.ts";

Deno.test("beginWrite() on a libSQL client waits for another connection's write lock", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    // npm:libsql is the client's own engine: a second SQLite library in this process would not see
    // the lock (POSIX locks belong to the process, and each library keeps its own table of them).
    const holder = new Database(path);
    const client = createClient({ url: pathToFileURL(path).href });
    try {
      holder.exec("CREATE TABLE t (a); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)");
      setTimeout(() => holder.exec("COMMIT"), 100);
      const tx = await new LibsqlClientEngine(client, { busyTimeoutMs: 5000 }).beginWrite();
      assert.deepEqual(await tx.query("SELECT a FROM t", []), [{ a: 1 }]);
      await tx.rollback();
    } finally {
      client.close();
      holder.close();
    }
  });
});

Deno.test("beginWrite() on a libSQL client fails with SQLITE_BUSY once the busy timeout has passed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    // npm:libsql is the client's own engine: a second SQLite library in this process would not see
    // the lock (POSIX locks belong to the process, and each library keeps its own table of them).
    const holder = new Database(path);
    const client = createClient({ url: pathToFileURL(path).href });
    try {
      holder.exec("CREATE TABLE t (a); BEGIN IMMEDIATE");
      const started = performance.now();
      const error = await new LibsqlClientEngine(client, { busyTimeoutMs: 200 }).beginWrite().then(
        () => null,
        (caught) => caught,
      );
      assert.ok(error instanceof SqliteError, String(error));
      assert.equal(error.code, "SQLITE_BUSY");
      assert.ok(performance.now() - started >= 100, "it retried before giving up");
    } finally {
      holder.exec("ROLLBACK");
      client.close();
      holder.close();
    }
  });
});
