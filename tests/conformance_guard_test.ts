/**
 * "Never half a migration" on every engine of `_engines.ts`: statements that would end or escape the
 * run's transaction are refused (by SQLite's authorizer on node:sqlite, by their keywords elsewhere),
 * a statement whose failure ends the transaction ends the run, forgotten calls are waited for, and
 * a failure nobody handled fails the migration. Results are read back through node:sqlite.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Migration, MigrationError, MigrationManager } from "../mod.ts";
import { testEngines } from "./_engines.ts";
import { withDatabase, withTempDir } from "./_util.ts";

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

/** Migrates a new database file through `engine`; returns what migrate() did or threw, and the file. */
async function migrateWith(
  engine: ReturnType<typeof testEngines>[number],
  dir: string,
  migrations: Migration[],
): Promise<{ result: unknown; path: string }> {
  const path = join(dir, "app.db");
  const { db, close } = await engine.open(path);
  try {
    const result = await new MigrationManager(db).registerMigrations(migrations).migrate().catch((e) => e);
    return { result, path };
  } finally {
    close();
  }
}

function tablesAndHistory(path: string): Promise<{ tables: string[]; versions: number[] }> {
  return withDatabase(path, (db) => {
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name",
    )
      .all().map((row) => String(row.name));
    const history =
      db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'strata_migrations'").get()?.n
        ? db.prepare("SELECT version FROM strata_migrations WHERE state = 'applied' ORDER BY version").all()
        : [];
    return { tables, versions: history.map((row) => Number(row.version)) };
  });
}

for (const engine of testEngines()) {
  Deno.test(`${engine.name}: a COMMIT after a trigger that sets a column named begin is refused, nothing kept`, async () => {
    await withTempDir(async (dir) => {
      const { result, path } = await migrateWith(engine, dir, [
        ACCOUNTS,
        second((db) =>
          db.exec(`CREATE TABLE t (begin, "end", x);
          CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET begin = 0, "end" = CASE WHEN NEW.x > 0 THEN 1 END; END;
          INSERT INTO t (x) VALUES (1);
          COMMIT;
          INSERT INTO t (x) VALUES (2);`)
        ),
      ]);
      assert.ok(result instanceof MigrationError, String(result));
      assert.match(result.message, /"COMMIT" cannot run in this migration/);
      assert.deepEqual(await tablesAndHistory(path), { tables: ["accounts", "guarded"], versions: [1] });
    });
  });

  Deno.test(`${engine.name}: releasing the runner's savepoint is refused, nothing kept`, async () => {
    await withTempDir(async (dir) => {
      const { result, path } = await migrateWith(engine, dir, [
        ACCOUNTS,
        second((db) =>
          db.exec("UPDATE accounts SET money = 0; RELEASE strata_2; UPDATE accounts SET money = NULL")
        ),
      ]);
      assert.ok(result instanceof MigrationError, String(result));
      assert.match(result.message, /the savepoint strata_2 belongs to the runner/);
      await withDatabase(path, (db) => {
        assert.equal(db.prepare("SELECT sum(money) AS total FROM accounts").get()?.total, 100);
      });
    });
  });

  Deno.test(`${engine.name}: a caught RAISE(ROLLBACK) ends the run, and nothing after it autocommits`, async () => {
    await withTempDir(async (dir) => {
      const { result, path } = await migrateWith(engine, dir, [
        ACCOUNTS,
        second(async (db) => {
          await db.run("UPDATE accounts SET money = money - 100 WHERE id = 1");
          await db.exec("INSERT INTO guarded VALUES (-1)").catch(() => {});
          await db.run("UPDATE accounts SET money = money + 100 WHERE id = 2").catch(() => {});
          await db.exec("CREATE TABLE after_the_rollback (x)").catch(() => {});
        }),
      ]);
      assert.ok(result instanceof MigrationError, String(result));
      assert.equal(result.version, 2);
      assert.match(result.message, /ended the run's transaction/);
      assert.deepEqual(await tablesAndHistory(path), { tables: [], versions: [] });
    });
  });

  Deno.test(`${engine.name}: forgotten calls are waited for, and an unhandled failure fails the migration`, async () => {
    await withTempDir(async (dir) => {
      const { result, path } = await migrateWith(engine, dir, [
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
      ]);
      assert.ok(result instanceof MigrationError, String(result));
      assert.equal(result.version, 3);
      assert.deepEqual(result.committed, [1, 2]);
      await withDatabase(path, (db) => {
        assert.equal(db.prepare("SELECT sum(money) AS total FROM accounts").get()?.total, 100 + 2 + 20);
      });
    });
  });
}
