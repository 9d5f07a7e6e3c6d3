/**
 * Draws a trial from a seed: a set of migrations (SQL and TS, in and outside a transaction), the
 * styles their calls are made in, at most one fault each, and how the first run is started.
 *
 * @module
 */
import type { MigrationPlan, Op, Outcome, Style, TrialPlan } from "./plan.ts";
import { Rng } from "./prng.ts";
import { TableSql } from "./statements.ts";

/** The trial of a seed: the same seed always gives the same plan. */
export function generateTrial(seed: number): TrialPlan {
  const rng = new Rng(seed);
  const kill = rng.chance(0.35)
    ? { signal: rng.chance(0.6) ? "SIGKILL" as const : "SIGTERM" as const, afterMs: rng.int(20, 160) }
    : undefined;
  const count = rng.pick([1, 2, 2, 3, 3, 4, 5]);
  const kept: number[] = [];
  // Slow statements only give a kill time to land; without one they would only cost time.
  const migrations = Array.from(
    { length: count },
    (_, i) => generateMigration(rng, i + 1, kept, kill !== undefined),
  );
  const wal = rng.chance(0.5);
  const to = count > 1 && rng.chance(0.15) ? rng.int(1, count - 1) : undefined;
  return { seed, wal, migrations, firstRun: { to, kill } };
}

type Fault = "throw" | "reject" | "error" | "orphan" | "raise" | "or-rollback" | "block";

/** The faults a migration of this kind can have. */
function faultsFor(format: "sql" | "ts", transactional: boolean, hasParent: boolean): Fault[] {
  if (!transactional) return format === "ts" ? ["throw", "reject", "error", "block"] : ["error", "block"];
  const faults: Fault[] = ["error", "raise", "or-rollback", ...(hasParent ? ["orphan" as const] : [])];
  return format === "ts" ? ["throw", "reject", ...faults] : faults;
}

/**
 * One migration; `kept` lists the versions before it that keep their executor in `globalThis`, and
 * `slow` allows statements that take a while.
 */
function generateMigration(rng: Rng, k: number, kept: number[], slow: boolean): MigrationPlan {
  const format = rng.chance(0.4) ? "sql" : "ts";
  const transactional = rng.chance(0.75);
  // Outside a transaction a failed migration's table stays until its next run; a key to an earlier
  // table would then block rolling that one back, so such a migration only references itself.
  const parent = k > 1 && transactional && rng.chance(0.4) ? rng.int(1, k - 1) : rng.chance(0.15) ? k : null;
  // Faults grow likelier with the version, so most trials get past the first migrations.
  const fault = rng.chance(0.1 + 0.07 * k)
    ? rng.pick(faultsFor(format, transactional, parent !== null))
    : null;
  const asyncUp = format === "ts" && fault !== "throw" && !(fault === "reject" && rng.chance(0.5));
  const ops = new OpDrawer(rng, k, { format, transactional, asyncUp, slow }, kept);
  const sql = ops.sql;
  const setup = [...(k === 1 ? [sql.createLog()] : []), sql.createTable(parent), sql.seed(parent)];
  const body = Array.from({ length: rng.int(1, 5) }, () => ops.bodyOp()).filter((op) => op !== null);
  if (fault) body.splice(rng.int(0, body.length), 0, ...ops.faultOps(fault));
  const end = body.findIndex(isExit);
  return {
    version: k,
    file: `${String(k).padStart(3, "0")}_m${k}.${format}`,
    format,
    transactional,
    asyncUp,
    // Nothing after a throw or a return runs: it is not written.
    ops: [
      ...setup.map((s) => ops.statement(s, ops.okStyle())),
      ...timersLast(end === -1 ? body : body.slice(0, end + 1), asyncUp),
    ],
    down: sql.down(),
  };
}

function isExit(op: Op): boolean {
  return op.kind === "throw" || op.kind === "reject";
}

/**
 * A timer's call must come after the migration's step has ended, not only after `up()` returned:
 * timers go last (nothing awaited after them lets them fire inside `up()`), just before a final
 * throw; a slow statement in such a migration is awaited (left out of a plain `up`), so nothing
 * still queued when `up()` returns takes more than a few milliseconds; and their delays (30 ms or
 * more) leave the step that much time to end, even on a busy machine.
 */
