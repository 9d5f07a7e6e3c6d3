/**
 * What a run means on a real libSQL server (sqld), from the command line and from an app: processes
 * on a primary and on its replica migrating at once, a failure sent through the replica, a client
 * killed mid-run, auth tokens, the write lock and its busy timeout, and the transaction the adapter
 * keeps exact whatever its statements do. Each test has servers of its own (`tests/support/sqld.ts`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import {
  InvalidInputError,
  type Migration,
  MigrationError,
  MigrationManager,
  openDatabase,
  SqliteError,
} from "../../mod.ts";
import { LibsqlClientEngine } from "../../src/engines/libsql_client.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import {
  sqldBinary,
  type SqldPair,
  startAuthPrimary,
  startPair,
  stopServer,
  withClient,
} from "../support/sqld.ts";
import {
  recordingMigrations,
  repoPath,
  runCli,
  waitForFile,
  widenedTaskFlags,
  withTempDir,
  writeFiles,
} from "../support/util.ts";

const sqld = sqldBinary();

/** A test that needs sqld, reported as ignored without it. */
function remoteTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: sqld === null, fn });
}

/** Runs `fn` with a new primary and replica, stopped afterwards. */
async function withPair<T>(fn: (pair: SqldPair) => Promise<T>): Promise<T> {
  const pair = await startPair(sqld!);
  try {
    return await fn(pair);
  } finally {
    stopServer(pair.replica);
    stopServer(pair.primary);
  }
}

/** Rows of `sql` on the primary, read after the fact. */
function readPrimary(pair: SqldPair, sql: string): Promise<Record<string, unknown>[]> {
  return withClient(
    pair.primary.http,
    async (client) => (await client.execute(sql)).rows.map((row) => ({ ...row })),
  );
}

/** The `version` column of `table` on the primary, in order. */
async function versionsIn(pair: SqldPair, table: string): Promise<number[]> {
  return (await readPrimary(pair, `SELECT version FROM ${table} ORDER BY version`)).map((row) =>
    Number(row.version)
  );
}

/** Runs the CLI as the `migrate:remote` task does. */
function migrateRemote(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { task: "migrate:remote", env });
}

remoteTest(
  "six processes on a primary and its replica migrating at once apply every migration exactly once",
  async () => {
    await withTempDir(async (dir) => {
      const migrations = await writeFiles(join(dir, "migrations"), recordingMigrations(12));
      await withPair(async (pair) => {
        const urls = [
          pair.primary.http,
          pair.primary.ws,
          pair.primary.http,
          pair.replica.http,
          pair.replica.ws,
          pair.replica.http,
        ];
        const runs = await Promise.all(
          urls.map((url) => migrateRemote(["--db", url, "--dir", migrations, "--json"])),
        );
        for (const run of runs) assert.equal(run.code, 0, run.stderr);
        const applied = runs.flatMap((run) =>
          (JSON.parse(run.stdout).steps as { version: number }[]).map((step) => step.version)
        ).sort((a, b) => a - b);
        assert.deepEqual(applied, Array.from({ length: 12 }, (_, i) => i + 1));
        const counts = await readPrimary(
          pair,
          "SELECT version, count(*) AS n FROM runs GROUP BY version ORDER BY version",
        );
        assert.deepEqual(
          counts.map((row) => [Number(row.version), Number(row.n)]),
          Array.from({ length: 12 }, (_, i) => [i + 1, 1]),
        );
        assert.equal(
          Number((await readPrimary(pair, "SELECT count(*) AS n FROM strata_migrations"))[0].n),
          12,
        );
      });
    });
  },
);

remoteTest(
  "a migration that fails through the replica leaves nothing of it on the primary and keeps the ones before it",
  async () => {
    await withTempDir(async (dir) => {
      const migrations = await writeFiles(join(dir, "migrations"), {
        ...recordingMigrations(2),
        "003_orders.sql":
          "-- migrate:up\nCREATE TABLE orders (id INTEGER PRIMARY KEY);\nINSERT INTO runs VALUES (3);\nINSERT INTO missing VALUES (1);\n",
      });
      await withPair(async (pair) => {
        const run = await migrateRemote(["--db", pair.replica.http, "--dir", migrations]);
        assert.equal(run.code, 1);
        assert.match(
          run.stderr,
          /Migration 3 \("orders"\) failed in .*003_orders\.sql: no such table: missing\. /,
        );
        assert.doesNotMatch(run.stderr, /PROXY_ERROR|SQLite error|SQLITE_/);
        assert.deepEqual(
          await versionsIn(pair, "strata_migrations"),
          [1, 2],
        );
        assert.deepEqual(
          await versionsIn(pair, "runs"),
          [1, 2],
        );
        assert.deepEqual(await readPrimary(pair, "SELECT name FROM sqlite_schema WHERE name = 'orders'"), []);
      });
    });
  },
);

