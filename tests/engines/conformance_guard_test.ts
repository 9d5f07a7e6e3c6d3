/**
 * "Never half a migration" on every engine of `tests/support/engines.ts`: statements that would end or escape the
 * run's transaction are refused (by SQLite's authorizer on node:sqlite, by their keywords elsewhere),
 * a statement whose failure ends the transaction ends the run, forgotten calls are waited for, and
 * a failure nobody handled fails the migration. Results are read back through node:sqlite.
 */
import assert from "node:assert/strict";
import { type Migration, MigrationError, MigrationManager } from "../../mod.ts";
import { type TestDatabase, type TestEngine, testEngines } from "../support/engines.ts";
import { sqldBinary } from "../support/sqld.ts";
import { withTempDir } from "../support/util.ts";

const ACCOUNTS: Migration = {
  version: 1,
  description: "accounts",
  up: (db) =>
    db.exec(`CREATE TABLE accounts (id INTEGER PRIMARY KEY, money INTEGER NOT NULL);
      CREATE TABLE guarded (x);
      CREATE TRIGGER no_negatives BEFORE INSERT ON guarded WHEN NEW.x < 0 BEGIN SELECT RAISE(ROLLBACK, 'negative'); END;
      INSERT INTO accounts VALUES (1, 100), (2, 0)`),
};

function second(up: Migration["up"]): Migration {
  return { version: 2, description: "second", up };
}

/**
 * Migrates a fresh database through `engine`; returns what migrate() did or threw, with the
 * database's judge, which reads it without the engine under test.
 */
function migrateWith(
  engine: TestEngine,
  migrations: Migration[],
  check: (result: unknown, database: TestDatabase) => Promise<void>,
): Promise<void> {
  return withTempDir(async (dir) => {
    const database = await engine.create(dir);
    try {
      const { db, close } = await engine.open(database.target);
      let result: unknown;
      try {
        result = await new MigrationManager(db).registerMigrations(migrations).migrate().catch((e) => e);
      } finally {
        close();
      }
      await check(result, database);
    } finally {
      database.close();
    }
  });
}

async function tablesAndHistory(database: TestDatabase): Promise<{ tables: string[]; versions: number[] }> {
  const tables = (await database.read(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name",
  )).map((row) => String(row.name));
  const hasHistory = (await database.read("SELECT name FROM sqlite_schema WHERE name = 'strata_migrations'"))
    .length > 0;
  const versions = hasHistory
    ? (await database.read("SELECT version FROM strata_migrations WHERE state = 'applied' ORDER BY version"))
      .map((row) => Number(row.version))
    : [];
  return { tables, versions };
}

async function moneyOf(database: TestDatabase): Promise<number> {
  return Number((await database.read("SELECT sum(money) AS total FROM accounts"))[0].total);
}

for (const engine of testEngines(sqldBinary())) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${engine.name}: ${name}`, ignore: engine.missing !== undefined, fn });

  test("a COMMIT after a trigger that sets a column named begin is refused, nothing kept", async () => {
    await migrateWith(engine, [
      ACCOUNTS,
      second((db) =>
        db.exec(`CREATE TABLE t (begin, "end", x);
          CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET begin = 0, "end" = CASE WHEN NEW.x > 0 THEN 1 END; END;
          INSERT INTO t (x) VALUES (1);
          COMMIT;
          INSERT INTO t (x) VALUES (2);`)
      ),
    ], async (result, database) => {
      assert.ok(result instanceof MigrationError, String(result));
      assert.match(result.message, /"COMMIT" cannot run in this migration/);
      assert.deepEqual(await tablesAndHistory(database), { tables: ["accounts", "guarded"], versions: [1] });
    });
  });

  test("releasing the runner's savepoint is refused, nothing kept", async () => {
    await migrateWith(engine, [
      ACCOUNTS,
      second((db) =>
        db.exec("UPDATE accounts SET money = 0; RELEASE strata_2; UPDATE accounts SET money = NULL")
      ),
    ], async (result, database) => {
      assert.ok(result instanceof MigrationError, String(result));
      assert.match(result.message, /the savepoint strata_2 belongs to the runner/);
      assert.equal(await moneyOf(database), 100);
    });
  });

  test("a caught RAISE(ROLLBACK) ends the run, and nothing after it autocommits", async () => {
    await migrateWith(engine, [
      ACCOUNTS,
      second(async (db) => {
        await db.run("UPDATE accounts SET money = money - 100 WHERE id = 1");
        await db.exec("INSERT INTO guarded VALUES (-1)").catch(() => {});
        await db.run("UPDATE accounts SET money = money + 100 WHERE id = 2").catch(() => {});
        await db.exec("CREATE TABLE after_the_rollback (x)").catch(() => {});
      }),
    ], async (result, database) => {
      assert.ok(result instanceof MigrationError, String(result));
      assert.equal(result.version, 2);
      assert.match(result.message, /ended the run's transaction/);
      assert.deepEqual(await tablesAndHistory(database), { tables: [], versions: [] });
    });
  });

  test("forgotten calls are waited for, and an unhandled failure fails the migration", async () => {
    await migrateWith(engine, [
      ACCOUNTS,
      second((db) => {
        db.run("UPDATE accounts SET money = money + 1");
        db.query<{ id: number }>("SELECT id FROM accounts").then((rows) => {
          for (const row of rows) db.run("UPDATE accounts SET money = money + 10 WHERE id = ?", row.id);
        });
      }),
      {
        version: 3,
        description: "fails unseen",
        up: (db) => {
          db.run("UPDATE accounts SET money = 0");
          db.run("UPDATE accounts SET money = NULL").then(() => {});
        },
      },
    ], async (result, database) => {
      assert.ok(result instanceof MigrationError, String(result));
      assert.equal(result.version, 3);
      assert.deepEqual(result.committed, [1, 2]);
      assert.equal(await moneyOf(database), 100 + 2 + 20);
    });
  });
}
