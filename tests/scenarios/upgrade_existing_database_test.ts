/**
 * The original module's four test scenarios, end to end on database files: a fresh database, its
 * status, rollback, and upgrading an existing database (a pre-migration deployment, and a database
 * the seed module migrated, under both spellings of its version key).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  DatabaseStateError,
  loadMigrations,
  type Migration,
  MigrationError,
  MigrationManager,
  openDatabase,
} from "../../mod.ts";
import { fileBytes, repoPath, schemaOf, withDatabase, withTempDir } from "../support/util.ts";

const MIGRATIONS = repoPath("migrations");
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function tableNames(db: DatabaseSync): string[] {
  return db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'strata_%' ORDER BY name",
  ).all().map((row) => String(row.name));
}

function rows(db: DatabaseSync, sql: string): Record<string, unknown>[] {
  return db.prepare(sql).all().map((row) => ({ ...row }));
}

function settings(db: DatabaseSync): Record<string, unknown>[] {
  return rows(db, "SELECT * FROM settings ORDER BY key");
}

async function repoManager(db: DatabaseSync): Promise<MigrationManager> {
  return new MigrationManager(db).registerMigrations(await loadMigrations(MIGRATIONS));
}

// Scenario 1: a fresh database.

Deno.test("openDatabase() creates a fresh database and applies the repository's migrations", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nested", "app.db");
    const db = await openDatabase(path, { migrations: MIGRATIONS });
    assert.ok(db instanceof DatabaseSync, "a path opens with node:sqlite");
    try {
      assert.deepEqual(tableNames(db), ["chat_messages", "chat_users", "settings", "user_preferences"]);
      assert.equal(await (await repoManager(db)).getCurrentVersion(), 2);
    } finally {
      db.close();
    }
    const bytes = fileBytes(path);
    (await openDatabase(path, { migrations: MIGRATIONS })).close();
    assert.deepEqual(fileBytes(path), bytes, "opening an up-to-date database again writes nothing");
  });
});

Deno.test("openDatabase() throws the MigrationError of a failing migration and leaves the file as it was", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    (await openDatabase(path, { migrations: [] })).close();
    const bytes = fileBytes(path);
    await assert.rejects(
      openDatabase(path, {
        migrations: [{ version: 1, description: "broken", up: (db) => db.exec("CREATE TABLE") }],
      }),
      (error: unknown) => error instanceof MigrationError && error.version === 1,
    );
    assert.deepEqual(fileBytes(path), bytes);
  });
});

// Scenario 2: status.

Deno.test("status of a fresh database, then of a migrated one", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      const manager = await repoManager(db);
      const fresh = await manager.getStatus();
      assert.deepEqual(
        [fresh.currentVersion, fresh.latestVersion, fresh.pendingCount, fresh.lastRun],
        [0, 2, 2, null],
      );
      assert.deepEqual(fresh.migrations.map((m) => [m.version, m.description, m.state === "applied"]), [
        [1, "initial schema", false],
        [2, "add user preferences", false],
      ]);
      await manager.migrate();
      const migrated = await manager.getStatus();
      assert.deepEqual([migrated.currentVersion, migrated.latestVersion, migrated.pendingCount], [2, 2, 0]);
      assert.match(migrated.lastRun!, ISO);
      assert.ok(migrated.migrations.every((m) => m.state === "applied" && ISO.test(m.appliedAt!)));
    });
  });
});

// Scenario 3: rollback.

Deno.test("rollback of the repository's migrations, one at a time, back to an empty database", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      const manager = await repoManager(db);
      await manager.migrate();
      const first = await manager.rollback();
      assert.deepEqual([first.steps.map((step) => step.version), first.currentVersion], [[2], 1]);
      assert.deepEqual(tableNames(db), ["chat_messages", "chat_users", "settings"]);
      assert.deepEqual((await manager.getStatus()).migrations.map((m) => m.state === "applied"), [
        true,
        false,
      ]);
      const second = await manager.rollback();
      assert.deepEqual([second.steps.map((step) => step.version), second.currentVersion], [[1], 0]);
      assert.deepEqual(tableNames(db), []);
      assert.equal(await manager.getCurrentVersion(), 0);
      await assert.rejects(manager.rollback(), /applied only 0/);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
    });
  });
});

// Scenario 4a: a deployment from before migrations: tables and data, no version anywhere.

const PRE_MIGRATION_SCHEMA = `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
  CREATE TABLE chat_users (
    chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL, username TEXT, full_name TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (chat_id, user_id)
  );
  CREATE TABLE chat_messages (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, user_id INTEGER NOT NULL, text TEXT,
    sent_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (chat_id, message_id),
    FOREIGN KEY (chat_id, user_id) REFERENCES chat_users (chat_id, user_id)
  );
  INSERT INTO settings (key, value, updated_at) VALUES ('bot_name', 'gromozeka', '2024-01-01 00:00:00');
  INSERT INTO chat_users VALUES (1, 10, 'ann', 'Ann A', '2024-01-01 00:00:00');
  INSERT INTO chat_messages VALUES (1, 100, 10, 'hello; world', '2024-01-01 00:00:01');
`;

Deno.test("a pre-migration deployment starts at version 0; IF NOT EXISTS migrations run harmlessly and keep its data", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(PRE_MIGRATION_SCHEMA);
      const before = {
        settings: settings(db),
        users: rows(db, "SELECT * FROM chat_users"),
        messages: rows(db, "SELECT * FROM chat_messages"),
      };
      const manager = await repoManager(db);
      assert.equal(await manager.getCurrentVersion(), 0);
      assert.equal((await manager.getStatus()).pendingCount, 2);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
      const versionRows = "key IN ('db-migration-version', 'db-migration-last-run')";
      assert.deepEqual(
        {
          settings: rows(db, `SELECT * FROM settings WHERE NOT ${versionRows} ORDER BY key`),
          users: rows(db, "SELECT * FROM chat_users"),
          messages: rows(db, "SELECT * FROM chat_messages"),
        },
        before,
        "data and unrelated settings are kept",
      );
      const keys = Object.fromEntries(settings(db).map((row) => [row.key, row.value]));
      assert.equal(
        keys["db-migration-version"],
        "2",
        "the original application reads the version strata reached",
      );
      assert.match(String(keys["db-migration-last-run"]), ISO);
      assert.deepEqual(tableNames(db), ["chat_messages", "chat_users", "settings", "user_preferences"]);
      assert.equal(await manager.getCurrentVersion(), 2);
    });
  });
});

// Scenario 4b: a database the seed module migrated, with its version in `settings`.

for (
  const spelling of [
    { version: "db_migration_version", lastRun: "db_migration_last_run", other: "db-migration-version" },
    { version: "db-migration-version", lastRun: "db-migration-last-run", other: "db_migration_version" },
  ]
) {
  /** A seed-era database at version 2, with an unrelated setting. */
  const seedDatabase = (db: DatabaseSync) =>
    db.exec(`
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE chat_users (chat_id INTEGER, user_id INTEGER, username TEXT);
      INSERT INTO chat_users VALUES (1, 10, 'ann');
      INSERT INTO settings (key, value, updated_at) VALUES
        ('${spelling.version}', '2', '2025-10-23 10:00:00'),
        ('${spelling.lastRun}', '2025-10-23T10:00:00.123456', '2025-10-23 10:00:00'),
        ('bot_name', 'gromozeka', '2024-01-01 00:00:00');
    `);

  /** Migrations 1 and 2 fail or leave a trace if re-run; 3 and 4 are new. */
  const seedMigrations = (trace: number[]): Migration[] => [
    {
      version: 1,
      description: "initial schema",
      up: (db) => {
        trace.push(1);
        return db.exec("CREATE TABLE chat_users (chat_id INTEGER)"); // fails: it exists
      },
      down: (db) => db.exec("DROP TABLE chat_users"),
    },
    {
      version: 2,
      description: "seed example",
      up: () => {
        trace.push(2);
      },
      down: () => {},
    },
    {
      version: 3,
      description: "add user preferences",
      up: (db) => db.exec("CREATE TABLE user_preferences (user_id INTEGER, key TEXT, value TEXT)"),
      down: (db) => db.exec("DROP TABLE user_preferences"),
    },
    {
      version: 4,
      description: "add reactions",
      up: (db) => db.exec("CREATE TABLE reactions (message_id INTEGER, emoji TEXT)"),
      down: (db) => db.exec("DROP TABLE reactions"),
    },
  ];

  Deno.test(`a seed database at version 2 under ${spelling.version} is reported at version 2 without writing`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "app.db");
      await withDatabase(path, async (db) => {
        seedDatabase(db);
        const bytes = fileBytes(path);
        const manager = new MigrationManager(db).registerMigrations(seedMigrations([]));
        assert.equal(await manager.getCurrentVersion(), 2);
        const status = await manager.getStatus();
        assert.deepEqual([status.currentVersion, status.latestVersion, status.pendingCount], [2, 4, 2]);
        assert.deepEqual(status.migrations.map((m) => m.state === "applied"), [true, true, false, false]);
        assert.equal(status.lastRun, "2025-10-23T10:00:00.123456");
        assert.deepEqual(fileBytes(path), bytes);
      });
    });
  });

  Deno.test(`a seed database under ${spelling.version}: 1..N count as applied, later ones run, the key moves on`, async () => {
    await withTempDir(async (dir) => {
      await withDatabase(join(dir, "app.db"), async (db) => {
        seedDatabase(db);
        const unrelated = rows(db, "SELECT * FROM settings WHERE key = 'bot_name'");
        const trace: number[] = [];
        const manager = new MigrationManager(db).registerMigrations(seedMigrations(trace));
        const started = new Date().toISOString();
        const result = await manager.migrate();
        assert.deepEqual(trace, [], "migrations 1..N must not run again");
        assert.deepEqual([result.steps.map((step) => step.version), result.currentVersion], [[3, 4], 4]);
        assert.deepEqual(tableNames(db), ["chat_users", "reactions", "settings", "user_preferences"]);
        assert.deepEqual(rows(db, "SELECT * FROM chat_users"), [{
          chat_id: 1,
          user_id: 10,
          username: "ann",
        }]);

        const keys = Object.fromEntries(settings(db).map((row) => [row.key, row.value]));
        assert.equal(keys[spelling.version], "4");
        assert.match(String(keys[spelling.lastRun]), ISO);
        assert.ok(String(keys[spelling.lastRun]) >= started);
        assert.equal(spelling.other in keys, false, "the other spelling is not added");
        assert.deepEqual(Object.keys(keys).sort(), ["bot_name", spelling.lastRun, spelling.version].sort());
        assert.deepEqual(rows(db, "SELECT * FROM settings WHERE key = 'bot_name'"), unrelated);

        const status = await manager.getStatus();
        assert.deepEqual(status.migrations.map((m) => m.state === "applied"), [true, true, true, true]);
        assert.equal(status.lastRun, keys[spelling.lastRun]);
      });
    });
  });

  Deno.test(`a seed database under ${spelling.version} keeps the key up to date on later runs and rollbacks`, async () => {
    await withTempDir(async (dir) => {
      await withDatabase(join(dir, "app.db"), async (db) => {
        seedDatabase(db);
        const trace: number[] = [];
        const all = seedMigrations(trace);
        await new MigrationManager(db).registerMigrations(all.slice(0, 3)).migrate();
        const versionKey = () =>
          db.prepare("SELECT value FROM settings WHERE key = ?").get(spelling.version)?.value;
        assert.equal(versionKey(), "3");
        const manager = new MigrationManager(db).registerMigrations(all);
        assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [4]);
        assert.equal(versionKey(), "4");
        assert.deepEqual((await manager.rollback({ steps: 2 })).steps.map((step) => step.version), [4, 3]);
        assert.equal(versionKey(), "2");
        assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [2]);
        assert.equal(versionKey(), "1");
        assert.deepEqual(trace, []);
        assert.equal(
          db.prepare("SELECT count(*) AS n FROM settings WHERE key = ?").get(spelling.other)?.n,
          0,
        );
      });
    });
  });

  Deno.test(`a seed database under ${spelling.version} without a last-run row gets one with that spelling`, async () => {
    await withTempDir(async (dir) => {
      await withDatabase(join(dir, "app.db"), async (db) => {
        seedDatabase(db);
        db.prepare("DELETE FROM settings WHERE key = ?").run(spelling.lastRun);
        await new MigrationManager(db).registerMigrations(seedMigrations([])).migrate();
        const keys = Object.fromEntries(settings(db).map((row) => [row.key, row.value]));
        assert.match(String(keys[spelling.lastRun]), ISO);
        assert.equal(keys[spelling.version], "4");
      });
    });
  });

  for (const corrupt of ["abc", "-1", "2.5", "", "1e3"]) {
    Deno.test(`a seed database with ${spelling.version} = '${corrupt}' is refused, quoting the value, and nothing is written`, async () => {
      await withTempDir(async (dir) => {
        const path = join(dir, "app.db");
        await withDatabase(path, async (db) => {
          seedDatabase(db);
          db.prepare("UPDATE settings SET value = ? WHERE key = ?").run(corrupt, spelling.version);
          const bytes = fileBytes(path);
          const schema = schemaOf(db);
          const trace: number[] = [];
          const manager = new MigrationManager(db).registerMigrations(seedMigrations(trace));
          const check = (error: unknown) => {
            assert.ok(error instanceof DatabaseStateError, String(error));
            assert.equal(error.reason, "corrupt-version");
            assert.ok(error.message.includes(JSON.stringify(corrupt)), error.message);
            assert.ok(error.message.includes(spelling.version), error.message);
            return true;
          };
          await assert.rejects(manager.migrate(), check);
          await assert.rejects(manager.rollback(), check);
          await assert.rejects(manager.getCurrentVersion(), check);
          assert.deepEqual(trace, []);
          assert.deepEqual(schemaOf(db), schema);
          assert.deepEqual(fileBytes(path), bytes);
        });
      });
    });
  }
}

