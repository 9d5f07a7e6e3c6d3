/**
 * The behaviour every engine must show, written once and run against each engine of `_engines.ts`:
 * node:sqlite, @libsql/client (`file:`), npm:libsql, @db/sqlite (the real package with
 * `DB_SQLITE_MODULE`, else its stand-in), and real libSQL servers over http and ws, to a primary and
 * through its replica. Each test makes a fresh database, works through the engine, and checks the
 * result with a judge that is not the engine (node:sqlite on a file, a client of the primary).
 */
import assert from "node:assert/strict";
import {
  type DatabaseInput,
  type Migration,
  MigrationError,
  MigrationManager,
  SqliteError,
} from "../../mod.ts";
import { type TestDatabase, type TestEngine, testEngines } from "../support/engines.ts";
import { sqldBinary } from "../support/sqld.ts";
import { createUsersMigration } from "../support/fixtures.ts";
import { repoPath, taskFlags, withTempDir } from "../support/util.ts";

const sqld = sqldBinary();

/** Runs `fn` on a fresh database of `engine`, removed afterwards. */
function withFreshDatabase(engine: TestEngine, fn: (database: TestDatabase) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const database = await engine.create(dir);
    try {
      await fn(database);
    } finally {
      database.close();
    }
  });
}

/** Opens `database` through `engine`, runs `fn`, and closes it. */
async function withEngine(
  engine: TestEngine,
  database: TestDatabase,
  fn: (db: DatabaseInput) => Promise<void>,
): Promise<void> {
  const { db, close } = await engine.open(database.target);
  try {
    await fn(db);
  } finally {
    close();
  }
}

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

const ALL = [createUsersMigration(), addEmail, seedUsers];

async function historyOf(database: TestDatabase): Promise<number[]> {
  return (await database.read("SELECT version FROM strata_migrations ORDER BY version")).map((row) =>
    Number(row.version)
  );
}

async function tablesOf(database: TestDatabase): Promise<string[]> {
  const rows = await database.read(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata%' ORDER BY name",
  );
  return rows.map((row) => String(row.name));
}

