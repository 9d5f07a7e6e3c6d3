import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError, loadMigrations, MigrationFileError, MigrationManager } from "../../mod.ts";
import { createMigration } from "../../src/cli/mod.ts";
import { slugify } from "../../src/source/next_file.ts";
import { schemaOf, withTempDir, writeFiles } from "../support/util.ts";

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("slugify() makes lower-case snake_case words of letters and digits", () => {
  assert.equal(slugify("Add user preferences"), "add_user_preferences");
  assert.equal(slugify("  add index: users(email)!  "), "add_index_users_email");
  assert.equal(slugify("Crème brûlée v2"), "creme_brulee_v2");
  assert.equal(slugify("../../etc/passwd"), "etc_passwd");
  assert.equal(slugify("a\\b/c"), "a_b_c");
});

Deno.test("slugify() keeps names to a readable length, cutting at a word", () => {
  const slug = slugify("word ".repeat(40));
  assert.ok(slug.length <= 60, slug);
  assert.match(slug, /^word(_word)*$/);
});

Deno.test("slugify() refuses empty and symbol-only descriptions, quoting them", () => {
  for (const description of ["", "   ", "!!!", "../..", "—", "日本語"]) {
    assert.throws(
      () => slugify(description),
      (error: unknown) =>
        error instanceof InvalidInputError && error.input === "description" &&
        error.message.includes(JSON.stringify(description)),
      JSON.stringify(description),
    );
  }
});

Deno.test("createMigration() numbers the first migration 001 and creates the directory", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "deep", "migrations");
    const created = await createMigration("create users", { dir });
    assert.deepEqual(created, { path: join(dir, "001_create_users.ts"), version: 1 });
    assert.deepEqual(await listDir(dir), ["001_create_users.ts"]);
  });
});

Deno.test("createMigration() numbers one above the highest existing migration, .ts and .sql alike", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), {
      "001_a.ts": "export default { up() {} };",
      "002_b.sql": "-- migrate:up\n",
      "_helper.ts": "",
      "README.md": "",
    });
    const created = await createMigration("add index", { dir });
    assert.equal(created.version, 3);
    assert.equal(basename(created.path), "003_add_index.ts");
    const sql = await createMigration("add another index", { dir, sql: true });
    assert.equal(basename(sql.path), "004_add_another_index.sql");
  });
});

Deno.test("createMigration() pads to three digits and grows past them", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "009_a.sql": "-- migrate:up\n" });
    assert.equal(basename((await createMigration("ten", { dir, sql: true })).path), "010_ten.sql");
    await writeFiles(dir, { "999_z.sql": "-- migrate:up\n" });
    assert.equal(basename((await createMigration("next", { dir, sql: true })).path), "1000_next.sql");
  });
});

Deno.test("createMigration() accepts a file: URL as the directory", async () => {
  await withTempDir(async (root) => {
    const created = await createMigration("x", { dir: pathToFileURL(join(root, "m") + "/") });
    assert.equal(created.path, join(root, "m", "001_x.ts"));
  });
});

Deno.test("createMigration() writes a .sql file with both sections, both no-ops", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const created = await createMigration("Add index", { dir, sql: true });
    const text = await Deno.readTextFile(created.path);
    assert.match(text, /^-- migrate:up$/m);
    assert.match(text, /^-- migrate:down$/m);
    assert.ok(text.indexOf("-- migrate:up") < text.indexOf("-- migrate:down"));
    const migrations = await loadMigrations(dir);
    assert.equal(migrations[0].description, "add index");
    assert.equal(typeof migrations[0].down, "function");
    const db = new DatabaseSync(":memory:");
    try {
      const manager = new MigrationManager(db).registerMigrations(migrations);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1]);
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [1]);
      assert.deepEqual(schemaOf(db).filter((row) => !String(row.name).startsWith("strata_")), []);
    } finally {
      db.close();
    }
  });
});

Deno.test("createMigration() refuses empty and symbol-only descriptions and writes nothing", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_a.sql": "-- migrate:up\n" });
    for (const description of ["", "  ", "?!*"]) {
      await assert.rejects(createMigration(description, { dir }), InvalidInputError);
    }
    assert.deepEqual(await listDir(dir), ["001_a.sql"]);
  });
});

Deno.test("createMigration() never writes outside the directory, whatever the description", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "a", "b", "m");
    for (const description of ["../../x", "../../../../tmp/evil", "/etc/passwd", "..\\..\\y", "a/../../b"]) {
      const created = await createMigration(description, { dir });
      assert.equal(join(dir, basename(created.path)), created.path, description);
    }
    assert.deepEqual(await listDir(join(root, "a", "b")), ["m"]);
    assert.deepEqual(await listDir(root), ["a"]);
    assert.deepEqual(await listDir(dir), [
      "001_x.ts",
      "002_tmp_evil.ts",
      "003_etc_passwd.ts",
      "004_y.ts",
      "005_a_b.ts",
    ]);
  });
});

Deno.test("createMigration() never overwrites an existing file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "001_a.sql": "-- migrate:up\n" });
    // A directory is not a migration file, so it does not count for numbering, but its name is taken.
    await Deno.mkdir(join(dir, "002_taken.ts"));
    await assert.rejects(
      createMigration("taken", { dir }),
      (error: unknown) =>
        error instanceof MigrationFileError && error.file === join(dir, "002_taken.ts") &&
        /already exists/.test(error.message),
    );
    assert.equal((await Deno.stat(join(dir, "002_taken.ts"))).isDirectory, true);
  });
});

Deno.test("createMigration() refuses a directory holding a malformed migration file", async () => {
  await withTempDir(async (root) => {
    const dir = await writeFiles(join(root, "m"), { "1_bad.sql": "" });
    await assert.rejects(createMigration("next", { dir }), MigrationFileError);
    assert.deepEqual(await listDir(dir), ["1_bad.sql"]);
  });
});

Deno.test("the generated .ts migration type-checks and its up and down change nothing", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "m");
    const created = await createMigration("a no-op for now", { dir });
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--no-lock", created.path],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));

    const db = new DatabaseSync(":memory:");
    try {
      db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ann')");
      const userSchema = () => schemaOf(db).filter((row) => !String(row.name).startsWith("strata_"));
      const before = userSchema();
      const manager = new MigrationManager(db).registerMigrations(await loadMigrations(dir));
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1]);
      assert.deepEqual(userSchema(), before);
      assert.deepEqual((await manager.rollback()).steps.map((step) => step.version), [1]);
      assert.deepEqual(userSchema(), before);
      assert.deepEqual(db.prepare("SELECT * FROM users").all().map((r) => ({ ...r })), [{
        id: 1,
        name: "ann",
      }]);
    } finally {
      db.close();
    }
  });
});
