/**
 * One writer at a time per database file within this process.
 *
 * SQLite waits for a busy lock by blocking the thread. If two connections of one process both want
 * the write lock of a file, and the first holds it across an `await` (a migration loading its module,
 * say), the second one's wait stops the first from ever finishing until the busy timeout has passed.
 * So the synchronous engines queue their write transactions here, where waiting is asynchronous,
 * before asking SQLite for the lock.
 *
 * @module
 */
import { SqliteError } from "./engine.ts";

interface FileLock {
  held: boolean;
  waiters: (() => void)[];
}

/**
 * The locks of this process, shared through a global symbol by every copy of the toolkit it loaded
 * (an app and a library may import it from different URLs).
 */
function locks(): Map<string, FileLock> {
  const registry = globalThis as { [key: symbol]: Map<string, FileLock> | undefined };
  const key = Symbol.for("strata.writeLocks");
  return registry[key] ??= new Map();
}

/**
 * Takes this process's write lock of a database file, waiting for another connection of the process
 * to release it for at most `timeoutMs()` (read only when there is a wait: the connection's busy
 * timeout).
 *
 * @returns The function that releases the lock; calling it again does nothing.
 * @throws {SqliteError} with code `"SQLITE_BUSY"` when the wait is longer than `timeoutMs`.
 */
export async function takeWriteLock(file: string, timeoutMs: () => number): Promise<() => void> {
  const all = locks();
  let lock = all.get(file);
  if (!lock) {
    lock = { held: false, waiters: [] };
    all.set(file, lock);
  }
  if (lock.held) await waitForTurn(lock, file, timeoutMs());
  lock.held = true;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = lock.waiters.shift();
    if (next) next();
    else {
      lock.held = false;
      all.delete(file);
    }
  };
}

function waitForTurn(lock: FileLock, file: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const turn = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      lock.waiters.splice(lock.waiters.indexOf(turn), 1);
      reject(
        new SqliteError(
          `database is locked: another connection of this process kept the write lock of ${file} longer ` +
            `than the busy timeout (${timeoutMs} ms)`,
          { code: "SQLITE_BUSY" },
        ),
      );
    }, timeoutMs);
    lock.waiters.push(turn);
  });
}
