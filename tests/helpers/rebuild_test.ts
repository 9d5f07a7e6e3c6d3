import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError, MigrationError, SchemaChangeError } from "../../src/shared/errors.ts";
import { type RebuildResult, rebuildTable } from "../../src/helpers/rebuild.ts";
import { migrateOnce, rows } from "../support/migrate.ts";

const USERS = 100_000;

/** A database with a large `users` table, an index of each kind, a trigger, a view and a child table. */
function largeDatabase(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE,
      email TEXT,
      nickname TEXT,
      score REAL,
      legacy BLOB
    );
    CREATE INDEX users_team ON users (team_id);
    CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), total REAL);
    CREATE TABLE audit (user_id INTEGER, note TEXT);
    CREATE TRIGGER users_email_changed AFTER UPDATE OF email ON users
    BEGIN
      INSERT INTO audit VALUES (new.id, 'email changed');
    END;
    CREATE VIEW team_emails AS SELECT t.name AS team, u.email FROM users AS u JOIN teams AS t ON t.id = u.team_id;
    INSERT INTO teams VALUES (1, 'red'), (2, 'blue'), (3, 'green');
  `);
  db.exec("BEGIN");
  const insert = db.prepare(
    "INSERT INTO users (team_id, email, nickname, score, legacy) VALUES (?, ?, ?, ?, ?)",
  );
  for (let i = 1; i <= USERS; i++) {
    insert.run(
      1 + (i % 3),
      i % 7 === 0 ? null : `user${i}@example.com`,
      i % 5 === 0 ? null : `nick ${i}`,
      i / 8,
      new Uint8Array([i % 256]),
    );
  }
  const order = db.prepare("INSERT INTO orders (user_id, total) VALUES (?, ?)");
  for (let i = 1; i <= 1000; i++) order.run(i * 97, i * 1.5);
  db.exec("COMMIT");
  // Deleted ids at the end: the AUTOINCREMENT counter must not go back to the largest id left.
  db.exec(`DELETE FROM users WHERE id > ${USERS - 10}`);
  return db;
}

/** Everything about a table a rebuild must keep or restore. */
function tableState(db: DatabaseSync, table: string) {
  return {
    schema: rows(db, "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = ? ORDER BY name", table),
    rows: rows(db, `SELECT rowid AS row_id, * FROM ${table} ORDER BY rowid`),
    foreignKeys: rows(db, "SELECT * FROM pragma_foreign_key_list(?)", table),
    sequence: rows(db, "SELECT seq FROM sqlite_sequence WHERE name = ?", table),
  };
}

Deno.test("rebuildTable() keeps every row, index, trigger and foreign key of a 100,000-row table", async () => {
  const db = largeDatabase();
  try {
    const kept = "id, email, nickname, team_id, score";
    const valuesBefore = rows(db, `SELECT ${kept} FROM users ORDER BY id`);
    const indexesBefore = rows(
      db,
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' ORDER BY name",
    );
    const triggersBefore = rows(
      db,
      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    );
    const keysBefore = [
      rows(db, "SELECT * FROM pragma_foreign_key_list('users')"),
      rows(db, "SELECT * FROM pragma_foreign_key_list('orders')"),
    ];
    const sequenceBefore = rows(db, "SELECT seq FROM sqlite_sequence WHERE name = 'users'");
    const viewBefore = rows(db, "SELECT * FROM team_emails ORDER BY email LIMIT 50");
    let result: RebuildResult | undefined;

    await migrateOnce(db, async (executor) => {
      result = await rebuildTable(executor, "users", {
        columns: {
          legacy: null,
          email: "TEXT COLLATE NOCASE",
          score: "REAL NOT NULL DEFAULT 0 CHECK (score >= 0)",
        },
        copy: { score: "coalesce(score, 0)" },
        order: ["id", "email", "nickname", "team_id", "score"],
      });
    });

    assert.equal(result?.rows, USERS - 10);
    assert.deepEqual(result?.droppedColumns, ["legacy"]);
    assert.deepEqual(
      rows(db, "SELECT name FROM pragma_table_info('users')").map((c) => c.name),
      kept.split(", "),
    );
    assert.deepEqual(rows(db, `SELECT ${kept} FROM users ORDER BY id`), valuesBefore);
    assert.deepEqual(
      rows(
        db,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' ORDER BY name",
      ),
      indexesBefore,
    );
    assert.deepEqual(
      rows(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name"),
      triggersBefore,
    );
    assert.deepEqual(
      [
        rows(db, "SELECT * FROM pragma_foreign_key_list('users')"),
        rows(db, "SELECT * FROM pragma_foreign_key_list('orders')"),
      ],
      keysBefore,
    );
    assert.deepEqual(rows(db, "SELECT seq FROM sqlite_sequence WHERE name = 'users'"), sequenceBefore);
    assert.deepEqual(rows(db, "SELECT * FROM team_emails ORDER BY email LIMIT 50"), viewBefore);
    assert.deepEqual(rows(db, "PRAGMA foreign_key_check"), []);
    assert.deepEqual(rows(db, "PRAGMA integrity_check"), [{ integrity_check: "ok" }]);
    db.exec("UPDATE users SET email = 'new@example.com' WHERE id = 3");
    assert.deepEqual(rows(db, "SELECT * FROM audit"), [{ user_id: 3, note: "email changed" }]);
    assert.equal(
      rows(db, "INSERT INTO users (email) VALUES ('next@example.com') RETURNING id")[0].id,
      USERS + 1,
    );
  } finally {
    db.close();
  }
});

Deno.test("a rebuild that fails after the old table was dropped leaves the 100,000-row table intact", async () => {
  const db = largeDatabase();
  try {
    const before = tableState(db, "users");
    // Every email the same: the copy succeeds, recreating the unique index (after DROP and RENAME) fails.
    await assert.rejects(
      migrateOnce(
        db,
        (executor) => rebuildTable(executor, "users", { copy: { email: "'same@example.com'" } }),
      ),
      (error: unknown) => {
        assert.ok(error instanceof MigrationError);
        assert.ok(error.cause instanceof SchemaChangeError);
        assert.match(
          error.message,
          /Cannot rebuild table users: its index users_email does not fit the new definition: UNIQUE constraint failed/,
        );
        return true;
      },
    );
    assert.deepEqual(tableState(db, "users"), before);
    assert.deepEqual(rows(db, "SELECT name FROM sqlite_schema WHERE name LIKE 'strata_rebuild%'"), []);
  } finally {
    db.close();
  }
});

/** A small database for the rebuilds of one kind of change. */
function smallDatabase(sql: string): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(sql);
  return db;
}

const rebuild = (db: DatabaseSync, table: string, change: Parameters<typeof rebuildTable>[2]) =>
  migrateOnce(db, (executor) => rebuildTable(executor, table, change));

Deno.test("rebuildTable() drops a column that an ALTER TABLE DROP COLUMN refuses (it is in a UNIQUE constraint)", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT);
    INSERT INTO t VALUES (1, 'a', 'one'), (2, 'b', 'two');`);
  try {
    assert.throws(() => db.exec("ALTER TABLE t DROP COLUMN code"), /cannot drop UNIQUE column/);
    await rebuild(db, "t", { columns: { code: null } });
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, name: "one" }, { id: 2, name: "two" }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() renames a column and the table's index and the views using it follow", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, kind TEXT);
    CREATE INDEX t_name ON t (name);
    CREATE VIEW names AS SELECT name FROM t;
    INSERT INTO t VALUES (1, 'one', 'x');`);
  try {
    await migrateOnce(db, async (executor) => {
      const done = await rebuildTable(executor, "t", {
        rename: { name: "full_name" },
        columns: { kind: "TEXT NOT NULL" },
      });
      assert.deepEqual(done.renamedColumns, { name: "full_name" });
    });
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, full_name: "one", kind: "x" }]);
    assert.match(String(rows(db, "SELECT sql FROM sqlite_schema WHERE name = 't_name'")[0].sql), /full_name/);
    assert.deepEqual(rows(db, "SELECT * FROM names"), [{ full_name: "one" }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() changes a column's type, and the copied values take the new affinity", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, amount TEXT); INSERT INTO t VALUES (1, '42'), (2, '3.5')",
  );
  try {
    await rebuild(db, "t", { columns: { amount: "NUMERIC" } });
    assert.deepEqual(rows(db, "SELECT amount, typeof(amount) AS type FROM t ORDER BY id"), [
      { amount: 42, type: "integer" },
      { amount: 3.5, type: "real" },
    ]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() adds NOT NULL with a copy expression for the rows that are NULL", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO t VALUES (1, NULL), (2, 'b@x')",
  );
  try {
    await rebuild(db, "t", {
      columns: { email: "TEXT NOT NULL" },
      copy: { email: "coalesce(email, 'none')" },
    });
    assert.deepEqual(rows(db, "SELECT email FROM t ORDER BY id"), [{ email: "none" }, { email: "b@x" }]);
    assert.throws(
      () => db.exec("INSERT INTO t (email) VALUES (NULL)"),
      /NOT NULL constraint failed: t.email/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() names the table, not its temporary copy, when the rows do not fit the new NOT NULL", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO t VALUES (1, NULL)",
  );
  try {
    await assert.rejects(
      rebuild(db, "t", { columns: { email: "TEXT NOT NULL" } }),
      (error: Error) => {
        assert.match(
          error.message,
          /Cannot rebuild table t: copying its rows into the new definition fails: NOT NULL constraint failed: t\.email\. Nothing was changed\. Give the new columns values that fit with copy/,
        );
        return true;
      },
    );
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, email: null }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() drops NOT NULL and a DEFAULT, and adds a DEFAULT", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT 'x', b TEXT); INSERT INTO t (id) VALUES (1)",
  );
  try {
    await rebuild(db, "t", { columns: { a: "TEXT", b: "TEXT DEFAULT 'y'" } });
    db.exec("INSERT INTO t (id) VALUES (2); INSERT INTO t (id, a) VALUES (3, NULL)");
    assert.deepEqual(rows(db, "SELECT * FROM t ORDER BY id"), [
      { id: 1, a: "x", b: null },
      { id: 2, a: null, b: "y" },
      { id: 3, a: null, b: "y" },
    ]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() adds a CHECK constraint, and refuses rows that break it", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL); INSERT INTO t VALUES (1, 5)",
  );
  try {
    await rebuild(db, "t", { addConstraints: ["CONSTRAINT positive CHECK (price > 0)"] });
    assert.throws(() => db.exec("INSERT INTO t VALUES (2, -1)"), /CHECK constraint failed: positive/);
    await assert.rejects(
      rebuild(db, "t", { addConstraints: ["CHECK (price > 7)"] }),
      /copying its rows into the new definition fails: CHECK constraint failed: price > 7/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() drops table constraints by name or by their text", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, code TEXT, CONSTRAINT positive CHECK (price > 0), UNIQUE (code));
    INSERT INTO t VALUES (1, 5, 'a')`);
  try {
    await rebuild(db, "t", { dropConstraints: ["positive", "unique(CODE)"] });
    db.exec("INSERT INTO t VALUES (2, -1, 'a')");
    assert.equal(rows(db, "SELECT count(*) AS n FROM t")[0].n, 2);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses to drop a constraint the table does not have and lists those it has", async () => {
  const db = smallDatabase("CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, CHECK (price > 0))");
  try {
    await assert.rejects(
      rebuild(db, "t", { dropConstraints: ["CHECK (price > 1)"] }),
      /Cannot drop constraint "CHECK \(price > 1\)" of t: .* Its table constraints are: CHECK \(price > 0\)\./,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() adds a UNIQUE constraint, and refuses duplicate rows", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
  );
  try {
    await rebuild(db, "t", { columns: { code: "TEXT UNIQUE" } });
    assert.throws(() => db.exec("INSERT INTO t VALUES (3, 'a')"), /UNIQUE constraint failed: t.code/);
    db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO u VALUES (1, 'a'), (2, 'a')");
    await assert.rejects(
      rebuild(db, "u", { addConstraints: ["UNIQUE (code)"] }),
      /UNIQUE constraint failed: u\.code/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() adds a foreign key, and names the table and rowid of a row that breaks it", async () => {
  const db = smallDatabase(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY);
    CREATE TABLE users (id INTEGER PRIMARY KEY, team_id INTEGER);
    INSERT INTO teams VALUES (1); INSERT INTO users VALUES (10, 1), (11, 1)`);
  try {
    await rebuild(db, "users", { columns: { team_id: "INTEGER REFERENCES teams (id)" } });
    assert.deepEqual(rows(db, 'SELECT "table", "from", "to" FROM pragma_foreign_key_list(\'users\')'), [
      { table: "teams", from: "team_id", to: "id" },
    ]);
    db.exec(
      "CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER); INSERT INTO members VALUES (20, 1), (21, 7)",
    );
    await assert.rejects(
      rebuild(db, "members", { addConstraints: ["FOREIGN KEY (team_id) REFERENCES teams (id)"] }),
      /Cannot rebuild table members: afterwards members row 21 references a missing row of teams\. Nothing was changed\./,
    );
    assert.deepEqual(rows(db, "SELECT * FROM pragma_foreign_key_list('members')"), []);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() drops a foreign key, and the referencing rows stay", async () => {
  const db = smallDatabase(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY);
    CREATE TABLE users (id INTEGER PRIMARY KEY, team_id INTEGER, FOREIGN KEY (team_id) REFERENCES teams (id));
    INSERT INTO teams VALUES (1); INSERT INTO users VALUES (10, 1)`);
  try {
    await rebuild(db, "users", { dropConstraints: ["FOREIGN KEY (team_id) REFERENCES teams (id)"] });
    assert.deepEqual(rows(db, "SELECT * FROM pragma_foreign_key_list('users')"), []);
    assert.deepEqual(rows(db, "SELECT * FROM users"), [{ id: 10, team_id: 1 }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() of a parent table keeps the rows that reference it (no cascade on the drop)", async () => {
  const db = smallDatabase(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE users (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE);
    INSERT INTO teams VALUES (1, 'red'); INSERT INTO users VALUES (10, 1)`);
  try {
    await rebuild(db, "teams", { columns: { name: "TEXT NOT NULL DEFAULT ''" } });
    assert.deepEqual(rows(db, "SELECT * FROM users"), [{ id: 10, team_id: 1 }]);
    assert.equal(rows(db, "PRAGMA foreign_keys")[0].foreign_keys, 1);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses to drop a parent column that other tables' rows reference", async () => {
  const db = smallDatabase(`
    CREATE TABLE teams (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
    CREATE TABLE users (id INTEGER PRIMARY KEY, team_code TEXT REFERENCES teams (code));
    INSERT INTO teams VALUES (1, 'r'); INSERT INTO users VALUES (10, 'r')`);
  try {
    await assert.rejects(rebuild(db, "teams", { columns: { code: "TEXT" } }), /foreign key mismatch/);
    assert.deepEqual(rows(db, "SELECT code FROM teams"), [{ code: "r" }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() reorders columns", async () => {
  const db = smallDatabase("CREATE TABLE t (c TEXT, a TEXT, b TEXT); INSERT INTO t VALUES ('3', '1', '2')");
  try {
    await rebuild(db, "t", { order: ["a", "b", "c"] });
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ a: "1", b: "2", c: "3" }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses an order that leaves out or repeats a column", async () => {
  const db = smallDatabase("CREATE TABLE t (a TEXT, b TEXT, c TEXT)");
  try {
    await assert.rejects(
      rebuild(db, "t", { order: ["a", "a", "x"] }),
      (error: Error) => {
        assert.ok(error instanceof MigrationError && error.cause instanceof InvalidInputError);
        assert.match(
          error.message,
          /must list every column of the new table once: missing b, c; unknown x; some listed twice/,
        );
        return true;
      },
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() keeps the rowids of a table without an INTEGER PRIMARY KEY", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (name TEXT); INSERT INTO t (rowid, name) VALUES (5, 'five'), (9, 'nine')",
  );
  try {
    await rebuild(db, "t", { columns: { name: "TEXT NOT NULL" } });
    assert.deepEqual(rows(db, "SELECT rowid AS r, name FROM t ORDER BY rowid"), [{ r: 5, name: "five" }, {
      r: 9,
      name: "nine",
    }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() makes a table WITHOUT ROWID and back", async () => {
  const db = smallDatabase(
    "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('a', '1'), ('b', '2')",
  );
  try {
    await rebuild(db, "kv", { withoutRowid: true });
    assert.equal(rows(db, "SELECT wr FROM pragma_table_list WHERE name = 'kv'")[0].wr, 1);
    await rebuild(db, "kv", { columns: { v: "TEXT NOT NULL" } });
    assert.equal(rows(db, "SELECT wr FROM pragma_table_list WHERE name = 'kv'")[0].wr, 1);
    await rebuild(db, "kv", { withoutRowid: false });
    assert.equal(rows(db, "SELECT wr FROM pragma_table_list WHERE name = 'kv'")[0].wr, 0);
    assert.deepEqual(rows(db, "SELECT * FROM kv ORDER BY k"), [{ k: "a", v: "1" }, { k: "b", v: "2" }]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() keeps generated columns computed, and refuses to copy into one", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, tax REAL GENERATED ALWAYS AS (price * 0.2) STORED, note TEXT);
    INSERT INTO t (id, price) VALUES (1, 10)`);
  try {
    await rebuild(db, "t", { columns: { note: null, total: "REAL AS (price + tax)" } });
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, price: 10, tax: 2, total: 12 }]);
    await assert.rejects(
      rebuild(db, "t", { copy: { tax: "1" } }),
      /copy names column tax, which the new t computes itself \(a generated column\)/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses to break a view or another table's trigger, and names it", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
    CREATE TABLE log (id INTEGER PRIMARY KEY, t_id INTEGER);
    CREATE VIEW emails AS SELECT email FROM t;
    CREATE TRIGGER log_sync AFTER INSERT ON log BEGIN UPDATE t SET name = 'seen' WHERE id = new.t_id; END;`);
  try {
    await assert.rejects(
      rebuild(db, "t", { columns: { email: null } }),
      /Cannot rebuild table t: the new definition breaks view emails \(no such column: email\)\. Nothing was changed\. Drop or change it in this migration before the rebuild/,
    );
    await assert.rejects(
      rebuild(db, "t", { columns: { name: null } }),
      /breaks trigger log_sync \(on INSERT of log\) \(no such column: name\)/,
    );
    assert.deepEqual(rows(db, "SELECT name FROM pragma_table_info('t')").map((c) => c.name), [
      "id",
      "email",
      "name",
    ]);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses a table's own trigger that uses a dropped column, and names it", async () => {
  const db = smallDatabase(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, seen INTEGER);
    CREATE TRIGGER t_seen AFTER UPDATE ON t BEGIN UPDATE t SET seen = 1 WHERE id = new.id AND new.email IS NOT NULL; END;`);
  try {
    await assert.rejects(
      rebuild(db, "t", { columns: { email: null } }),
      /breaks trigger t_seen \(on UPDATE of t\)/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses an index on a dropped column, and names it", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX t_email ON t (email)",
  );
  try {
    await assert.rejects(
      rebuild(db, "t", { columns: { email: null } }),
      /its index t_email does not fit the new definition: no such column: email.*\. Nothing was changed\. Drop the index in this migration before the rebuild/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() takes a complete new definition, copying columns by name", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y')",
  );
  try {
    await rebuild(db, "t", {
      definition: "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT NOT NULL, c TEXT DEFAULT 'new')",
    });
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, b: "y", c: "new" }]);
    await assert.rejects(
      rebuild(db, "t", { definition: "CREATE TABLE other (id INTEGER)" }),
      /The definition given to rebuildTable\("t"\) creates table other/,
    );
    await assert.rejects(
      rebuild(db, "t", { definition: "CREATE TABLE t (id INTEGER)", columns: { b: null } }),
      /got both a definition and columns/,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses a table that does not exist and a column to drop that does not", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE VIEW v AS SELECT * FROM t",
  );
  try {
    await assert.rejects(
      rebuild(db, "missing", { columns: { a: null } }),
      /Cannot rebuild table "missing": the database has no such table/,
    );
    await assert.rejects(rebuild(db, "v", { columns: { a: null } }), /Cannot rebuild table "v"/);
    await assert.rejects(
      rebuild(db, "t", { columns: { b: null } }),
      /Cannot drop column b of t: there is no such column\. Its columns are id, a\./,
    );
    await assert.rejects(
      rebuild(db, "t", { rename: { b: "c" } }),
      /Cannot rename column b of t: there is no such column\. Its columns are id, a\./,
    );
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() refuses to run while foreign keys are enforced", async () => {
  const db = smallDatabase("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
  try {
    // Outside a transaction, a migration can switch enforcement on for itself.
    await assert.rejects(
      migrateOnce(db, async (executor) => {
        await executor.exec("PRAGMA foreign_keys = ON");
        await rebuildTable(executor, "t", { columns: { a: null } });
      }, { transaction: false }),
      /Cannot rebuild table t while foreign keys are enforced: dropping the old table would delete or block the rows that reference it/,
    );
    assert.deepEqual(rows(db, "SELECT name FROM pragma_table_info('t')").map((c) => c.name), ["id", "a"]);
  } finally {
    db.close();
  }
});

Deno.test("a failed rebuild caught by the migration leaves the table intact and the migration goes on", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO t VALUES (1, NULL)",
  );
  try {
    await migrateOnce(db, async (executor) => {
      await rebuildTable(executor, "t", { columns: { email: "TEXT NOT NULL" } }).catch(() => {});
      await executor.exec("CREATE TABLE after_failure (x)");
    });
    assert.match(String(rows(db, "SELECT sql FROM sqlite_schema WHERE name = 't'")[0].sql), /email TEXT\)$/);
    assert.deepEqual(rows(db, "SELECT * FROM t"), [{ id: 1, email: null }]);
    assert.equal(rows(db, "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'after_failure'")[0].n, 1);
  } finally {
    db.close();
  }
});

Deno.test("a migration that fails after a successful rebuild rolls the rebuild back with it", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y')",
  );
  try {
    const before = tableState(db, "t");
    await assert.rejects(
      migrateOnce(db, async (executor) => {
        await rebuildTable(executor, "t", { columns: { b: null } });
        throw new Error("a later step failed");
      }),
      /a later step failed/,
    );
    assert.deepEqual(tableState(db, "t"), before);
  } finally {
    db.close();
  }
});

Deno.test("rebuildTable() leaves legacy_alter_table as it found it", async () => {
  const db = smallDatabase(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); PRAGMA legacy_alter_table = ON",
  );
  try {
    await rebuild(db, "t", { columns: { b: null } });
    assert.equal(rows(db, "PRAGMA legacy_alter_table")[0].legacy_alter_table, 1);
  } finally {
    db.close();
  }
});
