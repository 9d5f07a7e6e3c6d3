/**
 * Whose words a message uses when it says what to do next: the API's option names
 * (`rollback({ targetVersion: 3 })`) or the command line's flags (`migrate rollback --to 3`). The
 * API is the default; the CLI asks for its own, so it never tells a user about an option they
 * cannot type.
 *
 * @module
 */

/** `"api"`: the library's option names. `"cli"`: the command line's flags. */
export type Wording = "api" | "cli";

/** The names and next steps messages mention, in one wording. */
export interface Words {
  /** The target version: `targetVersion`, `--to`. */
  target: string;
  /** Recording a baseline despite drift: `force: true`, `--force`. */
  force: string;
  /** The busy timeout: `busyTimeoutMs`, `--busy-timeout`. */
  busyTimeout: string;
  /** Migrating up to a version. */
  migrateTo(version: number): string;
  /** Rolling back to a version. */
  rollbackTo(version: number): string;
}

const WORDS: Record<Wording, Words> = {
  api: {
    target: "targetVersion",
    force: "force: true",
    busyTimeout: "busyTimeoutMs",
    migrateTo: (version) => `migrate({ targetVersion: ${version} })`,
    rollbackTo: (version) => `rollback({ targetVersion: ${version} })`,
  },
  cli: {
    target: "--to",
    force: "--force",
    busyTimeout: "--busy-timeout",
    migrateTo: (version) => `migrate --to ${version}`,
    rollbackTo: (version) => `migrate rollback --to ${version}`,
  },
};

/**
 * The words of a wording.
 *
 * @example Name the next step for the command line
 * ```ts
 * import { wordsOf } from "./wording.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(wordsOf("cli").rollbackTo(3), "migrate rollback --to 3");
 * assert.equal(wordsOf("api").rollbackTo(3), "rollback({ targetVersion: 3 })");
 * ```
 */
export function wordsOf(wording: Wording = "api"): Words {
  return WORDS[wording];
}
