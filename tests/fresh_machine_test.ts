/**
 * The first `deno task migrate` on a fresh machine: a clone of the repository, an empty Deno cache
 * and no way to reach the npm registry. The embedded engine is built into Deno, so nothing may be
 * downloaded — `deno task` installs every npm package deno.json names before it runs a task.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoPath, withTempDir } from "./_util.ts";

/** What a clone holds, less the tests' data; copied file by file so nothing generated comes along. */
const CLONED = ["deno.json", "deno.lock", "mod.ts", "README.md", "src", "migrations", "tests", "bench"];

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "results") continue; // bench output, not part of what the task reads
    await copyTree(join(from, entry.name), join(to, entry.name));
  }
}

/** A copy of the repository in `dir`, as a fresh clone has it. */
export async function cloneRepository(dir: string): Promise<string> {
  const project = join(dir, "strata");
  await Deno.mkdir(project);
  for (const name of CLONED) await copyTree(repoPath(name), join(project, name));
  return project;
}

/**
 * The environment of a machine that has never run Deno and cannot reach the npm registry: an empty
 * DENO_DIR and a registry on a closed port, so any download fails loudly.
 */
export function offlineEnv(dir: string): Record<string, string> {
  return { DENO_DIR: join(dir, "deno_dir"), NPM_CONFIG_REGISTRY: "http://127.0.0.1:9", NO_COLOR: "1" };
}

/** The registries and packages in a DENO_DIR's npm cache (Deno makes the folder itself eagerly). */
export function cachedNpmPackages(denoDir: string): string[] {
  const npm = join(denoDir, "npm");
  return existsSync(npm) ? [...Deno.readDirSync(npm)].map((entry) => entry.name) : [];
}

Deno.test("deno task migrate on a fresh machine with no npm registry downloads nothing and migrates", async () => {
  await withTempDir(async (dir) => {
    const project = await cloneRepository(dir);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "migrate"],
      cwd: project,
      clearEnv: true,
      env: offlineEnv(dir),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
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
