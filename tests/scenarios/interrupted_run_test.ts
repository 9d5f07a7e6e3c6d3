/**
 * A run stopped by SIGINT or SIGTERM, in a real process: what it did in its transaction is rolled
 * back, it says so, and it exits with 130 or 143.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  fileBytes,
  repoPath,
  runCli,
  waitForFile,
  widenedTaskFlags,
  withDatabase,
  withTempDir,
  writeFiles,
} from "../support/util.ts";

/** A migration that writes `marker`, then waits far longer than any test. */
const waitsForever = (marker: string) =>
  `export default {
  async up(db) {
    await db.run("INSERT INTO notes VALUES ('from the waiting migration')");
    await Deno.writeTextFile(${JSON.stringify(marker)}, "started");
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  },
};
`;

function spawnCli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...widenedTaskFlags("migrate"), repoPath("src/cli/main.ts"), ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  Deno.test(`${signal} during a run rolls the whole run back, says so, and exits with ${code}`, async () => {
    await withTempDir(async (dir) => {
      const marker = join(dir, "started");
      const migrations = await writeFiles(join(dir, "migrations"), {
        "001_notes.sql":
          "-- migrate:up\nCREATE TABLE notes (body TEXT);\n-- migrate:down\nDROP TABLE notes;\n",
      });
      const db = join(dir, "app.db");
      assert.equal((await runCli(["--db", db, "--dir", migrations])).code, 0);
      const before = fileBytes(db);
      await writeFiles(migrations, {
        "002_more_notes.sql": "-- migrate:up\nINSERT INTO notes VALUES ('kept?');\n",
        "003_waits.ts": waitsForever(marker),
      });
      const child = spawnCli(["--db", db, "--dir", migrations]);
      await waitForFile(marker);
      child.kill(signal);
      const output = await child.output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, code, stderr);
      assert.match(
        stderr,
        new RegExp(`The run was interrupted \\(${signal}\\) during migration 3 \\("waits"\\)`),
      );
      assert.match(stderr, /rolled back: migration 2 of this run is pending again/);
      assert.match(stderr, /The database is at version 1\./);
      assert.deepEqual(fileBytes(db), before);
      await withDatabase(db, (raw) => {
        assert.equal(raw.prepare("SELECT count(*) AS n FROM notes").get()?.n, 0);
        assert.equal(raw.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      });
    });
  });
}

Deno.test("SIGTERM during a migration outside a transaction records it as failed and exits with 143", async () => {
  await withTempDir(async (dir) => {
    const marker = join(dir, "started");
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_notes.sql": "-- migrate:up\nCREATE TABLE notes (body TEXT);\n",
      "002_waits.ts": waitsForever(marker).replace(
        "export default {",
        "export default {\n  transaction: false,",
      ),
    });
    const db = join(dir, "app.db");
    const child = spawnCli(["--db", db, "--dir", migrations]);
    await waitForFile(marker);
    child.kill("SIGTERM");
    const output = await child.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 143, stderr);
    assert.match(
      stderr,
      /Migration 2 \("waits"\) failed in .*002_waits\.ts: the run was interrupted \(SIGTERM\)/,
    );
    assert.match(stderr, /recorded as failed/);
    await withDatabase(db, (raw) => {
      assert.deepEqual(
        raw.prepare("SELECT version, state FROM strata_migrations ORDER BY version").all().map((r) => ({
          ...r,
        })),
        [{ version: 1, state: "applied" }, { version: 2, state: "failed" }],
      );
      assert.equal(
        raw.prepare("SELECT count(*) AS n FROM notes").get()?.n,
        1,
        "what it did outside a transaction stays",
      );
    });
  });
});
