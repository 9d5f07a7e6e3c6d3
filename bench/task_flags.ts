/**
 * The flags of a deno.json task, so the benchmark runs the CLI, and the lower bounds, exactly as
 * `deno task migrate` does.
 *
 * @module
 */

/** Absolute path of a file in the repository. */
export function repoPath(relative: string): string {
  return decodeURIComponent(new URL(`../${relative}`, import.meta.url).pathname);
}

/**
 * The flags between `deno run` and the script of a task in deno.json.
 *
 * @throws {Error} when the task is missing or is not a `deno run` command.
 */
export function taskFlags(task: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(repoPath("deno.json")));
  const words = String(config.tasks?.[task] ?? "").split(/\s+/).filter(Boolean);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`deno.json has no "${task}" task of the form "deno run <flags> <script>".`);
  }
  const flags: string[] = [];
  for (const word of words.slice(2)) {
    if (!word.startsWith("-")) break;
    flags.push(word);
  }
  return flags;
}

/**
 * Flags with their scoped file access widened to `dir` too, as a user widens them who points `--db`
 * and `--dir` outside the default layout: the benchmark works in a scratch directory.
 */
export function widenedTo(flags: readonly string[], dir: string): string[] {
  return flags.map((flag) => /^--allow-(read|write)=/.test(flag) ? `${flag},${dir}` : flag);
}
