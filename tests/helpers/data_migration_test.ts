import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  batchCopy,
  type BatchProgress,
  type BatchSummary,
  batchUpdate,
} from "../../src/helpers/data_migration.ts";
import { InvalidInputError, MigrationError } from "../../src/shared/errors.ts";
import { migrateOnce, rows } from "../support/migrate.ts";
import { withTempDir } from "../support/util.ts";

/** A table of `count` users whose rowids have gaps (every third id is missing). */
function usersTable(count: number): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, active INTEGER)");
  db.exec("BEGIN");
  const insert = db.prepare("INSERT INTO users VALUES (?, ?, ?)");
  for (let i = 0; i < count; i++) insert.run(Math.floor(i * 1.5) + 1, `User${i}@Example.com`, i % 2);
  db.exec("COMMIT");
  return db;
}

Deno.test("batchUpdate() updates every matching row in batches and reports progress after each", async () => {
  const db = usersTable(25_000);
  try {
    const progress: BatchProgress[] = [];
    let summary: BatchSummary | undefined;
    await migrateOnce(db, async (executor) => {
      summary = await batchUpdate(executor, {
        table: "users",
        set: "email = lower(email)",
        where: "active = $active",
        params: { active: 1 },
        batchSize: 10_000,
        onProgress: (p) => progress.push(p),
      });
    });
    assert.deepEqual(
      { rowsVisited: summary?.rowsVisited, rowsChanged: summary?.rowsChanged, batches: summary?.batches },
      { rowsVisited: 25_000, rowsChanged: 12_500, batches: 3 },
    );
    assert.deepEqual(progress.map((p) => [p.rowsDone, p.rowsTotal, p.rowsChanged]), [
      [10_000, 25_000, 5_000],
      [20_000, 25_000, 10_000],
      [25_000, 25_000, 12_500],
    ]);
    assert.ok(progress.every((p) => p.rowsPerSecond > 0 && p.elapsedMs >= 0));
    assert.equal(progress.at(-1)?.remainingMs, 0);
    assert.deepEqual(rows(db, "SELECT count(*) AS n FROM users WHERE active = 1 AND email <> lower(email)"), [
      { n: 0 },
    ]);
    assert.deepEqual(rows(db, "SELECT count(*) AS n FROM users WHERE active = 0 AND email = lower(email)"), [{
      n: 0,
    }]);
  } finally {
    db.close();
  }
});

Deno.test("batchUpdate() run again changes nothing when its where skips rows already done", async () => {
  const db = usersTable(1_000);
  try {
    const update = {
      table: "users",
      set: "email = lower(email)",
      where: "email <> lower(email)",
      batchSize: 300,
    };
    const changed: number[] = [];
    await migrateOnce(
      db,
      async (executor) => changed.push((await batchUpdate(executor, update)).rowsChanged),
    );
    await migrateOnce(
      db,
      async (executor) => changed.push((await batchUpdate(executor, update)).rowsChanged),
    );
    assert.deepEqual(changed, [1_000, 0]);
  } finally {
    db.close();
  }
});

Deno.test("batchUpdate() in a migration without a transaction commits each batch on its own", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    const db = new DatabaseSync(path);
    const observer = new DatabaseSync(path);
    try {
      db.exec(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, active INTEGER); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO users (active) SELECT 0 FROM n",
      );
      const committed: number[] = [];
      await migrateOnce(db, async (executor) => {
        await batchUpdate(executor, {
          table: "users",
          set: "active = 1",
          batchSize: 400,
          onProgress: () =>
            committed.push(Number(rows(observer, "SELECT count(*) AS n FROM users WHERE active = 1")[0].n)),
        });
      }, { transaction: false });
      assert.deepEqual(committed, [400, 800, 1_000]);
    } finally {
      observer.close();
      db.close();
    }
  });
});

Deno.test("batchCopy() copies rows into another table in batches, with expressions", async () => {
  const db = usersTable(2_500);
  try {
    db.exec("CREATE TABLE contacts (user_id INTEGER PRIMARY KEY, address TEXT NOT NULL)");
    let summary: BatchSummary | undefined;
    await migrateOnce(db, async (executor) => {
      summary = await batchCopy(executor, {
        from: "users",
        to: "contacts",
        columns: { user_id: "id", address: "lower(email)" },
        where: "id NOT IN (SELECT user_id FROM contacts)",
        batchSize: 1_000,
      });
    });
    assert.deepEqual([summary?.rowsChanged, summary?.batches], [2_500, 3]);
    assert.deepEqual(
      rows(
        db,
        "SELECT count(*) AS n FROM users JOIN contacts ON contacts.user_id = users.id AND address = lower(email)",
      ),
      [{ n: 2_500 }],
    );
  } finally {
    db.close();
  }
});

Deno.test("batchUpdate() of an empty table runs no batch", async () => {
  const db = usersTable(0);
  try {
    let summary: BatchSummary | undefined;
    await migrateOnce(db, async (executor) => {
      summary = await batchUpdate(executor, { table: "users", set: "active = 1" });
    });
    assert.deepEqual([summary?.rowsVisited, summary?.batches], [0, 0]);
  } finally {
    db.close();
  }
});

Deno.test("batchUpdate() refuses a WITHOUT ROWID table, a missing table and a batch size below 1", async () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID");
  try {
    await assert.rejects(
      migrateOnce(db, (executor) => batchUpdate(executor, { table: "kv", set: "v = 1" })),
      (error: Error) => {
        assert.ok(error instanceof MigrationError && error.cause instanceof InvalidInputError);
        assert.match(
          error.message,
          /Cannot migrate the rows of kv in batches: it is a WITHOUT ROWID table, which has no rowids to batch by/,
        );
        return true;
      },
    );
    await assert.rejects(
      migrateOnce(db, (executor) => batchUpdate(executor, { table: "nope", set: "v = 1" })),
      /Cannot migrate the rows of nope in batches: there is no such table/,
    );
    await assert.rejects(
      migrateOnce(db, (executor) => batchUpdate(executor, { table: "kv", set: "v = 1", batchSize: 0 })),
      /batchSize must be a whole number of 1 or more; got 0/,
    );
  } finally {
    db.close();
  }
});