function timersLast(body: Op[], asyncUp: boolean): Op[] {
  const timers = body.filter((op) => op.kind === "timer");
  if (timers.length === 0) return body;
  const rest = body.filter((op) => op.kind !== "timer").flatMap((op): Op[] => {
    if (
      op.kind !== "statement" || op.replay === undefined || op.style === "awaited" || op.style === "tried"
    ) {
      return [op];
    }
    return asyncUp ? [{ ...op, style: "awaited" }] : [];
  });
  const exit = rest.length > 0 && isExit(rest[rest.length - 1]) ? rest.splice(-1) : [];
  return [...rest, ...timers, ...exit];
}

interface Kind {
  format: "sql" | "ts";
  transactional: boolean;
  asyncUp: boolean;
  slow: boolean;
}

/** Draws the operations of one migration, keeping row ids and `log` numbers unique within it. */
class OpDrawer {
  readonly sql: TableSql;
  readonly #rng: Rng;
  readonly #k: number;
  readonly #kind: Kind;
  readonly #kept: number[];
  #nextId = 10;
  #nextLog = 1;
  #late = 0;
  /** Id ranges that exist once the calls drawn so far have run: a chain may select them. */
  #ranges: [number, number][] = [[1, 3]];

  constructor(rng: Rng, k: number, kind: Kind, kept: number[]) {
    this.#rng = rng;
    this.#k = k;
    this.#kind = kind;
    this.#kept = kept;
    this.sql = new TableSql(k, !kind.transactional);
  }

  /** A style for a call that succeeds. */
  okStyle(): Style {
    if (this.#kind.format === "sql") return "awaited";
    return this.#rng.pick<Style>(
      this.#kind.asyncUp
        ? ["awaited", "awaited", "awaited", "forgotten", "forgotten", "caught", "tried", "then", "finally"]
        : ["forgotten", "forgotten", "caught", "then", "finally"],
    );
  }

  /** A statement op; DDL is issued with `exec`, other statements with `run` or `exec`. */
  statement(sql: string, style: Style, outcome: Outcome = "changes", replay?: string): Op {
    const method = /^(CREATE|DROP)/.test(sql) || this.#rng.chance(0.3) ? "exec" : "run";
    return { kind: "statement", sql, ...(replay ? { replay } : {}), outcome, style, method };
  }

