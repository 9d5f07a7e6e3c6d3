/**
 * Editing the history without running a migration: what `accept`, `mark` and a baseline need from
 * the manager, and the refusal they share when the history table cannot take a record.
 *
 * @module
 */
import type { WriteTransaction } from "../engines/engine.ts";
import type { HistoryStore } from "./history.ts";
import type { Migration } from "./migration.ts";
import { type DatabaseState, historyWriteProblem } from "./planner.ts";

/** The manager's history, its known migrations, and a write transaction with the state read under it. */
export interface HistoryEditor {
  /** The known migrations, by version. */
  readonly known: readonly Migration[];
  /** The history tables. */
  readonly history: HistoryStore;
  /** Runs `work` in a write transaction, given the database's state read under its lock. */
  inWriteTransaction<T>(work: (tx: WriteTransaction, state: DatabaseState) => Promise<T>): Promise<T>;
}

/**
 * Returns `planned` when there is nothing to write or the history tables can take a record.
 *
 * @throws {DatabaseStateError} naming the columns of a history table strata cannot fill.
 */
export function writable<T>(state: DatabaseState, planned: T[]): T[] {
  const problem = planned.length > 0 ? historyWriteProblem(state) : null;
  if (problem) throw problem;
  return planned;
}

/** The current time, ISO-8601, for history records. */
export function isoNow(): string {
  return new Date().toISOString();
}
