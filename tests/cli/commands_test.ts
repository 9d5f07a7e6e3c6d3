/**
 * The command line, run in a real process with the permissions the deno.json tasks declare.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadMigrations, MigrationManager } from "../../mod.ts";
import { type CommandContext, print } from "../../src/cli/flags.ts";
import {
  type CliRun,
  fileBytes,
  repoPath,
  runCli,
  withDatabase,
  withTempDir,
  writeFiles,
} from "../support/util.ts";

const MIGRATIONS = repoPath("migrations");
/** A duration as the CLI prints it: "12.3 ms", "1.20 s", "1 min 3 s". */
const DURATION = /\d+(\.\d+)? ?(µs|ms|s|min)/;

/** Copies the repository's migrations into `dir`. */
async function copyMigrations(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(MIGRATIONS)) {
    if (entry.isFile) await Deno.copyFile(join(MIGRATIONS, entry.name), join(dir, entry.name));
  }
  return dir;
}

function assertOk(run: CliRun): void {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

/** A refusal: non-zero exit, nothing on stdout, one paragraph on stderr matching `pattern`, no stack trace. */
function assertRefused(run: CliRun, pattern: RegExp): void {
  assert.notEqual(run.code, 0, `expected a non-zero exit\nstdout: ${run.stdout}`);
  assert.equal(run.stdout, "");
  const message = run.stderr.trim();
  assert.match(message, /^error: /);
  assert.match(message, pattern);
  assert.doesNotMatch(message, /\n\s*\n/, "one paragraph");
  assert.doesNotMatch(message, /^\s+at /m, "no stack trace");
}

Deno.test("migrate prints one line per applied migration and a summary with the new version", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    const run = await runCli(["--db", db, "--dir", MIGRATIONS]);
    assertOk(run);
    const lines = run.stdout.trim().split("\n");
    assert.equal(lines.length, 4, run.stdout);
    assert.equal(lines[0], `Created the database ${db}.`);
    assert.match(lines[1], new RegExp(`^Applied 001 initial schema .*${DURATION.source}`));
    assert.match(lines[2], new RegExp(`^Applied 002 add user preferences .*${DURATION.source}`));
    assert.match(lines[3], new RegExp(`version 2 .*2 migrations applied in ${DURATION.source}`));
    assert.ok(lines[3].includes(db), lines[3]);
    assert.equal(run.stderr, "");

    const again = await runCli(["up", "--db", db, "--dir", MIGRATIONS]);
    assertOk(again);
    assert.equal(again.stdout.trim().split("\n").length, 1);
    assert.match(again.stdout, /^Nothing to .* is at version 2\.$/m);
    assert.ok(again.stdout.includes(db));
  });
});

Deno.test("up --to N applies migrations up to N only", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    const run = await runCli(["up", "--to", "1", "--db", db, "--dir", MIGRATIONS]);
    assertOk(run);
    assert.match(run.stdout, /^Applied 001 initial schema/m);
    assert.doesNotMatch(run.stdout, /002/);
    assert.match(run.stdout, /is now at version 1 .*1 migration applied in/);
  });
});

Deno.test("up --to above the newest migration is refused, naming both versions", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assertRefused(
      await runCli(["up", "--to", "9", "--db", db, "--dir", MIGRATIONS]),
      /version 9: the newest known migration is 2/,
    );
  });
});

Deno.test("status of a database that does not exist says so and does not create it", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "missing.db");
    const run = await runCli(["status", "--db", db, "--dir", MIGRATIONS]);
    assertOk(run);
    assert.match(run.stdout, /does not exist yet/);
    assert.match(run.stdout, /Version\s+0 of 2, 2 pending/);
    assert.match(run.stdout, /Last run\s+never/);
    assert.equal(existsSync(db), false);
  });
});

