/**
 * The errors a run ends with when it cannot keep everything it did: each says what was rolled back,
 * what stays, and what to do next.
 *
 * @module
 */
import { label, listForMessage } from "../shared/format.ts";
import { type Direction, MigrationError, RunInterruptedError } from "../shared/errors.ts";
import type { Migration } from "./migration.ts";
import type { StepFailed } from "./step.ts";
import { describeReason, type LateCallError } from "./step_scope.ts";

/** What a failure message says when the failing migration was rolled back alone. */
export const ROLLED_BACK_ALONE =
  "It was rolled back and the database is as it was before it; fix it and run again.";

/** What a failure message says when SQLite ended the run's transaction with the failing statement. */
export function transactionEnded(pendingAgain: readonly number[]): string {
  const earlier = pendingAgain.length === 0
    ? ""
    : ` ${capitalized(migrations(pendingAgain))}, applied before it in this run, ${
      plural(pendingAgain, "was", "were")
    } ` +
      `rolled back with it and ${plural(pendingAgain, "is", "are")} pending again.`;
  return `SQLite ended the run's transaction with it, so the whole run was rolled back.${earlier} Nothing of ` +
    `the run was kept; fix the migration and run again.`;
}

/** The failure of a run rolled back because a migration's executor was called after its step ended. */
export function lateCallFailure(
  error: LateCallError,
  plan: readonly Migration[],
  direction: Direction,
  kept: readonly number[],
  pendingAgain: readonly number[],
): MigrationError {
  const migration = plan.find((m) => m.version === error.version)!;
  const again = pendingAgain.length === 0
    ? ""
    : ` (${migrations(pendingAgain)} of this run ${plural(pendingAgain, "is", "are")} pending again)`;
  return new MigrationError(
    `${error.message} The call came while the run was still open, so the run was rolled back${again}: ` +
      `what migration ${label(migration)} meant to do was not all done when it was recorded. Await every ` +
      `call, then run again.`,
    {
      version: migration.version,
      description: migration.description,
      direction,
      file: migration.file,
      cause: error,
      committed: kept,
    },
  );
}

/** The error of a run interrupted by its abort signal, and rolled back. */
export function interrupted(
  reason: unknown,
  failure: StepFailed | null,
  kept: readonly number[],
  pendingAgain: readonly number[],
  currentVersion: number,
): RunInterruptedError {
  const during = failure ? ` during migration ${label(failure.migration)}` : "";
  const again = pendingAgain.length === 0
    ? ""
    : `: ${migrations(pendingAgain)} of this run ${plural(pendingAgain, "is", "are")} pending again`;
  const keptNote = kept.length === 0
    ? ""
    : ` (${listForMessage(kept.map(String))}, committed before it, stay)`;
  return new RunInterruptedError(
    `The run was interrupted (${describeReason(reason)})${during} and rolled back${again}${keptNote}. ` +
      `The database is at version ${currentVersion}.`,
    { reason, currentVersion, committed: kept, cause: failure?.cause },
  );
}

/** `migration 3` or `migrations 3 and 4`. */
function migrations(versions: readonly number[]): string {
  return `migration${versions.length === 1 ? "" : "s"} ${listForMessage(versions.map(String))}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(versions: readonly number[], one: string, many: string): string {
  return versions.length === 1 ? one : many;
}
