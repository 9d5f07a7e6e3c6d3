/**
 * The sealed migration lifecycle: a step ends only when its function and every call it made have
 * finished, fails for every failure it did not handle, and refuses every call made after it ended.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Executor, type Migration, MigrationError, MigrationManager } from "../../mod.ts";
import { LateCallError } from "../../src/core/step_scope.ts";

const USERS =
  "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0)";

/** A migration that creates `users` with `rows` rows. */
function usersWith(rows: number): Migration {
  return {
    version: 1,
    description: "users",
    up: (db) =>
      db.exec(`${USERS};
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
        INSERT INTO users (id, name) SELECT i, 'user ' || i FROM n WHERE i <= ${rows}`),
  };
}

function second(up: Migration["up"], description = "second"): Migration {
  return { version: 2, description, up };
}

/** Runs `migrations` on a fresh in-memory database and reports what migrate() did or threw. */
async function migrate(
  migrations: Migration[],
  options: { migrationTimeoutMs?: number } = {},
): Promise<{ result: unknown; version: number; count: (sql: string) => number; close(): void }> {
  const db = new DatabaseSync(":memory:");
  const manager = new MigrationManager(db, options).registerMigrations(migrations);
  const result = await manager.migrate().catch((error) => error);
  return {
    result,
    version: await manager.getCurrentVersion(),
    count: (sql) => Number(db.prepare(sql).get()?.n),
    close: () => db.close(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("calls a migration queued before it threw never run: nothing of it is kept", async () => {
  const outcome = await migrate([
    usersWith(0),
    second((db) => {
      db.exec("INSERT INTO users (name) VALUES ('exec')");
      db.run("INSERT INTO users (name) VALUES (?)", "run");
      throw new Error("changed my mind");
    }),
  ]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.equal(outcome.result.version, 2);
    assert.match(outcome.result.message, /changed my mind\. It was rolled back/);
    assert.deepEqual(outcome.result.committed, [1]);
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 0);
    assert.equal(outcome.version, 1);
  } finally {
    outcome.close();
  }
});

Deno.test("calls made from the callback of a forgotten query all run before the migration is kept", async () => {
  const outcome = await migrate([
    usersWith(1000),
    second((db) => {
      db.query<{ id: number }>("SELECT id FROM users").then((rows) => {
        for (const row of rows) db.run("UPDATE users SET seen = 1 WHERE id = ?", row.id);
      });
    }),
  ]);
  try {
    assert.equal(outcome.result instanceof Error ? outcome.result.message : "", "");
    assert.equal(outcome.version, 2);
    assert.equal(outcome.count("SELECT count(*) AS n FROM users WHERE seen = 1"), 1000);
  } finally {
    outcome.close();
  }
});

Deno.test("calls chained through several forgotten callbacks all run before the migration is kept", async () => {
  const outcome = await migrate([
    usersWith(3),
    second((db) => {
      db.run("UPDATE users SET seen = 1 WHERE id = 1")
        .then(() => db.query<{ id: number }>("SELECT id FROM users WHERE seen = 0"))
        .then((rows) =>
          Promise.all(rows.map((row) => db.run("UPDATE users SET seen = 2 WHERE id = ?", row.id)))
        )
        .then(() => db.run("INSERT INTO users (name, seen) VALUES ('last', 3)"));
    }),
  ]);
  try {
    assert.equal(outcome.version, 2);
    assert.equal(outcome.count("SELECT sum(seen) AS n FROM users"), 1 + 2 + 2 + 3);
  } finally {
    outcome.close();
  }
});

const unhandledStyles: [string, (db: Executor) => void][] = [
  ["a .then() with only a success handler", (db) => {
    db.exec("INSERT INTO users (name) VALUES (NULL)").then(() => {});
  }],
  ["a .finally()", (db) => {
    db.exec("INSERT INTO users (name) VALUES (NULL)").finally(() => {});
  }],
  ["a forgotten Promise.all", (db) => {
    Promise.all([
      db.run("INSERT INTO users (name) VALUES ('ok')"),
      db.run("INSERT INTO users (name) VALUES (NULL)"),
    ]);
  }],
  ["a forgotten async function", (db) => {
    (async () => {
      await db.run("INSERT INTO users (name) VALUES ('ok')");
      await db.run("INSERT INTO users (name) VALUES (NULL)");
    })();
  }],
  ["a call nobody touched", (db) => {
    db.run("INSERT INTO users (name) VALUES ('ok')");
    db.run("INSERT INTO users (name) VALUES (NULL)");
  }],
];

for (const [style, up] of unhandledStyles) {
  Deno.test(`a failed call behind ${style} fails the migration, and nothing of it is kept`, async () => {
    const outcome = await migrate([usersWith(0), second(up)]);
    try {
      assert.ok(outcome.result instanceof MigrationError, String(outcome.result));
      assert.equal(outcome.result.version, 2);
      assert.match(outcome.result.message, /NOT NULL constraint failed: users\.name/);
      assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 0);
      assert.equal(outcome.version, 1);
    } finally {
      outcome.close();
    }
  });
}

Deno.test("a rejection of the migration's own left unhandled fails it", async () => {
  const outcome = await migrate([
    usersWith(0),
    second((db) => {
      db.run("INSERT INTO users (name) VALUES ('kept?')");
      Promise.reject(new Error("forgotten"));
    }),
  ]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.match(outcome.result.message, /a promise was rejected and nobody handled it: forgotten/);
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 0);
  } finally {
    outcome.close();
  }
});