Deno.test("a seed database holding its version as an INTEGER is read the same as text", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value); INSERT INTO settings VALUES ('db_migration_version', 1)",
      );
      const manager = new MigrationManager(db).registerMigrations([
        { version: 1, description: "old", up: () => Promise.reject(new Error("re-run")) },
        { version: 2, description: "new", up: (x) => x.exec("CREATE TABLE t (x)") },
      ]);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [2]);
    });
  });
});

Deno.test("a seed database with both key spellings at the same version updates both", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db_migration_version', '1'), ('db-migration-version', '1')`);
      const manager = new MigrationManager(db).registerMigrations([
        { version: 1, description: "old", up: () => Promise.reject(new Error("re-run")) },
        { version: 2, description: "new", up: (x) => x.exec("CREATE TABLE t (x)") },
      ]);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [2]);
      const keys = Object.fromEntries(settings(db).map((row) => [row.key, row.value]));
      assert.equal(keys["db_migration_version"], "2");
      assert.equal(keys["db-migration-version"], "2");
      assert.match(String(keys["db_migration_last_run"]), ISO);
      assert.match(String(keys["db-migration-last-run"]), ISO);
    });
  });
});

Deno.test("a seed database whose two key spellings disagree is refused without writing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db_migration_version', '1'), ('db-migration-version', '2')`);
      const bytes = fileBytes(path);
      const manager = new MigrationManager(db).registerMigrations([
        { version: 1, description: "a", up: () => {} },
        { version: 2, description: "b", up: () => {} },
      ]);
      await assert.rejects(
        manager.migrate(),
        (error: unknown) => error instanceof DatabaseStateError && error.reason === "corrupt-version",
      );
      assert.deepEqual(fileBytes(path), bytes);
    });
  });
});

Deno.test("a seed database at version 0 applies everything and keeps its key up to date", async () => {
  await withTempDir(async (dir) => {
    await withDatabase(join(dir, "app.db"), async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db-migration-version', '0')`);
      const manager = await repoManager(db);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
      assert.equal(
        db.prepare("SELECT value FROM settings WHERE key = 'db-migration-version'").get()?.value,
        "2",
      );
    });
  });
});

Deno.test("a seed database whose version is above every known migration is refused by migrate without writing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db_migration_version', '7')`);
      const bytes = fileBytes(path);
      const manager = await repoManager(db);
      for (const run of [() => manager.migrate(), () => manager.rollback()]) {
        await assert.rejects(
          run(),
          (error: unknown) =>
            error instanceof DatabaseStateError && error.reason === "future-version" &&
            /version 7/.test(error.message) && /newest known migration is 2/.test(error.message),
        );
      }
      assert.deepEqual(fileBytes(path), bytes);
    });
  });
});
