/**
 * The database's write lock, as runs and history edits take it: `BEGIN IMMEDIATE`, waiting out the
 * busy timeout, and a refusal that says what holds the lock when it does not come.
 *
 * @module
 */
import { isBusyError, type SqlEngine, type WriteTransaction } from "../engines/engine.ts";
import { DatabaseStateError } from "../shared/errors.ts";
import { type Wording, wordsOf } from "./wording.ts";

/** The database, the busy timeout in force, and whose words the refusal uses. */
export interface LockContext {
  /** The database. */
  engine: SqlEngine;
  /** The busy timeout in force, for the message. */
  busyTimeoutMs: number;
  /** Whose words the message uses for what to do next. */
  wording: Wording;
}

/**
 * Takes the write lock, waiting up to the busy timeout.
 *
 * @throws {DatabaseStateError} with reason `"busy"` when another connection keeps the lock longer.
 */
export async function beginWrite(ctx: LockContext): Promise<WriteTransaction> {
  try {
    return await ctx.engine.beginWrite();
  } catch (cause) {
    if (!isBusyError(cause)) throw cause;
    throw new DatabaseStateError(
      `The database is locked: another connection held its write lock for more than ${ctx.busyTimeoutMs} ms ` +
        `(the busy timeout). Another process may be migrating it or running a long write; try again, or ` +
        `raise the busy timeout (${wordsOf(ctx.wording).busyTimeout}).`,
      { reason: "busy", cause },
    );
  }
}

/** Runs `work` in a write transaction, committing if it returns and rolling back if it throws. */
export async function inWriteTransaction<T>(
  ctx: LockContext,
  work: (tx: WriteTransaction) => Promise<T>,
): Promise<T> {
  const tx = await beginWrite(ctx);
  try {
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}
