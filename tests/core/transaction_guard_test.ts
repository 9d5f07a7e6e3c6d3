/**
 * What a migration inside the run's transaction may not run, and what happens when a statement ends
 * that transaction anyway: SQLite's authorizer decides on node:sqlite, statement keywords elsewhere
 * (the same cases run on every engine in conformance_test.ts).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Migration, MigrationError, MigrationManager } from "../../mod.ts";
import { FOREIGN_KEYS_NOTICE } from "../../src/core/transaction_guard.ts";

const ACCOUNTS: Migration = {
  version: 1,
  description: "accounts",
  up: (db) =>
    db.exec(`CREATE TABLE accounts (id INTEGER PRIMARY KEY, money INTEGER NOT NULL);
      INSERT INTO accounts VALUES (1, 100), (2, 0)`),
};

/** Applies `migrations` to a fresh in-memory database; returns the outcome and a reader. */
async function migrate(migrations: Migration[]) {
  const db = new DatabaseSync(":memory:");
  const manager = new MigrationManager(db).registerMigrations(migrations);
  const result = await manager.migrate().catch((error) => error);
  return {
    db,
    result,
    version: await manager.getCurrentVersion(),
    tables: () =>
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) =>
        r.name
      ),
  };
}

Deno.test("a COMMIT after a trigger that sets a column named begin is refused, and nothing of it is kept", async () => {
  const outcome = await migrate([{
    version: 1,
    description: "hidden commit",
    up: (db) =>
      db.exec(`CREATE TABLE t (begin, "end", x);
        CREATE TRIGGER trg AFTER INSERT ON t BEGIN
          UPDATE t SET begin = 0, "end" = CASE WHEN NEW.x > 0 THEN 1 END WHERE rowid = NEW.rowid;
        END;
        INSERT INTO t (x) VALUES (1);
        -- make it durable
        COMMIT;
        INSERT INTO t (x) VALUES (2);`),
  }]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.match(
      outcome.result.message,
      /"COMMIT" cannot run in this migration: COMMIT would end the transaction/,
    );
    assert.doesNotMatch(outcome.result.message, /make it durable/);
    assert.deepEqual(outcome.tables(), []);
    assert.equal(outcome.version, 0);
  } finally {
    outcome.db.close();
  }
});

Deno.test("a trigger that sets a column named end, and a Tcl-style parameter, run as SQLite reads them", async () => {
  const outcome = await migrate([{
    version: 1,
    description: "odd names",
    up: async (db) => {
      await db.exec(`CREATE TABLE t ("end", begin);
        CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET "end" = 1, begin = 2 WHERE rowid = NEW.rowid; END;
        INSERT INTO t DEFAULT VALUES;`);
      await db.query("SELECT $a(x;COMMIT) AS v");
    },
  }]);
  try {
    assert.equal(outcome.result instanceof Error ? outcome.result.message : "", "");
    assert.deepEqual({ ...outcome.db.prepare('SELECT "end", begin FROM t').get() }, { end: 1, begin: 2 });
  } finally {
    outcome.db.close();
  }
});

for (
  const sql of [
    "RELEASE strata_1",
    "ROLLBACK TO strata_1",
    "SAVEPOINT strata_1",
    "BEGIN",
    "END",
    "ROLLBACK",
    "ATTACH ':memory:' AS other",
    "PRAGMA journal_mode = DELETE",
  ]
) {
  Deno.test(`"${sql}" in a transactional migration is refused before it runs, quoting it`, async () => {
    const outcome = await migrate([{
      version: 1,
      description: "escapes",
      up: (db) => db.exec(`CREATE TABLE kept_if_escaped (x); ${sql}; CREATE TABLE after (x)`),
    }]);
    try {
      assert.ok(outcome.result instanceof MigrationError, String(outcome.result));
      assert.ok(
        outcome.result.message.includes(`"${sql}" cannot run in this migration`),
        outcome.result.message,
      );
      assert.deepEqual(outcome.tables(), []);
      assert.equal(outcome.version, 0);
    } finally {
      outcome.db.close();
    }
  });
}

Deno.test("a migration may use savepoints of its own, and read any pragma", async () => {
  const outcome = await migrate([{
    version: 1,
    description: "own savepoints",
    up: async (db) => {
      await db.exec(
        "CREATE TABLE t (x); SAVEPOINT mine; INSERT INTO t VALUES (1); ROLLBACK TO mine; RELEASE mine",
      );
      await db.exec("SAVEPOINT strata_notes; INSERT INTO t VALUES (2); RELEASE strata_notes");
      await db.query("PRAGMA journal_mode");
    },
  }]);
  try {
    assert.equal(outcome.version, 1);
    assert.deepEqual(outcome.db.prepare("SELECT x FROM t").all().map((r) => r.x), [2]);
  } finally {
    outcome.db.close();
  }
});

