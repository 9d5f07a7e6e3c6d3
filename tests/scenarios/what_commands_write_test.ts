/**
 * What each command writes: reading commands nothing at all, whatever `--db` points at; `up` only
 * the database it says it created, in a directory that exists (or the default `data/`, which it
 * says it made), and nothing when it fails on a new database.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { POSTS_WITHOUT_DOWN_SQL, USERS_SQL } from "../support/fixtures.ts";
import { runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const FILES = { "001_users.sql": USERS_SQL, "002_posts.sql": POSTS_WITHOUT_DOWN_SQL };

/** Every file and directory under `root`, with the bytes of each file, to compare before and after. */
function tree(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        found[`${path}/`] = "";
        walk(path);
      } else {
        found[path] = new TextDecoder("latin1").decode(Deno.readFileSync(path));
      }
    }
  };
  walk(root);
  return found;
}

/**
 * Runs `fn` with migration files whose times are old enough for the file cache to remember them, so
 * a command that writes the cache would write it (files less than two seconds old are never cached).
 */
async function withSettledMigrations(fn: (dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), FILES);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await fn(dir);
  });
}

/** Where a reading command is pointed, and what is there; returns the `--db` arguments. */
const TARGETS: { name: string; prepare(root: string, dir: string): Promise<string[]> }[] = [
  {
    name: "an existing database",
    prepare: async (root, dir) => {
      const db = join(root, "app.db");
      const run = await runCli(["--db", db, "--dir", dir, "--to", "1"]);
      assert.equal(run.code, 0, run.stderr);
      return ["--db", db];
    },
  },
  {
    name: "a database that does not exist",
    prepare: (root) => Promise.resolve(["--db", join(root, "new.db")]),
  },
  {
    name: "a database in a directory that does not exist",
    prepare: (root) => Promise.resolve(["--db", join(root, "nowhere", "app.db")]),
  },
  {
    name: "a file that is not a database",
    prepare: async (root) => {
      const notes = join(root, "notes.txt");
      await Deno.writeTextFile(notes, "shopping: milk, bread\n".repeat(50));
      return ["--db", notes];
    },
  },
  { name: "a relative file: URL", prepare: () => Promise.resolve(["--db", "file:data/app.db"]) },
];

const READING = [["status"], ["status", "--exit-code", "--json"], ["validate"], ["check"], [
  "dump",
  "--out",
  "-",
]];

Deno.test("reading commands write nothing, and no command writes beside a file that is not a database", async (t) => {
  await withSettledMigrations(async (dir) => {
    for (const target of TARGETS) {
      await t.step(`status, validate, check and dump --out - on ${target.name}`, async () => {
        await withTempDir(async (root) => {
          const db = await target.prepare(root, dir);
          const before = { root: tree(root), migrations: tree(dir) };
          for (const command of READING) {
            const run = await runCli([...command, ...db, "--dir", dir], { cwd: root });
            assert.ok([0, 1, 3].includes(run.code), `${command.join(" ")}: ${run.stderr}`);
            assert.doesNotMatch(run.stderr, /unexpected error/, command.join(" "));
          }
          assert.deepEqual({ root: tree(root), migrations: tree(dir) }, before);
        });
      });
    }

    await t.step("up on a file that is not a database", async () => {
      await withTempDir(async (root) => {
        const notes = join(root, "notes.txt");
        await Deno.writeTextFile(notes, "shopping: milk, bread\n".repeat(50));
        const before = tree(root);
        const run = await runCli(["--db", notes, "--dir", dir]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /notes\.txt is not a usable SQLite database/);
        assert.deepEqual(tree(root), before);
      });
    });

    await t.step(
      "status reads the cache up wrote, and leaves it as it was when the files changed",
      async () => {
        await withTempDir(async (root) => {
          const db = join(root, "app.db");
          assert.equal((await runCli(["--db", db, "--dir", dir, "--to", "1"])).code, 0);
          assert.equal((await runCli(["--db", db, "--dir", dir, "--to", "1"])).code, 0);
          assert.ok(Deno.statSync(`${db}-strata-cache`).isFile, "up caches beside an existing database");
          const added = join(dir, "003_tags.sql");
          await Deno.writeTextFile(added, "-- migrate:up\nCREATE TABLE tags (id INTEGER);\n");
          try {
            const before = tree(root);
            const status = await runCli(["status", "--db", db, "--dir", dir]);
            assert.match(status.stdout, /1 of 3, 2 pending/);
            assert.deepEqual(tree(root), before);
          } finally {
            await Deno.remove(added);
          }
        });
      },
    );
  });
});

