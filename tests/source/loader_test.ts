import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, isAbsolute, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { DatabaseSync } from "node:sqlite";
import {
  InvalidInputError,
  loadMigrations,
  MigrationError,
  MigrationFileError,
  MigrationManager,
  MigrationSetError,
} from "../../mod.ts";
import { identityOf, writeFileCache } from "../../src/source/file_cache.ts";
import { parseSqlMigration } from "../../src/source/sql_file.ts";
import { resolveMigration } from "../../src/core/migration.ts";
import { fileBytes, repoPath, runCli, withDatabase, withTempDir, writeFiles } from "../support/util.ts";

const MOD = pathToFileURL(repoPath("mod.ts")).href;

const CREATE_A = `-- migrate:up
CREATE TABLE a (x);
-- migrate:down
DROP TABLE a;
`;

/** Loads `dir` and migrates a database file in `root` with it; returns the manager's result or error. */
async function migrateDir(root: string, dir: string): Promise<unknown> {
  return await withDatabase(join(root, "test.db"), async (db) => {
    const manager = new MigrationManager(db).registerMigrations(await loadMigrations(dir));
    return await manager.migrate().catch((error) => error);
  });
}

async function assertFileError(dir: string, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadMigrations(dir), (error: unknown) => {
    assert.ok(error instanceof MigrationFileError, String(error));
    assert.equal(error.file, join(dir, file));
    assert.ok(error.message.includes(join(dir, file)), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("loadMigrations() finds .ts and .sql files, sorted, with version and description from the name", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "002_add_user_preferences.sql": CREATE_A,
      "001_initial_schema.ts": `export default { up(db) { return db.exec("CREATE TABLE b (y)"); } };`,
      "0010_late.sql": "-- migrate:up\nSELECT 1;",
      "003_x.sql": "-- migrate:up\n",
      "004_y.sql": "-- migrate:up\n",
      "005_y.sql": "-- migrate:up\n",
      "006_y.sql": "-- migrate:up\n",
      "007_y.sql": "-- migrate:up\n",
      "008_y.sql": "-- migrate:up\n",
      "009_y.sql": "-- migrate:up\n",
    });
    const migrations = await loadMigrations(dir);
    assert.deepEqual(migrations.map((m) => m.version), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(migrations.slice(0, 2).map((m) => [m.description, m.file]), [
      ["initial schema", join(dir, "001_initial_schema.ts")],
      ["add user preferences", join(dir, "002_add_user_preferences.sql")],
    ]);
    assert.equal(migrations[9].description, "late");
  });
});

Deno.test("loadMigrations() accepts a file: URL and a relative path", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_a.sql": CREATE_A });
    assert.equal((await loadMigrations(pathToFileURL(dir + "/"))).length, 1);
    assert.equal((await loadMigrations(pathToFileURL(dir).href)).length, 1);
    const relativeDir = relative(Deno.cwd(), dir);
    assert.ok(!isAbsolute(relativeDir));
    assert.deepEqual((await loadMigrations(relativeDir)).map((m) => m.file), [join(dir, "001_a.sql")]);
  });
});

Deno.test("loadMigrations() refuses a URL that is not a file: URL", async () => {
  await assert.rejects(
    loadMigrations(new URL("http://127.0.0.1:1/migrations/")),
    (error: unknown) => error instanceof InvalidInputError && error.input === "dir",
  );
});

Deno.test("loadMigrations() refuses a directory that does not exist, naming it", async () => {
  await withTempDir(async (root) => {
    const missing = join(root, "nope");
    await assert.rejects(
      loadMigrations(missing),
      (error: unknown) =>
        error instanceof MigrationFileError && error.file === missing && /does not exist/.test(error.message),
    );
  });
});

