/**
 * What the tasks in deno.json may touch: the default layout (`./migrations`, `./data`) and nothing
 * else. A path or server outside it is refused before anything is written, naming the CLI flag it
 * came from and the Deno flag or task that grants it — never Deno's bare `NotCapable`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type CliRun, repoPath, runCli, withTempDir, writeFiles } from "../support/util.ts";

/** A project in `dir`: the repository's migrations in `./migrations`, nothing else. */
async function project(dir: string): Promise<string> {
  const root = join(dir, "project");
  await Deno.mkdir(join(root, "migrations"), { recursive: true });
  for (const name of ["001_initial_schema.ts", "002_add_user_preferences.sql"]) {
    await Deno.copyFile(repoPath(`migrations/${name}`), join(root, "migrations", name));
  }
  return root;
}

/** Runs the CLI with a task's own flags, from `cwd`. */
function task(
  args: string[],
  cwd: string,
  name = "migrate",
  env: Record<string, string> = {},
): Promise<CliRun> {
  return runCli(args, { cwd, task: name, exact: true, env });
}

/** A refusal naming `pattern`, one paragraph, exit 1, no stack trace and no "unexpected error". */
function assertRefusedFor(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^error: This run may not /);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /NotCapable|unexpected error|^\s+at /m);
  assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
}

Deno.test("the migrate task runs up, status, rollback and dump in the default layout", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    for (const args of [[], ["status"], ["rollback"], ["dump"], ["check"], ["validate"]]) {
      const run = await task(args, root);
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    }
    assert.ok(existsSync(join(root, "data", "app.db")));
    assert.ok(existsSync(join(root, "schema.sql")));
  });
});

Deno.test("a --db outside the migrate task's scope is refused naming --db and the flags to add", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const elsewhere = join(dir, "elsewhere");
    await Deno.mkdir(elsewhere);
    const db = join(elsewhere, "app.db");
    assertRefusedFor(
      await task(["--db", db], root),
      new RegExp(
        `may not read or write the database ${db} \\(--db\\).*Add --allow-read=${elsewhere} and ` +
          `--allow-write=${elsewhere} to the deno run flags`,
      ),
    );
    assert.ok(!existsSync(db), "nothing was created");
    assertRefusedFor(
      await task(["status"], root, "migrate", { DATABASE_URL: db }),
      /the database .* \(DATABASE_URL\)/,
    );
  });
});

Deno.test("a database the task may read but not write is refused naming --allow-write", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const run = await runCli(["--db", join(root, "migrations", "app.db")], { cwd: root, exact: true });
    assertRefusedFor(run, /may not write the database .*\(--db\).*Add --allow-write=.*migrations to/);
  });
});

Deno.test("a --dir outside the task's scope is refused naming --dir", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const other = await writeFiles(join(dir, "other"), {
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
    });
    assertRefusedFor(
      await task(["--dir", other], root),
      new RegExp(`may not read the migrations directory ${other} \\(--dir\\).*--allow-read=${other}`),
    );
    assert.ok(!existsSync(join(root, "data")), "no directory was made");
  });
});

Deno.test("new and squash under the migrate task point to their own tasks", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    assertRefusedFor(
      await task(["new", "add email"], root),
      /may not write the migrations directory .*\(--dir\).*Run it with `deno task new "description"`/,
    );
    assertRefusedFor(
      await task(["squash", "--to", "2"], root),
      /may not write the migrations directory .*Run it with `deno task squash`, which may/,
    );
    assert.equal([...Deno.readDirSync(join(root, "migrations"))].length, 2, "no file was written");
    const squashed = await task(["squash", "--to", "2"], root, "squash");
    assert.equal(squashed.code, 0, squashed.stderr);
    const created = await task(["new", "add email"], root, "new");
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /003_add_email\.ts/, "numbered after the baseline");
  });
});

Deno.test("dump --out outside the task's scope is refused naming --out", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    assert.equal((await task([], root)).code, 0);
    assertRefusedFor(await task(["dump", "--out", "docs/schema.sql"], root), /the schema file .* \(--out\)/);
    assertRefusedFor(await task(["--dump", "docs/schema.sql"], root), /the schema file .* \(--dump\)/);
    assertRefusedFor(
      await task(["--backup-dir", "backups"], root),
      /the backup directory .*\(--backup-dir\)/,
    );
  });
});

Deno.test("a libSQL URL under the migrate task points to migrate:remote", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    assertRefusedFor(
      await task(["status", "--db", "libsql://db.example.com"], root),
      /may not connect to db\.example\.com, the libSQL server of --db.*`deno task migrate:remote`/,
    );
  });
});

Deno.test("a migration refused a permission names Deno's flag, not an unexpected error", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    await Deno.writeTextFile(
      join(root, "migrations", "003_read_a_file.ts"),
      `export default { up: () => { Deno.readTextFileSync("${join(dir, "secret.txt")}"); } };\n`,
    );
    const run = await task([], root);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Migration 3 .*Requires read access to/);
    assert.match(run.stderr, /Deno refused this run a permission its flags do not give/);
    assert.doesNotMatch(run.stderr, /unexpected error/);
  });
});

Deno.test("a run that may not read DATABASE_URL is refused rather than migrating the default database", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const run = await task(["status"], root, "new");
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: This run may not read the environment variable DATABASE_URL: add --allow-env=DATABASE_URL .* or give --db\./,
    );
    assert.doesNotMatch(run.stderr, /unexpected error/);
  });
});