Deno.test("status prints the version, last run and each migration's state, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assertOk(await runCli(["up", "--to", "1", "--db", db, "--dir", MIGRATIONS]));
    const before = fileBytes(db);
    const run = await runCli(["status", "--db", db, "--dir", MIGRATIONS]);
    assertOk(run);
    assert.match(run.stdout, /Version\s+1 of 2, 1 pending/);
    assert.match(run.stdout, /Last run\s+\d{4}-\d{2}-\d{2}T[\d:.]+Z/);
    assert.match(run.stdout, /001\s+applied\s+\d{4}-\d{2}-\d{2}T[\d:.]+Z\s+initial schema/);
    assert.match(run.stdout, /002\s+pending\s+add user preferences/);
    assert.deepEqual(fileBytes(db), before);
  });
});

Deno.test("status --json has the same fields and values as getStatus()", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assertOk(await runCli(["up", "--to", "1", "--db", db, "--dir", MIGRATIONS]));
    const run = await runCli(["status", "--json", "--db", db, "--dir", MIGRATIONS]);
    assertOk(run);
    const { database, exists, ...printed } = JSON.parse(run.stdout);
    assert.equal(database, db);
    assert.equal(exists, true);
    const expected = await withDatabase(
      db,
      async (conn) =>
        await new MigrationManager(conn).registerMigrations(await loadMigrations(MIGRATIONS)).getStatus(),
    );
    assert.deepEqual(printed, JSON.parse(JSON.stringify(expected)));
    for (const field of ["currentVersion", "latestVersion", "pendingCount", "lastRun", "migrations"]) {
      assert.ok(field in printed, field);
    }
    assert.deepEqual(Object.keys(printed.migrations[0]).sort(), Object.keys(expected.migrations[0]).sort());
  });
});

Deno.test("rollback reverts one migration by default, --steps N several, --to N down to a version", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    const args = ["--db", db, "--dir", MIGRATIONS];
    assertOk(await runCli(args));
    const one = await runCli(["rollback", ...args]);
    assertOk(one);
    assert.match(one.stdout, /^Rolled back 002 add user preferences \(/m);
    assert.match(one.stdout, /is now at version 1 .*1 migration rolled back in/);

    assertOk(await runCli(args));
    const two = await runCli(["rollback", "--steps", "2", ...args]);
    assertOk(two);
    assert.deepEqual(two.stdout.trim().split("\n").slice(0, 2).map((l) => l.slice(0, 15)), [
      "Rolled back 002",
      "Rolled back 001",
    ]);
    assert.match(two.stdout, /is now at version 0 .*2 migrations rolled back in/);

    assertOk(await runCli(args));
    const to = await runCli(["rollback", "--to", "1", ...args]);
    assertOk(to);
    assert.match(to.stdout, /is now at version 1 /);
    const nothing = await runCli(["rollback", "--to", "1", ...args]);
    assertOk(nothing);
    assert.match(nothing.stdout, /^Nothing to roll ?back: .* is at version 1\./);
  });
});

Deno.test("rollback of a database that does not exist is refused and creates nothing", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "missing.db");
    assertRefused(await runCli(["rollback", "--db", db, "--dir", MIGRATIONS]), /no database at/);
    assert.equal(existsSync(db), false);
  });
});

Deno.test("rollback of a migration without down() is refused and leaves the file unchanged", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_one_way.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
    });
    const db = join(dir, "app.db");
    assertOk(await runCli(["--db", db, "--dir", migrations]));
    const before = fileBytes(db);
    assertRefused(await runCli(["rollback", "--db", db, "--dir", migrations]), /"one way"\) has no down\(\)/);
    assert.deepEqual(fileBytes(db), before);
  });
});

