import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, withTempDir } from "../support/util.ts";

Deno.test("the migrate task applies the repository's migrations to a new database", async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, "app.db");
    const run = await runCli(["--db", db, "--dir", new URL("../../migrations", import.meta.url).pathname]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /is now at version 2/);
  });
});
