import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { replayMigrations } from "../../src/schema/drift.ts";
import { InvalidInputError, MigrationFileError } from "../../src/shared/errors.ts";
import { loadMigrations } from "../../src/core/load_migrations.ts";
import { parseSqlMigration } from "../../src/source/sql_file.ts";
import { MigrationManager } from "../../src/core/manager.ts";
import type { Migration } from "../../src/core/migration.ts";
import { readSchema } from "../../src/schema/read_schema.ts";
import { diffSchemas } from "../../src/schema/diff.ts";
import { archiveMigrations, readReferenceData, squashMigration } from "../../src/schema/squash.ts";
import { rows } from "../support/migrate.ts";
import { withTempDir, writeFiles } from "../support/util.ts";

const FILES = {
  "001_create_countries.sql": `-- migrate:up
CREATE TABLE countries (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, name TEXT, rate REAL);
INSERT INTO countries (code, name, rate) VALUES ('de', 'Germany', 1.0), ('fr', 'France', 0.5), ('it', 'It''s', NULL);
DELETE FROM countries WHERE code = 'it';
-- migrate:down
DROP TABLE countries;
`,
  "002_create_users.sql": `-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, country_id INTEGER REFERENCES countries (id), email TEXT);
CREATE INDEX users_country ON users (country_id);
CREATE VIEW user_countries AS SELECT u.email, c.name FROM users u JOIN countries c ON c.id = u.country_id;
CREATE TRIGGER users_lower AFTER INSERT ON users BEGIN UPDATE users SET email = lower(email) WHERE id = new.id; END;
INSERT INTO users (country_id, email) VALUES (1, 'not reference data');
-- migrate:down
DROP TABLE users;
`,
  "003_add_nickname.sql": `-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;
`,
};

/** Squashes migrations 1..2 of a directory holding FILES, as the `squash --to 2` command would. */
async function squashToTwo(dir: string): Promise<string> {
  const memory = await replayMigrations(await loadMigrations(dir), { version: 2 });
  try {
    const { fileName, text } = squashMigration(await readSchema(memory), {
      toVersion: 2,
      referenceData: await readReferenceData(memory, ["countries"]),
    });
    await archiveMigrations(dir, 2);
    await Deno.writeTextFile(join(dir, fileName), text);
    return text;
  } finally {
    memory.close();
  }
}

Deno.test("squashMigration() writes a baseline of the schema's statements and the reference rows", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, FILES);
    const text = await squashToTwo(dir);
    assert.match(text, /^-- strata:baseline squashes migrations 001 to 002\n/);
    assert.match(text, /\n-- migrate:up\nCREATE TABLE countries \(/);
    assert.match(
      text,
      /INSERT INTO countries \(id, code, name, rate\) VALUES\n {2}\(1, 'de', 'Germany', 1\.0\),\n {2}\(2, 'fr', 'France', 0\.5\);/,
    );
    assert.match(text, /INSERT INTO sqlite_sequence \(name, seq\) VALUES \('countries', 3\);\n$/);
    assert.doesNotMatch(text, /not reference data/);
    assert.doesNotMatch(text, /migrate:down/);
    assert.equal(parseSqlMigration(text, "002_baseline.sql").down, undefined);
  });
});

Deno.test("a new database that runs the baseline ends where one that ran every squashed migration does", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, FILES);
    const original = await loadMigrations(dir);
    await squashToTwo(dir);
    const squashed = await loadMigrations(dir);
    assert.deepEqual(squashed.map((m) => `${m.version} ${m.description}`), ["2 baseline", "3 add nickname"]);
    const [viaHistory, viaBaseline] = [new DatabaseSync(":memory:"), new DatabaseSync(":memory:")];
    try {
      await new MigrationManager(viaHistory).registerMigrations(original).migrate();
      await new MigrationManager(viaBaseline).registerMigrations(squashed).migrate();
      assert.deepEqual(diffSchemas(await readSchema(viaHistory), await readSchema(viaBaseline)), []);
      const reference = "SELECT id, code, name, rate, typeof(rate) AS type FROM countries ORDER BY id";
      assert.deepEqual(rows(viaBaseline, reference), rows(viaHistory, reference));
      assert.deepEqual(
        rows(viaBaseline, "SELECT * FROM sqlite_sequence"),
        rows(viaHistory, "SELECT * FROM sqlite_sequence"),
      );
      assert.deepEqual(rows(viaBaseline, "SELECT * FROM users"), []);
    } finally {
      viaHistory.close();
      viaBaseline.close();
    }
  });
});

