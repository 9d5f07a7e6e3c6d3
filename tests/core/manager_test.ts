import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  DatabaseStateError,
  InvalidInputError,
  type Migration,
  MigrationError,
  MigrationManager,
} from "../../mod.ts";
import { createUsersMigration } from "../support/fixtures.ts";
import { fileBytes, schemaOf, withDatabase, withTempDir } from "../support/util.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Three reversible migrations: users, posts referencing users, an index. */
function blogMigrations(): Migration[] {
  return [
    createUsersMigration(),
    {
      version: 2,
      description: "create posts",
      up: (db) =>
        db.exec(
          "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), body TEXT)",
        ),
      down: (db) => db.exec("DROP TABLE posts"),
    },
    {
      version: 3,
      description: "index posts by user",
      up: (db) => db.exec("CREATE INDEX idx_posts_user ON posts (user_id)"),
      down: (db) => db.exec("DROP INDEX idx_posts_user"),
    },
  ];
}

/** Every row of every user table, to compare data before and after. */
function dataOf(db: DatabaseSync): Record<string, unknown[]> {
  const tables = db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'strata_%' ORDER BY name",
  ).all().map((row) => String(row.name));
  return Object.fromEntries(
    tables.map((
      name,
    ) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all().map((r) => ({ ...r }))]),
  );
}

function pragma(db: DatabaseSync, name: string): unknown {
  return Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
}

/** Runs `fn` with a database file in a temporary directory, opened on a new connection. */
async function withDbFile<T>(fn: (db: DatabaseSync, path: string) => Promise<T>): Promise<T> {
  return await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    return await withDatabase(path, (db) => fn(db, path));
  });
}

Deno.test("a new database is at version 0 with every migration pending", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    assert.equal(await manager.getCurrentVersion(), 0);
    const status = await manager.getStatus();
    assert.equal(status.currentVersion, 0);
    assert.equal(status.latestVersion, 3);
    assert.equal(status.pendingCount, 3);
    assert.equal(status.lastRun, null);
    assert.deepEqual(
      status.migrations.map((m) => [m.version, m.description, m.state === "applied", m.appliedAt]),
      [[1, "create users", false, null], [2, "create posts", false, null], [
        3,
        "index posts by user",
        false,
        null,
      ]],
    );
  });
});

Deno.test("migrate() applies every pending migration in order and reports them", async () => {
  await withDbFile(async (db) => {
    const order: number[] = [];
    const migrations = blogMigrations().map((m) => ({
      ...m,
      up: async (x: Parameters<Migration["up"]>[0]) => {
        order.push(m.version);
        await m.up(x);
      },
    }));
    const manager = new MigrationManager(db).registerMigrations(migrations);
    const result = await manager.migrate();
    assert.deepEqual(result.steps.map((step) => step.version), [1, 2, 3]);
    assert.equal(result.currentVersion, 3);
    assert.deepEqual(order, [1, 2, 3]);
    assert.deepEqual(result.steps.map((s) => [s.version, s.direction]), [[1, "up"], [2, "up"], [3, "up"]]);
    assert.equal(await manager.getCurrentVersion(), 3);
    const again = await manager.migrate();
    assert.deepEqual([again.steps.map((step) => step.version), again.currentVersion, again.steps], [
      [],
      3,
      [],
    ]);
    assert.deepEqual(order, [1, 2, 3]);
  });
});

Deno.test("getStatus() reports applied migrations with ISO-8601 times and lastRun as an ISO string", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    const before = Date.now();
    await manager.migrate({ targetVersion: 2 });
    const status = await manager.getStatus();
    assert.equal(status.currentVersion, 2);
    assert.equal(status.latestVersion, 3);
    assert.equal(status.pendingCount, 1);
    assert.equal(typeof status.lastRun, "string");
    assert.match(status.lastRun!, ISO);
    assert.equal(new Date(status.lastRun!).toISOString(), status.lastRun);
    assert.ok(
      Date.parse(status.lastRun!) >= before - 1000 && Date.parse(status.lastRun!) <= Date.now() + 1000,
    );
    const [first, second, third] = status.migrations;
    for (const entry of [first, second]) {
      assert.equal(entry.state, "applied");
      assert.match(entry.appliedAt!, ISO);
      assert.equal(typeof entry.durationMs, "number");
    }
    assert.deepEqual([third.state === "applied", third.appliedAt, third.durationMs], [false, null, null]);
  });
});