Deno.test("loadMigrations() ignores _helpers, dotfiles, READMEs and directories", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": CREATE_A,
      "_helper.ts": "throw new Error('must never be imported');",
      "_002_draft.sql": "not even sql",
      ".gitkeep": "",
      "README.md": "# migrations",
      "notes.txt": "x",
    });
    await Deno.mkdir(join(dir, "002_folder.sql"));
    await Deno.mkdir(join(dir, "fixtures"));
    assert.deepEqual((await loadMigrations(dir)).map((m) => m.version), [1]);
  });
});

for (
  const name of [
    "1_x.ts",
    "01_x.sql",
    "001-x.ts",
    "001_.sql",
    "abc_x.ts",
    "001_x.js",
    "001_has space.sql",
    "001_x.SQL",
  ]
) {
  Deno.test(`loadMigrations() refuses the malformed name ${name}, naming the file`, async () => {
    await withTempDir(async (root) => {
      const dir = await writeFiles(join(root, "m"), { "001_ok.sql": CREATE_A, [name]: CREATE_A });
      await assertFileError(dir, name, /not a valid migration file name/);
    });
  });
}

Deno.test("loadMigrations() refuses version 000, naming the file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "000_zero.sql": CREATE_A });
    await assertFileError(dir, "000_zero.sql", /not a usable version/);
  });
});

Deno.test("loadMigrations() refuses a version above Number.MAX_SAFE_INTEGER, naming the file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "9007199254740993_big.sql": CREATE_A });
    await assertFileError(dir, "9007199254740993_big.sql", /not a usable version/);
  });
});

Deno.test("duplicate versions across files are a MigrationSetError naming both files", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_a.sql": CREATE_A, "001_b.sql": CREATE_A });
    const migrations = await loadMigrations(dir);
    const db = new DatabaseSync(":memory:");
    try {
      assert.throws(
        () => new MigrationManager(db).registerMigrations(migrations),
        (error: unknown) =>
          error instanceof MigrationSetError && error.message.includes(join(dir, "001_a.sql")) &&
          error.message.includes(join(dir, "001_b.sql")),
      );
    } finally {
      db.close();
    }
  });
});

Deno.test("a gap between migration files is a MigrationSetError naming the missing version", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_a.sql": CREATE_A, "003_c.sql": CREATE_A });
    const db = new DatabaseSync(":memory:");
    try {
      const manager = new MigrationManager(db).registerMigrations(await loadMigrations(dir));
      await assert.rejects(
        manager.migrate(),
        (error: unknown) => error instanceof MigrationSetError && error.versions.join() === "2",
      );
    } finally {
      db.close();
    }
  });
});

