/**
 * Editing the history without running a migration, as `accept`, `mark` and a baseline do: under the
 * write lock, given the database's state read under it.
 *
 * @module
 */
import type { WriteTransaction } from "../engines/engine.ts";
import type { HistoryStore } from "./history.ts";
import { type DatabaseState, type KnownMigrations, readState } from "./database_state.ts";
import { inWriteTransaction, type LockContext } from "./write_transaction.ts";

/** The database and its lock, its history tables, and the known migrations. */
export interface HistoryEditor extends LockContext {
  /** The known migrations. */
  readonly known: KnownMigrations;
  /** The history tables. */
  readonly history: HistoryStore;
}

/** Runs `work` in a write transaction, given the database's state read under its lock. */
export async function editHistory<T>(
  editor: HistoryEditor,
  work: (tx: WriteTransaction, state: DatabaseState) => Promise<T>,
): Promise<T> {
  return await inWriteTransaction(
    editor,
    async (tx) => await work(tx, await readState(tx, editor.history, editor.known)),
  );
}