Deno.test("PRAGMA foreign_keys in a transactional migration runs as the no-op it is, with a notice", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([{
      version: 1,
      description: "diesel-style rebuild",
      up: (x) =>
        x.exec(`PRAGMA foreign_keys = OFF;
          CREATE TABLE parent (id INTEGER PRIMARY KEY);
          CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent ON DELETE CASCADE);
          INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1);
          CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);
          INSERT INTO parent_new (id) SELECT id FROM parent;
          DROP TABLE parent;
          ALTER TABLE parent_new RENAME TO parent;
          PRAGMA foreign_keys = ON;`),
    }]);
    const result = await manager.migrate();
    assert.deepEqual(result.steps[0].notices, [FOREIGN_KEYS_NOTICE]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM child").get()?.n, 1);
    assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 1);
  } finally {
    db.close();
  }
});

for (
  const [name, failing] of [
    ["a trigger's RAISE(ROLLBACK)", "INSERT INTO guarded VALUES (-1)"],
    ["INSERT OR ROLLBACK", "INSERT OR ROLLBACK INTO accounts VALUES (1, 5)"],
  ]
) {
  Deno.test(`${name} caught by the migration still ends it, and the run is rolled back whole`, async () => {
    const outcome = await migrate([
      ACCOUNTS,
      {
        version: 2,
        description: "guarded",
        up: (db) =>
          db.exec(`CREATE TABLE guarded (x);
            CREATE TRIGGER no_negatives BEFORE INSERT ON guarded WHEN NEW.x < 0 BEGIN SELECT RAISE(ROLLBACK, 'negative'); END`),
      },
      {
        version: 3,
        description: "moves money",
        up: async (db) => {
          await db.run("UPDATE accounts SET money = money - 100 WHERE id = 1");
          try {
            await db.exec(failing);
          } catch {
            // The migration thinks it can go on.
          }
          await db.run("UPDATE accounts SET money = money + 100 WHERE id = 2");
        },
      },
    ]);
    try {
      assert.ok(outcome.result instanceof MigrationError);
      assert.equal(outcome.result.version, 3);
      assert.match(outcome.result.message, /ended the run's transaction/);
      assert.match(
        outcome.result.message,
        /Migrations 1, 2, applied before it in this run, were rolled back with it and are pending again/,
      );
      assert.deepEqual(outcome.result.committed, []);
      assert.deepEqual(outcome.tables(), []);
      assert.equal(outcome.version, 0);
    } finally {
      outcome.db.close();
    }
  });
}

Deno.test("a migration outside a transaction that leaves its own transaction open is rolled back, not committed", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      ACCOUNTS,
      {
        version: 2,
        description: "transfer",
        transaction: false,
        up: (x) =>
          x.exec(`BEGIN;
            UPDATE accounts SET money = money - 100 WHERE id = 1;
            UPDATE accounts SET money = NULL WHERE id = 2;
            COMMIT;`),
      },
    ]);
    await assert.rejects(manager.migrate(), (error) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.version, 2);
      assert.match(error.message, /NOT NULL constraint failed: accounts\.money/);
      assert.match(error.message, /recorded as failed/);
      return true;
    });
    assert.equal(db.isTransaction, false);
    assert.equal(db.prepare("SELECT sum(money) AS total FROM accounts").get()?.total, 100);
    assert.deepEqual(
      db.prepare("SELECT version, state FROM strata_migrations ORDER BY version").all().map((r) => ({
        ...r,
      })),
      [{ version: 1, state: "applied" }, { version: 2, state: "failed" }],
    );
  } finally {
    db.close();
  }
});

Deno.test("a migration outside a transaction that succeeds but leaves a BEGIN open fails, and its transaction is rolled back", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      ACCOUNTS,
      {
        version: 2,
        description: "forgets commit",
        transaction: false,
        up: (x) => x.exec("BEGIN; UPDATE accounts SET money = 0"),
      },
    ]);
    await assert.rejects(manager.migrate(), /it left a transaction open \(a BEGIN without its COMMIT\)/);
    assert.equal(db.prepare("SELECT sum(money) AS total FROM accounts").get()?.total, 100);
    assert.equal(db.prepare("SELECT state FROM strata_migrations WHERE version = 2").get()?.state, "failed");
  } finally {
    db.close();
  }
});

Deno.test("SQL with a NUL character is refused instead of being cut short", async () => {
  const outcome = await migrate([{
    version: 1,
    description: "nul",
    up: (db) => db.exec("CREATE TABLE a (x);\0 CREATE TABLE b (x)"),
  }]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.match(outcome.result.message, /contains a NUL character at offset 19/);
    assert.deepEqual(outcome.tables(), []);
  } finally {
    outcome.db.close();
  }
});

Deno.test("db.run() and db.query() refuse SQL with several statements instead of ignoring the rest", async () => {
  for (const call of ["run", "query"] as const) {
    const outcome = await migrate([{
      version: 1,
      description: "two in one",
      up: async (db) => {
        await db.exec("CREATE TABLE a (x)");
        await db[call]("INSERT INTO a VALUES (1); INSERT INTO a VALUES (2)");
      },
    }]);
    try {
      assert.ok(outcome.result instanceof MigrationError);
      assert.match(outcome.result.message, new RegExp(`db\\.${call}\\(\\) runs one statement`));
      assert.deepEqual(outcome.tables(), []);
    } finally {
      outcome.db.close();
    }
  }
});
