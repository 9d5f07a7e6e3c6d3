/**
 * The README's set-up and tour, as a new user follows them: on a fresh clone, with an empty Deno cache
 * and no npm registry, every `$ ` command of the tour runs in order (the migration it writes filled in
 * with the README's code) and prints what the README shows, times and paths aside. Then the examples
 * of "Permissions" and the lines of "What each command prints" that a fresh clone can run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cloneRepository, runOffline } from "./_fresh_machine.ts";
import { repoPath, withTempDir } from "./_util.ts";

const README = Deno.readTextFileSync(repoPath("README.md"));

/** The text of a section, from its heading to the next heading of its level or above. */
function section(heading: string): string {
  const start = README.indexOf(`${heading}\n`);
  assert.ok(start !== -1, `the README has "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const next = README.slice(start + heading.length).search(new RegExp(`\\n#{1,${level}} `));
  return README.slice(start, next === -1 ? undefined : start + heading.length + next);
}

/** One command of a README block and the output the README shows for it. */
interface Shown {
  command: string;
  output: string;
}

/** The `$ ` commands of the code blocks of `text` whose fence is `fence`, with the lines after each. */
function shownCommands(text: string, fence = "sh"): Shown[] {
  const shown: Shown[] = [];
  for (const block of text.matchAll(new RegExp("```" + fence + "\\n([\\s\\S]*?)```", "g"))) {
    for (const line of block[1].split("\n")) {
      if (line.startsWith("$ ")) shown.push({ command: line.slice(2), output: "" });
      else if (shown.length > 0) shown.at(-1)!.output += `${line}\n`;
    }
  }
  return shown.map(({ command, output }) => ({ command, output: output.trim() }));
}

/** Output with what differs from run to run masked: times, timestamps, and where the clone is. */
function masked(text: string, root: string): string {
  return text.replaceAll(root, "/app")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<timestamp>")
    .replace(/\d{8}T\d{9}Z/g, "<stamp>")
    .replace(/\d+(\.\d+)? (ms|s|min)\b/g, "<time>")
    .trim();
}

/** Runs each command and compares what it printed (stdout, else stderr) with what the README shows. */
async function follow(commands: readonly Shown[], root: string, dir: string): Promise<void> {
  for (const { command, output } of commands) {
    const result = await runOffline(command, root, dir);
    // On stderr, `deno task` first names the task it runs.
    const printed = output.startsWith("error:")
      ? result.stderr.split("\n").filter((line) => !line.startsWith("Task ")).join("\n")
      : result.stdout;
    assert.equal(masked(printed, root), masked(output, root), `$ ${command}\n${result.stderr}`);
  }
}

Deno.test("the README's tour shows what a new user who ran the set-up sees, command by command", async () => {
  const tour = section("## A 30-second tour");
  const commands = shownCommands(tour);
  assert.deepEqual(commands.map((c) => c.command), [
    "deno task migrate",
    'deno task new "add user email"',
    "deno task migrate",
    "deno task migrate status",
    "deno task migrate rollback",
  ]);
  assert.ok(section("## Set up").includes("deno task migrate "), "the set-up's first command is the tour's");
  const filledIn = /```ts\n([\s\S]*?)```/.exec(tour)![1];
  await withTempDir(async (dir) => {
    const root = await cloneRepository(dir);
    await follow(commands.slice(0, 2), root, dir);
    const written = /Created (\S+\.ts) /.exec(commands[1].output)![1].replace("/app", root);
    await Deno.writeTextFile(written, filledIn);
    await follow(commands.slice(2), root, dir);

    const permissions = shownCommands(section("### Permissions"));
    assert.deepEqual(permissions.map((c) => c.command), [
      "deno task migrate status --db /srv/app/prod.db",
      "deno task migrate squash --to 2",
    ]);
    await follow(permissions, root, dir);

    const prints = shownCommands(section("### What each command prints"), "")
      .map(({ command, output }) => ({ command, output: output.replace(/\s{2,}\(exit .*\)$/, "") }));
    const runnable = ["validate", "check", "dump", "squash"];
    const fresh = prints.filter((p) => runnable.some((name) => p.command.split(" ").includes(name)));
    assert.equal(fresh.length, runnable.length, "the README shows validate, check, dump and squash");
    await follow(fresh, root, dir);
    const archived = [...Deno.readDirSync(join(root, "migrations", "archive"))].map((e) => e.name).sort();
    assert.deepEqual(archived, ["001_initial_schema.ts", "002_add_user_preferences.sql"]);
  });
});