Deno.test("a .sql section runs as one script: semicolons in strings, comments and triggers work", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_tricky.sql": `-- Leading comment; with a semicolon.
-- migrate:up
CREATE TABLE notes (body TEXT, kind TEXT); -- trailing; comment
/* block; comment */
INSERT INTO notes (body) VALUES ('one; two'), ('it''s; quoted');
CREATE TRIGGER notes_kind AFTER INSERT ON notes BEGIN
  UPDATE notes SET kind = CASE WHEN NEW.body LIKE '%;%' THEN 'semi;colon' ELSE 'plain' END
  WHERE rowid = NEW.rowid;
END;
INSERT INTO notes (body) VALUES ('a;b'), ('c');

-- migrate:down
DROP TRIGGER notes_kind;
DROP TABLE notes;
`,
    });
    const result = await migrateDir(root, dir);
    assert.ok(!(result instanceof Error), String(result));
    await withDatabase(join(root, "test.db"), (db) => {
      assert.deepEqual(
        db.prepare("SELECT body, kind FROM notes ORDER BY rowid").all().map((r) => [r.body, r.kind]),
        [["one; two", null], ["it's; quoted", null], ["a;b", "semi;colon"], ["c", "plain"]],
      );
    });
  });
});

Deno.test("a .sql migration's down section is optional, and without it the migration cannot roll back", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_up_only.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
      "002_both.sql": "-- migrate:up\nCREATE TABLE b (x);\n-- migrate:down\nDROP TABLE b;\n",
    });
    const migrations = await loadMigrations(dir);
    assert.equal(migrations[0].down, undefined);
    assert.equal(typeof migrations[1].down, "function");
    const db = new DatabaseSync(":memory:");
    try {
      const manager = new MigrationManager(db).registerMigrations(migrations);
      await manager.migrate();
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [2]);
      await assert.rejects(
        manager.rollback(),
        (error: unknown) =>
          error instanceof InvalidInputError && /"up only"/.test(error.message) &&
          /no down\(\)/.test(error.message),
      );
      assert.equal(await manager.getCurrentVersion(), 1);
    } finally {
      db.close();
    }
  });
});

Deno.test("a .sql migration may put -- migrate:down before -- migrate:up, with CRLF line ends and a BOM", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": "\uFEFF-- migrate:down\r\nDROP TABLE a;\r\n-- migrate:up\r\nCREATE TABLE a (x);\r\n",
    });
    const result = await migrateDir(root, dir);
    assert.ok(!(result instanceof Error), String(result));
    await withDatabase(join(root, "test.db"), async (db) => {
      const manager = new MigrationManager(db).registerMigrations(await loadMigrations(dir));
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [1]);
      assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'a'").get()?.n, 0);
    });
  });
});

Deno.test("-- migrate:up transaction:false runs a .sql migration outside a transaction", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": "-- migrate:up transaction:false\nBEGIN; CREATE TABLE a (x); COMMIT;\n",
      "002_b.sql": "-- migrate:up transaction:true\nCREATE TABLE b (x);\n",
    });
    const [first, second] = await loadMigrations(dir);
    assert.equal(first.transaction, false);
    assert.equal(second.transaction, undefined);
    const result = await migrateDir(root, dir);
    assert.deepEqual((result as { steps: { version: number }[] }).steps.map((step) => step.version), [1, 2]);
  });
});

for (
  const [label, text, pattern] of [
    [
      "SQL without markers",
      "CREATE TABLE a (x);\n",
      /001_bad\.sql:1 has SQL before the "-- migrate:up" marker/,
    ],
    ["only comments and no up marker", "-- just a comment\n\n", /has no "-- migrate:up" line/],
    ["only a down section", "-- migrate:down\nDROP TABLE a;\n", /has no "-- migrate:up" line/],
    [
      "two up sections",
      "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:up\nCREATE TABLE b (x);\n",
      /001_bad\.sql:3 has a second "-- migrate:up" section/,
    ],
    [
      "two down sections",
      "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
      /:5 has a second "-- migrate:down" section/,
    ],
    [
      "an unknown marker",
      "-- migrate:up\nSELECT 1;\n-- migrate:sideways\n",
      /:3 has an unknown marker "-- migrate:sideways"/,
    ],
    [
      "an unknown option",
      "-- migrate:up transaction:maybe\nSELECT 1;\n",
      /unknown option "transaction:maybe"/,
    ],
  ] as const
) {
  Deno.test(`a .sql migration with ${label} is a MigrationFileError naming the file`, async () => {
    await withTempDir(async (root) => {
      const dir = await writeFiles(join(root, "m"), { "001_bad.sql": text });
      await assertFileError(dir, "001_bad.sql", pattern);
    });
  });
}

Deno.test("a -- migrate:down line inside a block comment, a string or a quoted name is SQL, not a marker", () => {
  const cases: [string, string, string, string | null][] = [
    [
      "a block comment",
      "-- migrate:up\nCREATE TABLE a (x);\n/* for later:\n-- migrate:down\nDROP TABLE a;\n*/\nINSERT INTO a VALUES (1);\n",
      "CREATE TABLE a (x);\n/* for later:\n-- migrate:down\nDROP TABLE a;\n*/\nINSERT INTO a VALUES (1);\n",
      null,
    ],
    [
      "a string",
      "-- migrate:up\nINSERT INTO t VALUES ('one\n-- migrate:down\ntwo');\n-- migrate:down\nDELETE FROM t;\n",
      "INSERT INTO t VALUES ('one\n-- migrate:down\ntwo');",
      "DELETE FROM t;\n",
    ],
    [
      "quoted names",
      '-- migrate:up\nCREATE TABLE "a\n-- migrate:down\n" (`b\n-- migrate:up\n`, [c\n-- migrate:down\n]);\n',
      'CREATE TABLE "a\n-- migrate:down\n" (`b\n-- migrate:up\n`, [c\n-- migrate:down\n]);\n',
      null,
    ],
    [
      "a closed block comment and a string before it, indented with a tab",
      "-- migrate:up\n/* a; */ SELECT 'b';\n\t-- migrate:down\nSELECT 2;",
      "/* a; */ SELECT 'b';",
      "SELECT 2;",
    ],
    [
      "a quote in a comment before it, which opens no string",
      "-- migrate:up\nSELECT 1; -- it's\n-- migrate:down\nSELECT 2;",
      "SELECT 1; -- it's",
      "SELECT 2;",
    ],
    [
      "something before it on its line",
      "-- migrate:up\nSELECT 'x'; -- migrate:down\nSELECT 1 /* x */ -- migrate:down\n",
      "SELECT 'x'; -- migrate:down\nSELECT 1 /* x */ -- migrate:down\n",
      null,
    ],
  ];
  for (const [label, text, up, down] of cases) {
    const sections = parseSqlMigration(text, "001_x.sql");
    assert.equal(sections.up.sql, up, label);
    assert.equal(sections.down?.sql ?? null, down, label);
  }
});

Deno.test("a .sql migration runs every statement after a commented-out -- migrate:down", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (x);\n/*\n-- migrate:down\nDROP TABLE a;\n*/\n" +
        "INSERT INTO a VALUES (1);\n-- migrate:down\nDROP TABLE a;\n",
    });
    const result = await migrateDir(root, dir);
    assert.deepEqual(
      (result as { steps: { version: number }[] }).steps.map((step) => step.version),
      [1],
      String(result),
    );
    await withDatabase(join(root, "test.db"), (db) => {
      assert.deepEqual(db.prepare("SELECT x FROM a").all().map((row) => row.x), [1]);
    });
  });
});

Deno.test("a marker after a commented-out one is still checked, naming its own line", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_bad.sql":
        "-- migrate:up\n/*\n-- migrate:up\n*/\nSELECT '\n-- migrate:up\n';\n-- migrate:up\nSELECT 2;\n",
    });
    await assertFileError(dir, "001_bad.sql", /001_bad\.sql:8 has a second "-- migrate:up" section/);
  });
});

/** The UTF-8 bytes of `text`. */
function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Bytes made of text and single bytes, in order. */
function bytesOf(...parts: (string | number[])[]): Uint8Array {
  return new Uint8Array(parts.flatMap((part) => typeof part === "string" ? [...utf8(part)] : part));
}

Deno.test("a migration file with a NUL byte is refused, naming the file, its line and the byte offset", async () => {
  await withTempDir(async (root) => {
    const cases = [
      [
        "001_nul.sql",
        "-- migrate:up\nCREATE TABLE a (x);\nINSERT INTO a VALUES ('é');",
        "DROP TABLE a;\n",
        3,
      ],
      ["001_nul.ts", 'export default { up(db) { return db.exec("SELECT 1', '"); } };\n', 1],
    ] as const;
    for (const [name, before, after, line] of cases) {
      const dir = await writeFiles(join(root, name.replace(".", "_")), {});
      Deno.writeFileSync(join(dir, name), bytesOf(before, [0], after));
      const offset = utf8(before).length; // bytes, not characters: "é" is two
      await assertFileError(
        dir,
        name,
        new RegExp(`${name}:${line} has a NUL byte at byte offset ${offset}\\. `),
      );
    }
  });
});

Deno.test("a migration file that is not UTF-8 is refused, naming the file, its line and the byte offset", async () => {
  await withTempDir(async (root) => {
    const utf16 = new Uint8Array([
      0xff,
      0xfe,
      ...[..."-- migrate:up\n"].flatMap((c) => [c.charCodeAt(0), 0]),
    ]);
    const cases = [
      [
        "001_latin1.sql",
        "-- migrate:up\n-- café\nCREATE TABLE caf",
        [0xe9, 0x20, 0x28, 0x78, 0x29],
        /:3 .* \(bytes E9 20 28 78\)\. /,
      ],
      [
        "001_latin1.ts",
        "export default { up(db) { return db.exec(\"SELECT 'caf",
        [0xe9, 0x27],
        /:1 .* \(bytes E9 27\)\. /,
      ],
      ["001_utf16.sql", "", [...utf16], /:1 .*; the file looks like UTF-16\. /],
    ] as const;
    for (const [name, before, bytes, detail] of cases) {
      const dir = await writeFiles(join(root, name.replace(".", "_")), {});
      Deno.writeFileSync(join(dir, name), bytesOf(before, [...bytes]));
      await assertFileError(
        dir,
        name,
        new RegExp(`${name}:\\d is not UTF-8 at byte offset ${utf8(before).length} `),
      );
      await assertFileError(dir, name, detail);
    }
  });
});

Deno.test("only well-formed UTF-8 is read: overlong forms, surrogates and truncated sequences are refused", async () => {
  await withTempDir(async (root) => {
    const cases: [string, number[], boolean][] = [
      ["U+FFFD spelled out", [0xef, 0xbf, 0xbd], true],
      ["a four-byte character", [0xf0, 0x9f, 0x98, 0x80], true],
      ["U+10FFFF", [0xf4, 0x8f, 0xbf, 0xbf], true],
      ["a lone continuation byte", [0x80], false],
      ["an overlong two-byte form", [0xc0, 0xaf], false],
      ["an overlong three-byte form", [0xe0, 0x80, 0xaf], false],
      ["a surrogate", [0xed, 0xa0, 0x80], false],
      ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], false],
      ["a byte that never starts a character", [0xf5, 0x80, 0x80, 0x80], false],
      ["a sequence cut short by the end of the file", [0xe2, 0x82], false],
    ];
    for (const [index, [label, sequence, valid]] of cases.entries()) {
      const dir = await writeFiles(join(root, String(index)), {});
      const prefix = "-- migrate:up\nSELECT 'x';\n-- ";
      Deno.writeFileSync(join(dir, "001_a.sql"), bytesOf(prefix, sequence));
      if (valid) {
        const [migration] = await loadMigrations(dir);
        assert.equal(migration.version, 1, label);
      } else {
        await assertFileError(
          dir,
          "001_a.sql",
          new RegExp(`:3 is not UTF-8 at byte offset ${prefix.length} `),
        );
      }
    }
  });
});

Deno.test("a .sql migration that spells U+FFFD, after a BOM, runs with it exactly", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": "\uFEFF-- migrate:up\nCREATE TABLE a (x);\nINSERT INTO a VALUES ('\uFFFD');\n",
    });
    const result = await migrateDir(root, dir);
    assert.deepEqual(
      (result as { steps: { version: number }[] }).steps.map((step) => step.version),
      [1],
      String(result),
    );
    await withDatabase(join(root, "test.db"), (db) => {
      assert.equal(db.prepare("SELECT hex(x) AS x FROM a").get()?.x, "EFBFBD");
    });
  });
});

Deno.test("migrate refuses a file with a NUL byte or in Latin-1 and leaves the database byte-for-byte", async () => {
  await withTempDir(async (root) => {
    const db = join(root, "app.db");
    for (
      const [name, bytes, message] of [
        [
          "002_nul.sql",
          bytesOf("-- migrate:up\nCREATE TABLE b (x);\n", [0], "CREATE TABLE c (x);\n"),
          /002_nul\.sql:3 has a NUL byte at byte offset 34\./,
        ],
        [
          "002_latin1.sql",
          bytesOf("-- migrate:up\nCREATE TABLE b (x);\nINSERT INTO b VALUES ('caf", [0xe9], "');\n"),
          /002_latin1\.sql:3 is not UTF-8 at byte offset 60 /,
        ],
      ] as const
    ) {
      const dir = await writeFiles(join(root, name.replace(".sql", "")), { "001_a.sql": CREATE_A });
      assert.equal((await runCli(["--db", db, "--dir", dir])).code, 0);
      Deno.writeFileSync(join(dir, name), bytes);
      const before = fileBytes(db);
      const run = await runCli(["--db", db, "--dir", dir]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.ok(run.stderr.includes(join(dir, name)), run.stderr);
      assert.deepEqual(fileBytes(db), before, `${name}: the database is byte-for-byte as it was`);
    }
  });
});

Deno.test("a cached file that is no longer well-formed is refused when it has to run, and nothing runs", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": CREATE_A,
      "002_b.ts": `export default { up(db) { return db.exec("CREATE TABLE b (y)"); } };`,
    });
    const cacheFile = join(root, "test.db-strata-cache");
    const remembered = (await loadMigrations(dir)).map((m) => ({
      name: basename(m.file!),
      version: m.version,
      description: m.description,
      checksum: m.checksum!,
      baseline: false,
    }));
    const spoil = [
      ["001_a.sql", bytesOf("-- migrate:up\nCREATE TABLE a (x);", [0], "\n"), /001_a\.sql:2 has a NUL byte/],
      [
        "002_b.ts",
        bytesOf("export default { up(db) { return db.exec(\"SELECT '", [0xe9], "'\"); } };"),
        /not UTF-8/,
      ],
    ] as const;
    for (const [name, bytes, message] of spoil) {
      const file = join(dir, name);
      const good = Deno.readFileSync(file);
      Deno.writeFileSync(file, bytes);
      // A cache that vouches for the file as it is now, as one written by an earlier release could.
      const files = remembered.map((known) => ({
        ...known,
        ...identityOf(Deno.statSync(join(dir, known.name))),
      }));
      writeFileCache(cacheFile, dir, { directory: null, files });
      const migrations = await loadMigrations(dir, { cacheFile });
      assert.ok(migrations.every((m) => "resolve" in m), "every file was taken from the cache");
      const migrate = (db: DatabaseSync) => new MigrationManager(db).registerMigrations(migrations).migrate();
      const error = await withDatabase(join(root, "test.db"), (db) => migrate(db).catch((error) => error));
      assert.ok(error instanceof MigrationFileError, String(error));
      assert.equal(error.file, file);
      assert.match(error.message, message);
      Deno.writeFileSync(file, good);
    }
    await withDatabase(join(root, "test.db"), (db) => {
      assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema").all(), [], "nothing ran");
    });
  });
});

Deno.test("a .ts migration's default export object runs, with up and down", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_create_a.ts": `import type { MigrationModule } from "${MOD}";
export default {
  async up(db) { await db.exec("CREATE TABLE a (x)"); },
  async down(db) { await db.exec("DROP TABLE a"); },
} satisfies MigrationModule;
`,
    });
    const result = await migrateDir(root, dir);
    assert.deepEqual((result as { steps: { version: number }[] }).steps.map((step) => step.version), [1]);
    await withDatabase(join(root, "test.db"), async (db) => {
      const manager = new MigrationManager(db).registerMigrations(await loadMigrations(dir));
      assert.equal((await manager.getStatus()).migrations[0].description, "create a");
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [1]);
    });
  });
});

Deno.test("a .ts migration may default-export a BaseMigration subclass, with or without a matching version", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_class.ts": `import { BaseMigration, type Executor } from "${MOD}";
export default class extends BaseMigration {
  description = "ignored: the file name gives it";
  table = "a";
  async up(db: Executor) { await db.exec(\`CREATE TABLE \${this.table} (x)\`); }
  async down(db: Executor) { await db.exec(\`DROP TABLE \${this.table}\`); }
}
`,
      "002_class_with_version.ts": `import { BaseMigration, type Executor } from "${MOD}";
export default class AddB extends BaseMigration {
  version = 2;
  description = "b";
  up(db: Executor) { return db.exec("CREATE TABLE b (x)"); }
}
`,
    });
    const result = await migrateDir(root, dir);
    assert.deepEqual((result as { steps: { version: number }[] }).steps.map((step) => step.version), [1, 2]);
    await withDatabase(join(root, "test.db"), (db) => {
      assert.equal(
        db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('a', 'b')").get()?.n,
        2,
      );
    });
  });
});

