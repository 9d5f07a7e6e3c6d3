/**
 * The exit codes: docs/cli.md's table and the help's line are the EXIT table, and each row is what
 * the real CLI exits with in a case of its own.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { EXIT, EXIT_MEANINGS } from "../../src/cli/exit_codes.ts";
import { section } from "../support/markdown.ts";
import { POSTS_WITHOUT_DOWN_SQL, USERS_SQL } from "../support/fixtures.ts";
import {
  type CliRun,
  fileBytes,
  repoPath,
  runCli,
  waitForFile,
  widenedTaskFlags,
  withDatabase,
  withTempDir,
  writeFiles,
} from "../support/util.ts";

/** The rows of docs/cli.md's exit code table: code → meaning. */
function documentedTable(): Map<number, string> {
  const rows = new Map<number, string>();
  for (
    const [, code, meaning] of section("docs/cli.md", "## Exit codes").matchAll(
      /^\|\s*(\d+)\s*\|\s*([^|]*?)\s*\|/gm,
    )
  ) {
    rows.set(Number(code), meaning);
  }
  return rows;
}

/** What EXIT says, as code → meaning. */
function exitTable(): Map<number, string> {
  return new Map(
    (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((name) => [EXIT[name], EXIT_MEANINGS[name]]),
  );
}

Deno.test("docs/cli.md's exit code table has one row per code of EXIT, with its meaning", () => {
  assert.deepEqual(documentedTable(), exitTable());
});

Deno.test("the help's exit code line lists every code of EXIT with its meaning", async () => {
  const out: string[] = [];
  const code = await main(
    ["--help"],
    { out: (line) => out.push(line), err: () => {}, color: false },
    () => undefined,
  );
  assert.equal(code, EXIT.ok);
  const help = out.join("\n").replaceAll("\n", " ");
  const listed = [...exitTable()].map(([value, meaning]) => `${value} ${meaning}`).join(", ");
  assert.ok(help.includes(`Exit codes: ${listed}.`), help);
});

/** A project: migrations 1 (reversible) and 2 (not) in `dir`, a database at `db` with `applied` of them. */
async function project(root: string, applied: number): Promise<{ db: string; dir: string }> {
  const dir = await writeFiles(join(root, "migrations"), {
    "001_users.sql": USERS_SQL,
    "002_posts.sql": POSTS_WITHOUT_DOWN_SQL,
  });
  const db = join(root, "app.db");
  if (applied > 0) {
    const run = await runCli(["--db", db, "--dir", dir, "--to", String(applied)]);
    assert.equal(run.code, 0, run.stderr);
  }
  return { db, dir };
}

interface Row {
  /** What the case shows. */
  name: string;
  /** The code the documented row promises. */
  code: number;
  /** Prepares the project and runs the CLI. */
  run(root: string): Promise<CliRun>;
  /** What the output (stdout and stderr) says. */
  says: RegExp;
}

const ROWS: Row[] = [
  {
    name: "up applies the pending migrations",
    code: EXIT.ok,
    run: async (root) => {
      const { db, dir } = await project(root, 0);
      return await runCli(["--db", db, "--dir", dir]);
    },
    says: /is now at version 2/,
  },
  {
    name: "status --exit-code on an up-to-date database",
    code: EXIT.ok,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      return await runCli(["status", "--exit-code", "--db", db, "--dir", dir]);
    },
    says: /2 of 2, up to date/,
  },
  {
    name: "a migration fails",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      await Deno.writeTextFile(
        join(dir, "003_broken.sql"),
        "-- migrate:up\nINSERT INTO missing VALUES (1);\n",
      );
      return await runCli(["--db", db, "--dir", dir]);
    },
    says: /Migration 3 \("broken"\) failed .*no such table: missing/,
  },
  {
    name: "rollback of a migration without down() is a refusal, not a usage error",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      return await runCli(["rollback", "--db", db, "--dir", dir]);
    },
    says: /has no down\(\)/,
  },
  {
    name: "rollback of a database that does not exist",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 0);
      return await runCli(["rollback", "--db", db, "--dir", dir]);
    },
    says: /There is no database at .*app\.db to roll back/,
  },
  {
    name: "up --to above the newest migration",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 1);
      return await runCli(["--to", "9", "--db", db, "--dir", dir]);
    },
    says: /Cannot migrate to version 9: the newest known migration is 2/,
  },
  {
    name: "mark of a migration that never started",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      return await runCli(["mark", "1", "--applied", "--db", db, "--dir", dir]);
    },
    says: /Migration 1 is not marked as started/,
  },
  {
    name: "a --db in a directory that does not exist",
    code: EXIT.error,
    run: async (root) => {
      const { dir } = await project(root, 0);
      return await runCli(["--db", join(root, "nowhere", "app.db"), "--dir", dir]);
    },
    says: /The directory .*nowhere of the database .*app\.db \(--db\) does not exist/,
  },
  {
    name: "a --db that is not a database",
    code: EXIT.error,
    run: async (root) => {
      const { db, dir } = await project(root, 0);
      await Deno.writeTextFile(db, "not a database ".repeat(100));
      return await runCli(["--db", db, "--dir", dir]);
    },
    says: /is not a usable SQLite database/,
  },
  {
    name: "an unknown flag",
    code: EXIT.usage,
    run: async (root) => {
      const { db, dir } = await project(root, 0);
      return await runCli(["--dryrun", "--db", db, "--dir", dir]);
    },
    says: /unknown flag --dryrun/,
  },
  {
    name: "a --busy-timeout beyond what SQLite takes",
    code: EXIT.usage,
    run: async (root) => {
      const { db, dir } = await project(root, 1);
      return await runCli(["status", "--busy-timeout", "2147483648", "--db", db, "--dir", dir]);
    },
    says: /--busy-timeout must be a whole number from 0 to 2147483647; got "2147483648"/,
  },
  {
    name: "a --table that is not a name",
    code: EXIT.usage,
    run: async (root) => {
      const { db, dir } = await project(root, 1);
      return await runCli(["status", "--table", "my table", "--db", db, "--dir", dir]);
    },
    says: /The history table name "my table" \(--table\) must be letters/,
  },
  {
    name: "a --db URL of a scheme strata does not know",
    code: EXIT.usage,
    run: async (root) => {
      const { dir } = await project(root, 0);
      return await runCli(["status", "--db", "postgres://localhost/app", "--dir", dir]);
    },
    says: /the postgres: scheme is not supported/,
  },
  {
    name: "status --exit-code with a migration pending",
    code: EXIT.pending,
    run: async (root) => {
      const { db, dir } = await project(root, 1);
      return await runCli(["status", "--exit-code", "--db", db, "--dir", dir]);
    },
    says: /1 of 2, 1 pending/,
  },
  {
    name: "check finds the schema is not what the migrations produce",
    code: EXIT.drift,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      await withDatabase(db, (conn) => conn.exec("ALTER TABLE users ADD COLUMN email TEXT"));
      return await runCli(["check", "--db", db, "--dir", dir]);
    },
    says: /differs from what migrations up to 2 produce/,
  },
  {
    name: "verify finds a migration whose down cannot undo it",
    code: EXIT.drift,
    run: async (root) => {
      const { dir } = await project(root, 0);
      return await runCli(["verify", "--dir", dir]);
    },
    says: /Migration 2 \("posts"\): it has no down, so it cannot be rolled back/,
  },
  {
    name: "validate finds an applied migration edited since it ran",
    code: EXIT.validation,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      await Deno.writeTextFile(join(dir, "001_users.sql"), USERS_SQL.replace("id INTEGER", "id TEXT"));
      return await runCli(["validate", "--db", db, "--dir", dir]);
    },
    says: /edited since they ran: 1 \(001_users\.sql\)/,
  },
  {
    name: "up refuses an applied migration whose file was deleted",
    code: EXIT.validation,
    run: async (root) => {
      const { db, dir } = await project(root, 2);
      await Deno.writeTextFile(join(dir, "003_tags.sql"), POSTS_WITHOUT_DOWN_SQL.replace("posts", "tags"));
      await Deno.remove(join(dir, "002_posts.sql"));
      return await runCli(["--db", db, "--dir", dir]);
    },
    says: /Applied migration 2 \(002_posts\.sql\) is missing from the migrations directory.*Restore it/,
  },
  {
    name: "up interrupted by SIGINT rolls the run back",
    code: EXIT.sigint,
    run: (root) => interruptedRun(root, "SIGINT"),
    says: /The run was interrupted \(SIGINT\) during migration 3 \("waits"\) and rolled back/,
  },
  {
    name: "up interrupted by SIGTERM rolls the run back",
    code: EXIT.sigterm,
    run: (root) => interruptedRun(root, "SIGTERM"),
    says: /The run was interrupted \(SIGTERM\) during migration 3 \("waits"\) and rolled back/,
  },
];