Deno.test("DATABASE_URL is used when --db is not given, and --db wins over it", async () => {
  await withTempDir(async (dir) => {
    const fromEnv = join(dir, "env.db");
    const run = await runCli(["--dir", MIGRATIONS], { env: { DATABASE_URL: fromEnv } });
    assertOk(run);
    assert.ok(run.stdout.includes(`${fromEnv} is now at version 2`), run.stdout);
    assert.equal(existsSync(fromEnv), true);

    const sqliteUrl = join(dir, "url.db");
    assertOk(await runCli(["--dir", MIGRATIONS], { env: { DATABASE_URL: `sqlite:${sqliteUrl}` } }));
    assert.equal(existsSync(sqliteUrl), true);

    const flag = join(dir, "flag.db");
    assertOk(
      await runCli(["--db", flag, "--dir", MIGRATIONS], { env: { DATABASE_URL: join(dir, "unused.db") } }),
    );
    assert.equal(existsSync(flag), true);
    assert.equal(existsSync(join(dir, "unused.db")), false);

    const status = await runCli(["status", "--json", "--dir", MIGRATIONS], {
      env: { DATABASE_URL: fromEnv },
    });
    assertOk(status);
    assert.equal(JSON.parse(status.stdout).currentVersion, 2);
  });
});

Deno.test({
  name: "without --db or DATABASE_URL the database is data/app.db and migrations ./migrations under the cwd",
  ignore: Deno.env.has("DATABASE_URL"),
  fn: async () => {
    await withTempDir(async (dir) => {
      await copyMigrations(join(dir, "migrations"));
      const run = await runCli([], { cwd: dir });
      assertOk(run);
      assert.equal(existsSync(join(dir, "data", "app.db")), true);
      assert.match(run.stdout, /is now at version 2/);
    });
  },
});

Deno.test("a failing migration exits non-zero with its version and cause, and --verbose adds its causes", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_ok.sql": "-- migrate:up\nCREATE TABLE a (x);\n",
      "002_broken.sql": "-- migrate:up\nINSERT INTO missing VALUES (1);\n",
    });
    const db = join(dir, "app.db");
    const run = await runCli(["--db", db, "--dir", migrations]);
    assertRefused(run, /Migration 2 \("broken"\) failed .*no such table: missing/);
    const verbose = await runCli(["--db", db, "--dir", migrations, "--verbose"]);
    assert.notEqual(verbose.code, 0);
    assert.match(verbose.stderr, /caused by: .*no such table: missing/);
    const status = await runCli(["status", "--json", "--db", db, "--dir", migrations]);
    assert.equal(JSON.parse(status.stdout).currentVersion, 1);
  });
});

Deno.test("a failing run lists the migrations it kept before the failure; a run that kept none lists none", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_a.sql": "-- migrate:up\nCREATE TABLE a (x);\n-- migrate:down\nDROP TABLE a;\n",
      "002_b.sql": "-- migrate:up\nCREATE TABLE b (x);\n-- migrate:down\nDROP TABLE b;\n",
      "003_broken.sql": "-- migrate:up\nINSERT INTO missing VALUES (1);\n",
    });
    const db = join(dir, "app.db");
    const first = await runCli(["--db", db, "--dir", migrations]);
    assertRefused(first, /Migration 3 \("broken"\) failed/);
    assert.match(first.stderr, /\(kept from this run: migrations 1, 2, applied before the failure\)/);
    const again = await runCli(["--db", db, "--dir", migrations]);
    assertRefused(again, /Migration 3 \("broken"\) failed/);
    assert.doesNotMatch(again.stderr, /kept from this run/);
  });
});

Deno.test("a database newer than the migrations is refused by up and rollback; status still reports it", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    assertOk(await runCli(["--db", db, "--dir", MIGRATIONS]));
    const older = await copyMigrations(join(dir, "older"));
    await Deno.remove(join(older, "002_add_user_preferences.sql"));
    const before = fileBytes(db);
    assertRefused(
      await runCli(["--db", db, "--dir", older]),
      /version 2, but the newest known migration is 1/,
    );
    assertRefused(await runCli(["rollback", "--db", db, "--dir", older]), /newest known migration is 1/);
    const status = await runCli(["status", "--db", db, "--dir", older]);
    assertOk(status);
    assert.match(status.stdout, /Version\s+2 of 1, newer than the newest known migration \(1\)/);
    assert.match(status.stdout, /002\s+missing/);
    assert.deepEqual(fileBytes(db), before);
  });
});

