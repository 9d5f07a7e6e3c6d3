import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Executor, type Migration, MigrationError, MigrationManager } from "../../mod.ts";
import { rebuildTable } from "../../src/helpers/mod.ts";
import { normalizeParam } from "../../src/core/executor.ts";
import { schemaOf } from "../support/util.ts";

/**
 * Runs `fn` as the `up()` of a migration of a fresh in-memory database: outside a transaction unless
 * `transactional`.
 */
async function withExecutor<T>(
  fn: (db: Executor, raw: DatabaseSync) => Promise<T>,
  options: { transactional?: boolean } = {},
): Promise<T> {
  const raw = new DatabaseSync(":memory:");
  try {
    let result: T | undefined;
    await new MigrationManager(raw).registerMigrations([{
      version: 1,
      description: "test",
      ...(options.transactional ? {} : { transaction: false }),
      up: async (db) => {
        result = await fn(db, raw);
      },
    }]).migrate();
    return result!;
  } finally {
    raw.close();
  }
}

/** Applies one migration to a fresh in-memory database and returns what migrate() did or threw. */
async function applyOne(
  up: Migration["up"],
  setup = "CREATE TABLE t (x)",
): Promise<{ result: unknown; schema: unknown; rows: unknown; version: number }> {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(setup);
    const manager = new MigrationManager(db).registerMigrations([{ version: 1, description: "one", up }]);
    const result = await manager.migrate().catch((error) => error);
    return {
      result,
      schema: schemaOf(db).filter((row) => !String(row.name).startsWith("strata_")),
      rows: db.prepare("SELECT * FROM t ORDER BY rowid").all().map((row) => ({ ...row })),
      version: await manager.getCurrentVersion(),
    };
  } finally {
    db.close();
  }
}

Deno.test("exec() runs many statements as one script", async () => {
  await withExecutor(async (db, raw) => {
    await db.exec("CREATE TABLE a (x); INSERT INTO a VALUES ('1;2'); INSERT INTO a VALUES (3);");
    assert.deepEqual(raw.prepare("SELECT x FROM a ORDER BY rowid").all().map((r) => r.x), ["1;2", 3]);
  });
});

Deno.test("query() returns rows as plain objects", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE a (id INTEGER, name TEXT); INSERT INTO a VALUES (1, 'x'), (2, 'y')");
    const rows = await db.query("SELECT id, name FROM a ORDER BY id");
    assert.deepEqual(rows, [{ id: 1, name: "x" }, { id: 2, name: "y" }]);
    for (const row of rows) assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(await db.query("SELECT * FROM a WHERE id > 5"), []);
  });
});

Deno.test("run() returns changes and lastInsertRowId", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE a (id INTEGER PRIMARY KEY, v)");
    const inserted = await db.run("INSERT INTO a (v) VALUES (?), (?)", "x", "y");
    assert.equal(inserted.changes, 2);
    assert.equal(Number(inserted.lastInsertRowId), 2);
    const updated = await db.run("UPDATE a SET v = ?", "z");
    assert.equal(updated.changes, 2);
  });
});

Deno.test("query() and run() take positional parameters", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE a (id INTEGER, name TEXT)");
    await db.run("INSERT INTO a VALUES (?, ?)", 7, "seven");
    assert.deepEqual(await db.query("SELECT name FROM a WHERE id = ?", 7), [{ name: "seven" }]);
  });
});

Deno.test("query() and run() take one object of named parameters ($name, :name, @name)", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE a (id INTEGER, name TEXT)");
    await db.run("INSERT INTO a VALUES ($id, $name)", { id: 1, name: "one" });
    await db.run("INSERT INTO a VALUES (:id, :name)", { id: 2, name: "two" });
    await db.run("INSERT INTO a VALUES (@id, @name)", { id: 3, name: "three" });
    assert.deepEqual(await db.query("SELECT name FROM a WHERE id >= $min ORDER BY id", { min: 2 }), [
      { name: "two" },
      { name: "three" },
    ]);
  });
});

