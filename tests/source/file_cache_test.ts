import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { loadMigrations, type Migration, MigrationFileError, MigrationManager } from "../../mod.ts";
import { checksumOf } from "../../src/source/checksum.ts";
import { identityOf, isSettled, readFileCache } from "../../src/source/file_cache.ts";
import { exists } from "../../src/shared/paths.ts";
import { runCli, withTempDir, writeFiles } from "../support/util.ts";

const CREATE_A = "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n";
const CREATE_B = "-- migrate:up\nCREATE TABLE b (y);\n-- migrate:down\nDROP TABLE b;\n";
const CREATE_C = "-- migrate:up\nCREATE TABLE c (z);\n";

/** What a load decided about each migration, comparable between loads. */
function facts(migrations: readonly Migration[]): [number, string, string | undefined][] {
  return migrations.map((m) => [m.version, m.description, m.checksum]);
}

/** Files written now are too fresh to be cached; wait until their times are settled. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2_100));
}

function isDeferred(m: Migration): boolean {
  return typeof (m as { resolve?: unknown }).resolve === "function";
}

Deno.test("the file cache: unchanged files are not read again, every change is noticed", async (t) => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_create_a.sql": CREATE_A,
      "002_create_b.sql": CREATE_B,
      "003_seed.ts": `export default {
        up: (db) => db.exec("INSERT INTO a VALUES (1)"),
        down: (db) => db.exec("DELETE FROM a"),
      };`,
    });
    const cacheFile = join(root, "app.db-strata-cache");
    const uncached = facts(await loadMigrations(dir));

    await t.step("files just written are read, and not remembered until their times settle", async () => {
      assert.deepEqual(facts(await loadMigrations(dir, { cacheFile })), uncached);
      assert.equal(exists(cacheFile), false, "nothing to remember, nothing written");
    });

    await settle();

    await t.step(
      "settled files are remembered with their checksums, and the directory with them",
      async () => {
        assert.deepEqual(facts(await loadMigrations(dir, { cacheFile })), uncached);
        const cache = readFileCache(cacheFile, dir);
        assert.ok(cache);
        assert.deepEqual(cache.files.map((f) => f.name).sort(), [
          "001_create_a.sql",
          "002_create_b.sql",
          "003_seed.ts",
        ]);
        assert.equal(cache.files.find((f) => f.name === "001_create_a.sql")?.checksum, checksumOf(CREATE_A));
        assert.deepEqual(cache.directory, identityOf(Deno.statSync(dir)));
      },
    );

    await t.step(
      "a cached file is taken from the cache without reading it, and read when it runs",
      async () => {
        const migrations = await loadMigrations(dir, { cacheFile });
        assert.deepEqual(facts(migrations), uncached);
        assert.ok(migrations.every(isDeferred), "every migration waits to be read until it runs");
        const db = new DatabaseSync(":memory:");
        try {
          await new MigrationManager(db).registerMigrations(migrations).migrate();
          assert.deepEqual(db.prepare("SELECT x FROM a").all().map((row) => row.x), [1]);
          await new MigrationManager(db).registerMigrations(migrations).rollback({ targetVersion: 0 });
          assert.equal(
            db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('a', 'b')").get()?.n,
            0,
          );
        } finally {
          db.close();
        }
      },
    );

    await t.step(
      "the checksum comes from the cache; a file that differs from it when it runs is refused",
      async () => {
        const stored = JSON.parse(Deno.readTextFileSync(cacheFile));
        stored.files.find((f: { name: string }) => f.name === "002_create_b.sql").checksum = "crc32:00000000";
        Deno.writeTextFileSync(cacheFile, JSON.stringify(stored));
        const migrations = await loadMigrations(dir, { cacheFile });
        assert.equal(migrations[1].checksum, "crc32:00000000", "the file was not read");
        const db = new DatabaseSync(":memory:");
        try {
          const error = await new MigrationManager(db).registerMigrations(migrations).migrate().catch((e) =>
            e
          );
          assert.ok(error instanceof MigrationFileError, String(error));
          assert.match(error.message, /002_create_b\.sql changed while it was being migrated/);
          assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'b'").get()?.n, 0);
        } finally {
          db.close();
        }
        Deno.removeSync(cacheFile);
        await loadMigrations(dir, { cacheFile });
      },
    );

    await t.step(
      "an edit of the same size with the modification time put back is still noticed",
      async () => {
        const file = join(dir, "001_create_a.sql");
        const { mtime } = Deno.statSync(file);
        const edited = CREATE_A.replace("(x)", "(w)");
        assert.equal(edited.length, CREATE_A.length);
        Deno.writeTextFileSync(file, edited);
        Deno.utimeSync(file, mtime!, mtime!);
        const migrations = await loadMigrations(dir, { cacheFile });
        assert.equal(migrations[0].checksum, checksumOf(edited));
        assert.ok(!isDeferred(migrations[0]), "the edited file was read");
        assert.ok(isDeferred(migrations[1]), "the unchanged one was not");
      },
    );

    await t.step("added and removed files are noticed", async () => {
      Deno.writeTextFileSync(join(dir, "004_create_c.sql"), CREATE_C);
      assert.deepEqual((await loadMigrations(dir, { cacheFile })).map((m) => m.version), [1, 2, 3, 4]);
      Deno.removeSync(join(dir, "004_create_c.sql"));
      assert.deepEqual((await loadMigrations(dir, { cacheFile })).map((m) => m.version), [1, 2, 3]);
    });

    await t.step("a malformed new file is refused at load time, as without a cache", async () => {
      Deno.writeTextFileSync(join(dir, "004_bad.sql"), "CREATE TABLE nope (x);\n");
      await assert.rejects(loadMigrations(dir, { cacheFile }), MigrationFileError);
      Deno.removeSync(join(dir, "004_bad.sql"));
    });

    await t.step(
      "a cache that is garbage, of an older format or of another directory is ignored",
      async () => {
        const older = JSON.parse(Deno.readTextFileSync(cacheFile));
        const texts = [
          "{not json",
          JSON.stringify({ ...older, format: older.format - 1 }),
          JSON.stringify({ ...older, dir: "/elsewhere" }),
        ];
        for (const text of texts) {
          Deno.writeTextFileSync(cacheFile, text);
          const migrations = await loadMigrations(dir, { cacheFile });
          assert.deepEqual(migrations.map((m) => m.version), [1, 2, 3]);
          assert.ok(!isDeferred(migrations[1]), "002 was read, not taken from the ignored cache");
          assert.ok(readFileCache(cacheFile, dir), "the cache was rewritten");
        }
      },
    );

    await t.step("a cache that cannot be written only means no cache", async () => {
      const unwritable = join(root, "missing-dir", "app.db-strata-cache");
      assert.deepEqual(facts(await loadMigrations(dir, { cacheFile: unwritable })).map((f) => f[0]), [
        1,
        2,
        3,
      ]);
    });
  });
});

Deno.test("isSettled() trusts only files whose times are two seconds in the past", () => {
  const at = (ms: number) => ({ mtime: new Date(ms), ctime: new Date(ms) }) as Deno.FileInfo;
  const now = 1_000_000;
  assert.equal(isSettled(at(now - 2_001), now), true);
  assert.equal(isSettled(at(now - 1_999), now), false);
  assert.equal(isSettled({ ...at(now - 10_000), ctime: new Date(now) }, now), false, "a recent change time");
  assert.equal(isSettled({ mtime: null, ctime: null } as Deno.FileInfo, now), false, "unknown times");
});

Deno.test("the CLI caches next to an existing database; validate always reads every file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), {
      "001_create_a.sql": CREATE_A,
      "002_create_b.sql": CREATE_B,
    });
    const db = join(root, "app.db");
    const cacheFile = `${db}-strata-cache`;
    const args = ["--db", db, "--dir", dir];
    assert.equal((await runCli(args)).code, 0);
    assert.equal(exists(cacheFile), false, "a first run on a new database leaves no cache behind");
    await settle();
    assert.equal((await runCli(args)).code, 0);
    assert.equal(readFileCache(cacheFile, dir)?.files.length, 2, "the next start remembers both files");

    const stored = JSON.parse(Deno.readTextFileSync(cacheFile));
    stored.files.find((f: { name: string }) => f.name === "001_create_a.sql").checksum = "crc32:00000000";
    Deno.writeTextFileSync(cacheFile, JSON.stringify(stored));
    const up = await runCli(args);
    assert.equal(up.code, 5, "up trusts the cache, so it sees the forged checksum as an edit");
    assert.match(up.stderr, /001_create_a\.sql/);
    const validate = await runCli(["validate", ...args]);
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
    assert.match(validate.stdout, /every applied migration matches its file/);
  });
});
