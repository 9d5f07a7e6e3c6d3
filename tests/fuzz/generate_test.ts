/**
 * The generator and the model it feeds: a seed always draws the same trial, and the migrations it
 * draws have the properties the invariant relies on (an exact `down`, idempotent statements outside
 * a transaction, a fate for every fault).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { dumpDatabase } from "./dump.ts";
import { generateTrial } from "./generate.ts";
import type { MigrationPlan } from "./plan.ts";
import { applyEffect, applyStatements } from "./replay.ts";
import { expectationOf } from "./semantics.ts";

const SEEDS = Array.from({ length: 100 }, (_, i) => i + 1);

/** Runs `fn` on an in-memory database without foreign-key enforcement, as the model replays. */
function withMemoryDatabase<T>(fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("PRAGMA foreign_keys = OFF");
    return fn(db);
  } finally {
    db.close();
  }
}

Deno.test("a seed always draws the same trial", () => {
  for (const seed of SEEDS) assert.deepEqual(generateTrial(seed), generateTrial(seed));
});

/** The migrations of a trial that can all be applied: those before the first that must fail. */
function applicable(seed: number): MigrationPlan[] {
  const { migrations } = generateTrial(seed);
  const failing = migrations.findIndex((m) => expectationOf(m).fate === "fails");
  return failing === -1 ? migrations : migrations.slice(0, failing + 1);
}

Deno.test("every drawn migration's down() removes exactly what its up() made", () => {
  for (const seed of SEEDS) {
    const migrations = applicable(seed).filter((m) => expectationOf(m).fate !== "fails");
    const left = withMemoryDatabase((db) => {
      for (const m of migrations) for (const effect of expectationOf(m).effects) applyEffect(db, effect);
      for (const m of migrations.toReversed()) applyStatements(db, m.down);
      return dumpDatabase(db);
    });
    assert.equal(left, "", `seed ${seed}`);
  }
});

Deno.test("a drawn migration outside a transaction can run again over any prefix it left", () => {
  for (const seed of SEEDS) {
    const migrations = applicable(seed);
    for (const [index, m] of migrations.entries()) {
      if (m.transactional) continue;
      const { effects } = expectationOf(m);
      const before = migrations.slice(0, index).flatMap((earlier) => expectationOf(earlier).effects);
      const replay = (prefix: number) =>
        withMemoryDatabase((db) => {
          for (const effect of before) applyEffect(db, effect);
          for (const effect of effects.slice(0, prefix)) applyEffect(db, effect);
          for (const effect of effects) applyEffect(db, effect);
          return dumpDatabase(db);
        });
      const once = replay(0);
      for (let prefix = 1; prefix <= effects.length; prefix++) {
        assert.equal(replay(prefix), once, `seed ${seed}, ${m.file}`);
      }
    }
  }
});

Deno.test("the drawn trials cover every fault, style and late call the model knows", () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 300; seed++) {
    for (const m of generateTrial(seed).migrations) {
      for (const op of m.ops) {
        seen.add(op.kind === "statement" ? `${op.style} ${op.outcome}` : op.kind);
        if (op.kind === "block" && op.failing) seen.add("failing block");
      }
    }
  }
  const expected = [
    "awaited error",
    "forgotten error",
    "then error",
    "finally error",
    "tried error",
    "caught error",
    "awaited ends-transaction",
    "tried ends-transaction",
    "awaited orphan",
    "chain",
    "all",
    "block",
    "failing block",
    "sleep",
    "store",
    "stale",
    "timer",
    "throw",
    "reject",
  ];
  assert.deepEqual(expected.filter((what) => !seen.has(what)), []);
});