for (
  const [args, pattern] of [
    [["rollback", "--steps", "0"], /--steps must be a whole number of 1 or more; got "0"/],
    [["rollback", "--steps", "-1"], /--steps/],
    [["rollback", "--steps", "x"], /--steps must be a whole number of 1 or more; got "x"/],
    [["rollback", "--steps", "1.5"], /--steps must be a whole number/],
    [["rollback", "--steps"], /--steps needs a value/],
    [["rollback", "--to", "x"], /--to must be a whole number of 0 or more; got "x"/],
    [["rollback", "--steps", "1", "--to", "0"], /either --steps or --to/],
    [["up", "--to", "two"], /--to must be a whole number/],
    [["up", "--bogus"], /unknown flag --bogus/],
    [["status", "--steps", "1"], /--steps does not apply to "status"/],
    [["status", "--json=yes"], /--json takes no value/],
    [["frobnicate"], /Unknown command "frobnicate"/],
    [["status", "extra"], /Unexpected argument "extra"/],
    [["up", "--busy-timeout", "soon"], /--busy-timeout must be a whole number/],
  ] as const
) {
  Deno.test(`"${args.join(" ")}" exits non-zero with a one-paragraph message and no stack trace`, async () => {
    await withTempDir(async (dir) => {
      const db = join(dir, "app.db");
      assertOk(await runCli(["--db", db, "--dir", MIGRATIONS]));
      const before = fileBytes(db);
      assertRefused(await runCli([...args, "--db", db, "--dir", MIGRATIONS]), pattern);
      assert.deepEqual(fileBytes(db), before);
    });
  });
}

Deno.test("--db with an unsupported URL scheme is refused, naming it", async () => {
  assertRefused(
    await runCli(["status", "--db", "postgres://localhost/app", "--dir", MIGRATIONS]),
    /postgres: scheme is not supported/,
  );
});

Deno.test("a missing migrations directory is refused, naming it", async () => {
  await withTempDir(async (dir) => {
    assertRefused(
      await runCli(["--db", join(dir, "app.db"), "--dir", join(dir, "nope")]),
      /migrations directory .*nope: it does not exist/,
    );
  });
});

Deno.test("--help prints the commands, and <command> --help its flags", async () => {
  const help = await runCli(["--help"]);
  assertOk(help);
  assert.match(help.stdout, /Usage: deno task migrate \[command\] \[flags\]/);
  for (const command of ["up", "status", "rollback", "new"]) {
    assert.match(help.stdout, new RegExp(`^  ${command}\\b`, "m"));
  }
  assert.equal(help.stderr, "");

  const rollback = await runCli(["rollback", "--help"]);
  assertOk(rollback);
  assert.match(rollback.stdout, /Usage: .*rollback/);
  for (const flag of ["--steps N", "--to N", "--db PATH", "--dir DIR"]) {
    assert.ok(rollback.stdout.includes(flag), flag);
  }

  assertOk(await runCli(["help"]));
  assert.match(help.stdout, /^ {7}deno task squash --to N \[flags\]$/m);
  const squash = await runCli(["squash", "--help"]);
  assert.match(squash.stdout, /^Usage: deno task squash --to N/, "squash runs through its own task");
});

