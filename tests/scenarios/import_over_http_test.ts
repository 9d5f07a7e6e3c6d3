/**
 * Importing the module from a URL: the repository is served on 127.0.0.1 and a child Deno process
 * imports `mod.ts` (and runs the CLI) from there, with its own DENO_DIR and no lock file, so nothing
 * lands in the shared cache or in deno.lock.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { withStaticServer } from "../support/static_server.ts";
import { repoPath, withTempDir } from "../support/util.ts";

const ROOT = repoPath("./");

/** Serves the repository, `.ts` files as TypeScript. */
function withRepositoryServer(
  fn: (origin: string, served: Map<string, string>) => Promise<void>,
): Promise<void> {
  return withStaticServer({ typescript: "application/typescript; charset=utf-8" }, fn);
}

/** Runs `deno run --no-lock` on a script with a temporary DENO_DIR and only the given permissions. */
async function runChild(
  cwd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-lock", "--no-config", ...args],
    cwd,
    env: { DENO_DIR: join(cwd, "deno_dir"), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

function lockBytes(): Uint8Array | null {
  const lock = join(ROOT, "deno.lock");
  return existsSync(lock) ? Deno.readFileSync(lock) : null;
}

Deno.test("mod.ts imported over HTTP from 127.0.0.1 migrates an in-memory database", async () => {
  const lockBefore = lockBytes();
  await withTempDir(async (dir) => {
    await withRepositoryServer(async (origin, served) => {
      const script = join(dir, "main.ts");
      await Deno.writeTextFile(
        script,
        `import { DatabaseSync } from "node:sqlite";
import { BaseMigration, type Executor, MigrationManager } from "${origin}/mod.ts";

class AddEmail extends BaseMigration {
  version = 2;
  description = "add email";
  up(db: Executor) { return db.exec("ALTER TABLE users ADD COLUMN email TEXT"); }
}

const db = new DatabaseSync(":memory:");
const manager = new MigrationManager(db).registerMigrations([
  { version: 1, description: "create users", up: (x) => x.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)") },
  AddEmail,
]);
const result = await manager.migrate();
const columns = db.prepare("SELECT name FROM pragma_table_info('users')").all().map((r) => r.name);
console.log(JSON.stringify({ applied: result.steps.map((step) => step.version), version: await manager.getCurrentVersion(), columns }));
db.close();
`,
      );
      const host = new URL(origin).host;
      const run = await runChild(dir, [`--allow-import=${host}`, script]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { applied: [1, 2], version: 2, columns: ["id", "email"] });
      assert.equal(served.get("/mod.ts"), "application/typescript; charset=utf-8");
      assert.ok(
        [...served.keys()].some((path) => path.startsWith("/src/")),
        "src/ modules came over HTTP too",
      );
      assert.ok(existsSync(join(dir, "deno_dir")), "the child used its own DENO_DIR");
    });
  });
  assert.deepEqual(lockBytes(), lockBefore, "deno.lock is untouched");
});

Deno.test("a child without --allow-import for the server cannot import mod.ts", async () => {
  await withTempDir(async (dir) => {
    await withRepositoryServer(async (origin) => {
      const script = join(dir, "main.ts");
      await Deno.writeTextFile(script, `import "${origin}/mod.ts";\n`);
      const run = await runChild(dir, [script]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /import|permission|NotCapable/i);
    });
  });
});

Deno.test("the CLI run from a URL writes a migration importing its types from that URL, then applies it", async () => {
  await withTempDir(async (dir) => {
    await withRepositoryServer(async (origin) => {
      const host = new URL(origin).host;
      const run = await runChild(dir, [
        `--allow-import=${host}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `${origin}/src/cli/main.ts`,
        "new",
        "from a url",
        "--dir",
        join(dir, "migrations"),
      ]);
      assert.equal(run.code, 0, run.stderr);
      const text = await Deno.readTextFile(join(dir, "migrations", "001_from_a_url.ts"));
      assert.ok(text.includes(`from "${origin}/mod.ts"`), text);

      const migrate = await runChild(dir, [
        `--allow-import=${host}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `${origin}/src/cli/main.ts`,
        "--db",
        join(dir, "app.db"),
        "--dir",
        join(dir, "migrations"),
      ]);
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.match(
        migrate.stdout,
        /Applied 001 from a url .*\n {2}note: it ran no SQL.*\n.* is now at version 1/,
      );
    });
  });
});
