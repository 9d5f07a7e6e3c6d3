/**
 * Every code block of README.md and docs/ is run by a test, or its note says why not (the notes are
 * described in `_markdown.ts`). This file runs the blocks no other test owns:
 *
 * - every `ts` block but those noted `not run` is type-checked, together, in a clone of the repository
 *   whose import map gives `@strata/migrate` (an app's name for `mod.ts`) and `jsr:@db/sqlite@0.13`
 *   (which our machines cannot download) as the stand-in the conformance suite uses;
 * - a `ts` block without a note is a complete module: it runs in such a clone, with an empty `data/`
 *   as the set-up leaves it before its first run and the repository's `migrations/`, and must exit 0;
 * - a block noted `run on a database with: SQL` is a migration (`ts` or `sql`), or the body of an
 *   `up(db)`: it is the only file of `migrations/`, the SQL creates `data/app.db`, and
 *   `deno task migrate` applies it, then `deno task migrate rollback` reverts it when it has a down.
 *
 * It also holds the documents together: every link between them leads to a file and a heading that
 * exist, and every file of the repository they name exists.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cloneRepository } from "../support/fresh_machine.ts";
import {
  allCodeBlocks,
  type CodeBlock,
  codeBlocks,
  documents,
  readDocument,
  where,
} from "../support/markdown.ts";
import { type CliRun, repoPath, withDatabase, withTempDir } from "../support/util.ts";

const BLOCKS = allCodeBlocks();

/** What a block without a note must be for this file to run it, or why it cannot. */
function unrunnable(block: CodeBlock): string | null {
  const note = block.note;
  if (note === null) return block.language === "ts" ? null : `a ${block.language || "plain"} block`;
  if (note.kind === "run by") {
    if (!inRepository(note.test)) return `run by ${note.test}, which does not exist`;
    return Deno.readTextFileSync(repoPath(note.test)).includes("blocksRunBy(import.meta.url)")
      ? null
      : `run by ${note.test}, which does not take its blocks with blocksRunBy(import.meta.url)`;
  }
  if (note.kind === "run on") {
    return ["ts", "sql"].includes(block.language)
      ? null
      : `a ${block.language || "plain"} block run on a database`;
  }
  if (note.kind === "type-checked") {
    return block.language === "ts" ? null : `a ${block.language} block to type-check`;
  }
  return null;
}

Deno.test("every code block of the README and docs/ is run by a test, or says why it is not", () => {
  const unexplained = BLOCKS.filter((block) => unrunnable(block) !== null)
    .map((block) => `${where(block)} (${unrunnable(block)})`);
  assert.deepEqual(
    unexplained,
    [],
    "give each a note: <!-- run by tests/FOLDER/NAME_test.ts -->, <!-- run on a database with: SQL -->, " +
      "<!-- type-checked, not run: REASON --> or <!-- not run: REASON -->",
  );
});

/** Whether a `ts` block is a migration module (its default export is the migration). */
function isMigration(block: CodeBlock): boolean {
  return /^export default /m.test(block.code);
}

/** The body of an `up(db)` as a migration module (the helpers in scope), or a migration as it is. */
function migrationSource(block: CodeBlock): string {
  if (block.language !== "ts" || isMigration(block)) return block.code;
  const body = block.code.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");
  return `import type { MigrationModule } from "../mod.ts";\n` +
    `import { batchCopy, batchUpdate, rebuildTable } from "../src/helpers/mod.ts";\n\n` +
    `export default {\n  async up(db) {\n${body}\n  },\n} satisfies MigrationModule;\n`;
}

/** A clone of the repository in `dir` in which an app's imports of strata resolve; returns its path. */
async function project(dir: string): Promise<string> {
  const root = await cloneRepository(dir);
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  config.imports["@strata/migrate"] = "./mod.ts";
  for (const [subpath, module] of Object.entries(config.exports as Record<string, string>)) {
    if (subpath !== ".") config.imports[`@strata/migrate/${subpath.slice(2)}`] = module;
  }
  config.imports["jsr:@db/sqlite@0.13"] = "./db_sqlite_stand_in.ts";
  await Deno.writeTextFile(join(root, "deno.json"), JSON.stringify(config, null, 2));
  await Deno.writeTextFile(
    join(root, "db_sqlite_stand_in.ts"),
    'export { StandInDatabase as Database } from "./tests/support/db_sqlite_double.ts";\n',
  );
  await Deno.mkdir(join(root, "data"));
  return root;
}

