/**
 * The span of one migration step: the calls `up()` or `down()` makes, and the moment it ends.
 *
 * A step ends only when its function has settled and every call it made has finished, calls made
 * from the callbacks of earlier calls included. It fails when its function throws, when one of its
 * calls fails and the migration did not handle that failure (a rejection left unhandled while it
 * runs, as Deno reports it), when a statement ends the run's transaction, when it waits longer than
 * its time limit without running SQL, or when the run is interrupted. Once it has ended, every call
 * is refused and nothing of it runs: calls still queued when it fails are cancelled, and a call made
 * after it finished (from a timer, or through an executor kept for later) is a late call, which the
 * run is told of so that it can roll back.
 *
 * @module
 */
import { label } from "../shared/format.ts";
import type { Direction } from "../shared/errors.ts";

/** What a step needs from the run it belongs to. */
export interface RunControl {
  /**
   * Told of a call made after its step finished, with the error the call was refused with.
   *
   * @returns Whether the run was still open and takes it upon itself to report it (it rolls back).
   */
  calledLate(error: LateCallError): boolean;
  /** Told that a step starts: the run fails it if it is interrupted before the step ends. */
  enter(step: StepScope): void;
  /** Told that a step has ended. */
  leave(step: StepScope): void;
}

/** Options of a {@link StepScope}. */
interface StepScopeOptions {
  /** The migration the step runs, for messages. */
  migration: { readonly version: number; readonly description: string };
  /** `"up"` or `"down"`. */
  direction: Direction;
  /** The run the step belongs to. */
  run: RunControl;
  /**
   * How long the migration may wait without a call of its own running before it is stopped, in
   * milliseconds; 0 for no limit.
   */
  timeoutMs: number;
}

/** A call made after its step had finished. */
export class LateCallError extends Error {
  /** Version of the migration whose executor was called. */
  readonly version: number;
  /** Whether the run was still open when the call came, and reports it. */
  reported = false;

  /** Creates the error for a late call to the executor of `version`. */
  constructor(message: string, version: number) {
    super(message);
    this.name = "LateCallError";
    this.version = version;
  }
}

/** A step stopped because the run was interrupted; `reason` is the abort signal's. */
export class StepInterrupted extends Error {
  /** Why the run was interrupted (the signal's reason, e.g. `"SIGTERM"`). */
  readonly reason: unknown;

  /** Creates the error with the abort signal's reason. */
  constructor(reason: unknown) {
    super(`the run was interrupted (${describeReason(reason)})`);
    this.reason = reason;
  }
}

/** Steps running now, across every run of the process. */
const active = new Set<StepScope>();
/** Errors calls were rejected with, and the step each call belongs to. */
const callErrors = new WeakMap<object, StepScope>();
/** Errors of calls refused because their step had already failed: reported by the step, never again. */
const cancelled = new WeakSet<object>();
let listening = false;

/**
 * Deno reports a rejection nobody handled after the microtasks that could still handle it have run.
 * One belonging to a step's call fails that step; any other arriving while steps run fails them all,
 * since it may be theirs (an async function the migration forgot to await). Either is then handled,
 * so the process goes on to roll back instead of dying half way.
 */
function onUnhandledRejection(event: PromiseRejectionEvent): void {
  const reason = event.reason;
  if (typeof reason === "object" && reason !== null) {
    if (cancelled.has(reason)) return event.preventDefault();
    const owner = callErrors.get(reason);
    if (owner) {
      owner.fail(reason);
      return event.preventDefault();
    }
    if (reason instanceof LateCallError && reason.reported) return event.preventDefault();
  }
  if (active.size === 0) return;
  for (const step of active) {
    step.fail(new Error(`a promise was rejected and nobody handled it: ${describeReason(reason)}`));
  }
  event.preventDefault();
}

/**
 * Resolves after the event loop has turned once: the microtasks queued before it have run, and Deno
 * has reported the rejections they left unhandled. A message channel or a zero timer is not enough
 * once Node's compatibility layer is loaded (an npm package in the process), which reports them only
 * before immediates; a zero timer also takes a millisecond or more, an immediate microseconds.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One step's calls and how it ends; see the module documentation. */
export class StepScope {
  readonly #options: StepScopeOptions;
  #open = true;
  #failure: { error: unknown } | null = null;
  #rejectFailure: (error: unknown) => void = () => {};
  #tail: Promise<void> = Promise.resolve();
  #calls = 0;
  #running = 0;
  #lastActivity = performance.now();
  #watchdog: ReturnType<typeof setTimeout> | undefined;

  /** Opens the scope of one step. */
  constructor(options: StepScopeOptions) {
    this.#options = options;
  }