Deno.test("getStatus() moves lastRun forward after a rollback", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    await manager.migrate();
    const afterMigrate = (await manager.getStatus()).lastRun!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await manager.rollback();
    const afterRollback = (await manager.getStatus()).lastRun!;
    assert.match(afterRollback, ISO);
    assert.ok(afterRollback > afterMigrate, `${afterRollback} > ${afterMigrate}`);
  });
});

Deno.test("migrate({ targetVersion }) stops at the target, and a later migrate() continues", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    assert.deepEqual((await manager.migrate({ targetVersion: 1 })).steps.map((step) => step.version), [1]);
    assert.deepEqual((await manager.migrate({ targetVersion: 1 })).steps.map((step) => step.version), []);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [2, 3]);
  });
});

Deno.test("migrate() refuses a target above the newest or below the current version, writing nothing", async () => {
  await withDbFile(async (db, path) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    await manager.migrate({ targetVersion: 2 });
    const before = fileBytes(path);
    await assert.rejects(
      manager.migrate({ targetVersion: 4 }),
      (error: unknown) =>
        error instanceof InvalidInputError && error.input === "targetVersion" &&
        /version 4: the newest known migration is 3/.test(error.message),
    );
    await assert.rejects(
      manager.migrate({ targetVersion: 1 }),
      (error: unknown) => error instanceof InvalidInputError && /already at 2/.test(error.message),
    );
    for (const targetVersion of [-1, 2.5, NaN]) {
      await assert.rejects(manager.migrate({ targetVersion }), InvalidInputError);
    }
    assert.deepEqual(fileBytes(path), before);
    assert.equal(await manager.getCurrentVersion(), 2);
  });
});

Deno.test("rollback() reverts the newest migration by default", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    await manager.migrate();
    const result = await manager.rollback();
    assert.deepEqual([result.steps.map((step) => step.version), result.currentVersion], [[3], 2]);
    assert.deepEqual(result.steps.map((s) => [s.version, s.direction]), [[3, "down"]]);
    assert.equal(
      db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'idx_posts_user'").get()?.n,
      0,
    );
    const status = await manager.getStatus();
    assert.deepEqual(status.migrations.map((m) => m.state === "applied"), [true, true, false]);
    assert.equal(status.pendingCount, 1);
  });
});

Deno.test("rollback({ steps }) reverts that many, newest first", async () => {
  await withDbFile(async (db) => {
    const order: number[] = [];
    const migrations = blogMigrations().map((m) => ({
      ...m,
      down: (x: Parameters<Migration["up"]>[0]) => {
        order.push(m.version);
        return m.down!(x);
      },
    }));
    const manager = new MigrationManager(db).registerMigrations(migrations);
    await manager.migrate();
    const result = await manager.rollback({ steps: 2 });
    assert.deepEqual([result.steps.map((step) => step.version), result.currentVersion], [[3, 2], 1]);
    assert.deepEqual(order, [3, 2]);
    assert.deepEqual(
      db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'strata_%' ORDER BY name").all().map((
        r,
      ) => r.name),
      ["users"],
    );
  });
});

Deno.test("rollback({ targetVersion }) reverts everything above the target, down to 0", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    await manager.migrate();
    assert.deepEqual((await manager.rollback({ targetVersion: 1 })).steps.map((step) => step.version), [
      3,
      2,
    ]);
    const none = await manager.rollback({ targetVersion: 1 });
    assert.deepEqual([none.steps.map((step) => step.version), none.currentVersion, none.steps], [[], 1, []]);
    assert.deepEqual((await manager.rollback({ targetVersion: 0 })).steps.map((step) => step.version), [1]);
    assert.equal(await manager.getCurrentVersion(), 0);
    assert.deepEqual(dataOf(db), {});
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2, 3]);
  });
});

