/**
 * The CLI's argument parser: `--flag`, `--name value`, `--name=value`, positionals and `--`, checked
 * against the flags a command accepts. The CLI runs on every app start-up, and importing `node:util`
 * for its `parseArgs` would start Deno's Node compatibility layer, a cost paid on every run.
 *
 * @module
 */

/** Which flags exist, and which of them a command accepts. */
interface ArgsSpec<F extends string> {
  /** Every flag the program knows, by name without dashes; `"string"` flags take a value. */
  known: Readonly<Record<F, { type: "string" | "boolean" }>>;
  /** The flags this command accepts; any other known flag is refused as not applying to it. */
  accepted: readonly F[];
}

/** The flags and positional arguments of a command line that parsed. */
export interface ParsedArgs<F extends string> {
  /** Each flag given: `true` for a boolean, the value for a string; when repeated, the last wins. */
  flags: Partial<Record<F, string | boolean>>;
  /** The arguments that are neither flags nor their values, in order, and every argument after `--`. */
  positionals: string[];
}

/** The first argument at fault in a command line that did not parse. */
export interface ArgsProblem {
  /**
   * `"unknown"`: no such flag. `"not-accepted"`: a known flag this command does not take.
   * `"missing-value"`: a string flag at the end or followed by another flag.
   * `"unexpected-value"`: `--flag=value` for a boolean flag.
   */
  kind: "unknown" | "not-accepted" | "missing-value" | "unexpected-value";
  /** The flag as written, without its `=value`: `--steps`, `-h`. */
  flag: string;
}

/**
 * Parses `argv` (without the program and command names) against `spec`.
 *
 * A value may start with a dash only when it is `-` or a negative number (`--steps -1`), so that a
 * forgotten value (`--db --json`) is reported as such; `--db=-odd` passes any other. Short flags
 * (`-h`) do not exist and are unknown.
 *
 * @param argv The arguments.
 * @param spec The known flags and those this command accepts.
 * @returns The flags and positionals, or the first problem found.
 *
 * @example Parse a command line, and find what is wrong with another
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = {
 *   known: { steps: { type: "string" }, json: { type: "boolean" } },
 *   accepted: ["steps", "json"],
 * } as const;
 * assert.deepEqual(parseArgs(["--steps", "2", "--json", "x"], spec), {
 *   flags: { steps: "2", json: true },
 *   positionals: ["x"],
 * });
 * assert.deepEqual(parseArgs(["--json=yes"], spec), { kind: "unexpected-value", flag: "--json" });
 * ```
 */
export function parseArgs<F extends string>(
  argv: readonly string[],
  spec: ArgsSpec<F>,
): ParsedArgs<F> | ArgsProblem {
  const flags: Partial<Record<F, string | boolean>> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlag(arg)) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const name = flag.slice(2) as F;
    if (!flag.startsWith("--") || !Object.hasOwn(spec.known, name)) return { kind: "unknown", flag };
    if (!spec.accepted.includes(name)) return { kind: "not-accepted", flag };
    if (spec.known[name].type === "boolean") {
      if (equals !== -1) return { kind: "unexpected-value", flag };
      flags[name] = true;
    } else if (equals !== -1) {
      flags[name] = arg.slice(equals + 1);
    } else if (i + 1 < argv.length && !isFlag(argv[i + 1])) {
      flags[name] = argv[++i];
    } else {
      return { kind: "missing-value", flag };
    }
  }
  return { flags, positionals };
}

/** Whether `arg` is a flag rather than a value: `-` (stdout) and negative numbers are values. */
function isFlag(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-" && !/^-\d/.test(arg);
}
