import assert from "node:assert/strict";
import { join } from "node:path";
import { isRemoteTarget, openEngine } from "../../src/core/open_database.ts";
import { type Executor, MigrationManager, openDatabase } from "../../mod.ts";
import { repoPath, withTempDir } from "../support/util.ts";

Deno.test("importing mod.ts loads no engine package: libSQL is imported only when a target needs it", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", repoPath("mod.ts")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { kind?: string; specifier: string }[];
  };
  assert.ok(
    graph.modules.some((m) => m.specifier.endsWith("/src/core/manager.ts")),
    "deno info read mod.ts's graph",
  );
  assert.deepEqual(graph.modules.filter((m) => m.kind === "npm").map((m) => m.specifier), []);
});

Deno.test("isRemoteTarget() sends libsql:, http(s): and ws(s): URLs to libSQL and the rest to a file", () => {
  for (
    const target of [
      "libsql://db.example.com",
      "https://db.example.com",
      "HTTP://127.0.0.1:8080",
      "wss://x",
      "ws://x",
    ]
  ) {
    assert.equal(isRemoteTarget(target), true, target);
  }
  for (
    const target of ["app.db", "/tmp/app.db", "file:///tmp/app.db", "sqlite:app.db", ":memory:", "C:\\app.db"]
  ) {
    assert.equal(isRemoteTarget(target), false, target);
  }
});

Deno.test("openEngine() opens a path with node:sqlite and closes it", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "app.db");
    const { engine, close, path } = await openEngine(target, { busyTimeoutMs: 1000 });
    try {
      assert.equal(engine.name, "node:sqlite");
      assert.equal(path, target);
      const manager = new MigrationManager(engine).registerMigrations([
        { version: 1, description: "create notes", up: (db) => db.exec("CREATE TABLE notes (body TEXT)") },
      ]);
      assert.deepEqual((await manager.migrate()).steps.map((step) => step.version), [1]);
      assert.deepEqual(await engine.query("PRAGMA busy_timeout", []), [{ timeout: 1000 }]);
    } finally {
      await close();
    }
    await assert.rejects(() => engine.query("SELECT 1", []), "closed by close()");
  });
});

Deno.test("openEngine() opens a remote URL with the libSQL client and names it without credentials", async () => {
  const { engine, close, path } = await openEngine("http://user:secret@127.0.0.1:9/db?authToken=secret", {
    authToken: "token",
  });
  try {
    assert.equal(engine.name, "libSQL (http)");
    assert.equal(path, "http://127.0.0.1:9/db");
  } finally {
    await close();
  }
});

Deno.test("openEngine() reaches a remote libSQL server with --allow-net alone: no native engine is loaded", async () => {
  await withTempDir(async (dir) => {
    const script = join(dir, "remote.ts");
    await Deno.writeTextFile(
      script,
      `import { openEngine } from ${
        JSON.stringify(new URL("../../src/core/open_database.ts", import.meta.url).href)
      };
const { engine, close } = await openEngine("http://127.0.0.1:9");
await engine.query("SELECT 1", []).catch((error) => console.log(error.message));
await close();`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", "--allow-net=127.0.0.1", script],
      cwd: repoPath(""),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    // It got as far as the network, refused here because nothing listens on port 9.
    assert.match(new TextDecoder().decode(output.stdout), /port 9|connect|refused/i);
  });
});

Deno.test("two openDatabase() calls in one process on one file both finish, one after the other", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "app.db") as `${string}.db`;
    const migrations = [
      { version: 1, description: "create t", up: (db: Executor) => db.exec("CREATE TABLE t (x)") },
      {
        version: 2,
        description: "waits while it holds the lock",
        up: async (db: Executor) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          await db.run("INSERT INTO t VALUES (2)");
        },
      },
    ];
    // A busy timeout shorter than the test: without in-process queueing the second call's wait
    // blocks the thread, the first never finishes in time, and the second fails as busy.
    const opened = await Promise.all([
      openDatabase(path, { migrations, busyTimeoutMs: 1000 }),
      openDatabase(path, { migrations, busyTimeoutMs: 1000 }),
    ]);
    try {
      assert.equal(opened[0].prepare("SELECT count(*) AS n FROM t").get()?.n, 1);
    } finally {
      for (const db of opened) db.close();
    }
  });
});