Deno.test("a database already at the squashed version runs only the migrations after it", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, FILES);
    const db = new DatabaseSync(":memory:");
    try {
      // The planner still compares an applied file's checksum and name with the baseline that now has
      // its version; until it lets a baseline through, the files are registered as code migrations.
      const asCode = (migrations: Migration[]) =>
        migrations.map(({ checksum: _, file: __, ...m }) => m as Migration);
      await new MigrationManager(db).registerMigrations(asCode(await loadMigrations(dir))).migrate({
        targetVersion: 2,
      });
      const before = await readSchema(db);
      await squashToTwo(dir);
      const result = await new MigrationManager(db).registerMigrations(asCode(await loadMigrations(dir)))
        .migrate();
      assert.deepEqual(result.steps.map((step) => step.version), [3]);
      assert.deepEqual(rows(db, "SELECT email FROM users"), [{ email: "not reference data" }]);
      assert.deepEqual(
        diffSchemas(before, await readSchema(db)).map((d) => d.message),
        ["table users: column nickname is in the database but not in the migrations"],
      );
    } finally {
      db.close();
    }
  });
});

Deno.test("archiveMigrations() moves the files up to the version into the archive folder and deletes nothing", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, { ...FILES, "_shared.ts": "export {};", "README.md": "notes" });
    const moved = await archiveMigrations(dir, 2);
    assert.deepEqual(moved, [
      {
        version: 1,
        from: join(dir, "001_create_countries.sql"),
        to: join(dir, "archive", "001_create_countries.sql"),
      },
      {
        version: 2,
        from: join(dir, "002_create_users.sql"),
        to: join(dir, "archive", "002_create_users.sql"),
      },
    ]);
    const names = (path: string) => [...Deno.readDirSync(path)].map((entry) => entry.name).sort();
    assert.deepEqual(names(dir), ["003_add_nickname.sql", "README.md", "_shared.ts", "archive"]);
    assert.deepEqual(names(join(dir, "archive")), ["001_create_countries.sql", "002_create_users.sql"]);
    assert.equal(
      await Deno.readTextFile(join(dir, "archive", "001_create_countries.sql")),
      FILES["001_create_countries.sql"],
    );
    assert.deepEqual((await loadMigrations(dir)).map((m) => m.version), [3]);
  });
});

Deno.test("archiveMigrations() moves nothing when a file of the same name is already archived", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, FILES);
    await writeFiles(join(dir, "old"), { "002_create_users.sql": "older" });
    await assert.rejects(
      archiveMigrations(dir, 2, { archiveDir: join(dir, "old") }),
      (error: unknown) => {
        assert.ok(error instanceof MigrationFileError);
        assert.match(
          error.message,
          /Cannot archive 002_create_users\.sql: .*old\/002_create_users\.sql already exists\. Nothing was moved/,
        );
        return true;
      },
    );
    assert.deepEqual((await loadMigrations(dir)).map((m) => m.version), [1, 2, 3]);
    assert.equal(await Deno.readTextFile(join(dir, "old", "002_create_users.sql")), "older");
  });
});

Deno.test("readReferenceData() reads rows as SQL literals that keep their types, and refuses an unknown table", async () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE TABLE kinds (k TEXT PRIMARY KEY, n REAL, b BLOB, twice REAL AS (n * 2)) WITHOUT ROWID;
             INSERT INTO kinds (k, n, b) VALUES ('b', 2.0, x'00ff'), ('a', NULL, NULL)`);
    assert.deepEqual(await readReferenceData(db, ["kinds"]), [{
      table: "kinds",
      columns: ["k", "n", "b"],
      rows: [["'a'", "NULL", "NULL"], ["'b'", "2.0", "X'00FF'"]],
      sequence: null,
    }]);
    await assert.rejects(readReferenceData(db, ["missing"]), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(
        error.message,
        /Cannot keep the rows of missing: the migrations being squashed do not create that table/,
      );
      return true;
    });
  } finally {
    db.close();
  }
});
