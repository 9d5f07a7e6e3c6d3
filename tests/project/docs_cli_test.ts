/**
 * docs/cli.md as a user meets it: its synopsis is the one `--help` prints, it names every command and
 * flag the CLI knows, and each `$ ` command it shows prints what it shows, times and paths aside. The
 * commands run in order on a fresh clone (empty Deno cache, no npm registry) left as the README's tour
 * leaves it: at version 2, with the tour's 003 written and pending. Between them the test does what the
 * text says happened: it edits 002 before the run refused for it, interrupts a migration outside a
 * transaction before `mark`, rolls 003 back before `check`, and builds the legacy database `baseline`
 * adopts.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { FLAGS } from "../../src/cli/flags.ts";
import { COMMANDS } from "../../src/cli/commands.ts";
import { cloneRepository, followShown, offlineEnv, runOffline } from "../support/fresh_machine.ts";
import { blocksRunBy, codeBlocks, readDocument, section, shownCommands } from "../support/markdown.ts";
import { runCli, withDatabase, withTempDir } from "../support/util.ts";

const BLOCKS = blocksRunBy(import.meta.url);
const [SYNOPSIS, DRY_RUN, BACKUP, ERRORS, DEPLOY_GATE, PERMISSIONS, PRINTS] = BLOCKS;

Deno.test("this test runs docs/cli.md's synopsis and every example of it", () => {
  assert.deepEqual(BLOCKS.map((block) => `${block.file} ${block.heading} ${block.language}`), [
    "docs/cli.md ## Commands ",
    "docs/cli.md ## Commands sh",
    "docs/cli.md ## Commands sh",
    "docs/cli.md ## Commands sh",
    "docs/cli.md ## Exit codes sh",
    "docs/cli.md ## Permissions sh",
    "docs/cli.md ## What each command prints ",
  ]);
});

Deno.test("docs/cli.md's synopsis is the usage --help prints", async () => {
  const run = await runCli(["--help"]);
  assert.equal(run.code, 0, run.stderr);
  const help = run.stdout.split("\n");
  const synopsis = SYNOPSIS.code.trimEnd().split("\n");
  const usage = help.slice(help.findIndex((line) => line.startsWith("Usage: ")))
    .slice(0, synopsis.length)
    .map((line) => line.replace(/^(Usage:)?\s+/, ""));
  assert.deepEqual(usage, synopsis);
});

Deno.test("docs/cli.md names every command of the CLI in its table, and every flag", () => {
  const table = section("docs/cli.md", "## Commands").split("\n").filter((line) => line.startsWith("| `"));
  const commands = table.map((line) => /^\| `(\w+)/.exec(line)![1]);
  assert.deepEqual(commands.sort(), Object.keys(COMMANDS).sort());
  const text = readDocument("docs/cli.md");
  const unnamed = Object.keys(FLAGS).filter((flag) => !new RegExp(`--${flag}\\b`).test(text));
  assert.deepEqual(unnamed, []);
});

/** The `$ ` lines of "What each command prints", without the exit codes noted beside them. */
function prints(): Map<string, { command: string; output: string }> {
  const shown = shownCommands(PRINTS).map(({ command, output }) => ({
    command,
    output: output.replace(/\s{2,}\(exit .*\)$/, ""),
  }));
  return new Map(shown.map((entry) => [entry.command.split(" ").slice(2, 4).join(" "), entry]));
}

/** Runs a command a step of the scenario needs, which the document does not show; it must succeed. */
async function setUp(command: string, root: string, dir: string): Promise<void> {
  const run = await runOffline(command, root, dir);
  assert.equal(run.code, 0, `${command}\n${run.stdout}\n${run.stderr}`);
}

/** A migration outside a transaction whose process dies while it runs, as a killed deploy leaves it. */
const DIES_OUTSIDE_A_TRANSACTION = `import type { MigrationModule } from "../mod.ts";

export default {
  transaction: false,
  up() {
    Deno.exit(9);
  },
} satisfies MigrationModule;
`;

Deno.test("docs/cli.md's examples print what they show, on the project the README's tour leaves", async () => {
  const [tourMigration] = codeBlocks("README.md").filter((block) => block.language === "ts");
  const shown = prints();
  assert.deepEqual([...shown.keys()], [
    "migrate validate",
    "migrate accept",
    "migrate mark",
    "migrate check",
    "migrate dump",
    "migrate baseline",
    "squash --to",
  ]);
  await withTempDir(async (dir) => {
    const root = await cloneRepository(dir);
    const migrations = join(root, "migrations");
    await setUp("deno task migrate", root, dir);
    await Deno.writeTextFile(join(migrations, "003_add_user_email.ts"), tourMigration.code);

    await followShown(shownCommands(DRY_RUN), root, dir);
    await followShown(shownCommands(BACKUP), root, dir);

    const [badFlag, editedFile] = shownCommands(ERRORS);
    await followShown([badFlag], root, dir);
    await Deno.writeTextFile(join(migrations, "002_add_user_preferences.sql"), "-- an edit\n", {
      append: true,
    });
    await followShown([editedFile], root, dir);

    const gate = DEPLOY_GATE.code.trim();
    const refused = await bash(gate, root, dir);
    assert.deepEqual(refused, { code: 1, stdout: "" }, `${gate}, with 002 edited`);
    await followShown([shown.get("migrate accept")!, shown.get("migrate validate")!], root, dir);
    assert.deepEqual(await bash(gate, root, dir), { code: 0, stdout: "" }, `${gate}, up to date`);

    await Deno.writeTextFile(join(migrations, "004_backfill.ts"), DIES_OUTSIDE_A_TRANSACTION);
    assert.equal((await runOffline("deno task migrate", root, dir)).code, 9, "004's process died");
    await followShown([shown.get("migrate mark")!], root, dir);
    await Deno.remove(join(migrations, "004_backfill.ts"));

    await setUp("deno task migrate rollback", root, dir);
    await followShown([shown.get("migrate check")!, shown.get("migrate dump")!], root, dir);
    assert.ok(Deno.readTextFileSync(join(root, "schema.sql")).includes("CREATE TABLE chat_users"));

    await setUp("deno task migrate --db data/legacy.db --to 3", root, dir);
    await withDatabase(join(root, "data", "legacy.db"), (db) => {
      db.exec("DROP TABLE strata_migrations; DROP TABLE strata_migrations_runs");
    });
    await followShown([shown.get("migrate baseline")!], root, dir);

    await followShown(shownCommands(PERMISSIONS), root, dir);
    await followShown([shown.get("squash --to")!], root, dir);
    const archived = [...Deno.readDirSync(join(migrations, "archive"))].map((e) => e.name).sort();
    assert.deepEqual(archived, ["001_initial_schema.ts", "002_add_user_preferences.sql"]);
  });
});

/** Runs a shell line as a deploy script would, in `root` on the fresh machine of `dir`. */
async function bash(line: string, root: string, dir: string): Promise<{ code: number; stdout: string }> {
  // This Deno first, then the system's programs (bash among them).
  const path = [dirname(Deno.execPath()), "/usr/bin", "/bin"].join(":");
  const output = await new Deno.Command("bash", {
    args: ["-c", line],
    cwd: root,
    clearEnv: true,
    env: { ...offlineEnv(dir), PATH: path },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}
