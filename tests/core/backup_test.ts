import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError, MigrationManager } from "../../mod.ts";
import { backupDatabase } from "../../src/core/backup.ts";
import { NodeSqliteEngine } from "../../src/engines/node_sqlite.ts";
import { runCli, spawnCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

Deno.test("--backup copies the database before the first pending migration and says where", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "migrations"), {
      "001_users.sql":
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\nINSERT INTO users VALUES (7);\n",
      "002_drop_users.sql": "-- migrate:up\nDROP TABLE users;\n",
    });
    const db = join(dir, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", migrations, "--to", "1"])).code, 0);
    const backups = join(dir, "backups");
    const run = await runCli(["--db", db, "--dir", migrations, "--backup-dir", backups]);
    assert.equal(run.code, 0, run.stderr);
    const entries = [...Deno.readDirSync(backups)].map((entry) => join(backups, entry.name));
    assert.equal(entries.length, 1, `only the backup is left: ${entries.join(", ")}`);
    const [copy] = entries;
    assert.match(basename(copy), /^app-v1-\d{8}T\d{9}Z\.db$/);
    assert.match(run.stdout, new RegExp(`Backed up .* to ${copy.replaceAll(".", "\\.")}`));
    await withDatabase(copy, (conn) => {
      assert.equal(
        conn.prepare("SELECT id FROM users").get()?.id,
        7,
        "the copy has the data the migration dropped",
      );
      assert.equal(conn.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    });
    const nothing = await runCli(["--db", db, "--dir", migrations, "--backup-dir", backups]);
    assert.equal(nothing.code, 0);
    assert.equal([...Deno.readDirSync(backups)].length, 1, "no backup when nothing is pending");
  });
});

Deno.test("a backup of an in-memory database is refused before anything runs", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    const manager = new MigrationManager(db).registerMigrations([
      { version: 1, description: "t", up: (db) => db.exec("CREATE TABLE t (x)") },
    ]);
    await assert.rejects(manager.migrate({ backup: true }), InvalidInputError);
    assert.equal(await manager.getCurrentVersion(), 0);
  } finally {
    db.close();
  }
});

/** A backup's name for `app.db`, as `--backup` writes it. */
const BACKUP_NAME = /^app-v\d+-\d{8}T\d{9}Z\.db$/;

/** Rows of 4 KB in the database the kill test backs up: 100 MB, a copy of a few hundred ms. */
const ROWS = 25_000;

/** Waits until a directory exists and has an entry, for up to 10 s; returns its entries' names. */
async function waitForEntries(dir: string): Promise<string[]> {
  for (let i = 0; i < 10_000; i++) {
    try {
      const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
      if (names.length > 0) return names;
    } catch {
      // Not created yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`nothing appeared in ${dir}`);
}

/** Whether a file is a whole copy of the kill test's database. */
function isWholeCopy(path: string): Promise<boolean> {
  return withDatabase(
    path,
    (conn) =>
      conn.prepare("PRAGMA integrity_check").get()?.integrity_check === "ok" &&
      conn.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'big'").get()?.n === 1 &&
      conn.prepare("SELECT count(*) AS n FROM big").get()?.n === ROWS,
  );
}

Deno.test("a backup killed with SIGKILL while it copies leaves no file that looks like a backup", async () => {
  await withTempDir(async (root) => {
    const db = join(root, "app.db");
    await withDatabase(db, (conn) => {
      conn.exec(`CREATE TABLE big (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
        INSERT INTO big SELECT i, randomblob(4000) FROM n;`);
    });
    const migrations = await writeFiles(join(root, "migrations"), {
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
    });
    const backups = join(root, "backups");
    const args = ["--db", db, "--dir", migrations, "--backup-dir", backups];

    const child = spawnCli(args);
    await waitForEntries(backups);
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL", "the run ended before the kill");
    const left = [...Deno.readDirSync(backups)].map((entry) => entry.name);
    for (const name of left.filter((name) => BACKUP_NAME.test(name))) {
      assert.ok(
        await isWholeCopy(join(backups, name)),
        `${name} looks like a backup but is not a whole copy`,
      );
    }
    assert.ok(
      left.some((name) => name.endsWith(".partial")),
      `the kill came after the copy was complete (${left.join(", ")}); make the database bigger`,
    );
    await withDatabase(db, (conn) => {
      assert.equal(conn.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      assert.equal(conn.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'a'").get()?.n, 0);
    });

    const again = await runCli(args);
    assert.equal(again.code, 0, again.stderr);
    const copies = [...Deno.readDirSync(backups)].map((entry) => entry.name).filter((name) =>
      BACKUP_NAME.test(name)
    );
    assert.equal(copies.length, 1, "the next run writes its own backup, whole");
    assert.ok(await isWholeCopy(join(backups, copies[0])));
  });
});

Deno.test("a backup that fails while it copies removes what it wrote and reports the failure", async () => {
  await withTempDir(async (root) => {
    const backups = join(root, "backups");
    await withDatabase(join(root, "app.db"), async (conn) => {
      conn.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
      const engine = new class extends NodeSqliteEngine {
        override async backup(destination: string): Promise<void> {
          await super.backup(destination);
          Deno.writeTextFileSync(`${destination}-journal`, "a journal SQLite left behind");
          throw new Error("disk full");
        }
      }(conn);
      await assert.rejects(backupDatabase(engine, 3, { dir: backups }), /disk full/);
    });
    assert.deepEqual([...Deno.readDirSync(backups)], [], "nothing is left in the backup directory");
  });
});