Deno.test("up on a new database says that it created it, in JSON too", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), FILES);
    const db = join(root, "app.db");
    const first = await runCli(["--db", db, "--dir", dir, "--to", "1"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.split("\n")[0], `Created the database ${db}.`);
    const second = await runCli(["--db", db, "--dir", dir, "--json"]);
    assert.equal(JSON.parse(second.stdout).created, false);
    const fresh = await runCli(["--db", join(root, "other.db"), "--dir", dir, "--json"]);
    assert.equal(JSON.parse(fresh.stdout).created, true);
  });
});

Deno.test("up refuses a --db or DATABASE_URL whose directory does not exist, naming it, and creates nothing", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), FILES);
    const before = tree(root);
    const missing = join(root, "typo", "app.db");
    const flag = await runCli(["--db", missing, "--dir", dir]);
    assert.equal(flag.code, 1);
    assert.match(
      flag.stderr,
      new RegExp(`The directory ${join(root, "typo")} of the database .* \\(--db\\) does not exist`),
    );
    const env = await runCli(["--dir", dir], { env: { DATABASE_URL: missing } });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /\(DATABASE_URL\) does not exist/);
    assert.deepEqual(tree(root), before);
  });
});

Deno.test({
  name: "up with the default database makes data/ and says so",
  ignore: Deno.env.has("DATABASE_URL"),
  fn: async () => {
    await withTempDir(async (root) => {
      await writeFiles(join(root, "migrations"), FILES);
      const run = await runCli([], { cwd: root });
      assert.equal(run.code, 0, run.stderr);
      const data = join(await Deno.realPath(root), "data");
      assert.equal(
        run.stdout.split("\n")[0],
        `Created the directory ${data} and the database ${join(data, "app.db")}.`,
      );
      assert.ok(Deno.statSync(join(data, "app.db")).isFile);
    });
  },
});

Deno.test({
  name: "a failed up on a new database leaves neither the file nor the directory it made",
  ignore: Deno.env.has("DATABASE_URL"),
  fn: async () => {
    await withTempDir(async (root) => {
      await writeFiles(join(root, "migrations"), {
        "001_broken.sql": "-- migrate:up\nINSERT INTO nothing VALUES (1);\n",
      });
      const before = tree(root);
      const byDefault = await runCli([], { cwd: root });
      assert.equal(byDefault.code, 1);
      assert.match(byDefault.stderr, /Migration 1 \("broken"\) failed/);
      const named = await runCli(["--db", join(root, "new.db")], { cwd: root });
      assert.equal(named.code, 1);
      const target = await runCli(["--db", join(root, "new.db"), "--to", "7"], { cwd: root });
      assert.equal(target.code, 1);
      assert.deepEqual(tree(root), before);
    });
  },
});

Deno.test("a relative file: URL is relative to the working directory", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), FILES);
    await Deno.mkdir(join(root, "data"));
    const run = await runCli(["--db", "file:data/app.db", "--dir", dir], { cwd: root });
    assert.equal(run.code, 0, run.stderr);
    const db = join(await Deno.realPath(root), "data", "app.db");
    assert.match(run.stdout, new RegExp(`${db} is now at version 2`));
    assert.ok(Deno.statSync(db).isFile);
    const status = await runCli(["status", "--json", "--db", "file:./data/app.db", "--dir", dir], {
      cwd: root,
    });
    assert.deepEqual([JSON.parse(status.stdout).database, JSON.parse(status.stdout).currentVersion], [db, 2]);
  });
});

Deno.test("status --help says what it reads and writes, and SQLite's own rollback of a hot journal is all it writes", async () => {
  const help = await runCli(["status", "--help"]);
  const text = help.stdout.replaceAll("\n", " ");
  assert.match(text, /Reads the migration files .*that cache and the database\./);
  assert.match(text, /Writes nothing of its own: no database, directory or cache file/);
  assert.match(text, /SQLite itself rolls back a write that crashed half done \(a hot journal\)/);
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "migrations"), FILES);
    const db = join(root, "app.db");
    assert.equal((await runCli(["--db", db, "--dir", dir])).code, 0);
    const crashed = join(root, "crashed.db");
    await withDatabase(db, (writer) => {
      // A write half done, copied as a crash leaves it: the file and its journal, with no lock held.
      writer.exec("PRAGMA cache_size = 1; BEGIN; CREATE TABLE big (x);");
      writer.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) " +
          "INSERT INTO big SELECT randomblob(500) FROM n",
      );
      Deno.copyFileSync(db, crashed);
      Deno.copyFileSync(`${db}-journal`, `${crashed}-journal`);
      writer.exec("ROLLBACK");
    });
    assert.ok(Deno.statSync(`${crashed}-journal`).size > 0, "a hot journal is there");
    const status = await runCli(["status", "--db", crashed, "--dir", dir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Version\s+2 of 2, up to date/);
    assert.ok(!existsSync(`${crashed}-journal`), "SQLite rolled the hot journal back");
    await withDatabase(crashed, (after) => {
      assert.equal(after.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'big'").get()?.n, 0);
    });
  });
});
