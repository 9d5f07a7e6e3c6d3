/**
 * The run as its steps see it: late calls are reported to it while it is open, and they, like the
 * caller's abort signal, interrupt the step that runs.
 *
 * @module
 */
import { type LateCallError, type RunControl, StepInterrupted, type StepScope } from "./step_scope.ts";

/** Watches one run's steps for a late call or an abort, and interrupts them when one comes. */
export class RunWatch implements RunControl {
  /** The first call made after its step finished, while the run was open. */
  lateCall: LateCallError | null = null;
  readonly #external: AbortSignal | undefined;
  readonly #steps = new Set<StepScope>();
  #open = true;

  /** Watches a run interrupted by `external` when it aborts. */
  constructor(external: AbortSignal | undefined) {
    this.#external = external;
    external?.addEventListener("abort", this.#onAbort);
  }

  /** Whether the run must stop: its signal aborted, or a late call came. */
  get stopped(): boolean {
    return this.lateCall !== null || this.#external?.aborted === true;
  }

  /** Keeps the first late call, and interrupts the steps that run. */
  calledLate(error: LateCallError): boolean {
    if (!this.#open) return false;
    this.lateCall ??= error;
    this.#interrupt(error);
    return true;
  }

  /** Fails a step at once when the run is already interrupted. */
  enter(step: StepScope): void {
    this.#steps.add(step);
    if (this.lateCall) step.fail(new StepInterrupted(this.lateCall));
    else if (this.#external?.aborted) step.fail(new StepInterrupted(this.#external.reason));
  }

  /** Forgets a step that has ended. */
  leave(step: StepScope): void {
    this.#steps.delete(step);
  }

  /** From now on, late calls are the caller's to see: the run is being committed or rolled back. */
  close(): void {
    this.#open = false;
    this.#external?.removeEventListener("abort", this.#onAbort);
  }

  readonly #onAbort = () => this.#interrupt(this.#external!.reason);

  #interrupt(reason: unknown): void {
    for (const step of this.#steps) step.fail(new StepInterrupted(reason));
  }
}
