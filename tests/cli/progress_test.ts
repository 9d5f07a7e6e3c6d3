/**
 * A migration that runs longer than two seconds shows on a terminal which one is running and for
 * how long; off a terminal, or under --quiet or --json, the output is what it always is.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { RunningLine } from "../../src/cli/progress.ts";
import { runCli, withTempDir, writeFiles } from "../support/util.ts";

const SLOW = {
  "001_slow.ts": "export default {\n  async up(db) {\n    await db.exec('CREATE TABLE a (x)');\n" +
    "    await new Promise((resolve) => setTimeout(resolve, 2300));\n  },\n};\n",
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the CLI in this process with an io that has a terminal line when `terminal` is true. */
async function runIn(argv: string[], terminal: boolean) {
  const out: string[] = [];
  const live: string[] = [];
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => out.push(`error: ${line}`),
    color: false,
    ...(terminal ? { live: (text: string) => live.push(text) } : {}),
  }, () => undefined);
  return { code, out: out.join("\n"), live };
}

Deno.test("RunningLine shows a migration only once it has run long, and clears its line", async () => {
  const shown: string[] = [];
  const line = new RunningLine((text) => shown.push(text), { afterMs: 40, everyMs: 20 });
  line.start({ version: 1, description: "quick", direction: "up" });
  await wait(10);
  line.start({ version: 2, description: "slow", direction: "down" });
  await wait(100);
  line.stop();
  assert.ok(shown.length >= 3, String(shown));
  assert.ok(shown.slice(0, -1).every((text) => /^Rolling back 002 slow… \d+ s$/.test(text)), String(shown));
  assert.equal(shown.at(-1), "");
  line.stop();
  assert.equal(shown.filter((text) => text === "").length, 1, "cleared once");
});

Deno.test("a migration running over two seconds shows on a terminal, and nowhere else", async () => {
  await withTempDir(async (dir) => {
    const migrations = await writeFiles(join(dir, "m"), SLOW);
    const args = (name: string) => ["--db", join(dir, `${name}.db`), "--dir", migrations];
    const [terminal, quiet, json, piped] = await Promise.all([
      runIn(args("terminal"), true),
      runIn([...args("quiet"), "--quiet"], true),
      runIn([...args("json"), "--json"], true),
      runCli(args("piped")),
    ]);
    assert.equal(terminal.code, 0, terminal.out);
    assert.deepEqual(terminal.live, ["Applying 001 slow… 2 s", ""]);
    assert.match(
      terminal.out,
      /^Created the database .*\nApplied 001 slow \(2\.\d+ s\)\n.* is now at version 1/,
    );
    assert.equal(quiet.code, 0);
    assert.deepEqual(quiet.live, [], "--quiet shows nothing");
    assert.equal(quiet.out, "");
    assert.deepEqual(json.live, [], "--json shows nothing");
    assert.equal(JSON.parse(json.out).currentVersion, 1);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, "", "off a terminal nothing but the report");
    assert.match(piped.stdout, /^Created the database .*\nApplied 001 slow \(2\.\d+ s\)\n/);
  });
});
