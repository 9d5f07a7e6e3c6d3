/**
 * The behaviour every engine must show, written once and run against each engine of `_engines.ts`:
 * node:sqlite, @libsql/client (`file:`), npm:libsql, and @db/sqlite (the real package with
 * `DB_SQLITE_MODULE`, else its stand-in). Each test opens a fresh database file through the engine,
 * and checks the result through node:sqlite, so every engine is judged by the same reader.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type DatabaseInput, type Migration, MigrationError, MigrationManager, SqliteError } from "../mod.ts";
import { type TestEngine, testEngines } from "./_engines.ts";
import { fileBytes, repoPath, taskFlags, withDatabase, withTempDir } from "./_util.ts";

/** Opens a new database file through `engine`, runs `fn`, closes it; returns the file's path. */
async function withEngine(
  engine: TestEngine,
  dir: string,
  fn: (db: DatabaseInput, path: string) => Promise<void>,
): Promise<string> {
  const path = join(dir, "app.db");
  const { db, close } = await engine.open(path);
  try {
    await fn(db, path);
  } finally {
    close();
  }
  return path;
}

const createUsers: Migration = {
  version: 1,
  description: "create users",
  up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
  down: (db) => db.exec("DROP TABLE users"),
};

const addEmail: Migration = {
  version: 2,
  description: "add email",
  up: (db) => db.exec("ALTER TABLE users ADD COLUMN email TEXT"),
  down: (db) => db.exec("ALTER TABLE users DROP COLUMN email"),
};

const seedUsers: Migration = {
  version: 3,
  description: "seed users",
  up: async (db) => {
    await db.run("INSERT INTO users (name, email) VALUES (?, ?)", "ada", "ada@example.com");
  },
  down: async (db) => {
    await db.run("DELETE FROM users");
  },
};

const ALL = [createUsers, addEmail, seedUsers];

function historyOf(path: string): Promise<number[]> {
  return withDatabase(
    path,
    (db) =>
      db.prepare("SELECT version FROM strata_migrations ORDER BY version").all().map((row) =>
        Number(row.version)
      ),
  );
}

function tablesOf(path: string): Promise<string[]> {
  return withDatabase(
    path,
    (db) =>
      db.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name",
      )
        .all().map((row) => String(row.name)),
  );
}