  #rows(): string {
    const count = this.#rng.int(1, 4);
    const first = this.#take(count);
    this.#ranges.push([first, first + count - 1]);
    return this.sql.insertRows(first, count);
  }

  #take(count: number): number {
    const first = this.#nextId;
    this.#nextId += count;
    return first;
  }

  #okSql(): string {
    return this.#rng.chance(0.5) ? this.#rows() : this.sql.logRow(this.#nextLog++);
  }

  /** One operation of the body that does not fail the migration, or null when the draw fits none. */
  bodyOp(): Op | null {
    const { format, transactional, asyncUp, slow } = this.#kind;
    const ts = format === "ts";
    const choice = this.#rng.pick([
      "rows",
      "rows",
      "log",
      "update",
      "many",
      "slow",
      "index",
      "chain",
      "all",
      "sleep",
      "timer",
      "store",
      "stale",
      "handled",
      "block",
    ]);
    switch (choice) {
      case "rows":
      case "log":
        return this.statement(
          choice === "rows" ? this.#rows() : this.sql.logRow(this.#nextLog++),
          this.okStyle(),
        );
      case "update":
        return transactional ? this.statement(this.sql.update(this.#rng.int(1, 9)), this.okStyle()) : null;
      case "many": {
        const count = this.#rng.int(100, slow ? 5_000 : 1_000);
        const first = this.#take(count);
        this.#ranges.push([first, first + count - 1]);
        return this.statement(this.sql.manyRows(first, count), this.okStyle());
      }
      case "slow": {
        if (!slow) return null;
        const { sql, replay } = this.sql.slowLogRow(this.#nextLog++, this.#rng.int(20_000, 80_000));
        return this.statement(sql, this.okStyle(), "changes", replay);
      }
      case "index":
        return this.statement(this.sql.index(this.#nextId++), this.okStyle());
      case "chain": {
        if (!ts || !transactional) return null;
        const [first, last] = this.#rng.pick(this.#ranges);
        const offset = 10_000_000 * this.#nextLog++;
        return {
          kind: "chain",
          select: this.sql.selectIds(first, Math.min(last, first + 49)),
          insert: this.sql.logRowParam(),
          offset,
          awaited: asyncUp && this.#rng.chance(0.3),
        };
      }
      case "all":
        if (!ts) return null;
        return {
          kind: "all",
          members: [this.#okSql(), this.#okSql()].map((sql) => ({ sql, outcome: "changes" as const })),
          awaited: asyncUp && this.#rng.chance(0.5),
        };
      case "sleep":
        return ts && asyncUp ? { kind: "sleep", ms: this.#rng.int(5, 40) } : null;
      case "timer":
        return ts
          ? { kind: "timer", sql: this.#lateSql(), ms: this.#rng.int(30, 60), caught: this.#rng.chance(0.5) }
          : null;
      case "store":
        if (!ts || this.#kept.includes(this.#k)) return null;
        this.#kept.push(this.#k);
        return { kind: "store" };
      case "stale": {
        const owners = this.#kept.filter((owner) => owner < this.#k);
        if (!ts || owners.length === 0) return null;
        return {
          kind: "stale",
          owner: this.#rng.pick(owners),
          sql: this.#lateSql(),
          awaited: asyncUp && this.#rng.chance(0.5),
        };
      }
      case "handled":
        return ts
          ? this.statement(
            this.sql.failing(this.#nextId++, this.#rng.chance(0.3)),
            asyncUp && this.#rng.chance(0.5) ? "tried" : "caught",
            "error",
          )
          : null;
      case "block":
        return transactional ? null : {
          kind: "block",
          statements: [this.#okSql(), this.#okSql()],
          oneScript: ts && this.#rng.chance(0.5),
        };
    }
    return null;
  }

  /** A `log` row that must never appear: a late call writes it. */
  #lateSql(): string {
    return this.sql.logRow(900_000_000 + this.#late++);
  }

  /** The operations of a fault. */
  faultOps(fault: Fault): Op[] {
    const { format, transactional, asyncUp } = this.#kind;
    switch (fault) {
      case "throw":
      case "reject":
        return [{ kind: fault }];
      case "error": {
        const sql = this.sql.failing(this.#nextId++, this.#rng.chance(0.3));
        if (format === "sql" || !transactional) return [this.statement(sql, "awaited", "error")];
        if (this.#rng.chance(0.2)) {
          return [{
            kind: "all",
            members: [{ sql: this.#okSql(), outcome: "changes" }, { sql, outcome: "error" }],
            awaited: false,
          }];
        }
        const styles: Style[] = asyncUp
          ? ["awaited", "forgotten", "then", "finally"]
          : ["forgotten", "then", "finally"];
        return [this.statement(sql, this.#rng.pick(styles), "error")];
      }
      case "orphan":
        return [this.statement(this.sql.orphan(this.#nextId++), this.okStyle(), "orphan")];
      case "raise":
        return [
          this.statement(this.sql.guardTrigger(), this.okStyle()),
          this.statement(this.sql.fireGuard(this.#nextId++), this.#endStyle(), "ends-transaction"),
        ];
      case "or-rollback":
        return [this.statement(this.sql.orRollback(), this.#endStyle(), "ends-transaction")];
      case "block":
        return [{
          kind: "block",
          statements: [this.#okSql()],
          failing: this.sql.failing(this.#nextId++, false),
          oneScript: format === "ts" && this.#rng.chance(0.5),
        }];
    }
  }

  /** How a statement that ends the transaction is called: plainly, or with its error handled. */
  #endStyle(): Style {
    if (this.#kind.format === "sql") return "awaited";
    return this.#kind.asyncUp
      ? this.#rng.pick<Style>(["awaited", "tried"])
      : this.#rng.pick<Style>(["forgotten", "caught"]);
  }
}