for (const engine of testEngines(sqld)) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${engine.name}: ${name}`, ignore: engine.missing !== undefined, fn });

  test(`migrate() applies pending migrations once each, in order`, async () => {
    await withFreshDatabase(engine, async (database) => {
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        const first = await manager.migrate();
        assert.deepEqual(first.steps.map((step) => step.version), [1, 2, 3]);
        assert.equal(first.currentVersion, 3);
        assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), []);
        assert.equal(
          await database.settled(() => manager.getCurrentVersion(), (version) => version === 3),
          3,
        );
      });
      assert.deepEqual(await historyOf(database), [1, 2, 3]);
      assert.deepEqual(await database.read("SELECT name, email FROM users"), [{
        name: "ada",
        email: "ada@example.com",
      }]);
    });
  });

  test(`getStatus() tells applied from pending migrations`, async () => {
    await withFreshDatabase(engine, async (database) => {
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate({ targetVersion: 1 });
        const status = await database.settled(
          () => manager.getStatus(),
          (status) => status.currentVersion === 1,
        );
        assert.equal(status.currentVersion, 1);
        assert.equal(status.latestVersion, 3);
        assert.equal(status.pendingCount, 2);
        assert.deepEqual(status.migrations.map((m) => [m.version, m.state === "applied"]), [[1, true], [
          2,
          false,
        ], [
          3,
          false,
        ]]);
        assert.match(status.migrations[0].appliedAt ?? "", /^\d{4}-\d\d-\d\dT/);
      });
    });
  });

  test(`rollback() reverts the newest migrations and their history`, async () => {
    await withFreshDatabase(engine, async (database) => {
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate();
        // A replica that has not yet seen the migrations would find nothing to roll back.
        await database.settled(() => manager.getCurrentVersion(), (version) => version === 3);
        const result = await manager.rollback({ steps: 2 });
        assert.deepEqual(result.steps.map((step) => step.version), [3, 2]);
        assert.equal(result.currentVersion, 1);
      });
      assert.deepEqual(await historyOf(database), [1]);
      const columns = await database.read("SELECT name FROM pragma_table_info('users')");
      assert.deepEqual(columns.map((column) => column.name), ["id", "name"]);
      assert.equal(Number((await database.read("SELECT count(*) AS n FROM users"))[0].n), 0);
    });
  });

  test(`a dry run reports the pending migrations and leaves the database unchanged`, async () => {
    await withFreshDatabase(engine, async (database) => {
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations(ALL);
        await manager.migrate({ targetVersion: 1 });
        const before = await database.snapshot();
        const dry = await manager.migrate({ dryRun: true });
        assert.equal(dry.dryRun, true);
        assert.deepEqual(dry.steps.map((step) => step.version), [2, 3]);
        assert.deepEqual(await database.snapshot(), before, "a dry run writes nothing");
        assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [2, 3]);
      });
    });
  });

  test(`a failing migration is rolled back alone and the earlier ones stay applied`, async () => {
    await withFreshDatabase(engine, async (database) => {
      const failing: Migration = {
        version: 2,
        description: "add orders",
        up: async (db) => {
          await db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY)");
          await db.exec("INSERT INTO missing VALUES (1)");
        },
      };
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations([createUsersMigration(), failing]);
        const error = await manager.migrate().then(() => null, (caught) => caught);
        assert.ok(error instanceof MigrationError, String(error));
        assert.equal(error.version, 2);
        // The same sentence on every engine: SQLite's message, without an engine's prefix.
        assert.match(error.message, /^Migration 2 \("add orders"\) failed: no such table: missing\. /);
        assert.ok(error.cause instanceof SqliteError);
        assert.equal(
          await database.settled(() => manager.getCurrentVersion(), (version) => version === 1),
          1,
        );
      });
      assert.deepEqual(await historyOf(database), [1]);
      assert.deepEqual(await tablesOf(database), ["users"]);
    });
  });

  test(`a database versioned by the original settings table upgrades from that version`, async () => {
    await withFreshDatabase(engine, async (database) => {
      const seed = `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO settings VALUES ('db_migration_version', '1');
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`;
      await database.seed(seed);
      await withEngine(engine, database, async (db) => {
        const result = await new MigrationManager(db).registerMigrations(ALL).migrate();
        assert.deepEqual(result.steps.map((step) => step.version), [2, 3]);
      });
      assert.deepEqual(await historyOf(database), [1, 2, 3]);
      assert.deepEqual(await database.read("SELECT value FROM settings WHERE key = 'db_migration_version'"), [
        { value: "3" },
      ]);
    });
  });

  test(`two processes migrating one database at once apply each migration exactly once`, async () => {
    await withFreshDatabase(engine, async (database) => {
      const runs = await Promise.all([1, 2].map(() => migrateInProcess(engine, database.target)));
      const applied = runs.flat().sort();
      assert.deepEqual(applied, [1, 2, 3]);
      const log = await database.read("SELECT version FROM log ORDER BY version");
      assert.deepEqual(log.map((row) => Number(row.version)), [1, 2, 3]);
      assert.deepEqual(await historyOf(database), [1, 2, 3]);
    });
  });

  test(`the executor returns rows, run() results and bound values as every engine does`, async () => {
    await withFreshDatabase(engine, async (database) => {
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
          await db.run("INSERT INTO v (x) VALUES (@k)", { k: 8 });
          await db.run("INSERT INTO v (x, j) VALUES ($x, :j)", { $x: 7, j: '{"a":1}' });
          seen.rows = await db.query("SELECT id, x, typeof(x) AS type, j FROM v ORDER BY rowid");
          seen.update = await db.run("UPDATE v SET x = x WHERE id = ? RETURNING id", 2n ** 53n + 1n);
          seen.none = await db.query("SELECT * FROM v WHERE id < 0");
        },
      };
      await withEngine(engine, database, async (db) => {
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
        [8, "integer"],
        [7, "integer"],
      ]);
      assert.equal(rows[1].id, 2n ** 53n + 1n, "an INTEGER beyond 2^53 reads as an exact bigint");
      assert.equal(rows.at(-1)?.j, '{"a":1}', "a JSON column reads as its text");
    });
  });

  test(`SQL errors are SqliteErrors with SQLite's message and, where given, its code`, async () => {
    await withFreshDatabase(engine, async (database) => {
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
      await withEngine(engine, database, async (db) => {
        await new MigrationManager(db).registerMigrations([violate]).migrate();
      });
      assert.ok(caught instanceof SqliteError, `expected a SqliteError, got ${caught}`);
      assert.equal(caught.message, "UNIQUE constraint failed: u.email");
      assert.equal(caught.code, engine.errorCodes === "none" ? undefined : "SQLITE_CONSTRAINT");
      assert.equal(caught.extendedCode, engine.errorCodes === "extended" ? 2067 : undefined);
    });
  });

  test(`rebuilding a table keeps the rows that reference it`, async () => {
    await withFreshDatabase(engine, async (database) => {
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
      const seed = `PRAGMA foreign_keys = ON;
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE);
        INSERT INTO users VALUES (1, 'ada'); INSERT INTO posts VALUES (10, 1);`;
      await database.seed(seed);
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations([
          { version: 1, description: "existing schema", up: () => {} },
          rebuild,
        ]);
        assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
      });
      assert.equal(Number((await database.read("SELECT count(*) AS n FROM posts"))[0].n), 1);
    });
  });

  test(`a migration outside a transaction is applied and recorded`, async () => {
    await withFreshDatabase(engine, async (database) => {
      // A transaction of its own: what a migration needs that must switch foreign keys off first.
      const outside: Migration = {
        version: 2,
        description: "own transaction",
        transaction: false,
        up: (db) => db.exec("BEGIN; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x'); COMMIT;"),
      };
      await withEngine(engine, database, async (db) => {
        const manager = new MigrationManager(db).registerMigrations([createUsersMigration(), outside, {
          ...addEmail,
          version: 3,
        }]);
        const result = await manager.migrate();
        assert.deepEqual(result.steps.map((step) => step.version), [1, 2, 3]);
      });
      assert.deepEqual(await historyOf(database), [1, 2, 3]);
      assert.deepEqual(await database.read("SELECT DISTINCT state FROM strata_migrations"), [{
        state: "applied",
      }]);
      assert.deepEqual(await database.read("SELECT body FROM notes"), [{ body: "x" }]);
    });
  });
}

/** Runs `testdata/migrate_concurrently.ts` in a new process; returns the versions it applied. */
async function migrateInProcess(engine: TestEngine, target: string): Promise<number[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...taskFlags("test"),
      repoPath("tests/testdata/migrate_concurrently.ts"),
      engine.name,
      target,
    ],
    cwd: repoPath(""),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}