Deno.test("rollback() refuses invalid steps and targets without writing", async () => {
  await withDbFile(async (db, path) => {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    await manager.migrate({ targetVersion: 2 });
    const before = fileBytes(path);
    for (const steps of [0, -1, 1.5]) {
      await assert.rejects(
        manager.rollback({ steps }),
        (e: unknown) => e instanceof InvalidInputError && e.input === "steps",
      );
    }
    await assert.rejects(manager.rollback({ steps: 3 }), /applied only 2/);
    await assert.rejects(
      manager.rollback({ targetVersion: 3 }),
      (e: unknown) => e instanceof InvalidInputError && /database is at 2/.test(e.message),
    );
    await assert.rejects(manager.rollback({ targetVersion: -1 }), InvalidInputError);
    await assert.rejects(manager.rollback({ steps: 1, targetVersion: 0 }), /not both/);
    assert.deepEqual(fileBytes(path), before);
  });
});

Deno.test("rollback() stops before a migration without down(), changing nothing", async () => {
  await withDbFile(async (db, path) => {
    const downs: number[] = [];
    const migrations: Migration[] = [
      { version: 1, description: "create users", up: (x) => x.exec("CREATE TABLE users (id)") },
      {
        version: 2,
        description: "irreversible",
        up: (x) => x.exec("CREATE TABLE audit (id)"),
      },
      {
        version: 3,
        description: "reversible",
        up: (x) => x.exec("CREATE TABLE extra (id)"),
        down: (x) => {
          downs.push(3);
          return x.exec("DROP TABLE extra");
        },
      },
    ];
    const manager = new MigrationManager(db).registerMigrations(migrations);
    await manager.migrate();
    const before = fileBytes(path);
    await assert.rejects(manager.rollback({ steps: 2 }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /2 \("irreversible"\) has no down\(\)/);
      assert.match(error.message, /Nothing was changed/);
      return true;
    });
    await assert.rejects(manager.rollback({ targetVersion: 0 }), /no down\(\)/);
    assert.deepEqual(downs, []);
    assert.deepEqual(fileBytes(path), before);
    assert.equal(await manager.getCurrentVersion(), 3);
    assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [3]);
  });
});

/** A migration that changes schema and data in many ways, then fails. */
const FAILING: Migration = {
  version: 2,
  description: "half done",
  up: async (db) => {
    await db.run("INSERT INTO users (name) VALUES ('mallory')");
    await db.run("UPDATE users SET name = upper(name)");
    await db.run("DELETE FROM users WHERE id = 1");
    await db.exec("ALTER TABLE users ADD COLUMN email TEXT");
    await db.exec("CREATE TABLE extra (id); CREATE INDEX idx_users_name ON users (name)");
    await db.exec("DROP TABLE notes");
    await db.exec("INSERT INTO no_such_table VALUES (1)");
  },
};