/** Runs `deno ARGS` in `cwd`, with the cache and registry of the suite. */
async function deno(args: string[], cwd: string): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/** A file name for a block, saying where it comes from: `docs_engines_md_35`. */
function fileName(block: CodeBlock): string {
  return `${block.file.replace(/[^\w]/g, "_")}_${block.line}`;
}

/** The permissions a block's module runs with: the project's files, and what the engines need. */
const RUN_FLAGS = [
  "--allow-read=.",
  "--allow-write=.",
  "--allow-ffi",
  "--allow-env=LIBSQL_JS_DEV,DENO_SQLITE_PATH,DENO_SQLITE_LOCAL",
  "--allow-sys=cpus,networkInterfaces,hostname",
];

/** Empties the project's `data/` and fills its `migrations/` with `files` (name → text). */
async function reset(root: string, files: Record<string, string>): Promise<void> {
  for (const dir of ["data", "migrations"]) {
    await Deno.remove(join(root, dir), { recursive: true });
    await Deno.mkdir(join(root, dir));
  }
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(root, "migrations", name), text);
  }
}

/** Type-checks every `ts` block but those not run, together; files are named after their blocks. */
async function typeCheck(root: string): Promise<void> {
  const files: string[] = [];
  for (const block of BLOCKS.filter((block) => block.language === "ts" && block.note?.kind !== "not run")) {
    if (isMigration(block) || block.note?.kind === "run on") {
      await Deno.mkdir(join(root, fileName(block)));
      files.push(join(fileName(block), "001_example.ts"));
      await Deno.writeTextFile(join(root, files.at(-1)!), migrationSource(block));
    } else {
      files.push(`${fileName(block)}.ts`);
      await Deno.writeTextFile(join(root, files.at(-1)!), block.code);
    }
  }
  assert.ok(files.length > 0);
  const check = await deno(["check", "--quiet", ...files], root);
  assert.equal(check.code, 0, `${check.stderr}\n(each file is named after its block's document and line)`);
}

/** Runs a complete module in the project, with the repository's migrations and an empty `data/`. */
async function runModule(root: string, block: CodeBlock): Promise<void> {
  await reset(root, REPOSITORY_MIGRATIONS);
  await Deno.writeTextFile(join(root, "example.ts"), block.code);
  const run = await deno(["run", "--quiet", ...RUN_FLAGS, "example.ts"], root);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
}

/** Applies a migration block to the database its note describes, and rolls it back if it has a down. */
async function runOnDatabase(root: string, block: CodeBlock, sql: string): Promise<void> {
  const extension = block.language === "sql" ? "sql" : "ts";
  await reset(root, { [`001_example.${extension}`]: migrationSource(block) });
  await withDatabase(join(root, "data", "app.db"), (db) => db.exec(sql));
  for (const command of hasDown(block) ? ["migrate", "migrate rollback"] : ["migrate"]) {
    const run = await deno(["task", "--quiet", ...command.split(" ")], root);
    assert.equal(run.code, 0, `deno task ${command}\n${run.stdout}\n${run.stderr}`);
  }
}

