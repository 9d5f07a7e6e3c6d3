import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { MigrationManager } from "../../mod.ts";
import type { SqlEngine, SqlParams } from "../../src/engines/engine.ts";
import { NodeSqliteEngine } from "../../src/engines/node_sqlite.ts";
import { HistoryStore } from "../../src/core/history.ts";

const MIGRATIONS = [1, 2, 3].map((version) => ({
  version,
  description: `step ${version}`,
  up: () => {},
  down: () => {},
}));

/** What the manager expects the history of MIGRATIONS to say. */
const EXPECTED = MIGRATIONS.map((m) => ({ version: m.version, name: m.description, checksum: null }));

async function withMigrated(fn: (db: DatabaseSync, matches: () => Promise<boolean>) => Promise<void>) {
  const db = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(db).registerMigrations(MIGRATIONS).migrate();
    const engine = new NodeSqliteEngine(db);
    await fn(db, () => new HistoryStore().recordsExactly(engine, () => EXPECTED));
  } finally {
    db.close();
  }
}

Deno.test("recordsExactly() is true for a history of exactly the expected migrations", async () => {
  await withMigrated(async (_db, matches) => {
    assert.equal(await matches(), true);
  });
});

Deno.test("recordsExactly() is false for any difference, so the full read explains it", async (t) => {
  const changes: Record<string, string> = {
    "another name": "UPDATE strata_migrations SET name = 'other' WHERE version = 2",
    "a checksum where none was": "UPDATE strata_migrations SET checksum = 'crc32:00000000' WHERE version = 1",
    "a migration still started": "UPDATE strata_migrations SET state = 'started' WHERE version = 3",
    "a migration that failed": "UPDATE strata_migrations SET state = 'failed' WHERE version = 3",
    "a missing record": "DELETE FROM strata_migrations WHERE version = 2",
    "a record no migration has":
      "INSERT INTO strata_migrations (version, name, description, applied_at) VALUES (4, 'x', 'x', 'now')",
    "no history table": "DROP TABLE strata_migrations",
  };
  for (const [difference, sql] of Object.entries(changes)) {
    await t.step(difference, async () => {
      await withMigrated(async (db, matches) => {
        db.exec(sql);
        assert.equal(await matches(), false);
      });
    });
  }
});

Deno.test("recordsExactly() is false while a seed-era settings version disagrees with the history", async (t) => {
  const settings = (rows: string) =>
    `CREATE TABLE settings (key TEXT, value TEXT); INSERT INTO settings VALUES ${rows}`;
  const cases: [string, string, boolean][] = [
    ["the newest version", settings("('db-migration-version', '3')"), true],
    [
      "both spellings at the newest version",
      settings("('db-migration-version', '3'), ('db_migration_version', 3)"),
      true,
    ],
    ["no version row", settings("('bot_name', 'x')"), true],
    ["a settings table of another shape", "CREATE TABLE settings (id INTEGER, name TEXT)", true],
    ["an older version", settings("('db-migration-version', '2')"), false],
    [
      "a second row that disagrees",
      settings("('db-migration-version', '3'), ('db-migration-version', '4')"),
      false,
    ],
    ["a value that is no version", settings("('db_migration_version', 'three')"), false],
  ];
  for (const [name, sql, expected] of cases) {
    await t.step(`${name}: ${expected}`, async () => {
      await withMigrated(async (db, matches) => {
        db.exec(sql);
        assert.equal(await matches(), expected);
      });
    });
  }
});

Deno.test("recordsExactly() ignores what does not decide whether anything is pending", async () => {
  await withMigrated(async (db, matches) => {
    db.exec("UPDATE strata_migrations SET description = 'reworded', applied_at = 'then', duration_ms = 9");
    assert.equal(await matches(), true);
  });
});

Deno.test("migrate() on an up-to-date database reads one value, not a row per applied migration", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    await new MigrationManager(db).registerMigrations(MIGRATIONS).migrate();
    const engine = new NodeSqliteEngine(db);
    const queries: string[] = [];
    const recording: SqlEngine = {
      name: engine.name,
      exec: (sql) => engine.exec(sql),
      run: (sql, params) => engine.run(sql, params),
      beginWrite: async () => {
        const tx = await engine.beginWrite();
        return new Proxy(tx, {
          get: (target, key) =>
            key === "query"
              ? (sql: string, params: SqlParams) => {
                queries.push(sql);
                return target.query(sql, params);
              }
              : bound(target, key),
        });
      },
      inTransaction: () => engine.inTransaction(),
      query: (sql, params) => {
        queries.push(sql);
        return engine.query(sql, params);
      },
    };
    const result = await new MigrationManager(recording).registerMigrations(MIGRATIONS).migrate();
    assert.deepEqual(result.steps.map((step) => step.version), []);
    assert.equal(result.currentVersion, 3);
    assert.ok(queries.some((sql) => sql.includes("json_group_array")), queries.join("\n"));
    assert.ok(!queries.some((sql) => /SELECT version, name, description/.test(sql)), queries.join("\n"));

    db.exec("UPDATE strata_migrations SET name = 'renamed' WHERE version = 1");
    queries.length = 0;
    await new MigrationManager(recording).registerMigrations(MIGRATIONS).migrate();
    assert.ok(
      queries.some((sql) => /SELECT version, name, description/.test(sql)),
      "a difference reads it all",
    );
  } finally {
    db.close();
  }
});

/** A property of `target`, its methods bound to it (they read its private fields). */
function bound(target: object, key: string | symbol): unknown {
  const value = Reflect.get(target, key);
  return typeof value === "function" ? value.bind(target) : value;
}