remoteTest(
  "a client killed with SIGKILL mid-migration leaves the previous version, and the next run applies the migration whole",
  async () => {
    await withTempDir(async (dir) => {
      const marker = join(dir, "started");
      const hold = join(dir, "hold");
      await Deno.writeTextFile(hold, "");
      // Waits while `hold` exists: the killed run waits, the next one does not.
      const migrations = await writeFiles(join(dir, "migrations"), {
        ...recordingMigrations(1),
        "002_slow.ts": `export default {
        async up(db) {
          await db.exec("CREATE TABLE slow (id INTEGER PRIMARY KEY); INSERT INTO runs VALUES (2)");
          await Deno.writeTextFile(${JSON.stringify(marker)}, "started");
          while (await Deno.stat(${JSON.stringify(hold)}).then(() => true, () => false)) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
      };`,
      });
      await withPair(async (pair) => {
        const first = await migrateRemote(["--db", pair.primary.http, "--dir", migrations, "--to", "1"]);
        assert.equal(first.code, 0, first.stderr);
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--quiet",
            ...widenedTaskFlags("migrate:remote"),
            repoPath("src/cli/main.ts"),
            "--db",
            pair.primary.http,
            "--dir",
            migrations,
          ],
          env: { NO_COLOR: "1" },
          stdout: "null",
          stderr: "null",
        }).spawn();
        await waitForFile(marker);
        child.kill("SIGKILL");
        assert.equal((await child.status).signal, "SIGKILL");
        await Deno.remove(hold);
        assert.deepEqual(
          await versionsIn(pair, "strata_migrations"),
          [1],
        );
        assert.deepEqual(await versionsIn(pair, "runs"), [
          1,
        ]);

        // The server keeps the dead client's transaction until it drops its stream: the next run waits for it.
        const again = await migrateRemote(["--db", pair.primary.http, "--dir", migrations]);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /Applied 002 slow/);
        assert.deepEqual(
          await versionsIn(pair, "runs"),
          [1, 2],
        );
        assert.deepEqual(
          await versionsIn(pair, "strata_migrations"),
          [1, 2],
        );
      });
    });
  },
);

const notes: Migration = {
  version: 1,
  description: "create notes",
  up: (db) => db.exec("CREATE TABLE notes (body TEXT)"),
};

remoteTest("the auth token comes from authToken, else LIBSQL_AUTH_TOKEN, else TURSO_AUTH_TOKEN", async () => {
  const { server, token } = await startAuthPrimary(sqld!);
  try {
    const db = await openDatabase(server.http, { migrations: [notes], authToken: token });
    db.close();
    await withTempDir(async (dir) => {
      const migrations = await writeFiles(join(dir, "migrations"), {
        "001_create_notes.sql": "-- migrate:up\nCREATE TABLE notes (body TEXT);\n",
        "002_add_author.sql": "-- migrate:up\nALTER TABLE notes ADD COLUMN author TEXT;\n",
      });
      for (const [variable, url] of [["LIBSQL_AUTH_TOKEN", server.http], ["TURSO_AUTH_TOKEN", server.ws]]) {
        const run = await migrateRemote(["status", "--db", url, "--dir", migrations, "--json"], {
          [variable]: token,
        });
        assert.equal(run.code, 0, `${variable}: ${run.stderr}`);
        assert.equal(JSON.parse(run.stdout).currentVersion, 1, variable);
      }
      const applied = await migrateRemote(["--db", server.http, "--dir", migrations], {
        LIBSQL_AUTH_TOKEN: token,
      });
      assert.equal(applied.code, 0, applied.stderr);
    });
    const columns = await withClient(
      server.http,
      (client) => client.execute("SELECT name FROM pragma_table_info('notes')"),
      token,
    );
    assert.deepEqual(columns.rows.map((row) => row.name), ["body", "author"]);
  } finally {
    stopServer(server);
  }
});

