/**
 * A fresh machine for the tests of what a new user meets: a clone of the repository, an empty Deno
 * cache, and an npm registry that cannot be reached, so any download fails loudly.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type CliRun, repoPath } from "./util.ts";

/** What a clone holds, less the tests' data; copied file by file so nothing generated comes along. */
const CLONED = [
  "deno.json",
  "deno.lock",
  "mod.ts",
  "README.md",
  "docs",
  "src",
  "migrations",
  "tests",
  "bench",
];

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

/** The words of a command line, with double-quoted arguments kept whole. */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/**
 * Runs a `deno …` command line as the README and docs/ write it, in `cwd`, on the fresh machine of `dir` (see
 * {@link offlineEnv}), with this Deno.
 *
 * @throws {Error} when the command is not a `deno` command.
 */
export async function runOffline(command: string, cwd: string, dir: string): Promise<CliRun> {
  const [program, ...args] = words(command);
  if (program !== "deno") throw new Error(`Not a deno command: ${command}`);
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    clearEnv: true,
    env: offlineEnv(dir),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/** Output with what differs from run to run masked: times, timestamps, and where the project is (`/app`). */
export function masked(text: string, root: string): string {
  return text.replaceAll(root, "/app")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<timestamp>")
    .replace(/\d{8}T\d{9}Z/g, "<stamp>")
    .replace(/\d+(\.\d+)? (ms|s|min)\b/g, "<time>")
    .trim();
}

/**
 * Runs each command a document shows, in `root` on the fresh machine of `dir`, and asserts that it
 * prints what the document shows after it, masked (see {@link masked}): stdout, or stderr when the
 * document shows an `error:`.
 */
export async function followShown(
  commands: readonly { command: string; output: string }[],
  root: string,
  dir: string,
): Promise<void> {
  for (const { command, output } of commands) {
    const result = await runOffline(command, root, dir);
    // On stderr, `deno task` first names the task it runs.
    const printed = output.startsWith("error:")
      ? result.stderr.split("\n").filter((line) => !line.startsWith("Task ")).join("\n")
      : result.stdout;
    assert.equal(masked(printed, root), masked(output, root), `$ ${command}\n${result.stderr}`);
  }
}
