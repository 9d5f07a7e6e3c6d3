/**
 * The README's set-up and tour, as a new user follows them: on a fresh clone, with an empty Deno cache
 * and no npm registry, every `$ ` command of the tour runs in order (the migration it writes filled in
 * with the README's code) and prints what the README shows, times and paths aside. The set-up's two
 * commands are the tour's first and the test command CI runs.
 */
import assert from "node:assert/strict";
import { cloneRepository, followShown } from "../support/fresh_machine.ts";
import { blocksRunBy, type CodeBlock, codeBlocks, shownCommands } from "../support/markdown.ts";
import { repoPath, withTempDir } from "../support/util.ts";

const BLOCKS = blocksRunBy(import.meta.url);

/** This test's blocks under a heading of the README. */
function blocksUnder(heading: string): CodeBlock[] {
  return BLOCKS.filter((block) => block.file === "README.md" && block.heading === heading);
}

/** The lines of a block, without comments. */
function commandLines(block: CodeBlock): string[] {
  return block.code.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean);
}

Deno.test("this test runs the README's set-up and tour, and nothing else", () => {
  assert.deepEqual(
    BLOCKS.map((block) => `${block.heading} ${block.language}`),
    ["## Set up sh", ...["sh", "sh", "ts", "sh"].map((language) => `## A 30-second tour ${language}`)],
  );
});

Deno.test("the set-up's commands are the tour's first and the one CI runs, with or without Deno", () => {
  const [setUp] = blocksUnder("## Set up");
  const [migrate, test] = commandLines(setUp);
  assert.equal(migrate, shownCommands(blocksUnder("## A 30-second tour")[0])[0].command);
  assert.equal(test, "deno task test");
  const ci = Deno.readTextFileSync(repoPath(".ci/run")).split("\n").map((line) => line.trim());
  assert.ok(ci.includes(test), ".ci/run runs the set-up's test command");
  // The other set-up block (not run: it downloads Deno) is the same two commands through npx.
  const [, viaNpm] = codeBlocks("README.md").filter((block) => block.heading === "## Set up");
  assert.deepEqual(
    commandLines(viaNpm),
    [migrate, test].map((line) => line.replace(/^deno /, "npx -y deno@2 ")),
  );
});

Deno.test("the README's tour shows what a new user who ran the set-up sees, command by command", async () => {
  const tour = blocksUnder("## A 30-second tour");
  const commands = tour.filter((block) => block.language === "sh").flatMap(shownCommands);
  assert.deepEqual(commands.map((c) => c.command), [
    "deno task migrate",
    'deno task new "add user email"',
    "deno task migrate",
    "deno task migrate status",
    "deno task migrate rollback",
  ]);
  const filledIn = tour.find((block) => block.language === "ts")!.code;
  await withTempDir(async (dir) => {
    const root = await cloneRepository(dir);
    await followShown(commands.slice(0, 2), root, dir);
    const written = /Created (\S+\.ts) /.exec(commands[1].output)![1].replace("/app", root);
    await Deno.writeTextFile(written, filledIn);
    await followShown(commands.slice(2), root, dir);
  });
});