remoteTest(
  "a wrong or missing auth token is refused with a message that says so and never shows the token",
  async () => {
    const { server, token } = await startAuthPrimary(sqld!);
    const wrong = `${token.slice(0, -6)}AAAAAA`;
    try {
      await withTempDir(async (dir) => {
        const migrations = await writeFiles(join(dir, "migrations"), {
          "001_create_notes.sql": "-- migrate:up\nCREATE TABLE notes (body TEXT);\n",
        });
        const refused = await migrateRemote(["--db", server.http, "--dir", migrations], {
          LIBSQL_AUTH_TOKEN: wrong,
        });
        assert.equal(refused.code, EXIT.error, refused.stderr);
        assert.match(
          refused.stderr,
          /The libSQL server refused the auth token from LIBSQL_AUTH_TOKEN \(HTTP 401\)/,
        );
        assert.ok(
          !refused.stderr.includes(wrong.slice(20)) && !refused.stdout.includes(wrong.slice(20)),
          refused.stderr,
        );
        const missing = await migrateRemote(["--db", server.http, "--dir", migrations]);
        assert.equal(missing.code, EXIT.error, missing.stderr);
        assert.match(
          missing.stderr,
          /requires an auth token and none was given. Set LIBSQL_AUTH_TOKEN or TURSO_AUTH_TOKEN/,
        );
      });
      const error = await openDatabase(server.ws, { migrations: [notes], authToken: wrong }).then(
        () => null,
        (caught) => caught,
      );
      assert.ok(error instanceof InvalidInputError, String(error));
      assert.equal(error.input, "authToken");
      assert.match(error.message, /refused the auth token from authToken \(The JWT is invalid\)/);
      assert.ok(!error.message.includes(wrong.slice(20)));
      const tables = await withClient(
        server.http,
        (client) => client.execute("SELECT name FROM sqlite_schema"),
        token,
      );
      assert.deepEqual(tables.rows, [], "nothing was written");
    } finally {
      stopServer(server);
    }
  },
);

/** A table of one column, on the primary, and a trigger that ends the transaction on a 0. */
const ENDING_TABLE = `CREATE TABLE t (a INTEGER UNIQUE);
  CREATE TRIGGER t_ends BEFORE INSERT ON t WHEN new.a = 0 BEGIN SELECT RAISE(ROLLBACK, 'zero ends it'); END;`;

