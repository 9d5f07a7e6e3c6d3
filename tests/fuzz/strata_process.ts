/**
 * Runs the real CLI (`src/cli/main.ts`) in a child process with the `migrate` task's permissions, maybe
 * sending it a signal after a delay, and always killing it after a time limit.
 *
 * @module
 */
import { repoPath, widenedTaskFlags } from "../support/util.ts";
import type { KillPlan } from "./plan.ts";

/** What one CLI process did, for the trial's report. */
export interface ProcessRecord {
  /** The arguments after `src/cli/main.ts`. */
  args: string[];
  /** Its exit code. */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  /** The signal sent to it and when, if one was. */
  kill?: KillPlan;
  /** Whether it ran past the time limit (and was killed for it). */
  timedOut: boolean;
  /** The last lines it printed on stderr. */
  stderr: string;
  /** How long it ran, in milliseconds. */
  ms: number;
}

const CLI = repoPath("src/cli/main.ts");
const FLAGS = widenedTaskFlags("migrate");
/** Longer than any trial's run takes: a process still running then is stuck. */
const TIME_LIMIT_MS = 30_000;

/**
 * Runs the CLI with `args`.
 *
 * @param denoDir A `DENO_DIR` of the fuzz session's own, so the modules of thousands of temporary
 * migration files are cached there and removed with it, not in the user's cache.
 */
export async function runStrata(
  args: string[],
  options: { denoDir: string; kill?: KillPlan },
): Promise<ProcessRecord> {
  // `deno` from PATH, as `deno task` runs it: `--allow-run=deno` then suffices, where the resolved
  // path of `Deno.execPath()` would have to be granted by name.
  const child = new Deno.Command("deno", {
    args: ["run", "--quiet", ...FLAGS, CLI, ...args],
    env: { NO_COLOR: "1", DENO_DIR: options.denoDir },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  let timedOut = false;
  const send = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // It has already exited.
    }
  };
  const kill = options.kill;
  const killer = kill ? setTimeout(() => send(kill.signal), kill.afterMs) : undefined;
  const limit = setTimeout(() => {
    timedOut = true;
    send("SIGKILL");
  }, TIME_LIMIT_MS);
  try {
    const output = await child.output();
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join("\n");
    const ms = performance.now() - started;
    return {
      args,
      code: output.code,
      signal: output.signal,
      ...(kill ? { kill } : {}),
      timedOut,
      stderr,
      ms,
    };
  } finally {
    clearTimeout(killer);
    clearTimeout(limit);
  }
}
