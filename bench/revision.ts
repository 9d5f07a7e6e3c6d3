/**
 * Which code a run measured: the git commit, marked dirty when the working tree has changes.
 *
 * @module
 */
import { repoPath } from "./task_flags.ts";

/** `git describe --always --dirty` of the repository, or `"unknown"` outside a git checkout. */
export async function sourceRevision(): Promise<string> {
  try {
    const output = await new Deno.Command("git", {
      args: ["describe", "--always", "--dirty"],
      cwd: repoPath("."),
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : "unknown";
  } catch {
    return "unknown";
  }
}
