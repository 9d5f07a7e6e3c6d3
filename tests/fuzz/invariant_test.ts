/**
 * The fuzzer's judge must see a broken database: these tests hand it databases built by hand, some
 * exactly what their history says, some corrupted, and check its verdict.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { withTempDir } from "../support/util.ts";
import { readDatabaseState } from "./database_state.ts";
import { judge } from "./invariant.ts";
import { Model } from "./model.ts";
import type { MigrationPlan, Op, TrialPlan } from "./plan.ts";
import { applyEffect } from "./replay.ts";
import { TableSql } from "./statements.ts";

function statements(sql: string[]): Op[] {
  return sql.map((s) => ({
    kind: "statement",
    sql: s,
    outcome: "changes",
    style: "awaited",
    method: "exec",
  }));
}

function migration(version: number, transactional: boolean, ops: Op[]): MigrationPlan {
  const file = `00${version}_m${version}.ts`;
  return {
    version,
    file,
    format: "ts",
    transactional,
    asyncUp: true,
    ops,
    down: new TableSql(version, !transactional).down(),
  };
}

const one = new TableSql(1, false);
const two = new TableSql(2, true);
const three = new TableSql(3, false);
/** Three migrations: one in a transaction, one outside, and one that throws. */
const PLAN: TrialPlan = {
  seed: 0,
  wal: false,
  migrations: [
    migration(
      1,
      true,
      statements([one.createLog(), one.createTable(null), one.seed(null), one.insertRows(10, 3)]),
    ),
    migration(2, false, [
      ...statements([two.createTable(2), two.seed(2), two.logRow(1), two.logRow(2)]),
      { kind: "timer", sql: two.logRow(900_000_000), ms: 40, caught: true },
    ]),
    migration(3, true, [...statements([three.createTable(null)]), { kind: "throw" }]),
  ],
  firstRun: {},
};

/**
 * A database file holding the effects of `applied` (version → how many of its effects) and a
 * history of `records` (version → state), built with node:sqlite alone.
 */
async function judged(
  applied: Record<number, number>,
  records: Record<number, string>,
  corrupt: (db: DatabaseSync) => void = () => {},
): Promise<string[]> {
  const model = new Model(PLAN);
  return await withTempDir((dir) => {
    const path = join(dir, "app.db");
    const db = new DatabaseSync(path);
    try {
      for (const [version, count] of Object.entries(applied)) {
        for (const effect of model.expectation(Number(version)).effects.slice(0, count)) {
          applyEffect(db, effect);
        }
      }
      db.exec(
        "CREATE TABLE strata_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL)",
      );
      for (const [version, state] of Object.entries(records)) {
        db.prepare("INSERT INTO strata_migrations VALUES (?, ?, ?)").run(
          Number(version),
          PLAN.migrations[Number(version) - 1].file,
          state,
        );
      }
      corrupt(db);
    } finally {
      db.close();
    }
    return judge(readDatabaseState(path), model, null).violations;
  });
}

Deno.test("the judge accepts a database that is exactly its applied migrations replayed", async () => {
  assert.deepEqual(await judged({ 1: 4, 2: 4 }, { 1: "applied", 2: "applied" }), []);
});

Deno.test("the judge reports a row changed behind the history's back", async () => {
  const violations = await judged(
    { 1: 4 },
    { 1: "applied" },
    (db) => db.exec("UPDATE t_1 SET v = 99 WHERE id = 2"),
  );
  assert.match(violations[0], /differs from migrations 1 to 1 replayed/);
  assert.ok(violations.includes("  + t_1 [2,99,null]"), violations.join("\n"));
  assert.ok(violations.includes("  - t_1 [2,12,null]"), violations.join("\n"));
});

Deno.test("the judge reports a migration recorded as applied with only part of its effects", async () => {
  const violations = await judged({ 1: 2 }, { 1: "applied" });
  assert.match(violations[0], /differs from migrations 1 to 1 replayed/);
  assert.ok(violations.includes("  - t_1 [1,11,null]"), violations.join("\n"));
});

Deno.test("the judge reports the effects of a migration the history does not record", async () => {
  const violations = await judged({ 1: 4, 2: 2 }, { 1: "applied" });
  assert.match(violations[0], /differs from migrations 1 to 1 replayed/);
  assert.ok(
    violations.includes(
      "  + table t_2: CREATE TABLE t_2 (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, p INTEGER REFERENCES t_2 (id))",
    ),
  );
});

Deno.test("the judge accepts any prefix of a failed migration outside a transaction, and nothing else", async () => {
  for (const prefix of [0, 1, 2, 3, 4]) {
    assert.deepEqual(await judged({ 1: 4, 2: prefix }, { 1: "applied", 2: "failed" }), []);
  }
  const gap = await judged({ 1: 4, 2: 2 }, { 1: "applied", 2: "started" }, (db) => db.exec(two.logRow(2)));
  assert.match(gap[0], /any prefix of 2's 4 effects \(recorded started\)/);
});

Deno.test("the judge takes a timer's row as the migration's, or not, only for a migration that applied", async () => {
  const early = (db: DatabaseSync) => db.exec(two.logRow(900_000_000));
  assert.deepEqual(await judged({ 1: 4, 2: 4 }, { 1: "applied", 2: "applied" }, early), []);
  assert.deepEqual(await judged({ 1: 4, 2: 2 }, { 1: "applied", 2: "failed" }, early), []);
  const leaked = await judged({ 1: 4 }, { 1: "applied" }, early);
  assert.match(leaked[0], /differs from migrations 1 to 1 replayed/);
  assert.ok(leaked.includes("  + log [2,900000000]"), leaked.join("\n"));
});

Deno.test("the judge reports a migration in a transaction recorded as started", async () => {
  const violations = await judged({ 1: 4 }, { 1: "started" });
  assert.deepEqual(violations, ["001_m1.ts is recorded as started but runs in a transaction"]);
});

Deno.test("the judge reports a migration recorded as applied though it must fail", async () => {
  const violations = await judged({ 1: 4, 2: 4, 3: 1 }, { 1: "applied", 2: "applied", 3: "applied" });
  assert.deepEqual(violations, [
    "003_m3.ts is recorded as applied, but it must fail: up() throws (a rejection)",
  ]);
});

Deno.test("the judge reports a history with a gap or a version no file provides", async () => {
  assert.match((await judged({ 1: 4 }, { 1: "applied", 3: "applied" }))[0], /not versions 1 to k: 1, 3/);
  const model = new Model({ ...PLAN, migrations: PLAN.migrations.slice(0, 1) });
  const state = {
    history: [{ version: 1, name: "001_m1.ts", state: "applied" }, {
      version: 2,
      name: "002_m2.ts",
      state: "applied",
    }],
    records: "",
    dump: model.dump(1),
    integrity: "ok",
  };
  assert.deepEqual(judge(state, model, null).violations, [
    "the history records version 2, which no file provides",
  ]);
});

Deno.test("the judge accepts what a failed migration left once it is marked pending, and only that", () => {
  const model = new Model(PLAN);
  const left = {
    history: [{ version: 1, name: "001_m1.ts", state: "applied" }],
    records: "",
    dump: model.dump(1, 3),
    integrity: "ok",
  };
  assert.deepEqual(judge(left, model, { version: 2, prefix: 3 }).violations, []);
  assert.match(judge(left, model, { version: 2, prefix: 2 }).violations[0], /differs/);
  assert.match(judge(left, model, null).violations[0], /differs/);
});