/** Runs `up` in a child process and sends it `signal` while its third migration waits. */
async function interruptedRun(root: string, signal: "SIGINT" | "SIGTERM"): Promise<CliRun> {
  const { db, dir } = await project(root, 0);
  const marker = join(root, "waiting");
  await Deno.writeTextFile(
    join(dir, "003_waits.ts"),
    `export default { async up() { await Deno.writeTextFile(${JSON.stringify(marker)}, ""); ` +
      `await new Promise((resolve) => setTimeout(resolve, 600_000)); } };\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...widenedTaskFlags("migrate"),
      repoPath("src/cli/main.ts"),
      "--db",
      db,
      "--dir",
      dir,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await waitForFile(marker);
  child.kill(signal);
  const output = await child.output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("every exit code has a case of its own below", () => {
  assert.deepEqual(new Set(ROWS.map((row) => row.code)), new Set(Object.values(EXIT)));
});

for (const row of ROWS) {
  Deno.test(`exit ${row.code}: ${row.name}`, async () => {
    await withTempDir(async (root) => {
      const result = await row.run(root);
      assert.equal(result.code, row.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stdout + result.stderr, row.says);
      if (row.code !== EXIT.ok) assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
    });
  });
}

Deno.test("a refused run leaves the database byte-for-byte as it was, whatever its exit code", async () => {
  await withTempDir(async (root) => {
    const { db, dir } = await project(root, 2);
    const before = fileBytes(db);
    for (const args of [["rollback"], ["--to", "9"], ["mark", "1", "--applied"], ["--busy-timeout", "-1"]]) {
      const run = await runCli([...args, "--db", db, "--dir", dir]);
      assert.notEqual(run.code, EXIT.ok, args.join(" "));
    }
    assert.deepEqual(fileBytes(db), before);
  });
});
