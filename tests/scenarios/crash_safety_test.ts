import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli, waitForFile, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

/** A migration inserting a million rows that writes `marker` when it starts. */
const millionRows = (marker: string) =>
  `export default {
  async up(db) {
    await Deno.writeTextFile(${JSON.stringify(marker)}, "started");
    await db.exec(\`
      CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
      INSERT INTO big (id, payload) SELECT i, printf('row %d of a long migration', i) FROM n;
      CREATE INDEX big_payload ON big (payload);
    \`);
  },
};
`;

for (const delayMs of [0, 150, 400]) {
  Deno.test(`SIGKILL ${delayMs} ms into a million-row migration leaves the previous version, intact`, async () => {
    await withTempDir(async (dir) => {
      const marker = join(dir, "started");
      const migrations = await writeFiles(join(dir, "migrations"), {
        "001_small.sql":
          "-- migrate:up\nCREATE TABLE small (id INTEGER PRIMARY KEY);\nINSERT INTO small VALUES (1);\n",
        "002_million_rows.ts": millionRows(marker),
      });
      const db = join(dir, "app.db");
      const first = await runCli(["--db", db, "--dir", migrations, "--to", "1"]);
      assert.equal(first.code, 0, first.stderr);

      const child = spawnCli(["--db", db, "--dir", migrations]);
      await waitForFile(marker);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill("SIGKILL");
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL", "the migration finished before the kill; make it longer");

      await withDatabase(db, (conn) => {
        assert.equal(conn.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
        const versions = conn.prepare("SELECT version FROM strata_migrations ORDER BY version").all();
        assert.deepEqual(versions.map((row) => row.version), [1]);
        assert.equal(conn.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'big'").get()?.n, 0);
        assert.equal(conn.prepare("SELECT count(*) AS n FROM small").get()?.n, 1);
      });

      const again = await runCli(["--db", db, "--dir", migrations]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Applied 002 million rows/);
      await withDatabase(db, (conn) => {
        assert.equal(conn.prepare("SELECT count(*) AS n FROM big").get()?.n, 1_000_000);
        assert.equal(conn.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      });
    });
  });
}

Deno.test("a migration outside a transaction killed mid-way is reported, never re-run or skipped", async () => {
  await withTempDir(async (dir) => {
    const marker = join(dir, "started");
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_runs.sql": "-- migrate:up\nCREATE TABLE runs (version INTEGER NOT NULL);\n",
      "002_outside.ts": `export default {
        transaction: false,
        async up(db) {
          await db.exec("INSERT INTO runs VALUES (2)");
          await Deno.writeTextFile(${JSON.stringify(marker)}, "started");
          await new Promise((resolve) => setTimeout(resolve, 30000));
        },
      };`,
    });
    const db = join(dir, "app.db");
    const child = spawnCli(["--db", db, "--dir", migrations]);
    await waitForFile(marker);
    child.kill("SIGKILL");
    await child.status;

    const next = await runCli(["--db", db, "--dir", migrations, "--busy-timeout", "300"]);
    assert.equal(next.code, 5);
    assert.match(next.stderr, /2 \(002_outside\.ts\) runs outside a transaction;.* never finished/s);
    assert.match(next.stderr, /migrate mark 2 --applied/);
    const status = JSON.parse((await runCli(["status", "--db", db, "--dir", migrations, "--json"])).stdout);
    assert.equal(status.migrations[1].state, "started");
    assert.equal(status.currentVersion, 1);
    await withDatabase(db, (conn) => {
      assert.equal(
        conn.prepare("SELECT count(*) AS n FROM runs").get()?.n,
        1,
        "its change stays as the kill left it",
      );
    });

    const marked = await runCli(["mark", "2", "--applied", "--db", db, "--dir", migrations]);
    assert.equal(marked.code, 0, marked.stderr);
    const after = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /Nothing to apply: .* is at version 2/);
    await withDatabase(db, (conn) => {
      assert.equal(
        conn.prepare("SELECT count(*) AS n FROM runs").get()?.n,
        1,
        "marked applied: not run again",
      );
    });
  });
});

Deno.test("mark --pending makes the next run repeat an interrupted migration", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_wal.sql": "-- migrate:up transaction:false\nPRAGMA journal_mode = WAL;\n",
    });
    const db = join(dir, "app.db");
    await withDatabase(db, (conn) => {
      conn.exec(`CREATE TABLE strata_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
        description TEXT NOT NULL, checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL,
        state TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'started')))`);
      conn.prepare("INSERT INTO strata_migrations VALUES (1, '001_wal.sql', 'wal', NULL, ?, NULL, 'started')")
        .run("2020-01-01T00:00:00.000Z");
    });
    const refused = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(refused.code, 5, "an old started record is reported at once");
    assert.match(refused.stderr, /never finished/);
    const marked = await runCli(["mark", "1", "--pending", "--db", db, "--dir", migrations]);
    assert.equal(marked.code, 0, marked.stderr);
    const run = await runCli(["--db", db, "--dir", migrations]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Applied 001 wal/);
    await withDatabase(db, (conn) => {
      assert.equal(conn.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    });
  });
});