Deno.test("normalizeParam() turns booleans, undefined and Dates into SQLite values", () => {
  assert.equal(normalizeParam(true), 1);
  assert.equal(normalizeParam(false), 0);
  assert.equal(normalizeParam(undefined), null);
  assert.equal(normalizeParam(new Date("2024-02-03T04:05:06.789Z")), "2024-02-03T04:05:06.789Z");
  assert.equal(normalizeParam(12n), 12n);
  assert.equal(normalizeParam("s"), "s");
  assert.equal(normalizeParam(null), null);
});

Deno.test("query() binds booleans as 1/0, undefined as NULL, a Date as its ISO string", async () => {
  await withExecutor(async (db) => {
    const [row] = await db.query(
      "SELECT ? AS t, typeof(?) AS f, ? IS NULL AS u, ? AS d",
      true,
      false,
      undefined,
      new Date("2024-02-03T04:05:06.789Z"),
    );
    assert.deepEqual(row, { t: 1, f: "integer", u: 1, d: "2024-02-03T04:05:06.789Z" });
  });
});

Deno.test("named parameters are normalised too", async () => {
  await withExecutor(async (db) => {
    const [row] = await db.query("SELECT $b AS b, $u IS NULL AS u, $d AS d", {
      b: true,
      u: undefined,
      d: new Date(0),
    });
    assert.deepEqual(row, { b: 1, u: 1, d: "1970-01-01T00:00:00.000Z" });
  });
});

Deno.test("whole numbers bind as INTEGER, fractions as REAL, and bigints keep every digit", async () => {
  await withExecutor(async (db) => {
    const [row] = await db.query(
      "SELECT typeof(?) AS i, typeof(?) AS r, typeof(?) AS b, CAST(? AS TEXT) AS big",
      1,
      1.5,
      42n,
      9007199254740993n,
    );
    assert.deepEqual(row, { i: "integer", r: "real", b: "integer", big: "9007199254740993" });
  });
});

Deno.test("a single Uint8Array or Date parameter is positional, not named", async () => {
  await withExecutor(async (db) => {
    const [blob] = await db.query(
      "SELECT typeof(?) AS t, length(?) AS n",
      new Uint8Array([1, 2, 3]),
      new Uint8Array(3),
    );
    assert.deepEqual(blob, { t: "blob", n: 3 });
    const [date] = await db.query("SELECT ? AS d", new Date(0));
    assert.deepEqual(date, { d: "1970-01-01T00:00:00.000Z" });
  });
});

Deno.test("tableExists() sees tables and views, case-insensitively, and not indexes", async () => {
  await withExecutor(async (db) => {
    await db.exec(
      "CREATE TABLE users (id, email); CREATE VIEW v AS SELECT 1; CREATE INDEX ix ON users (email)",
    );
    assert.equal(await db.tableExists("users"), true);
    assert.equal(await db.tableExists("USERS"), true);
    assert.equal(await db.tableExists("v"), true);
    assert.equal(await db.tableExists("ix"), false);
    assert.equal(await db.tableExists("missing"), false);
  });
});

Deno.test("columnExists() checks a column of a table, and is false for a missing table", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE users (id, email)");
    assert.equal(await db.columnExists("users", "email"), true);
    assert.equal(await db.columnExists("users", "EMAIL"), true);
    assert.equal(await db.columnExists("users", "name"), false);
    assert.equal(await db.columnExists("missing", "email"), false);
  });
});

Deno.test("indexExists() sees indexes and not tables", async () => {
  await withExecutor(async (db) => {
    await db.exec("CREATE TABLE users (id, email); CREATE INDEX idx_users_email ON users (email)");
    assert.equal(await db.indexExists("idx_users_email"), true);
    assert.equal(await db.indexExists("users"), false);
    assert.equal(await db.indexExists("idx_missing"), false);
  });
});

