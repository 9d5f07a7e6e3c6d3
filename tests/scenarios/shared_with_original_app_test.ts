/**
 * A database shared with the original application, which reads and writes its version in
 * `settings`: strata leaves it the version it reached, and refuses, without writing, a `settings`
 * version it cannot trust.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import {
  DatabaseStateError,
  loadMigrations,
  type Migration,
  MigrationError,
  MigrationManager,
} from "../../mod.ts";
import { fileBytes, repoPath, withDatabase, withTempDir } from "../support/util.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Migrations 1 to `count`, each creating a table; `ran` records which ones ran. */
function numbered(count: number, ran: number[] = []): Migration[] {
  return Array.from({ length: count }, (_, i) => ({
    version: i + 1,
    description: `table ${i + 1}`,
    up: (db) => {
      ran.push(i + 1);
      return db.exec(`CREATE TABLE t${i + 1} (x)`);
    },
    down: (db) => db.exec(`DROP TABLE t${i + 1}`),
  }));
}

/** What the original application reads: its version key, or undefined when the row is missing. */
function versionTheOldAppReads(db: DatabaseSync): unknown {
  return db.prepare("SELECT value FROM settings WHERE key = 'db-migration-version'").get()?.value;
}

/** The original module's settings table, as it creates it before its first migration. */
const SETTINGS = `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
  INSERT INTO settings (key, value) VALUES ('bot_name', 'gromozeka');`;

/** Expects a refusal naming the settings rows and the history's version, reason `reason`. */
function refusal(reason: string, ...mentions: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof DatabaseStateError, String(error));
    assert.equal(error.reason, reason);
    for (const text of mentions) assert.ok(error.message.includes(text), `${text} in: ${error.message}`);
    return true;
  };
}

Deno.test("a settings table without a version row is version 0, and the first run writes the version the old application reads", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(SETTINGS);
      const manager = new MigrationManager(db).registerMigrations(numbered(3));
      const before = await manager.getStatus();
      assert.deepEqual([before.currentVersion, before.pendingCount, before.ok], [0, 3, false]);
      await manager.migrate({ targetVersion: 2 });
      assert.equal(versionTheOldAppReads(db), "2");
      const lastRun = db.prepare("SELECT value FROM settings WHERE key = 'db-migration-last-run'").get()
        ?.value;
      assert.match(String(lastRun), ISO);
      assert.equal(
        db.prepare(
          "SELECT count(*) AS n FROM settings WHERE key IN ('db_migration_version', 'db_migration_last_run')",
        )
          .get()?.n,
        0,
        "the spelling the deployed code reads, not the documented one",
      );
      await manager.migrate();
      assert.equal(versionTheOldAppReads(db), "3");
      assert.equal(db.prepare("SELECT value FROM settings WHERE key = 'bot_name'").get()?.value, "gromozeka");
    });
  });
});

Deno.test("a settings table whose other columns need a value is left without a version row", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, owner TEXT NOT NULL)");
      await new MigrationManager(db).registerMigrations(numbered(2)).migrate();
      assert.equal(db.prepare("SELECT count(*) AS n FROM settings").get()?.n, 0);
    });
  });
});

Deno.test("a settings table strata's own migrations created gets no version row", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      const manager = new MigrationManager(db).registerMigrations(
        await loadMigrations(repoPath("migrations")),
      );
      await manager.migrate({ targetVersion: 1 });
      await manager.migrate();
      assert.equal(versionTheOldAppReads(db), undefined);
      assert.equal((await manager.getStatus()).ok, true);
    });
  });
});

Deno.test("a rollback by the original application after strata took over is refused, naming both versions, byte for byte", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      db.exec(SETTINGS);
      await new MigrationManager(db).registerMigrations(numbered(4)).migrate();
      assert.equal(versionTheOldAppReads(db), "4");
      // The old application rolls back its last migration and writes its version.
      db.exec("DROP TABLE t4; UPDATE settings SET value = '3' WHERE key = 'db-migration-version'");
      const bytes = fileBytes(path);
      const manager = new MigrationManager(db).registerMigrations(numbered(4));
      const check = refusal("version-conflict", 'db-migration-version = "3"', "records version 4");
      await assert.rejects(manager.migrate(), check, "even when the history is exactly the known migrations");
      await assert.rejects(manager.rollback(), check);
      const status = await manager.getStatus();
      assert.equal(status.ok, false);
      assert.equal(status.problems[0].reason, "version-conflict");
      assert.deepEqual((await manager.validate()).map((p) => p.reason), ["version-conflict"]);
      assert.deepEqual(fileBytes(path), bytes);
    });
  });
});

