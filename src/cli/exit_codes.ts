/**
 * The CLI's exit codes, defined once: the CLI returns them, its help lists them, and a test holds
 * the table of docs/cli.md to them. A deploy script can tell "migrations pending" or "the history and the
 * files disagree" from a failure, and `status --exit-code` answers with the code `up` would give.
 *
 * @module
 */
import {
  DatabaseStateError,
  type DatabaseStateReason,
  InvalidInputError,
  RunInterruptedError,
} from "../shared/errors.ts";
import { StepInterrupted } from "../core/step_scope.ts";

/** Exit codes of the CLI. */
export const EXIT = {
  /** Success; for `status --exit-code`, nothing pending and nothing that stops `up`. */
  ok: 0,
  /** An error: a migration failed, or the database, a file or what was asked cannot be used. */
  error: 1,
  /** Invalid usage: an unknown command or flag, a missing, malformed or out-of-range value. */
  usage: 2,
  /** `status --exit-code` found pending migrations, and nothing that stops `up` from applying them. */
  pending: 3,
  /**
   * `check` or `baseline` found that the schema differs from what the migrations produce, or
   * `verify` found a migration whose down does not restore the schema before it (or that has none).
   */
  drift: 4,
  /** Refused before anything ran: the database's history and the migration files disagree. */
  validation: 5,
  /** A run interrupted by SIGINT (128 + 2), and rolled back. */
  sigint: 130,
  /** A run interrupted by SIGTERM (128 + 15), and rolled back. */
  sigterm: 143,
} as const;

/** What each exit code means, in the words of the help and of the table in docs/cli.md. */
export const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  ok: "success",
  error: "error",
  usage: "invalid usage",
  pending: "migrations pending (status --exit-code)",
  drift: "schema drift (check, baseline, verify)",
  validation: "history and files disagree (validate lists why)",
  sigint: "interrupted by SIGINT, the run rolled back",
  sigterm: "interrupted by SIGTERM, the run rolled back",
};

/**
 * An error in the command line itself (an unknown flag, a malformed value), found before anything
 * is opened: the one kind of error that exits with {@link EXIT.usage}.
 */
export class UsageError extends InvalidInputError {}

/**
 * The reasons of refusals where the history and the migration files (or the seed-era `settings`
 * version) disagree: a person has to look, and `validate` lists each. The other reasons of a
 * {@link DatabaseStateError} mean the database cannot be used as it is.
 */
const DISAGREEMENTS: ReadonlySet<DatabaseStateReason> = new Set<DatabaseStateReason>([
  "future-version",
  "missing-file",
  "missing-migrations",
  "out-of-order",
  "checksum-mismatch",
  "unverified-checksum",
  "renamed",
  "interrupted",
  "version-conflict",
]);

/** The exit code of a refusal with this reason. */
export function exitCodeForReason(reason: DatabaseStateReason): number {
  if (reason === "drift") return EXIT.drift;
  return DISAGREEMENTS.has(reason) ? EXIT.validation : EXIT.error;
}

/**
 * The exit code for an error: a run interrupted by a signal 130 or 143, usage errors 2, refusals by
 * their reason, anything else 1.
 */
export function exitCodeOf(error: unknown): number {
  const signal = interruptingSignal(error);
  if (signal === "SIGINT") return EXIT.sigint;
  if (signal === "SIGTERM") return EXIT.sigterm;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof DatabaseStateError) return exitCodeForReason(error.reason);
  return EXIT.error;
}

/** The signal that interrupted the run an error reports, found along its causes, if any. */
function interruptingSignal(error: unknown): unknown {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof RunInterruptedError || cause instanceof StepInterrupted) return cause.reason;
  }
  return undefined;
}
