/**
 * What a migration must do to the database, by the rules the toolkit promises:
 * - a migration commits whole, all its calls (forgotten and chained ones included), or not at all;
 * - a call whose failure the migration handled (awaited in try/catch, or given a rejection handler)
 *   has no effect and does not fail it; any other failed call fails it;
 * - a statement that ends the transaction fails the migration, handled or not;
 * - a migration that leaves a foreign-key violation fails;
 * - a late call (a timer after `up()` returned, an executor kept for later) never has any effect,
 *   but may make its run roll back, so whether that run commits is not the model's to say;
 * - a failed migration outside a transaction may leave any prefix of its effects.
 *
 * @module
 */
import type { MigrationPlan, Style } from "./plan.ts";

/** One unit of a migration's effect, replayed as a whole. */
export type Effect =
  | { kind: "sql"; sql: string }
  | { kind: "block"; statements: string[] }
  | { kind: "chain"; select: string; insert: string; offset: number };

/**
 * Whether a migration, when it runs, must be applied (`applies`), must fail (`fails`), or may do
 * either (`uncertain`: a late call can roll its run back).
 */
export type Fate = "applies" | "fails" | "uncertain";

/** A migration's fate, the effect it has when applied, and why it is not simply applied. */
export interface Expectation {
  /** Its fate. */
  fate: Fate;
  /**
   * What it does, in order. Applied, all of it; failed outside a transaction, a prefix of it (the
   * effects before the failure).
   */
  effects: Effect[];
  /** Why its fate is not `applies`, in words. */
  reasons: string[];
}

const HANDLED: ReadonlySet<Style> = new Set(["caught", "tried"]);

/** What a migration must do, by the rules above. */
export function expectationOf(migration: MigrationPlan): Expectation {
  const effects: Effect[] = [];
  const reasons: string[] = [];
  let failed = false;
  let uncertain = false;
  let orphan = false;
  const fail = (reason: string) => {
    failed = true;
    reasons.push(reason);
  };
  for (const op of migration.ops) {
    if (failed) break;
    switch (op.kind) {
      case "statement":
        if (op.outcome === "ends-transaction") fail(`a statement ends the transaction (${op.style})`);
        else if (op.outcome === "error" && !HANDLED.has(op.style)) fail(`a failing call, ${op.style}`);
        else if (op.outcome !== "error") {
          effects.push({ kind: "sql", sql: op.replay ?? op.sql });
          orphan ||= op.outcome === "orphan";
        }
        break;
      case "chain":
        effects.push({ kind: "chain", select: op.select, insert: op.insert, offset: op.offset });
        break;
      case "all":
        if (op.members.some((member) => member.outcome === "error")) {
          fail(`a failing call in ${op.awaited ? "an awaited" : "an un-awaited"} Promise.all`);
        } else effects.push(...op.members.map((member) => ({ kind: "sql" as const, sql: member.sql })));
        break;
      case "block":
        if (op.failing) fail("a statement fails inside its own BEGIN … COMMIT");
        else effects.push({ kind: "block", statements: op.statements });
        break;
      case "throw":
        fail(migration.asyncUp ? "up() throws (a rejection)" : "up() throws synchronously");
        break;
      case "reject":
        fail("up() returns a rejected promise");
        break;
      case "timer":
        uncertain = true;
        reasons.push("a timer calls after up() returned");
        break;
      case "stale":
        uncertain = true;
        reasons.push(`a call through the kept executor of migration ${op.owner}`);
        break;
      case "sleep":
      case "store":
        break;
    }
  }
  if (orphan && !failed) fail("it leaves a foreign-key violation");
  return { fate: failed ? "fails" : uncertain ? "uncertain" : "applies", effects, reasons };
}
