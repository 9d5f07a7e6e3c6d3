/**
 * The fenced code blocks of the project's documentation (README.md and docs/*.md), with what a test
 * needs to run each: its language, its place, the heading above it, and the note that says how it is
 * run. The note is an HTML comment on the last non-blank lines before the fence, one of:
 *
 * - `<!-- run by tests/FOLDER/NAME_test.ts -->`: that test runs the block ({@link blocksRunBy} gives it them);
 * - `<!-- run on a database with: SQL -->`: a migration, or the body of an `up(db)`, applied to a new
 *   database that SQL creates (tests/project/docs_test.ts);
 * - `<!-- type-checked, not run: REASON -->`: a `ts` block that is only type-checked;
 * - `<!-- not run: REASON -->`.
 *
 * A block without a note is a complete `ts` module, type-checked and run by tests/project/docs_test.ts; any
 * other block without a note fails that test. An HTML comment above a fence that is none of these is
 * an error, so a misspelt note cannot leave a block unchecked.
 *
 * @module
 */
import { repoPath } from "./util.ts";

/** How a block is run, as the note above it says. */
export type BlockNote =
  | { kind: "run by"; test: string }
  | { kind: "run on"; sql: string }
  | { kind: "type-checked"; reason: string }
  | { kind: "not run"; reason: string };

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The file, relative to the repository: `docs/cli.md`. */
  file: string;
  /** The line of the opening fence, from 1. */
  line: number;
  /** The fence's language (`ts`, `sh`, `json`, `sql`), or "" for none. */
  language: string;
  /** The text between the fences, each line ending with a newline. */
  code: string;
  /** The nearest heading above the block, as written: `## Exit codes`. */
  heading: string;
  /** The note above it, or null. */
  note: BlockNote | null;
}

/** The documentation files, relative to the repository: README.md, then docs/*.md by name. */
export function documents(): string[] {
  const docs = [...Deno.readDirSync(repoPath("docs"))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md"))
    .map((entry) => `docs/${entry.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** The text of a documentation file (`file` relative to the repository). */
export function readDocument(file: string): string {
  return Deno.readTextFileSync(repoPath(file));
}

/** Where a block is, for messages: `docs/cli.md:12`. */
export function where(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}

/**
 * Reads the note of an HTML comment.
 *
 * @throws {Error} when the comment is not one of the notes (naming the file and line).
 */
function parseNote(comment: string, at: string): BlockNote {
  const text = comment.replace(/\s+/g, " ").trim();
  const runBy = /^run by (tests\/\S+_test\.ts)$/.exec(text);
  if (runBy) return { kind: "run by", test: runBy[1] };
  const runOn = /^run on a database with: (.+)$/.exec(text);
  if (runOn) return { kind: "run on", sql: runOn[1] };
  const typeChecked = /^type-checked, not run: (.+)$/.exec(text);
  if (typeChecked) return { kind: "type-checked", reason: typeChecked[1] };
  const notRun = /^not run: (.+)$/.exec(text);
  if (notRun) return { kind: "not run", reason: notRun[1] };
  throw new Error(
    `${at}: the comment above this code block is not a note tests understand: <!-- ${text} -->. ` +
      "Write `run by tests/FOLDER/NAME_test.ts`, `run on a database with: SQL`, " +
      "`type-checked, not run: REASON` or `not run: REASON`.",
  );
}

/** The HTML comment that ends on the last non-blank line before `index`, or null. */
function commentBefore(lines: readonly string[], index: number): string | null {
  let end = index - 1;
  while (end >= 0 && lines[end].trim() === "") end--;
  if (end < 0 || !lines[end].trimEnd().endsWith("-->")) return null;
  let start = end;
  while (start >= 0 && !lines[start].includes("<!--")) start--;
  if (start < 0) return null;
  const text = lines.slice(start, end + 1).join("\n");
  return text.slice(text.lastIndexOf("<!--") + 4, text.lastIndexOf("-->"));
}

/**
 * The fenced code blocks of a documentation file, in order.
 *
 * @throws {Error} when a fence is never closed, or a comment above a fence is not a note.
 */
export function codeBlocks(file: string, text: string = readDocument(file)): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i];
    const open = /^\s*(`{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const close = lines.findIndex((line, j) => j > i && line.trim() === fence);
    if (close === -1) throw new Error(`${file}:${i + 1}: this code block is never closed`);
    const indent = /^\s*/.exec(lines[i])![0].length;
    const code = lines.slice(i + 1, close).map((line) =>
      line.slice(Math.min(indent, /^\s*/.exec(line)![0].length))
    );
    const comment = commentBefore(lines, i);
    blocks.push({
      file,
      line: i + 1,
      language: open[2],
      code: code.map((line) => `${line}\n`).join(""),
      heading,
      note: comment === null ? null : parseNote(comment, `${file}:${i + 1}`),
    });
    i = close;
  }
  return blocks;
}

/** Every code block of the documentation, file by file. */
export function allCodeBlocks(): CodeBlock[] {
  return documents().flatMap((file) => codeBlocks(file));
}

/**
 * The blocks whose note says `run by` the test at `testModule` (its `import.meta.url`), in the order of
 * {@link documents}: what that test must run, all of it.
 */
export function blocksRunBy(testModule: string): CodeBlock[] {
  const test = `tests/${new URL(testModule).pathname.split("/tests/").at(-1)}`;
  return allCodeBlocks().filter((block) => block.note?.kind === "run by" && block.note.test === test);
}

/**
 * The text of a section of a documentation file: from its heading (`## Exit codes`) to the next heading
 * of its level or above.
 *
 * @throws {Error} when the file has no such heading.
 */
export function section(file: string, heading: string): string {
  const lines = readDocument(file).split("\n");
  const level = /^#+/.exec(heading)![0].length;
  const ends = new RegExp(`^#{1,${level}} `);
  let inFence = false;
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) inFence = !inFence;
    if (inFence) continue;
    if (start === -1 && lines[i] === heading) start = i;
    else if (start !== -1 && ends.test(lines[i])) return lines.slice(start, i).join("\n");
  }
  if (start === -1) throw new Error(`${file} has no heading "${heading}"`);
  return lines.slice(start).join("\n");
}

/** The `$ ` commands of a block, each with the lines it shows after it (trimmed). */
export function shownCommands(block: CodeBlock): { command: string; output: string }[] {
  const shown: { command: string; output: string }[] = [];
  for (const line of block.code.split("\n")) {
    if (line.startsWith("$ ")) shown.push({ command: line.slice(2), output: "" });
    else if (shown.length > 0) shown.at(-1)!.output += `${line}\n`;
  }
  return shown.map(({ command, output }) => ({ command, output: output.trim() }));
}