for (const side of ["primary", "replica"] as const) {
  for (const protocol of ["http", "ws"] as const) {
    remoteTest(
      `isOpen() is exact on a server (${protocol}, ${side}): a statement that ends the transaction ends it for good`,
      async () => {
        await withPair(async (pair) => {
          await withClient(pair.primary.http, (client) => client.executeMultiple(ENDING_TABLE));
          const client = createClient({ url: pair[side][protocol] });
          try {
            const engine = new LibsqlClientEngine(client, { busyTimeoutMs: 5000 });
            const kept = await engine.beginWrite();
            await kept.run("INSERT INTO t VALUES (1)", []);
            await assert.rejects(kept.run("INSERT INTO t VALUES (1)", []), /UNIQUE constraint failed: t\.a/);
            assert.equal(await kept.isOpen(), true, "a failed statement alone leaves it open");
            await kept.commit();
            for (const ending of ["INSERT INTO t VALUES (0)", "INSERT OR ROLLBACK INTO t VALUES (1)"]) {
              const tx = await engine.beginWrite();
              await tx.run("INSERT INTO t VALUES (2)", []);
              await assert.rejects(tx.run(ending, []), SqliteError);
              assert.equal(await tx.isOpen(), false, ending);
              await assert.rejects(
                tx.run("INSERT INTO t VALUES (3)", []),
                /The transaction has ended \(a statement ended it/,
              );
              await tx.rollback();
            }
          } finally {
            client.close();
          }
          assert.deepEqual(
            (await readPrimary(pair, "SELECT a FROM t ORDER BY a")).map((row) => Number(row.a)),
            [1],
          );
        });
      },
    );
  }
}

remoteTest(
  "a statement queued with defer() that fails rolls the transaction back, and the call it rode with says so",
  async () => {
    await withPair(async (pair) => {
      const client = createClient({ url: pair.primary.http });
      try {
        const engine = new LibsqlClientEngine(client, { busyTimeoutMs: 5000 });
        for (const next of ["exec", "query"] as const) {
          const tx = await engine.beginWrite();
          await tx.exec("CREATE TABLE kept (a)");
          tx.defer!("INSERT INTO missing VALUES (?)", [1]);
          const call = next === "exec" ? tx.exec("CREATE TABLE after (a)") : tx.query("SELECT 1 AS one", []);
          await assert.rejects(
            call,
            /An earlier statement of this transaction failed \(no such table: missing\); the transaction was rolled back/,
          );
          assert.equal(await tx.isOpen(), false);
          await tx.rollback();
        }
        // A script that fails after its queued statements ran is the script's failure alone.
        const tx = await engine.beginWrite();
        tx.defer!("CREATE TABLE queued (a)", []);
        await assert.rejects(
          tx.exec("CREATE TABLE own (a); INSERT INTO missing VALUES (1)"),
          /^SqliteError: no such table: missing$/m,
        );
        assert.equal(await tx.isOpen(), true);
        await tx.commit();
      } finally {
        client.close();
      }
      const tables = await readPrimary(pair, "SELECT name FROM sqlite_schema ORDER BY name");
      assert.deepEqual(tables.map((row) => row.name), ["own", "queued"]);
    });
  },
);

remoteTest(
  "beginWrite() on a server waits for another connection's write lock, and gives up after the busy timeout",
  async () => {
    await withPair(async (pair) => {
      const holder = createClient({ url: pair.primary.http });
      const waiter = createClient({ url: pair.replica.ws });
      try {
        await withClient(pair.primary.http, (client) => client.execute("CREATE TABLE t (a)"));
        const held = await new LibsqlClientEngine(holder, { busyTimeoutMs: 1000 }).beginWrite();
        await held.run("INSERT INTO t VALUES (1)", []);
        const started = performance.now();
        const error = await new LibsqlClientEngine(waiter, { busyTimeoutMs: 300 }).beginWrite().then(
          () => null,
          (caught) => caught,
        );
        assert.ok(error instanceof SqliteError, String(error));
        assert.equal(error.code, "SQLITE_BUSY");
        assert.match(error.message, /did not grant the write lock within 300 ms/);
        assert.ok(performance.now() - started >= 290, "it waited for the busy timeout");
        setTimeout(() => held.commit(), 300);
        const tx = await new LibsqlClientEngine(waiter, { busyTimeoutMs: 4000 }).beginWrite();
        assert.deepEqual(await tx.query("SELECT a FROM t", []), [{ a: 1 }]);
        await tx.rollback();
      } finally {
        holder.close();
        waiter.close();
      }
    });
  },
);

remoteTest(
  "on a server PRAGMA busy_timeout reads the server's value, and setting it sets how long beginWrite() waits",
  async () => {
    await withPair(async (pair) => {
      const holder = createClient({ url: pair.primary.http });
      const client = createClient({ url: pair.primary.http });
      try {
        const engine = new LibsqlClientEngine(client);
        const [row] = await engine.query("PRAGMA busy_timeout", []);
        // sqld refuses the statement: the adapter keeps the value for beginWrite() instead.
        await engine.exec("PRAGMA busy_timeout = 250");
        assert.deepEqual(await engine.query("PRAGMA busy_timeout", []), [row], "still the server's own");
        const held = await new LibsqlClientEngine(holder, { busyTimeoutMs: 1000 }).beginWrite();
        try {
          await assert.rejects(engine.beginWrite(), /did not grant the write lock within 250 ms/);
        } finally {
          await held.rollback();
        }
      } finally {
        holder.close();
        client.close();
      }
    });
  },
);

remoteTest(
  "a run that keeps the write lock past the server's limit while another waits is rolled back whole, saying why",
  async () => {
    await withPair(async (pair) => {
      const slowClient = createClient({ url: pair.primary.http });
      const otherClient = createClient({ url: pair.primary.ws });
      try {
        let waiting: Promise<unknown> = Promise.resolve();
        const slow: Migration = {
          version: 2,
          description: "slow",
          up: async (db) => {
            await db.exec("CREATE TABLE slow (a)");
            waiting = new LibsqlClientEngine(otherClient, { busyTimeoutMs: 20_000 }).beginWrite().then((tx) =>
              tx.rollback()
            );
            // sqld hands the lock to a waiter once its holder has kept it 5 s.
            await new Promise((resolve) => setTimeout(resolve, 6_500));
            await db.exec("INSERT INTO slow VALUES (1)");
          },
        };
        const manager = new MigrationManager(slowClient).registerMigrations([notes, slow]);
        const error = await manager.migrate().then(() => null, (caught) => caught);
        await waiting;
        assert.ok(error instanceof MigrationError, String(error));
        assert.match(
          error.message,
          /the server rolled it back: it kept the write lock longer than the server allows while another connection waited/,
        );
        assert.deepEqual(
          await readPrimary(pair, "SELECT name FROM sqlite_schema WHERE name IN ('notes', 'slow')"),
          [],
        );
      } finally {
        slowClient.close();
        otherClient.close();
      }
    });
  },
);

remoteTest("applying migrations over HTTP takes one round trip each, and a few for the run", async () => {
  await withPair(async (pair) => {
    const migrations: Migration[] = Array.from({ length: 30 }, (_, i) => ({
      version: i + 1,
      description: `table ${i + 1}`,
      up: (db) => db.exec(`CREATE TABLE t${i + 1} (a); INSERT INTO t${i + 1} VALUES (1)`),
    }));
    let requests = 0;
    const counting = (...args: Parameters<typeof fetch>) => {
      requests++;
      return fetch(...args);
    };
    const client = createClient({ url: pair.primary.http, fetch: counting });
    try {
      await new MigrationManager(client).registerMigrations(migrations).migrate();
    } finally {
      client.close();
    }
    assert.ok(requests <= 30 + 15, `${requests} requests for 30 migrations`);
    assert.equal(Number((await readPrimary(pair, "SELECT count(*) AS n FROM strata_migrations"))[0].n), 30);
  });
});