Deno.test("a .ts migration declaring a version that disagrees with its file name is an error naming the file", async () => {
  await withTempDir(async (root) => {
    const file = "001_wrong_version.ts";
    const dir = await writeFiles(join(root, "m"), {
      [file]: `export default { version: 7, up(db) { return db.exec("CREATE TABLE a (x)"); } };`,
    });
    await withDatabase(join(root, "test.db"), (db) => db.exec("CREATE TABLE keep (x)"));
    const before = fileBytes(join(root, "test.db"));
    const error = await migrateDir(root, dir);
    assert.ok(error instanceof MigrationFileError, String(error));
    assert.equal(error.file, join(dir, file));
    assert.match(error.message, /declares version 7, but its file name says 1/);
    assert.deepEqual(fileBytes(join(root, "test.db")), before);
  });
});

for (
  const [label, source, pattern] of [
    ["no default export", `export const up = () => {};`, /default export is missing/],
    [
      "a default export that is a string",
      `export default "CREATE TABLE a (x)";`,
      /default export is not a migration/,
    ],
    ["a default export without up()", `export default { down() {} };`, /default export is not a migration/],
    [
      "a down that is not a function",
      `export default { up() {}, down: "DROP TABLE a" };`,
      /down is not a function/,
    ],
    [
      "a default export function that cannot be constructed",
      `export default () => {};`,
      /default export is a function but not a migration class/,
    ],
  ] as const
) {
  Deno.test(`a .ts migration with ${label} is a MigrationFileError naming the file when it must run`, async () => {
    await withTempDir(async (root) => {
      const dir = await writeFiles(join(root, "m"), { "001_bad.ts": source });
      const error = await migrateDir(root, dir);
      assert.ok(error instanceof MigrationFileError, String(error));
      assert.equal(error.file, join(dir, "001_bad.ts"));
      assert.ok(error.message.includes(join(dir, "001_bad.ts")));
      assert.match(error.message, pattern);
    });
  });
}

