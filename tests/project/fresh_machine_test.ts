/**
 * The first `deno task migrate` on a fresh machine: a clone of the repository, an empty Deno cache
 * and no way to reach the npm registry. The embedded engine is built into Deno, so nothing may be
 * downloaded — `deno task` installs every npm package deno.json names before it runs a task.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cachedNpmPackages, cloneRepository, runOffline } from "../support/fresh_machine.ts";
import { withTempDir } from "../support/util.ts";

Deno.test("deno task migrate on a fresh machine with no npm registry downloads nothing and migrates", async () => {
  await withTempDir(async (dir) => {
    const project = await cloneRepository(dir);
    const { code, stdout, stderr } = await runOffline("deno task --quiet migrate", project, dir);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /Download|npm/i);
    const data = join(project, "data");
    assert.equal(
      stdout.split("\n")[0],
      `Created the directory ${data} and the database ${join(data, "app.db")}.`,
    );
    assert.match(stdout, /^Applied 001 initial schema .*\n^Applied 002 add user preferences /m);
    assert.deepEqual(cachedNpmPackages(join(dir, "deno_dir")), [], "no npm package was cached");
  });
});