async function seedUsers(db: DatabaseSync): Promise<MigrationManager> {
  const manager = new MigrationManager(db).registerMigrations([{
    version: 1,
    description: "create users",
    up: (x) =>
      x.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
              CREATE TABLE notes (body TEXT);
              INSERT INTO users (name) VALUES ('ann'), ('bob');
              INSERT INTO notes VALUES ('keep me')`),
  }]);
  await manager.migrate();
  return manager;
}

Deno.test("a failing migration leaves schema, data and the file exactly as before", async () => {
  await withDbFile(async (db, path) => {
    await seedUsers(db);
    const schema = schemaOf(db);
    const data = dataOf(db);
    const bytes = fileBytes(path);
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "create users", up: () => {} },
      FAILING,
    ]);
    await assert.rejects(manager.migrate(), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.version, 2);
      assert.equal(error.description, "half done");
      assert.equal(error.direction, "up");
      assert.ok(error.cause instanceof Error);
      assert.match(error.message, /Migration 2 \("half done"\) failed: no such table: no_such_table/);
      return true;
    });
    assert.deepEqual(schemaOf(db), schema);
    assert.deepEqual(dataOf(db), data);
    assert.deepEqual(fileBytes(path), bytes);
    assert.equal(await manager.getCurrentVersion(), 1);
    assert.equal((await manager.getStatus()).pendingCount, 1);
  });
});

Deno.test("a failing first migration on a new database file leaves it empty", async () => {
  await withDbFile(async (db, path) => {
    const bytes = fileBytes(path);
    const manager = new MigrationManager(db).registerMigrations([{ ...FAILING, version: 1 }]);
    await assert.rejects(manager.migrate(), MigrationError);
    assert.deepEqual(fileBytes(path), bytes);
    assert.deepEqual(schemaOf(db), []);
  });
});

Deno.test("a failing migration keeps the migrations before it in the same run, and the next run retries it", async () => {
  await withDbFile(async (db) => {
    let broken = true;
    const migrations: Migration[] = [
      ...blogMigrations().slice(0, 2),
      {
        version: 3,
        description: "sometimes fails",
        up: async (x) => {
          await x.exec("CREATE TABLE tags (name TEXT)");
          if (broken) throw new Error("not yet");
        },
        down: (x) => x.exec("DROP TABLE tags"),
      },
    ];
    const manager = new MigrationManager(db).registerMigrations(migrations);
    await assert.rejects(
      manager.migrate(),
      (error: unknown) =>
        error instanceof MigrationError && error.version === 3 && /not yet/.test(error.message),
    );
    assert.equal(await manager.getCurrentVersion(), 2);
    assert.deepEqual((await manager.getStatus()).migrations.map((m) => m.state === "applied"), [
      true,
      true,
      false,
    ]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'tags'").get()?.n, 0);
    broken = false;
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [3]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'tags'").get()?.n, 1);
  });
});

Deno.test("a failing down() is rolled back alone; the ones reverted before it stay reverted", async () => {
  await withDbFile(async (db) => {
    const migrations = blogMigrations();
    migrations[1] = {
      ...migrations[1],
      down: async (x) => {
        await x.exec("DROP TABLE posts");
        throw new Error("cannot undo");
      },
    };
    const manager = new MigrationManager(db).registerMigrations(migrations);
    await manager.migrate();
    const schemaAfter3 = schemaOf(db).filter((r) => r.name !== "idx_posts_user");
    await assert.rejects(manager.rollback({ steps: 2 }), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.version, 2);
      assert.equal(error.direction, "down");
      assert.match(error.message, /failed to roll back: cannot undo/);
      return true;
    });
    assert.equal(await manager.getCurrentVersion(), 2);
    assert.deepEqual(
      schemaOf(db).filter((r) => !String(r.name).startsWith("strata_")),
      schemaAfter3.filter((r) => !String(r.name).startsWith("strata_")),
    );
  });
});

Deno.test("a migration that throws a non-Error still fails with a MigrationError", async () => {
  await withDbFile(async (db) => {
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "throws a string", up: () => Promise.reject("plain string") },
    ]);
    await assert.rejects(
      manager.migrate(),
      (error: unknown) => error instanceof MigrationError && /plain string/.test(error.message),
    );
  });
});

/** Applies three migrations, then returns a manager that knows only the first two. */
async function futureDatabase(db: DatabaseSync): Promise<MigrationManager> {
  await new MigrationManager(db).registerMigrations(blogMigrations()).migrate();
  return new MigrationManager(db).registerMigrations(blogMigrations().slice(0, 2));
}

Deno.test("a database newer than every known migration is refused by migrate() and rollback() without writing", async () => {
  await withDbFile(async (db, path) => {
    const manager = await futureDatabase(db);
    const before = fileBytes(path);
    for (
      const run of [
        () => manager.migrate(),
        () => manager.rollback(),
        () => manager.rollback({ targetVersion: 0 }),
      ]
    ) {
      await assert.rejects(run(), (error: unknown) => {
        assert.ok(error instanceof DatabaseStateError);
        assert.equal(error.reason, "future-version");
        assert.deepEqual(error.versions, [3]);
        assert.match(error.message, /version 3/);
        assert.match(error.message, /newest known migration is 2/);
        return true;
      });
    }
    assert.deepEqual(fileBytes(path), before);
  });
});

Deno.test("getStatus() still reports a database newer than every known migration", async () => {
  await withDbFile(async (db, path) => {
    const manager = await futureDatabase(db);
    const before = fileBytes(path);
    const status = await manager.getStatus();
    assert.equal(status.currentVersion, 3);
    assert.equal(status.latestVersion, 2);
    assert.equal(status.pendingCount, 0);
    assert.deepEqual(status.migrations.map((m) => [m.version, m.state === "applied", m.known]), [
      [1, true, true],
      [2, true, true],
      [3, true, false],
    ]);
    assert.equal(status.migrations[2].description, "index posts by user");
    assert.equal(await manager.getCurrentVersion(), 3);
    assert.deepEqual(fileBytes(path), before);
  });
});

Deno.test("getStatus() and getCurrentVersion() leave the file byte-for-byte unchanged", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db");
    await withDatabase(path, async (db) => {
      const manager = new MigrationManager(db).registerMigrations(blogMigrations());
      // A new, empty file stays empty.
      await manager.getStatus();
      await manager.getCurrentVersion();
      assert.equal(fileBytes(path).length, 0);
      db.exec("CREATE TABLE legacy (x); INSERT INTO legacy VALUES (1)");
      let before = fileBytes(path);
      await manager.getStatus();
      assert.deepEqual(fileBytes(path), before);
      await manager.migrate({ targetVersion: 1 });
      before = fileBytes(path);
      await manager.getStatus();
      await manager.getCurrentVersion();
      await manager.migrate({ targetVersion: 1 });
      assert.deepEqual(fileBytes(path), before);
    });
  });
});

Deno.test("the manager never changes journal_mode or page_size", async () => {
  await withTempDir(async (dir) => {
    for (
      const [name, setup] of [["default.db", ""], [
        "wal.db",
        "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;",
      ]]
    ) {
      const path = join(dir, name);
      await withDatabase(path, async (db) => {
        db.exec(setup);
        db.exec("CREATE TABLE seed (x)");
        const before = [pragma(db, "journal_mode"), pragma(db, "page_size")];
        const manager = new MigrationManager(db).registerMigrations(blogMigrations());
        await manager.getStatus();
        await manager.migrate();
        await manager.rollback({ targetVersion: 0 });
        await manager.migrate({ targetVersion: 1 });
        assert.deepEqual([pragma(db, "journal_mode"), pragma(db, "page_size")], before, name);
      });
      await withDatabase(path, (db) => {
        assert.equal(pragma(db, "page_size"), name === "wal.db" ? 8192 : 4096);
        assert.equal(pragma(db, "journal_mode"), name === "wal.db" ? "wal" : "delete");
      });
    }
  });
});

Deno.test("the connection's foreign_keys setting is restored after migrate and rollback, even on failure", async () => {
  for (const enforced of [true, false]) {
    const db = new DatabaseSync(":memory:");
    try {
      db.exec(`PRAGMA foreign_keys = ${enforced ? "ON" : "OFF"}`);
      const manager = new MigrationManager(db).registerMigrations([
        ...blogMigrations(),
        { version: 4, description: "fails", up: () => Promise.reject(new Error("no")) },
      ]);
      await assert.rejects(manager.migrate(), MigrationError);
      assert.equal(pragma(db, "foreign_keys"), enforced ? 1 : 0);
      await manager.rollback();
      assert.equal(pragma(db, "foreign_keys"), enforced ? 1 : 0);
    } finally {
      db.close();
    }
  }
});

Deno.test("a migration that leaves foreign key violations is rolled back", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("PRAGMA foreign_keys = ON");
    const manager = new MigrationManager(db).registerMigrations([
      ...blogMigrations().slice(0, 2),
      {
        version: 3,
        description: "orphan posts",
        up: async (x) => {
          await x.run("INSERT INTO users (id, name) VALUES (1, 'ann')");
          await x.run("INSERT INTO posts (user_id, body) VALUES (1, 'fine'), (99, 'orphan')");
        },
      },
    ]);
    await assert.rejects(manager.migrate(), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.version, 3);
      assert.match(error.message, /foreign key/);
      assert.match(error.message, /posts/);
      return true;
    });
    assert.equal(await manager.getCurrentVersion(), 2);
    assert.deepEqual(dataOf(db), { posts: [], users: [] });
    assert.equal(pragma(db, "foreign_keys"), 1);
  } finally {
    db.close();
  }
});

Deno.test("rebuilding a parent table with foreign keys on does not cascade-delete its children", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`PRAGMA foreign_keys = ON;
      CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);
      INSERT INTO users VALUES (1, 'ann'); INSERT INTO posts VALUES (10, 1);`);
    const manager = new MigrationManager(db).registerMigrations([{
      version: 1,
      description: "rebuild users",
      up: (x) =>
        x.exec(`CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
                INSERT INTO users_new SELECT id, name FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;`),
    }]);
    await manager.migrate();
    assert.deepEqual(dataOf(db).posts, [{ id: 10, user_id: 1 }]);
    assert.equal(pragma(db, "foreign_keys"), 1);
  } finally {
    db.close();
  }
});

Deno.test("the manager refuses a connection inside a transaction the caller left open", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations(blogMigrations());
    db.exec("BEGIN");
    await assert.rejects(
      manager.migrate(),
      (error: unknown) => error instanceof InvalidInputError && /inside a transaction/.test(error.message),
    );
    db.exec("ROLLBACK");
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2, 3]);
  } finally {
    db.close();
  }
});

Deno.test("new MigrationManager() refuses what is not a database, and invalid options", () => {
  for (const value of [null, undefined, 42, "app.db", {}]) {
    assert.throws(
      () => new MigrationManager(value as unknown as DatabaseSync),
      (error: unknown) => error instanceof InvalidInputError && error.input === "db",
      String(value),
    );
  }
  const db = new DatabaseSync(":memory:");
  try {
    assert.throws(() => new MigrationManager(db, { busyTimeoutMs: -1 }), InvalidInputError);
    assert.throws(() => new MigrationManager(db, { historyTable: "bad name; DROP" }), InvalidInputError);
  } finally {
    db.close();
  }
});

Deno.test("the historyTable option names the table that records applied migrations", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db, { historyTable: "my_history" }).registerMigrations(
      blogMigrations(),
    );
    await manager.migrate();
    assert.deepEqual(
      db.prepare("SELECT version FROM my_history ORDER BY version").all().map((r) => r.version),
      [1, 2, 3],
    );
    assert.equal(await new MigrationManager(db).registerMigrations(blogMigrations()).getCurrentVersion(), 0);
  } finally {
    db.close();
  }
});

Deno.test("migrate() waits for another connection's write lock only as long as busyTimeoutMs", async () => {
  await withDbFile(async (db, path) => {
    await withDatabase(path, async (other) => {
      other.exec("CREATE TABLE x (a)");
      other.exec("BEGIN IMMEDIATE");
      try {
        const manager = new MigrationManager(db, { busyTimeoutMs: 50 }).registerMigrations(blogMigrations());
        await assert.rejects(
          manager.migrate(),
          (error: unknown) => error instanceof DatabaseStateError && error.reason === "busy",
        );
      } finally {
        other.exec("ROLLBACK");
      }
    });
  });
});

Deno.test("a file that is not a SQLite database is refused with a clear error", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "not.db");
    await Deno.writeTextFile(path, "this is not a database, just some text that is long enough. ".repeat(20));
    const before = fileBytes(path);
    await withDatabase(path, async (db) => {
      const manager = new MigrationManager(db).registerMigrations(blogMigrations());
      await assert.rejects(
        manager.getStatus(),
        (error: unknown) => error instanceof DatabaseStateError && error.reason === "unreadable",
      );
      await assert.rejects(manager.migrate(), DatabaseStateError);
    });
    assert.deepEqual(fileBytes(path), before);
  });
});