Deno.test("a .ts migration that throws on import is a MigrationFileError naming the file, with the cause", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_ok.sql": CREATE_A,
      "002_throws.ts": `throw new Error("boom at import");\nexport default { up() {} };`,
    });
    const error = await migrateDir(root, dir);
    assert.ok(error instanceof MigrationFileError, String(error));
    assert.equal(error.file, join(dir, "002_throws.ts"));
    assert.match(error.message, /could not be imported: boom at import/);
    assert.ok(error.cause instanceof Error);
  });
});

Deno.test("a .ts migration with a syntax error is a MigrationFileError naming the file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_broken.ts": `export default { up( {` });
    const error = await migrateDir(root, dir);
    assert.ok(error instanceof MigrationFileError, String(error));
    assert.equal(error.file, join(dir, "001_broken.ts"));
  });
});

Deno.test("a .ts migration whose up() throws is a MigrationError naming the version and file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_fails.ts": `export default { up() { throw new Error("nope"); } };`,
    });
    const error = await migrateDir(root, dir);
    assert.ok(error instanceof MigrationError, String(error));
    assert.equal(error.version, 1);
    assert.equal(error.file, join(dir, "001_fails.ts"));
    assert.match(error.message, /Migration 1 \("fails"\) failed in .*001_fails\.ts: nope/);
  });
});