Deno.test("a failure the migration handled itself does not fail it", async () => {
  const outcome = await migrate([
    usersWith(0),
    second(async (db) => {
      db.run("INSERT INTO users (name) VALUES (NULL)").catch(() => {});
      try {
        await db.exec("INSERT INTO users (name) VALUES (NULL)");
      } catch {
        // expected
      }
      db.run("INSERT INTO users (name) VALUES (NULL)").then(() => {}, () => {});
      await db.run("INSERT INTO users (name) VALUES ('after')");
    }),
  ]);
  try {
    assert.equal(outcome.version, 2);
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 1);
  } finally {
    outcome.close();
  }
});

Deno.test("a call from a timer after up() returned, while the run is open, rolls the run back", async () => {
  const outcome = await migrate([
    usersWith(0),
    second((db) => {
      setTimeout(() => db.run("INSERT INTO users (name) VALUES ('late')").catch(() => {}), 0);
    }, "leaves a timer"),
    { version: 3, description: "slow", up: () => sleep(30) },
  ]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.equal(outcome.result.version, 2);
    assert.match(
      outcome.result.message,
      /Migration 2 \("leaves a timer"\) called db\.run\(\) after it had finished/,
    );
    assert.match(
      outcome.result.message,
      /the run was rolled back \(migrations 1, 2 of this run are pending again\)/,
    );
    assert.deepEqual(outcome.result.committed, []);
    assert.equal(outcome.version, 0);
  } finally {
    outcome.close();
  }
});

Deno.test("an executor kept by one migration and called by the next is refused, and the run rolled back", async () => {
  let kept: Executor | undefined;
  const outcome = await migrate([
    usersWith(0),
    second((db) => {
      kept = db;
    }, "keeps its executor"),
    {
      version: 3,
      description: "uses it",
      up: async (db) => {
        await kept!.run("INSERT INTO users (name) VALUES ('through the old executor')").catch(() => {});
        await db.run("INSERT INTO users (name) VALUES ('own')");
      },
    },
  ]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.equal(outcome.result.version, 2);
    assert.match(outcome.result.message, /called db\.run\(\) after it had finished/);
    assert.equal(outcome.version, 0);
  } finally {
    outcome.close();
  }
});

Deno.test("a call after the run has ended is refused and runs nothing", async () => {
  let late: Promise<unknown> | undefined;
  let kept: Executor | undefined;
  const outcome = await migrate([
    usersWith(0),
    second((db) => {
      kept = db;
    }),
  ]);
  try {
    assert.equal(outcome.version, 2);
    late = kept!.run("INSERT INTO users (name) VALUES ('after the run')");
    await assert.rejects(late, (error) => {
      assert.ok(error instanceof LateCallError);
      assert.match(
        error.message,
        /Migration 2 \("second"\) called db\.run\(\) after it had finished: nothing of that call ran/,
      );
      return true;
    });
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 0);
  } finally {
    outcome.close();
  }
});

Deno.test("a migration that never settles is stopped after its time limit and rolled back", async () => {
  const outcome = await migrate([
    usersWith(0),
    second(async (db) => {
      await db.run("INSERT INTO users (name) VALUES ('before hanging')");
      await new Promise(() => {});
    }, "hangs"),
  ], { migrationTimeoutMs: 50 });
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.equal(outcome.result.version, 2);
    assert.match(
      outcome.result.message,
      /it did not finish: for 50 ms it ran no SQL and its up\(\) did not settle/,
    );
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 0);
    assert.equal(outcome.version, 1);
  } finally {
    outcome.close();
  }
});

Deno.test("a migration that keeps running SQL is not stopped by its time limit", async () => {
  const outcome = await migrate([
    usersWith(0),
    second(async (db) => {
      // Longer in all than the limit, never that long without a call.
      for (let i = 0; i < 16; i++) {
        await db.run("INSERT INTO users (name) VALUES ('tick')");
        await sleep(25);
      }
    }),
  ], { migrationTimeoutMs: 300 });
  try {
    assert.equal(outcome.result instanceof Error ? outcome.result.message : "", "");
    assert.equal(outcome.version, 2);
    assert.equal(outcome.count("SELECT count(*) AS n FROM users"), 16);
  } finally {
    outcome.close();
  }
});

Deno.test("migrationTimeoutMs out of range is refused, naming the option", () => {
  const db = new DatabaseSync(":memory:");
  try {
    for (const value of [-1, 1.5, 2 ** 31]) {
      assert.throws(
        () => new MigrationManager(db, { migrationTimeoutMs: value }),
        /migrationTimeoutMs must be/,
      );
    }
  } finally {
    db.close();
  }
});

Deno.test("a thrown value that is not an Error, even one without a prototype, is reported", async () => {
  const outcome = await migrate([
    usersWith(0),
    second(() => {
      throw Object.create(null);
    }),
  ]);
  try {
    assert.ok(outcome.result instanceof MigrationError);
    assert.match(outcome.result.message, /Migration 2 \("second"\) failed: /);
    assert.equal(outcome.version, 1);
  } finally {
    outcome.close();
  }
});