/** Whether a migration block has a down. */
function hasDown(block: CodeBlock): boolean {
  return /-- migrate:down|\bdown\(/.test(block.code);
}

const REPOSITORY_MIGRATIONS = Object.fromEntries(
  [...Deno.readDirSync(repoPath("migrations"))].map((entry) => [
    entry.name,
    Deno.readTextFileSync(repoPath(`migrations/${entry.name}`)),
  ]),
);

Deno.test("the ts and sql blocks of the README and docs/ type-check and run in a project that imports strata", async (t) => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    await t.step("every ts block not noted `not run` type-checks", () => typeCheck(root));
    for (const block of BLOCKS) {
      const note = block.note;
      if (block.language === "ts" && note === null) {
        await t.step(`${where(block)} (${block.heading}) runs as written`, () => runModule(root, block));
      } else if (note?.kind === "run on") {
        const does = hasDown(block) ? "applies and rolls back" : "applies";
        await t.step(
          `${where(block)} (${block.heading}) ${does} on the database its note describes`,
          () => runOnDatabase(root, block, note.sql),
        );
      }
    }
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading.replace(/^#+ /, "").toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors of a document's headings, outside code blocks. */
function anchors(file: string): Set<string> {
  const fenced = new Set(
    codeBlocks(file).flatMap((block) => {
      const lines = block.code.split("\n").length;
      return Array.from({ length: lines + 1 }, (_, i) => block.line + i);
    }),
  );
  return new Set(
    readDocument(file).split("\n")
      .filter((line, i) => /^#{1,6} /.test(line) && !fenced.has(i + 1))
      .map(anchor),
  );
}

Deno.test("every link of the README and docs/ leads to a file and a heading that exist", () => {
  const broken: string[] = [];
  for (const file of documents()) {
    const base = new URL(file, "file:///repo/");
    for (const [, target] of readDocument(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const url = new URL(target, base);
      const linked = decodeURIComponent(url.pathname).replace(/^\/repo\//, "");
      const exists = (() => {
        try {
          Deno.statSync(repoPath(linked));
          return true;
        } catch {
          return false;
        }
      })();
      if (!exists) broken.push(`${file}: ${target} (no such file)`);
      else if (url.hash && !(linked.endsWith(".md") && anchors(linked).has(url.hash.slice(1)))) {
        broken.push(`${file}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

/** Whether a path of the repository exists. */
function inRepository(path: string): boolean {
  try {
    Deno.statSync(repoPath(path));
    return true;
  } catch {
    return false;
  }
}

/** Every file of a directory of the repository, recursively, as repository paths. */
function filesUnder(dir: string): string[] {
  return [...Deno.readDirSync(repoPath(dir))].flatMap((entry) =>
    entry.isDirectory ? filesUnder(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`]
  );
}

Deno.test("every file of the repository the README and docs/ name exists", () => {
  const tests = new Set(filesUnder("tests").map((path) => path.split("/").at(-1)));
  const missing: string[] = [];
  for (const file of documents()) {
    for (const [, path] of readDocument(file).matchAll(/`((?:src|tests|bench|\.ci)\/[\w./-]*)`/g)) {
      if (!inRepository(path)) missing.push(`${file}: ${path}`);
    }
    for (const [, name] of readDocument(file).matchAll(/`(\w+_test\.ts)`/g)) {
      if (!tests.has(name)) missing.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("docs/development.md's list of where the code lives names every file of src/", () => {
  const named = new Set(
    [...readDocument("docs/development.md").matchAll(/`(src\/[\w/]+\.ts)`/g)].map((match) => match[1]),
  );
  const unnamed = filesUnder("src").filter((path) => path.endsWith(".ts") && !named.has(path));
  assert.deepEqual(unnamed, []);
});

Deno.test("docs/development.md's commands are tasks of deno.json and steps of .ci/run", () => {
  const [block] = codeBlocks("docs/development.md").filter((block) =>
    block.heading === "## The suite and CI"
  );
  const tasks = Object.keys(JSON.parse(Deno.readTextFileSync(repoPath("deno.json"))).tasks);
  const ci = Deno.readTextFileSync(repoPath(".ci/run")).split("\n").map((line) => line.trim());
  const commands = block.code.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean)
    .flatMap((line) => line.split("&&").map((command) => command.trim()));
  assert.ok(commands.length >= 5, block.code);
  for (const command of commands) {
    const task = /^deno task (\S+)$/.exec(command);
    const script = /^(?:bash )?(\.ci\/\S+)$/.exec(command);
    if (task) assert.ok(tasks.includes(task[1]), `${command}: deno.json has no task ${task[1]}`);
    else if (script) assert.ok(inRepository(script[1]), `${command}: no such file`);
    else {
      // A developer formats; CI checks the format.
      const asCi = command === "deno fmt" ? "deno fmt --check" : command;
      assert.ok(ci.includes(asCi), `${command} is not a step of .ci/run`);
    }
  }
});

Deno.test("the README stays a front door: at most 300 lines, with a link to every file of docs/", () => {
  const readme = readDocument("README.md");
  assert.ok(readme.trimEnd().split("\n").length <= 300, "README.md is longer than 300 lines");
  const unlinked = documents().filter((file) => file.startsWith("docs/") && !readme.includes(`](${file})`));
  assert.deepEqual(unlinked, []);
});