/** A module that leaves a marker file next to itself when imported. */
const MARKING_MODULE = `Deno.writeTextFileSync(new URL("./imported.marker", import.meta.url), "imported");
export default {
  up(db) { return db.exec("CREATE TABLE marked (x)"); },
  down(db) { return db.exec("DROP TABLE marked"); },
};
`;

Deno.test("loadMigrations() and getStatus() do not import .ts migrations; migrate() imports them when they run", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_marking.ts": MARKING_MODULE });
    const marker = join(dir, "imported.marker");
    await withDatabase(join(root, "test.db"), async (db) => {
      const migrations = await loadMigrations(dir);
      assert.equal(migrations[0].description, "marking");
      const manager = new MigrationManager(db).registerMigrations(migrations);
      assert.equal((await manager.getStatus()).pendingCount, 1);
      assert.equal(await manager.getCurrentVersion(), 0);
      assert.equal(existsSync(marker), false, "imported before it had to run");
      await manager.migrate();
      assert.equal(existsSync(marker), true);
    });
  });
});

Deno.test("an applied .ts migration is never imported again, even if importing it would now throw", async () => {
  await withTempDir(async (root) => {
    // The same source in two directories: importing it throws when a `poison` file sits beside it.
    const source = `let poisoned = true;
try { Deno.statSync(new URL("./poison", import.meta.url)); } catch { poisoned = false; }
if (poisoned) throw new Error("imported while applied");
export default { up(db) { return db.exec("CREATE TABLE first (x)"); }, down() {} };
`;
    const clean = await writeFiles(join(root, "clean"), { "001_first.ts": source });
    const poisoned = await writeFiles(join(root, "poisoned"), {
      "001_first.ts": source,
      "poison": "",
      "002_second.sql": "-- migrate:up\nCREATE TABLE second (x);\n-- migrate:down\nDROP TABLE second;\n",
    });
    assert.deepEqual(
      (await migrateDir(root, clean) as { steps: { version: number }[] }).steps.map((step) => step.version),
      [1],
    );
    // Importing from the poisoned directory would throw, so any import shows up as an error.
    await assert.rejects(
      resolveMigration((await loadMigrations(poisoned))[0]),
      /imported while applied/,
    );
    await withDatabase(join(root, "test.db"), async (db) => {
      const manager = new MigrationManager(db).registerMigrations(await loadMigrations(poisoned));
      assert.equal((await manager.getStatus()).currentVersion, 1);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [2]);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), []);
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [2]);
      assert.equal(await manager.getCurrentVersion(), 1);
    });
  });
});