Deno.test("a migration the original application ran after strata took over is refused, not run again", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      db.exec(SETTINGS);
      await new MigrationManager(db).registerMigrations(numbered(2)).migrate();
      db.exec("CREATE TABLE t3 (x); UPDATE settings SET value = '3' WHERE key = 'db-migration-version'");
      const bytes = fileBytes(path);
      const ran: number[] = [];
      const manager = new MigrationManager(db).registerMigrations(numbered(3, ran));
      await assert.rejects(
        manager.migrate(),
        refusal("version-conflict", 'db-migration-version = "3"', "records version 2"),
      );
      assert.deepEqual(ran, []);
      assert.deepEqual(fileBytes(path), bytes);
    });
  });
});

Deno.test("two version rows that disagree are refused naming both values, byte for byte", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      // No primary key: the old application's INSERT can leave a key twice.
      db.exec(`CREATE TABLE settings (key TEXT, value TEXT);
        INSERT INTO settings VALUES ('db-migration-version', '1'), ('db-migration-version', '3')`);
      const bytes = fileBytes(path);
      const manager = new MigrationManager(db).registerMigrations(numbered(4));
      const check = refusal(
        "corrupt-version",
        'db-migration-version = "1", db-migration-version = "3"',
        "Delete the wrong row",
      );
      await assert.rejects(manager.migrate(), check);
      await assert.rejects(manager.getStatus(), check);
      assert.deepEqual(fileBytes(path), bytes);

      db.exec("DELETE FROM settings WHERE value = '3'");
      await manager.migrate({ targetVersion: 2 });
      db.exec("INSERT INTO settings VALUES ('db-migration-version', '4')");
      const later = fileBytes(path);
      await assert.rejects(
        manager.migrate(),
        refusal(
          "version-conflict",
          'db-migration-version = "2", db-migration-version = "4"',
          "records version 2",
        ),
      );
      assert.deepEqual(fileBytes(path), later);
    });
  });
});

Deno.test("two version rows that agree are both kept up to date", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT, value TEXT);
        INSERT INTO settings VALUES ('db-migration-version', '1'), ('db-migration-version', '1')`);
      await new MigrationManager(db).registerMigrations(numbered(2)).migrate();
      assert.deepEqual(
        db.prepare("SELECT value FROM settings WHERE key = 'db-migration-version'").all().map((r) => r.value),
        ["2", "2"],
      );
    });
  });
});

Deno.test("after a migration outside a transaction fails, mark brings the settings version level with the history", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(SETTINGS);
      let broken = true;
      const migrations: Migration[] = [
        numbered(1)[0],
        {
          version: 2,
          description: "outside",
          transaction: false,
          up: async (x) => {
            if (broken) throw new Error("disk on fire");
            await x.exec("CREATE TABLE t2 (x)");
          },
        },
      ];
      const manager = new MigrationManager(db).registerMigrations(migrations);
      await assert.rejects(manager.migrate(), MigrationError);
      assert.deepEqual((await manager.validate()).map((p) => p.reason), ["interrupted"]);
      await manager.mark(2, "pending");
      assert.equal(versionTheOldAppReads(db), "1");
      assert.deepEqual(await manager.validate(), []);
      broken = false;
      await manager.migrate();
      assert.equal(versionTheOldAppReads(db), "2");
    });
  });
});

Deno.test("a migration outside a transaction that fails leaves the old application the version that was committed", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(`${SETTINGS} INSERT INTO settings (key, value) VALUES ('db-migration-version', '1');`);
      const migrations = [
        ...numbered(2),
        {
          version: 3,
          description: "outside",
          transaction: false,
          up: (x: import("../../mod.ts").Executor) =>
            x.exec("CREATE TABLE t3 (x); INSERT INTO missing VALUES (1)"),
        },
      ];
      await assert.rejects(new MigrationManager(db).registerMigrations(migrations).migrate(), MigrationError);
      assert.equal(versionTheOldAppReads(db), "2");
      assert.equal(
        db.prepare("SELECT max(version) AS v FROM strata_migrations WHERE state = 'applied'").get()?.v,
        2,
      );
    });
  });
});
