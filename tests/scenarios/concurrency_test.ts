import assert from "node:assert/strict";
import { join } from "node:path";
import {
  recordingMigrations,
  runCli,
  waitForFile,
  withDatabase,
  withTempDir,
  writeFiles,
} from "../support/util.ts";

Deno.test("8 processes migrating one file at once apply every migration exactly once", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), recordingMigrations(20));
    const db = join(dir, "app.db");
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => runCli(["--db", db, "--dir", migrations, "--json"])),
    );
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const finalVersions = runs.map((run) => JSON.parse(run.stdout).currentVersion);
    assert.deepEqual(finalVersions, Array(8).fill(20));
    const appliedByAnyone = runs.flatMap((run) =>
      (JSON.parse(run.stdout).steps as { version: number }[]).map((step) => step.version)
    ).sort((a, b) => a - b);
    assert.deepEqual(appliedByAnyone, Array.from({ length: 20 }, (_, i) => i + 1));
    await withDatabase(db, (conn) => {
      const counts = conn.prepare("SELECT version, count(*) AS n FROM runs GROUP BY version ORDER BY version")
        .all();
      assert.equal(counts.length, 20);
      for (const row of counts) assert.equal(row.n, 1, `migration ${row.version} ran ${row.n} times`);
      assert.equal(conn.prepare("SELECT count(*) AS n FROM strata_migrations").get()?.n, 20);
    });
  });
});

Deno.test("a process that starts while another runs a slow migration waits, then finds nothing to do", async () => {
  await withTempDir(async (dir) => {
    const marker = join(dir, "slow-started");
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_runs.sql": "-- migrate:up\nCREATE TABLE runs (version INTEGER NOT NULL);\n",
      "002_slow.ts": `export default {
        async up(db) {
          await db.exec("INSERT INTO runs VALUES (2)");
          await Deno.writeTextFile(${JSON.stringify(marker)}, "started");
          await new Promise((resolve) => setTimeout(resolve, 1500));
        },
      };`,
    });
    const db = join(dir, "app.db");
    const slow = runCli(["--db", db, "--dir", migrations]);
    await waitForFile(marker);
    const second = await runCli(["--db", db, "--dir", migrations]);
    const first = await slow;
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied 002 slow/);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Nothing to apply: .* is at version 2\./);
    await withDatabase(db, (conn) => {
      assert.equal(conn.prepare("SELECT count(*) AS n FROM runs WHERE version = 2").get()?.n, 1);
    });
  });
});

Deno.test("a process gives up with a clear error when the lock is held longer than its busy timeout", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_runs.sql": "-- migrate:up\nCREATE TABLE runs (version INTEGER NOT NULL);\n",
    });
    const db = join(dir, "app.db");
    await withDatabase(db, async (holder) => {
      holder.exec("BEGIN IMMEDIATE");
      try {
        const run = await runCli(["--db", db, "--dir", migrations, "--busy-timeout", "200"]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /locked.*200 ms/s);
        assert.match(run.stderr, /raise the busy timeout \(--busy-timeout\)/, "in the CLI's words");
        assert.doesNotMatch(run.stderr, /\n\s+at /);
      } finally {
        holder.exec("ROLLBACK");
      }
    });
  });
});
