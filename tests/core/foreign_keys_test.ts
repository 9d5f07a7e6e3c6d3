import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { MigrationError, MigrationManager } from "../../mod.ts";
import type { SqlEngine } from "../../src/engines/engine.ts";
import { NodeSqliteEngine } from "../../src/engines/node_sqlite.ts";
import { schemaOf } from "../support/util.ts";

const PARENT_AND_CHILD = {
  version: 1,
  description: "authors and books",
  up: (db: import("../../mod.ts").Executor) =>
    db.exec(`
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors (id) ON DELETE CASCADE);
      INSERT INTO authors VALUES (1, 'Ann');
      INSERT INTO books VALUES (10, 1), (11, 1);
    `),
};

Deno.test("a table rebuild of a parent table keeps its children's rows (no cascade during migrations)", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      PARENT_AND_CHILD,
      {
        version: 2,
        description: "rebuild authors",
        up: (db) =>
          db.exec(`
            CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
            INSERT INTO authors_new SELECT id, coalesce(name, '') FROM authors;
            DROP TABLE authors;
            ALTER TABLE authors_new RENAME TO authors;
          `),
      },
    ]);
    await manager.migrate();
    assert.equal(db.prepare("SELECT count(*) AS n FROM books").get()?.n, 2);
    assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 1, "enforcement is restored");
  } finally {
    db.close();
  }
});

Deno.test("a migration that leaves a dangling reference is rolled back, naming table and row", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      PARENT_AND_CHILD,
      { version: 2, description: "drop authors", up: (db) => db.exec("DROP TABLE authors") },
    ]);
    await manager.migrate({ targetVersion: 1 });
    const before = schemaOf(db);
    await assert.rejects(
      manager.migrate(),
      (e) =>
        e instanceof MigrationError && e.version === 2 &&
        /books row 10 references a missing row of authors/.test(e.message),
    );
    assert.deepEqual(schemaOf(db), before);
    assert.equal(db.prepare("SELECT count(*) AS n FROM books").get()?.n, 2);
    assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 1);
  } finally {
    db.close();
  }
});

Deno.test("a connection with foreign keys off is left off and not checked", async () => {
  const db = new DatabaseSync(":memory:", { enableForeignKeyConstraints: false });
  try {
    const manager = new MigrationManager(db).registerMigrations([
      PARENT_AND_CHILD,
      { version: 2, description: "drop authors", up: (db) => db.exec("DROP TABLE authors") },
    ]);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
    assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, 0);
  } finally {
    db.close();
  }
});

Deno.test("a key declared earlier in the same run is checked by every later migration", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      PARENT_AND_CHILD,
      { version: 2, description: "drop authors", up: (db) => db.exec("DROP TABLE authors") },
    ]);
    await assert.rejects(manager.migrate(), (e) => e instanceof MigrationError && e.version === 2);
    assert.equal(await manager.getCurrentVersion(), 1, "the migration before it stays applied");
    assert.equal(db.prepare("SELECT count(*) AS n FROM authors").get()?.n, 1);
  } finally {
    db.close();
  }
});

Deno.test("a key declared with a dangling row in the same migration is refused", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([{
      version: 1,
      description: "orphan",
      up: (db) =>
        db.exec(`
          CREATE TABLE parents (id INTEGER PRIMARY KEY);
          CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id));
          INSERT INTO kids VALUES (1, 99);
        `),
    }]);
    await assert.rejects(manager.migrate(), /kids row 1 references a missing row of parents/);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'kids'").get()?.n, 0);
  } finally {
    db.close();
  }
});

Deno.test("without any foreign key, a run checks keys once, not after each migration", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const engine = new NodeSqliteEngine(db);
    let checks = 0;
    const counting: SqlEngine = {
      name: engine.name,
      exec: (sql) => engine.exec(sql),
      run: (sql, params) => engine.run(sql, params),
      inTransaction: () => engine.inTransaction(),
      beginWrite: async () => {
        const tx = await engine.beginWrite();
        return {
          exec: (sql) => tx.exec(sql),
          run: (sql, params) => tx.run(sql, params),
          commit: () => tx.commit(),
          rollback: () => tx.rollback(),
          isOpen: () => tx.isOpen(),
          query: (sql, params) => {
            if (/foreign_key_check/.test(sql)) checks++;
            return tx.query(sql, params);
          },
        };
      },
      query: (sql, params) => engine.query(sql, params),
    };
    const tables = Array.from({ length: 20 }, (_, i) => ({
      version: i + 1,
      description: `table ${i + 1}`,
      up: (db: import("../../mod.ts").Executor) => db.exec(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY)`),
    }));
    await new MigrationManager(counting).registerMigrations(tables).migrate();
    assert.equal(checks, 1);
  } finally {
    db.close();
  }
});

const REBUILD_AUTHORS = {
  description: "rebuild authors",
  up: (db: import("../../mod.ts").Executor) =>
    db.exec(`
      CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
      INSERT INTO authors_new SELECT id, coalesce(name, '') FROM authors;
      DROP TABLE authors;
      ALTER TABLE authors_new RENAME TO authors;
    `),
};

for (const enforcedAtStart of [true, false]) {
  Deno.test(
    `a migration outside a transaction that switches foreign keys on cannot make a later rebuild cascade (enforced at start: ${enforcedAtStart})`,
    async () => {
      const db = new DatabaseSync(":memory:", { enableForeignKeyConstraints: enforcedAtStart });
      try {
        const manager = new MigrationManager(db).registerMigrations([
          PARENT_AND_CHILD,
          {
            version: 2,
            description: "enforce keys",
            transaction: false,
            up: (x) => x.exec("PRAGMA foreign_keys = ON"),
          },
          { version: 3, ...REBUILD_AUTHORS },
        ]);
        assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2, 3]);
        assert.equal(db.prepare("SELECT count(*) AS n FROM books").get()?.n, 2);
        assert.equal(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys, enforcedAtStart ? 1 : 0);
      } finally {
        db.close();
      }
    },
  );
}

Deno.test("violations left by a migration outside a transaction are its own, not the next migration's", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      PARENT_AND_CHILD,
      {
        version: 2,
        description: "orphan a book",
        transaction: false,
        up: (x) => x.exec("INSERT INTO books VALUES (12, 99)"),
      },
      { version: 3, description: "innocent", up: (x) => x.exec("CREATE TABLE notes (body TEXT)") },
    ]);
    await assert.rejects(manager.migrate(), (error) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.version, 2);
      assert.match(error.message, /books row 12 references a missing row of authors/);
      assert.match(error.message, /recorded as failed/);
      return true;
    });
    assert.deepEqual(
      db.prepare("SELECT version, state FROM strata_migrations ORDER BY version").all().map((r) => ({
        ...r,
      })),
      [{ version: 1, state: "applied" }, { version: 2, state: "failed" }],
    );
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'notes'").get()?.n, 0);
  } finally {
    db.close();
  }
});

Deno.test("after a migration outside a transaction, old violations it did not add still block nothing", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`PRAGMA foreign_keys = OFF;
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors (id));
      INSERT INTO books VALUES (1, 42);
      PRAGMA foreign_keys = ON`);
    const manager = new MigrationManager(db).registerMigrations([
      {
        version: 1,
        description: "vacuum",
        transaction: false,
        up: (x) => x.exec("CREATE INDEX books_author ON books (author_id)"),
      },
      { version: 2, description: "notes", up: (x) => x.exec("CREATE TABLE notes (body TEXT)") },
    ]);
    assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1, 2]);
  } finally {
    db.close();
  }
});
