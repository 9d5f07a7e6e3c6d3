/**
 * The line a terminal shows while a migration runs long: which one, and for how long. Nothing shows
 * for a migration that ends within two seconds, so a run of quick migrations prints only its report;
 * the line is cleared before anything else is written.
 *
 * @module
 */
import { formatVersion } from "../shared/format.ts";
import type { StartedMigration } from "../core/step.ts";

/** How long a migration runs before the line appears, and how often it is updated, in milliseconds. */
interface RunningLineOptions {
  /** @default {2000} */
  afterMs?: number;
  /** @default {1000} */
  everyMs?: number;
}

/**
 * Shows the migration that runs, through `live`, which replaces the terminal's current line (an
 * empty text clears it).
 *
 * @example Show a migration that runs long
 * ```ts
 * import { RunningLine } from "./progress.ts";
 * import assert from "node:assert/strict";
 *
 * const shown: string[] = [];
 * const line = new RunningLine((text) => shown.push(text), { afterMs: 10, everyMs: 10 });
 * line.start({ version: 3, description: "backfill emails", direction: "up" });
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * line.stop();
 * assert.match(shown[0], /^Applying 003 backfill emails… \d/);
 * assert.equal(shown.at(-1), "");
 * ```
 */
export class RunningLine {
  readonly #live: (text: string) => void;
  readonly #afterMs: number;
  readonly #everyMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #shown = false;

  /** Shows through `live`, after `afterMs` and every `everyMs`. */
  constructor(live: (text: string) => void, options: RunningLineOptions = {}) {
    this.#live = live;
    this.#afterMs = options.afterMs ?? 2_000;
    this.#everyMs = options.everyMs ?? 1_000;
  }

  /** A migration starts: the line for the one before goes, and this one's shows if it runs long. */
  start(migration: StartedMigration): void {
    this.stop();
    const started = performance.now();
    const verb = migration.direction === "up" ? "Applying" : "Rolling back";
    const show = () => {
      const seconds = Math.floor((performance.now() - started) / 1_000);
      this.#live(`${verb} ${formatVersion(migration.version)} ${migration.description}… ${seconds} s`);
      this.#shown = true;
      this.#timer = setTimeout(show, this.#everyMs);
    };
    this.#timer = setTimeout(show, this.#afterMs);
  }

  /** The run ended: no more updates, and the line is cleared if it showed. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#shown) this.#live("");
    this.#shown = false;
  }
}
