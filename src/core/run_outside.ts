/**
 * A migration that runs outside a transaction (`transaction: false`), inside a run.
 *
 * It is recorded as started and the run's transaction is committed (keeping the migrations before
 * it, and releasing the lock), then it runs, and its outcome is recorded in a new write transaction,
 * which the run goes on in. A crash in between leaves it recorded as started, which the next run
 * reports instead of guessing. Foreign keys are switched off again, as they are for the whole run
 * (the migration may have switched them on, and a later rebuild would then cascade), and violations
 * it left are its own: it fails for them, and the baseline is taken again after it.
 *
 * @module
 */
import type { WriteTransaction } from "../engines/engine.ts";
import type { Direction } from "../shared/errors.ts";
import type { Migration } from "./migration.ts";
import { type SettingsVersion, writeSettingsVersion } from "./settings_version.ts";
import {
  assertNoNewForeignKeyViolations,
  migrationFailure,
  recordOutsideStep,
  runStepOutsideTransaction,
  type StepContext,
  StepFailed,
  type StepResult,
  watchForeignKeys,
} from "./step.ts";
import { beginWrite, type LockContext } from "./write_transaction.ts";

/** What the run has done so far, which each commit of a migration outside a transaction keeps. */
interface RunSoFar {
  /** The steps run so far; the migration's own is added when it succeeds. */
  steps: StepResult[];
  /** The database's version with those steps kept. */
  versionAfter(): number;
  /** The seed-era `settings` version, which follows each commit so the original application reads it. */
  settings: SettingsVersion | null;
}

/**
 * Runs `migration` outside a transaction (see the module documentation).
 *
 * @returns The write transaction the run goes on in.
 * @throws {MigrationError} when it failed: it is recorded as failed, and its statements before the
 *   failure stay.
 */
export async function runOutside(
  lock: LockContext,
  step: StepContext,
  migration: Migration,
  direction: Direction,
  soFar: RunSoFar,
): Promise<WriteTransaction> {
  const commitWith = async (tx: WriteTransaction) => {
    await writeSettingsVersion(tx, soFar.settings, soFar.versionAfter(), step.now());
    await tx.commit();
  };
  await recordOutsideStep(step, migration, { direction, durationMs: 0, state: "started" });
  await commitWith(step.tx);
  const outside = await runStepOutsideTransaction(step, lock.engine, migration, direction);
  await lock.engine.exec("PRAGMA foreign_keys = OFF");
  const tx = await beginWrite(lock);
  let failure = outside.failure;
  if (step.foreignKeys && failure === null) {
    step.foreignKeys.declared ||= outside.mentionsReferences;
    if (step.foreignKeys.declared) {
      failure = await assertNoNewForeignKeyViolations(tx, step.foreignKeys.baseline).then(
        () => null,
        (e) => e,
      );
    }
    step.foreignKeys.baseline = (await watchForeignKeys(tx)).baseline;
  }
  await recordOutsideStep({ ...step, tx }, migration, {
    direction,
    durationMs: outside.step.durationMs,
    state: failure === null ? "finished" : "failed",
  });
  if (failure === null) {
    soFar.steps.push(outside.step);
    return tx;
  }
  await commitWith(tx);
  const verb = direction === "up" ? "applied" : "reverted";
  throw migrationFailure(
    new StepFailed(migration, direction, failure),
    `It ran outside a transaction, so what it did before the failure stays: it may be partly ${verb}, and ` +
      `it is recorded as failed. Check the database, then record the outcome with ` +
      `\`migrate mark ${migration.version} --applied\` or \`--pending\`.`,
    soFar.steps.map((s) => s.version),
  );
}