Deno.test("new, with the new task's permissions, writes the next numbered .ts file", async () => {
  await withTempDir(async (dir) => {
    const migrations = await copyMigrations(join(dir, "migrations"));
    const run = await runCli(["new", "Add index on users", "--dir", migrations], { task: "new" });
    assertOk(run);
    const path = join(migrations, "003_add_index_on_users.ts");
    assert.ok(run.stdout.includes(`Created ${path} (version 003)`), run.stdout);
    assert.match(await Deno.readTextFile(path), /satisfies MigrationModule/);

    const sql = await runCli(["new", "seed data", "--sql", "--dir", migrations], { task: "new" });
    assertOk(sql);
    assert.equal(existsSync(join(migrations, "004_seed_data.sql")), true);
    assert.match(
      await Deno.readTextFile(join(migrations, "004_seed_data.sql")),
      /-- migrate:up[\s\S]*-- migrate:down/,
    );

    // The new files are valid migrations: applying all four works.
    assertOk(await runCli(["--db", join(dir, "app.db"), "--dir", migrations]));
  });
});

Deno.test("new uses ./migrations under the cwd by default", async () => {
  await withTempDir(async (dir) => {
    await copyMigrations(join(dir, "migrations"));
    assertOk(await runCli(["new", "third"], { task: "new", cwd: dir }));
    assert.equal(existsSync(join(dir, "migrations", "003_third.ts")), true);
  });
});

Deno.test("new refuses a missing, empty or symbol-only description and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const migrations = await copyMigrations(join(dir, "migrations"));
    assertRefused(await runCli(["new", "--dir", migrations], { task: "new" }), /Give a description/);
    assertRefused(await runCli(["new", "", "--dir", migrations], { task: "new" }), /no letters or digits/);
    assertRefused(
      await runCli(["new", "?!", "--dir", migrations], { task: "new" }),
      /"\?!" has no letters or digits/,
    );
    assertRefused(await runCli(["new", "x", "--db", "a.db", "--dir", migrations], { task: "new" }), /--db/);
    const names = [];
    for await (const entry of Deno.readDir(migrations)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["001_initial_schema.ts", "002_add_user_preferences.sql"]);
  });
});

Deno.test("new never writes outside the migrations directory", async () => {
  await withTempDir(async (dir) => {
    const migrations = join(dir, "a", "migrations");
    assertOk(await runCli(["new", "../../escape", "--dir", migrations], { task: "new" }));
    assert.equal(existsSync(join(migrations, "001_escape.ts")), true);
    const top = [];
    for await (const entry of Deno.readDir(dir)) top.push(entry.name);
    assert.deepEqual(top, ["a"]);
  });
});

Deno.test("migrate run by three processes at once applies each migration exactly once", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), {
      "001_slow.sql": `-- migrate:up
CREATE TABLE runs (n INTEGER);
INSERT INTO runs WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
  SELECT count(*) FROM c;
`,
      "002_count.sql": "-- migrate:up\nINSERT INTO runs VALUES (2);\n",
    });
    const db = join(dir, "app.db");
    const runs = await Promise.all([1, 2, 3].map(() => runCli(["--db", db, "--dir", migrations])));
    for (const run of runs) assertOk(run);
    assert.equal(runs.filter((run) => run.stdout.includes("Applied 001")).length, 1);
    await withDatabase(db, (conn) => {
      assert.deepEqual(conn.prepare("SELECT n FROM runs ORDER BY rowid").all().map((r) => r.n), [200000, 2]);
    });
  });
});

Deno.test("print() writes text given as lines in batches, every line once and in order", () => {
  for (const count of [0, 1, 255, 256, 257, 600]) {
    const written: string[] = [];
    const lines = Array.from({ length: count }, (_, i) => `line ${i}`);
    const c: CommandContext = {
      flags: {},
      positionals: [],
      env: () => undefined,
      io: { out: (text) => written.push(text), err: () => {}, color: false },
    };
    print(c, {}, () => lines);
    assert.deepEqual(written.join("\n").split("\n").filter(Boolean), lines, `${count} lines`);
    assert.ok(
      written.every((text) => text.split("\n").length <= 256),
      `${count} lines: batches of at most 256`,
    );
  }
});