for (const engine of testEngines()) {
  Deno.test(`${engine.name}: migrate() applies pending migrations once each, in order`, async () => {
    await withTempDir(async (dir) => {
      const path = await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        const first = await manager.migrate();
        assert.deepEqual(first.applied, [1, 2, 3]);
        assert.equal(first.currentVersion, 3);
        assert.deepEqual((await manager.migrate()).applied, []);
        assert.equal(await manager.getCurrentVersion(), 3);
      });
      assert.deepEqual(await historyOf(path), [1, 2, 3]);
      await withDatabase(path, (db) => {
        assert.deepEqual({ ...db.prepare("SELECT name, email FROM users").get() }, {
          name: "ada",
          email: "ada@example.com",
        });
      });
    });
  });

  Deno.test(`${engine.name}: getStatus() tells applied from pending migrations`, async () => {
    await withTempDir(async (dir) => {
      await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate({ targetVersion: 1 });
        const status = await manager.getStatus();
        assert.equal(status.currentVersion, 1);
        assert.equal(status.latestVersion, 3);
        assert.equal(status.pendingCount, 2);
        assert.deepEqual(status.migrations.map((m) => [m.version, m.applied]), [[1, true], [2, false], [
          3,
          false,
        ]]);
        assert.match(status.migrations[0].appliedAt ?? "", /^\d{4}-\d\d-\d\dT/);
      });
    });
  });

  Deno.test(`${engine.name}: rollback() reverts the newest migrations and their history`, async () => {
    await withTempDir(async (dir) => {
      const path = await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate();
        const result = await manager.rollback({ steps: 2 });
        assert.deepEqual(result.rolledBack, [3, 2]);
        assert.equal(result.currentVersion, 1);
      });
      assert.deepEqual(await historyOf(path), [1]);
      await withDatabase(path, (db) => {
        const columns = db.prepare("SELECT name FROM pragma_table_info('users')").all().map((c) => c.name);
        assert.deepEqual(columns, ["id", "name"]);
        assert.equal(db.prepare("SELECT count(*) AS n FROM users").get()?.n, 0);
      });
    });
  });

  Deno.test(`${engine.name}: a dry run reports the pending migrations and leaves the file unchanged`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "app.db");
      let bytes: Uint8Array = new Uint8Array();
      await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate({ targetVersion: 1 });
        bytes = fileBytes(path);
        const dry = await manager.migrate({ dryRun: true });
        assert.equal(dry.dryRun, true);
        assert.deepEqual(dry.steps.map((step) => step.version), [2, 3]);
        assert.deepEqual(fileBytes(path), bytes, "a dry run writes nothing");
        assert.deepEqual((await manager.migrate()).applied, [2, 3]);
      });
    });
  });

  Deno.test(`${engine.name}: a failing migration is rolled back alone and the earlier ones stay applied`, async () => {
    await withTempDir(async (dir) => {
      const failing: Migration = {
        version: 2,
        description: "add orders",
        up: async (db) => {
          await db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
          await db.exec("INSERT INTO missing VALUES (1)");
        },
      };
      const path = await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations([createUsers, failing]);
        const error = await manager.migrate().then(() => null, (caught) => caught);
        assert.ok(error instanceof MigrationError, String(error));
        assert.equal(error.version, 2);
        // The same sentence on every engine: SQLite's message, without an engine's prefix.
        assert.match(error.message, /^Migration 2 \("add orders"\) failed: no such table: missing\. /);
        assert.ok(error.cause instanceof SqliteError);
        assert.equal(await manager.getCurrentVersion(), 1);
      });
      assert.deepEqual(await historyOf(path), [1]);
      assert.deepEqual(await tablesOf(path), ["users"]);
    });
  });

  Deno.test(`${engine.name}: a database versioned by the original settings table upgrades from that version`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "app.db");
      await withDatabase(path, (db) => {
        db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
          INSERT INTO settings VALUES ('db_migration_version', '1');
          CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`);
      });
      const { db, close } = await engine.open(path);
      try {
        const result = await new MigrationManager(db).registerMigrations(ALL).migrate();
        assert.deepEqual(result.applied, [2, 3]);
      } finally {
        close();
      }
      assert.deepEqual(await historyOf(path), [1, 2, 3]);
      await withDatabase(path, (check) => {
        assert.equal(
          check.prepare("SELECT value FROM settings WHERE key = 'db_migration_version'").get()?.value,
          "3",
        );
      });
    });
  });

  Deno.test(`${engine.name}: two processes migrating one file at once apply each migration exactly once`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "app.db");
      const runs = await Promise.all([1, 2].map(() => migrateInProcess(engine, path)));
      const applied = runs.flat().sort();
      assert.deepEqual(applied, [1, 2, 3]);
      await withDatabase(path, (db) => {
        const log = db.prepare("SELECT version FROM log ORDER BY version").all().map((row) => row.version);
        assert.deepEqual(log, [1, 2, 3]);
      });
      assert.deepEqual(await historyOf(path), [1, 2, 3]);
    });
  });

  Deno.test(`${engine.name}: the executor returns rows, run() results and bound values as every engine does`, async () => {
    await withTempDir(async (dir) => {
      const seen: Record<string, unknown> = {};
      const probe: Migration = {
        version: 1,
        description: "probe the executor",
        up: async (db) => {
          await db.exec("CREATE TABLE v (id INTEGER PRIMARY KEY, x, j JSON)");
          seen.insert = await db.run("INSERT INTO v (x) VALUES (?)", 1);
          seen.bigId = await db.run("INSERT INTO v (id, x) VALUES (?, ?)", 2n ** 53n + 1n, 1700000000123);
          const params = [true, false, undefined, null, new Date(Date.UTC(2024, 0, 2)), 1.5, "text"] as const;
          for (const value of params) await db.run("INSERT INTO v (x) VALUES (?)", value);
          await db.run("INSERT INTO v (x) VALUES (?)", new Uint8Array([1, 2, 3]));
          await db.run("INSERT INTO v (x, j) VALUES ($x, :j)", { $x: 7, j: '{"a":1}' });
          seen.rows = await db.query("SELECT id, x, typeof(x) AS type, j FROM v ORDER BY rowid");
          seen.update = await db.run("UPDATE v SET x = x WHERE id = ? RETURNING id", 2n ** 53n + 1n);
          seen.none = await db.query("SELECT * FROM v WHERE id < 0");
        },
      };
      await withEngine(engine, dir, async (db) => {
        await new MigrationManager(db).registerMigrations([probe]).migrate();
      });
      assert.deepEqual(seen.insert, { changes: 1, lastInsertRowId: 1 });
      assert.deepEqual(seen.bigId, { changes: 1, lastInsertRowId: 2n ** 53n + 1n });
      const rows = seen.rows as Record<string, unknown>[];
      assert.deepEqual(seen.update, { changes: 1, lastInsertRowId: rows.at(-1)?.id });
      assert.deepEqual(seen.none, []);
      assert.ok(
        rows.every((row) => Object.getPrototypeOf(row) === Object.prototype),
        "rows are plain objects",
      );
      assert.deepEqual(rows.map((row) => [row.x, row.type]), [
        [1, "integer"],
        [1700000000123, "integer"],
        [1, "integer"],
        [0, "integer"],
        [null, "null"],
        [null, "null"],
        ["2024-01-02T00:00:00.000Z", "text"],
        [1.5, "real"],
        ["text", "text"],
        [new Uint8Array([1, 2, 3]), "blob"],
        [7, "integer"],
      ]);
      assert.equal(rows[1].id, 2n ** 53n + 1n, "an INTEGER beyond 2^53 reads as an exact bigint");
      assert.equal(rows.at(-1)?.j, '{"a":1}', "a JSON column reads as its text");
    });
  });

  Deno.test(`${engine.name}: SQL errors are SqliteErrors with SQLite's message and, where given, its code`, async () => {
    await withTempDir(async (dir) => {
      let caught: unknown;
      const violate: Migration = {
        version: 1,
        description: "violate a constraint",
        up: async (db) => {
          await db.exec("CREATE TABLE u (email TEXT UNIQUE)");
          await db.run("INSERT INTO u VALUES (?)", "a@example.com");
          try {
            await db.run("INSERT INTO u VALUES (?)", "a@example.com");
          } catch (error) {
            caught = error;
          }
        },
      };
      await withEngine(engine, dir, async (db) => {
        await new MigrationManager(db).registerMigrations([violate]).migrate();
      });
      assert.ok(caught instanceof SqliteError, `expected a SqliteError, got ${caught}`);
      assert.equal(caught.message, "UNIQUE constraint failed: u.email");
      if (engine.reportsErrorCodes) {
        assert.equal(caught.code, "SQLITE_CONSTRAINT");
        assert.equal(caught.extendedCode, 2067);
      } else {
        assert.equal(caught.code, undefined);
      }
    });
  });

  Deno.test(`${engine.name}: rebuilding a table keeps the rows that reference it`, async () => {
    await withTempDir(async (dir) => {
      const rebuild: Migration = {
        version: 2,
        description: "rebuild users",
        up: (db) =>
          db.exec(
            `CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active INTEGER DEFAULT 1);
            INSERT INTO users_new (id, name) SELECT id, name FROM users;
            DROP TABLE users;
            ALTER TABLE users_new RENAME TO users;`,
          ),
      };
      const path = join(dir, "app.db");
      await withDatabase(path, (db) => {
        db.exec(`PRAGMA foreign_keys = ON;
          CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
          CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE);
          INSERT INTO users VALUES (1, 'ada'); INSERT INTO posts VALUES (10, 1);`);
      });
      const { db, close } = await engine.open(path);
      try {
        const manager = new MigrationManager(db).registerMigrations([
          { version: 1, description: "existing schema", up: () => {} },
          rebuild,
        ]);
        assert.deepEqual((await manager.migrate()).applied, [1, 2]);
      } finally {
        close();
      }
      await withDatabase(path, (check) => {
        assert.equal(check.prepare("SELECT count(*) AS n FROM posts").get()?.n, 1);
      });
    });
  });

  Deno.test(`${engine.name}: a migration outside a transaction is applied and recorded`, async () => {
    await withTempDir(async (dir) => {
      const wal: Migration = {
        version: 2,
        description: "switch to WAL",
        transaction: false,
        up: (db) => db.exec("PRAGMA journal_mode = WAL"),
      };
      const path = await withEngine(engine, dir, async (db) => {
        const manager = new MigrationManager(db).registerMigrations([createUsers, wal, {
          ...addEmail,
          version: 3,
        }]);
        const result = await manager.migrate();
        assert.deepEqual(result.applied, [1, 2, 3]);
      });
      assert.deepEqual(await historyOf(path), [1, 2, 3]);
      await withDatabase(path, (db) => {
        assert.deepEqual(
          db.prepare("SELECT DISTINCT state FROM strata_migrations").all().map((r) => r.state),
          [
            "applied",
          ],
        );
      });
    });
  });
}

/** Runs `testdata/migrate_concurrently.ts` in a new process; returns the versions it applied. */
async function migrateInProcess(engine: TestEngine, path: string): Promise<number[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...taskFlags("test"),
      repoPath("tests/testdata/migrate_concurrently.ts"),
      engine.name,
      path,
    ],
    cwd: repoPath(""),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}
