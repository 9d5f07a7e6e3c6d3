/**
 * The statements of a planned migration, run on a scratch database as they are written, so that
 * SQLite itself checks each one: what a plan writes is what ran. Also what a view or trigger
 * names, to find the ones a table change breaks.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { SchemaChangeError } from "../shared/errors.ts";
import { formatTokens, quoteName, tokenize, tokenName } from "../sql/tokens.ts";

/** What a view or trigger names, by lower-case name, to find the views and triggers a table change breaks. */
const mentionCache = new Map<string, Set<string>>();

/**
 * The names a statement mentions, lower case: a superset of the tables and views it uses.
 *
 * @example
 * ```ts
 * import { mentions } from "./plan_script.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(mentions('CREATE VIEW v AS SELECT "Email" FROM Users').has("users"));
 * ```
 */
export function mentions(sql: string): Set<string> {
  let names = mentionCache.get(sql);
  if (!names) {
    names = new Set(
      tokenize(sql).filter((token) => token.kind === "word" || token.kind === "identifier")
        .map((token) => tokenName(token).toLowerCase()),
    );
    if (mentionCache.size > 10_000) mentionCache.clear();
    mentionCache.set(sql, names);
  }
  return names;
}

/** The statements of a plan, run on the scratch database as they are written. */
export class Script {
  readonly #db: DatabaseSync;
  readonly #buffers: string[][] = [[]];
  #savepoints = 0;

  /** A script that runs its statements on `db`. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Adds comment lines (a blank line first, to start a step). */
  step(...comments: string[]): void {
    const last = this.#buffers.findLast((lines) => lines.length > 0)?.at(-1);
    if (last !== undefined && last !== "") this.#top().push("");
    this.#top().push(...comments.map((comment) => `-- ${comment}`));
  }

  /**
   * Runs a statement and writes it. An `ALTER TABLE` that SQLite refuses because a view or trigger
   * no longer compiles around it ("error in view v: no such column: b") drops that object first, to
   * be created again at the end, and runs again.
   */
  run(sql: string): void {
    for (let attempt = 0;; attempt++) {
      try {
        this.#db.exec(sql);
        break;
      } catch (error) {
        const blocker = /^error in (view|trigger) (.+?)(?: after [a-z ]+)?: /.exec(errorMessage(error));
        if (!blocker || attempt > 100) throw planFailure(sql, error);
        this.run(`DROP ${blocker[1].toUpperCase()} ${quoteName(blocker[2])}`);
      }
    }
    this.#top().push(`${sql};`);
  }

  /** Writes a statement without running it, for a statement whose effect the caller makes otherwise. */
  record(sql: string): void {
    this.#top().push(`${sql};`);
  }

  /** Runs `work` in a savepoint, keeping what it wrote when it returns true and undoing it otherwise. */
  async trial(work: () => Promise<boolean>): Promise<boolean> {
    const name = `strata_plan_${++this.#savepoints}`;
    this.#db.exec(`SAVEPOINT ${name}`);
    this.#buffers.push([]);
    let kept = false;
    try {
      kept = await work();
    } catch {
      kept = false;
    }
    const lines = this.#buffers.pop()!;
    if (kept) {
      this.#db.exec(`RELEASE ${name}`);
      this.#top().push(...lines);
    } else {
      this.#db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
    }
    return kept;
  }

  /** The statements and comments written, as the text of a `.sql` section. */
  text(): string {
    return this.#buffers[0].join("\n");
  }

  #top(): string[] {
    return this.#buffers.at(-1)!;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error for a statement of a plan that SQLite refuses: a bug of the planner. */
export function planFailure(sql: string, cause: unknown): SchemaChangeError {
  const oneLine = formatTokens(tokenize(sql));
  return new SchemaChangeError(
    `strata could not write SQL for this change: SQLite refused "${oneLine}": ${errorMessage(cause)}. ` +
      `This is a bug in strata; nothing was written.`,
    "",
    { cause },
  );
}
