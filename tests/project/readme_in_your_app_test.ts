/**
 * The README's "In your app", followed word for word: the repository served under its tag's path on
 * 127.0.0.1 with the content type the README names, the `deno.json` and `main.ts` it shows written into
 * a new project, and its commands run there on a machine with an empty Deno cache and no npm registry.
 * The one change is the host: `https://deno.example.com` becomes the local server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withStaticServer } from "../support/static_server.ts";
import { cachedNpmPackages, runOffline } from "../support/fresh_machine.ts";
import { blocksRunBy, section } from "../support/markdown.ts";
import { withTempDir } from "../support/util.ts";

/** The blocks this test runs, in order: the app's deno.json, its main.ts, and the commands. */
const BLOCKS = blocksRunBy(import.meta.url);

/** One of the README's words, wherever its lines break: fails the test when the README no longer says it. */
function said(text: string, pattern: RegExp): string {
  const found = pattern.exec(text.replace(/\s+/g, " "));
  assert.ok(found, `the README says ${pattern}`);
  return found[1];
}

const README = section("README.md", "## In your app");
const TYPESCRIPT = said(README, /must send `\.ts` files as\s+`([^`]+)`/);
const RELEASE = said(README, /`(https:\/\/deno\.example\.com\/strata\/v[\d.]+\/)mod\.ts`/);
const [DENO_JSON, MAIN_TS, SHELL] = BLOCKS.map((block) => block.code);
const COMMANDS = SHELL.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean);

Deno.test("this test runs the README's In your app: its deno.json, main.ts and commands", () => {
  assert.deepEqual(
    BLOCKS.map((block) => `${block.file} ${block.heading} ${block.language}`),
    ["json", "ts", "sh"].map((language) => `README.md ## In your app ${language}`),
  );
});

/** The README's text with its example host replaced by the local server. */
function onServer(text: string, origin: string): string {
  const host = new URL(origin).host;
  return text.replaceAll("https://deno.example.com", origin).replaceAll("deno.example.com:443", host);
}

/** A new project with the README's deno.json and main.ts, for the release served at `origin`. */
async function project(dir: string, origin: string): Promise<string> {
  const root = join(dir, "app");
  await Deno.mkdir(join(root, "migrations"), { recursive: true });
  await Deno.writeTextFile(join(root, "deno.json"), onServer(DENO_JSON, origin));
  await Deno.writeTextFile(join(root, "main.ts"), MAIN_TS);
  return root;
}

Deno.test("the README's In your app works as written, from a release served on 127.0.0.1", async () => {
  assert.equal(TYPESCRIPT, "application/typescript");
  await withTempDir(async (dir) => {
    const prefix = new URL(RELEASE).pathname.replace(/\/$/, "");
    await withStaticServer({ typescript: TYPESCRIPT, prefix }, async (origin, served) => {
      const root = await project(dir, origin);
      assert.deepEqual(COMMANDS.map((command) => command.split(" ").slice(0, 3)), [
        ["deno", "task", "new"],
        ["deno", "task", "check"],
        ["deno", "task", "start"],
      ]);
      const outputs: string[] = [];
      for (const command of [...COMMANDS, "deno task migrate status"]) {
        const result = await runOffline(command, root, dir);
        assert.equal(result.code, 0, `${command}\n${result.stdout}\n${result.stderr}`);
        outputs.push(result.stdout);
      }
      const written = await Deno.readTextFile(join(root, "migrations", "001_create_notes.ts"));
      assert.ok(
        written.startsWith(`import type { MigrationModule } from "${origin}${prefix}/mod.ts";`),
        written,
      );
      assert.equal(outputs[2].trim(), "at version 1", "the app migrated its database at start-up");
      assert.match(outputs[3], /Version\s+1 of 1, up to date/);
      assert.equal(served.get(`${prefix}/mod.ts`), TYPESCRIPT);
      assert.equal(served.get(`${prefix}/src/cli/main.ts`), TYPESCRIPT);
      assert.deepEqual(cachedNpmPackages(join(dir, "deno_dir")), [], "no npm package was downloaded");
    });
  });
});

Deno.test("served with the content type the README warns of, the app and the CLI fail as it says", async () => {
  const type = said(README, /`http\.server` on Debian and Ubuntu sends\s+`([^`]+)`/);
  const appError = said(README, /refuses `mod\.ts` \("([^"]+)"\)/);
  const cliError = said(README, /the CLI fails with a baffling `([^`]+)`/);
  await withTempDir(async (dir) => {
    const prefix = new URL(RELEASE).pathname.replace(/\/$/, "");
    await withStaticServer({ typescript: type, prefix }, async (origin) => {
      const root = await project(dir, origin);
      const start = await runOffline("deno task start", root, dir);
      assert.notEqual(start.code, 0);
      assert.ok(start.stderr.includes(appError), start.stderr);
      const migrate = await runOffline("deno task migrate", root, dir);
      assert.notEqual(migrate.code, 0);
      assert.ok(migrate.stderr.includes(cliError), migrate.stderr);
    });
  });
});