Deno.test("calls run in the order they were made, even when not awaited one by one", async () => {
  await withExecutor(async (db, raw) => {
    const calls = [
      db.exec("CREATE TABLE a (x)"),
      db.run("INSERT INTO a VALUES (1)"),
      db.run("INSERT INTO a VALUES (2)"),
      db.query("SELECT count(*) AS n FROM a"),
    ];
    const results = await Promise.all(calls);
    assert.deepEqual(results[3], [{ n: 2 }]);
    assert.equal(raw.prepare("SELECT count(*) AS n FROM a").get()?.n, 2);
  });
});

Deno.test("a forgotten await whose statement fails still fails the migration, and nothing is kept", async () => {
  const outcome = await applyOne((db) => {
    db.run("INSERT INTO t VALUES (1)");
    db.exec("INSERT INTO no_such_table VALUES (1)");
    db.exec("CREATE TABLE later (x)");
  }, "CREATE TABLE t (x); INSERT INTO t VALUES (0)");
  assert.ok(outcome.result instanceof MigrationError, String(outcome.result));
  assert.match(outcome.result.message, /no such table: no_such_table/);
  assert.equal(outcome.result.version, 1);
  assert.deepEqual(outcome.rows, [{ x: 0 }]);
  assert.deepEqual(
    (outcome.schema as { name: string }[]).map((row) => row.name),
    ["t"],
  );
  assert.equal(outcome.version, 0);
});

Deno.test("a forgotten await in an async up() that returns early still fails the migration", async () => {
  const outcome = await applyOne(async (db) => {
    await db.exec("INSERT INTO t VALUES (1)");
    db.exec("THIS IS NOT SQL");
  });
  assert.ok(outcome.result instanceof MigrationError);
  assert.match(outcome.result.message, /syntax error/);
  assert.deepEqual(outcome.rows, []);
});

Deno.test("an awaited error the migration caught does not fail it", async () => {
  const outcome = await applyOne(async (db) => {
    try {
      await db.exec("INSERT INTO no_such_table VALUES (1)");
    } catch {
      await db.exec("INSERT INTO t VALUES ('recovered')");
    }
  });
  assert.ok(!(outcome.result instanceof Error), String(outcome.result));
  assert.deepEqual((outcome.result as { steps: { version: number }[] }).steps.map((step) => step.version), [
    1,
  ]);
  assert.deepEqual(outcome.rows, [{ x: "recovered" }]);
  assert.equal(outcome.version, 1);
});

Deno.test("an error handled with .catch() does not fail the migration", async () => {
  const outcome = await applyOne((db) => {
    db.exec("INSERT INTO no_such_table VALUES (1)").catch(() => {});
    db.exec("INSERT INTO t VALUES (2)");
  });
  assert.equal(outcome.version, 1);
  assert.deepEqual(outcome.rows, [{ x: 2 }]);
});

for (
  const [sql, pattern] of [
    ["BEGIN", /BEGIN would end the transaction/],
    ["BEGIN IMMEDIATE TRANSACTION", /BEGIN would end the transaction/],
    ["COMMIT", /COMMIT would end the transaction/],
    ["END TRANSACTION", /would end the transaction/],
    ["ROLLBACK", /ROLLBACK would end the transaction/],
    ["RELEASE strata_1", /savepoint strata_1 belongs to the runner/],
    ["PRAGMA journal_mode = WAL", /cannot change journal_mode/],
    ["PRAGMA main.journal_mode = WAL", /cannot change journal_mode/],
    ["ATTACH DATABASE ':memory:' AS other", /cannot ATTACH/],
  ] as const
) {
  Deno.test(`"${sql}" is rejected in a transactional migration with a hint to set transaction: false`, async () => {
    await withExecutor(async (db) => {
      await assert.rejects(db.exec(sql), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, pattern);
        assert.match(error.message, /transaction: false/);
        assert.match(error.message, /transaction:false/);
        return true;
      });
    }, { transactional: true });
  });
}

