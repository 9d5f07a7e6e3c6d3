/**
 * The fuzzer's model of a trial: the migrations it writes, as lists of operations, and how the first
 * run is started. Files are rendered from this, and the expected database is replayed from it.
 *
 * @module
 */

/**
 * How a `.ts` migration issues a call:
 * - `awaited`: `await db.run(…)`;
 * - `forgotten`: `db.run(…)`, never awaited;
 * - `caught`: `db.run(…).catch(() => {})`, a rejection handler (handled);
 * - `tried`: `try { await db.run(…) } catch {}` (handled);
 * - `then`: `db.run(…).then(log)`, a derived promise nobody handles;
 * - `finally`: `db.run(…).finally(() => {})`, likewise.
 */
export type Style = "awaited" | "forgotten" | "caught" | "tried" | "then" | "finally";

/**
 * What a statement does when it runs: changes the database; fails with an SQL error (and changes
 * nothing); ends the transaction (RAISE(ROLLBACK), INSERT OR ROLLBACK); or succeeds but leaves a
 * foreign-key violation.
 */
export type Outcome = "changes" | "error" | "ends-transaction" | "orphan";

/** One step of a migration's `up`. */
export type Op =
  /**
   * One statement, issued in a style. `replay`, when given, is a cheaper statement with the same
   * effect for the model to replay (a slow one is slow only to give a kill time to land).
   */
  | {
    kind: "statement";
    sql: string;
    replay?: string;
    outcome: Outcome;
    style: Style;
    method: "exec" | "run";
  }
  /** `db.query(select).then((rows) => { for (row of rows) db.run(insert, offset + row.id) })`. */
  | { kind: "chain"; select: string; insert: string; offset: number; awaited: boolean }
  /** `Promise.all([db.run(a), db.run(b)])`, awaited or not. */
  | { kind: "all"; members: { sql: string; outcome: "changes" | "error" }[]; awaited: boolean }
  /** `BEGIN; …; COMMIT` inside a migration outside a transaction; `failing` fails before COMMIT. */
  | { kind: "block"; statements: string[]; failing?: string; oneScript: boolean }
  /** An awaited timer: gives a kill time to land between statements. */
  | { kind: "sleep"; ms: number }
  /** Keeps the executor in `globalThis` for a later migration to misuse. */
  | { kind: "store" }
  /** A call through the executor an earlier migration (`owner`) kept: made after that one ended. */
  | { kind: "stale"; owner: number; sql: string; awaited: boolean }
  /** A call from a timer that fires after `up()` returned. */
  | { kind: "timer"; sql: string; ms: number; caught: boolean }
  /** `throw` (from a plain function) or a rejected promise (`async` or `Promise.reject`). */
  | { kind: "throw" | "reject" };

/** One migration file. */
export interface MigrationPlan {
  /** Its version, from 1. */
  version: number;
  /** Its file name. */
  file: string;
  /** `.sql` or `.ts`. */
  format: "sql" | "ts";
  /** False for `transaction: false` / `-- migrate:up transaction:false`. */
  transactional: boolean;
  /** Whether a `.ts` migration's `up` is `async` (a plain function cannot await). */
  asyncUp: boolean;
  /** What `up` does, in order. */
  ops: Op[];
  /** The statements of `down`, which undo every effect exactly. */
  down: string[];
}

/** A signal sent to the first run after a delay. */
export interface KillPlan {
  /** The signal. */
  signal: "SIGKILL" | "SIGTERM";
  /** Milliseconds after the process starts. */
  afterMs: number;
}

/** Everything a trial does, drawn from its seed. */
export interface TrialPlan {
  /** The seed. */
  seed: number;
  /** Whether the database is in WAL mode (else a rollback journal). */
  wal: boolean;
  /** The migrations, by version. */
  migrations: MigrationPlan[];
  /** The first run: `up`, or `up --to N`, maybe killed. */
  firstRun: { to?: number; kill?: KillPlan };
}