  /** How many calls the migration made. */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Runs the step's function and waits for the step to end.
   *
   * @param body `up()` or `down()`, given the executor.
   * @param awaitsItsCalls True for a body known to await its only call (a `.sql` section): the step
   *   then ends with it, without waiting for a turn of the event loop.
   * @throws the step's failure: what the function threw, a call's unhandled error, or why it stopped.
   */
  async run(body: () => unknown, awaitsItsCalls: boolean): Promise<void> {
    this.#options.run.enter(this);
    try {
      if (awaitsItsCalls) {
        await Promise.resolve().then(body).catch((error) => this.fail(error));
      } else {
        await this.#runWatched(body);
      }
      if (this.#failure) throw this.#failure.error;
    } finally {
      this.#options.run.leave(this);
    }
  }

  /** Runs a body that may leave calls and promises behind, until they have all settled. */
  async #runWatched(body: () => unknown): Promise<void> {
    active.add(this);
    if (!listening) {
      globalThis.addEventListener("unhandledrejection", onUnhandledRejection);
      listening = true;
    }
    const failed = new Promise<never>((_, reject) => this.#rejectFailure = reject);
    failed.catch(() => {});
    if (this.#failure) this.#rejectFailure(this.#failure.error);
    if (this.#options.timeoutMs > 0) this.#armWatchdog(this.#options.timeoutMs);
    try {
      let settled: unknown;
      try {
        settled = body();
      } catch (error) {
        this.fail(error);
      }
      await Promise.race([Promise.resolve(settled), failed]).catch((error) => this.fail(error));
      for (;;) {
        const calls = this.#calls;
        await Promise.race([this.#tail, failed]).catch(() => {});
        await Promise.race([nextTurn(), failed]).catch(() => {});
        if (this.#failure || (this.#calls === calls && this.#running === 0)) break;
      }
    } finally {
      active.delete(this);
      clearTimeout(this.#watchdog);
    }
  }

  /** Fails the step with `error`, unless it has already ended; the first failure is the one reported. */
  fail(error: unknown): void {
    if (this.#failure || !this.#open) return;
    this.#failure = { error };
    this.#rejectFailure(error);
  }

  /**
   * Ends the step: every later call is refused, calls still queued are cancelled, and the one
   * running, if any, is waited for. Call it before anything else runs on the connection.
   */
  async seal(): Promise<void> {
    this.#open = false;
    await this.#tail;
  }

  /**
   * Queues a call of the migration: `work` runs after the calls made before it have finished, unless
   * the step has ended by then. `what` names the call in messages (`db.exec()`).
   */
  queue<T>(what: string, work: () => Promise<T>): Promise<T> {
    const refused = this.#refusal<T>(what);
    if (refused) return refused;
    this.#calls++;
    this.#running++;
    const run = this.#tail.then(() => {
      if (!this.#open || this.#failure) throw this.#cancel(what);
      return work();
    });
    this.#tail = run.then(() => this.#finished(), () => this.#finished());
    return this.#owned(run);
  }

  /**
   * Runs a call at once, not queued: a statement of a helper (a table rebuild) that itself runs as
   * one queued call. It is refused all the same once the step has ended.
   */
  direct<T>(what: string, work: () => Promise<T>): Promise<T> {
    const refused = this.#refusal<T>(what);
    if (refused) return refused;
    this.#calls++;
    if (this.#failure) return Promise.reject(this.#cancel(what));
    return this.#owned(work());
  }

  /** A call's promise, whose rejection, if left unhandled, fails this step. */
  #owned<T>(call: Promise<T>): Promise<T> {
    return call.then(undefined, (error) => {
      if (typeof error === "object" && error !== null && !cancelled.has(error)) callErrors.set(error, this);
      throw error;
    });
  }

  #finished(): void {
    this.#running--;
    this.#lastActivity = performance.now();
  }

  /** The refusal of a call made after the step ended, or null while it is open. */
  #refusal<T>(what: string): Promise<T> | null {
    if (this.#open) return null;
    if (this.#failure) return Promise.reject(this.#cancel(what));
    const { version } = this.#options.migration;
    const error = new LateCallError(
      `Migration ${
        label(this.#options.migration)
      } called ${what} after it had finished: nothing of that call ran. Every ` +
        `call a migration makes must finish before its ${this.#options.direction}() does; await it ` +
        `(a call from a timer, or through an executor kept for later, comes too late).`,
      version,
    );
    error.reported = this.#options.run.calledLate(error);
    return Promise.reject(error);
  }

  #cancel(what: string): Error {
    const error = new Error(
      `${what} was not run: migration ${label(this.#options.migration)} had already failed`,
    );
    cancelled.add(error);
    return error;
  }

  /** Checks, every `timeoutMs` at most, whether the step has gone that long with no call running. */
  #armWatchdog(delay: number): void {
    this.#watchdog = setTimeout(() => {
      const limit = this.#options.timeoutMs;
      const idle = performance.now() - this.#lastActivity;
      if (this.#running === 0 && idle >= limit) {
        this.fail(
          new Error(
            `it did not finish: for ${formatDuration(limit)} it ran no SQL and its ` +
              `${this.#options.direction}() did not settle (the time limit, --timeout)`,
          ),
        );
        return;
      }
      this.#armWatchdog(this.#running === 0 ? Math.max(1, limit - idle) : limit);
    }, delay);
  }
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A value as a message shows it, whatever it is (even an object without a prototype). */
export function describeReason(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    try {
      return JSON.stringify(value) ?? typeof value;
    } catch {
      return typeof value;
    }
  }
}
