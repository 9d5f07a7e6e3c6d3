import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import Database from "libsql";
import { type LibsqlClient, MigrationManager, SqliteError } from "../mod.ts";
import { LibsqlClientEngine } from "../src/engines/libsql_client.ts";
import { withTempDir } from "./_util.ts";

/** A `file:` client that calls itself remote, and records the SQL it is sent. */
function remoteLookalike(path: string): { client: LibsqlClient; sent: string[]; close(): void } {
  const real = createClient({ url: pathToFileURL(path).href });
  const sent: string[] = [];
  const client: LibsqlClient = {
    protocol: "wss",
    execute: (statement: unknown, args?: unknown) => {
      sent.push(typeof statement === "string" ? statement : (statement as { sql: string }).sql);
      return real.execute(statement as string, args as []);
    },
    executeMultiple: (sql: string) => {
      sent.push(sql);
      return real.executeMultiple(sql);
    },
    batch: (statements) => real.batch(statements),
    transaction: (mode) => real.transaction(mode),
    close: () => real.close(),
  };
  return { client, sent, close: () => real.close() };
}

Deno.test("on a remote libSQL server, PRAGMA busy_timeout stays in the adapter and migrations still apply", async () => {
  await withTempDir(async (dir) => {
    const { client, sent, close } = remoteLookalike(join(dir, "app.db"));
    try {
      const manager = new MigrationManager(client, { busyTimeoutMs: 1234 }).registerMigrations([
        { version: 1, description: "create notes", up: (db) => db.exec("CREATE TABLE notes (body TEXT)") },
      ]);
      assert.deepEqual((await manager.migrate()).applied, [1]);
      assert.deepEqual(sent.filter((sql) => /busy_timeout/i.test(sql)), []);
    } finally {
      close();
    }
  });
});

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