Deno.test("a script with a transaction-control statement fails its migration, and none of it is kept", async () => {
  const outcome = await applyOne((db) =>
    db.exec("CREATE TABLE a (x); INSERT INTO t VALUES (1); COMMIT; CREATE TABLE b (x)")
  );
  assert.ok(outcome.result instanceof MigrationError);
  assert.match(
    outcome.result.message,
    /"COMMIT" cannot run in this migration: COMMIT would end the transaction/,
  );
  assert.deepEqual(outcome.schema, [{ type: "table", name: "t", sql: "CREATE TABLE t (x)" }]);
  assert.deepEqual(outcome.rows, []);
  assert.equal(outcome.version, 0);
});

Deno.test("savepoints, ROLLBACK TO and words like 'begin' inside strings are allowed", async () => {
  const outcome = await applyOne(async (db) => {
    await db.exec("CREATE TABLE a (x); INSERT INTO t VALUES ('BEGIN; COMMIT; VACUUM')");
    await db.exec("SAVEPOINT s1; INSERT INTO t VALUES (2); ROLLBACK TO s1; RELEASE s1");
    await db.exec("-- COMMIT\n/* VACUUM */ INSERT INTO t VALUES (3)");
  });
  assert.equal(outcome.version, 1);
  assert.deepEqual(outcome.rows, [{ x: "BEGIN; COMMIT; VACUUM" }, { x: 3 }]);
});

Deno.test("a migration that runs VACUUM fails with a MigrationError suggesting transaction: false", async () => {
  const outcome = await applyOne((db) => db.exec("VACUUM"));
  assert.ok(outcome.result instanceof MigrationError);
  assert.match(outcome.result.message, /Migration 1 \("one"\) failed/);
  assert.match(outcome.result.message, /transaction: false/);
  assert.equal(outcome.version, 0);
});

Deno.test("a migration with transaction: false may run transaction control itself", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "table", up: (x) => x.exec("CREATE TABLE a (x)") },
      {
        version: 2,
        description: "own transaction",
        transaction: false,
        up: (x) => x.exec("BEGIN; INSERT INTO a VALUES (1); COMMIT"),
      },
    ]);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
    assert.equal(await manager.getCurrentVersion(), 2);
    assert.deepEqual((await manager.getStatus()).migrations.map((m) => m.state === "applied"), [true, true]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM a").get()?.n, 1);
  } finally {
    db.close();
  }
});

Deno.test("a step's statements count the calls its migration made", async () => {
  const raw = new DatabaseSync(":memory:");
  try {
    const result = await new MigrationManager(raw).registerMigrations([{
      version: 1,
      description: "three calls",
      up: async (db) => {
        await db.exec("CREATE TABLE a (x)");
        await db.run("INSERT INTO a VALUES (1)");
        await db.query("SELECT * FROM a");
      },
    }]).migrate();
    assert.equal(result.steps[0].calls, 3);
  } finally {
    raw.close();
  }
});

Deno.test("a forgotten rebuildTable() keeps rows, and the calls after it wait for all of it", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      {
        version: 1,
        description: "users",
        up: (x) =>
          x.exec(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age TEXT); INSERT INTO users VALUES (1, 'a', '41')",
          ),
      },
      {
        version: 2,
        description: "age as integer",
        up(x) {
          // Not awaited on purpose: the rebuild must still finish before the migration is kept.
          rebuildTable(x, "users", {
            columns: { age: "INTEGER NOT NULL DEFAULT 0" },
            copy: { age: "CAST(age AS INTEGER)" },
          });
          x.run("INSERT INTO users (id, name, age) VALUES (2, 'b', 7)");
        },
      },
    ]);
    const result = await manager.migrate();
    assert.deepEqual(result.steps.map((step) => step.version), [1, 2]);
    assert.ok(result.steps[1].calls > 2, "the rebuild's own statements are counted as calls");
    assert.deepEqual(
      db.prepare("SELECT id, age, typeof(age) AS type FROM users ORDER BY id").all().map((r) => ({ ...r })),
      [{ id: 1, age: 41, type: "integer" }, { id: 2, age: 7, type: "integer" }],
    );
  } finally {
    db.close();
  }
});