Deno.test("parseSqlMigration() gives each section's lines exactly, with CRLF read as LF", () => {
  const cases: [string, string, string | null][] = [
    ["-- migrate:up\nA;\n-- migrate:down\nB;\n", "A;", "B;\n"],
    ["\uFEFF-- migrate:up\r\nA\r\nB;\r\n-- migrate:down\r\nC;", "A\nB;", "C;"],
    ["-- migrate:up\n-- migrate:down", "", ""],
    ["-- migrate:up", "", null],
    [
      "-- note\n\n-- migrate:up\nSELECT '-- migrate:down';\n-- see migrate: docs\n",
      "SELECT '-- migrate:down';\n-- see migrate: docs\n",
      null,
    ],
    ["-- migrate:down\nD;\n  -- migrate:up  \nU;", "U;", "D;"],
    ["-- migrate:up\nA\rB;\n", "A\rB;\n", null],
  ];
  for (const [text, up, down] of cases) {
    const sections = parseSqlMigration(text, "001_x.sql");
    assert.equal(sections.up.sql, up, JSON.stringify(text));
    assert.equal(sections.down?.sql ?? null, down, JSON.stringify(text));
  }
});

Deno.test("registering loaded migrations keeps the loader's objects, without a copy per migration", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.sql": CREATE_A,
      "002_b.ts": `export default { up(db) { return db.exec("CREATE TABLE b (y)"); } };`,
    });
    const loaded = await loadMigrations(dir);
    await withDatabase(":memory:", (db) => {
      const registered = new MigrationManager(db).registerMigrations(loaded).migrations;
      assert.equal(registered[0], loaded[0]);
      assert.equal(registered[1], loaded[1]);
    });
  });
});
