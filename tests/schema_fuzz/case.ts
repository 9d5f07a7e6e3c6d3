/**
 * One case of the generator fuzzer: a random schema filled with rows, random changes to it, the
 * migration strata generates between them, and every check of it:
 * - applied by strata's runner, the live schema is exactly the wanted one (the drift comparison);
 * - every row of every column both schemas have is the old value converted by the new column's
 *   affinity, with rowids kept where the table keeps them;
 * - no row of a table the changes leave alone changes, nor an AUTOINCREMENT counter;
 * - `PRAGMA foreign_key_check` finds nothing;
 * - the down section gives back exactly the schema before, with every row count;
 * - run outside strata with foreign keys enforced, the up section either stops at its guard before
 *   changing anything (when it rebuilds a referenced table) or gives the same result.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { parseSqlMigration } from "../../src/source/sql_file.ts";
import { MigrationManager } from "../../src/core/manager.ts";
import { readSchema } from "../../src/schema/read_schema.ts";
import { diffSchemas } from "../../src/schema/diff.ts";
import { generateMigration, schemaOfStatements } from "../../src/schema/write_migration.ts";
import { FOREIGN_KEYS_GUARD } from "../../src/schema/migration_plan.ts";
import { randomChanges, randomSchema, renamesOf } from "./generate.ts";
import { renderSchema, renderTable, type Schema } from "./model.ts";
import { seededRandom } from "./random.ts";
import { Conversions, expectedRows, insertRows, readRows } from "./rows.ts";
import { sqlFileMigration } from "../../src/core/load_migrations.ts";

/** What one case found. */
export interface CaseResult {
  seed: number;
  /** Each check that failed; empty when the case passed. */
  failures: string[];
  /** The changes the case made, for the report. */
  steps: string[];
  /** The two schemas and the renames, to replay a failure by hand. */
  before: string;
  after: string;
  rename: Record<string, string>;
  /** How long the generator took, in milliseconds. */
  generateMs: number;
}

/** Runs the case of one seed. */
export async function runCase(seed: number): Promise<CaseResult> {
  const random = seededRandom(seed);
  const before = randomSchema(random);
  const after: Schema = structuredClone(before);
  const log = randomChanges(after, random);
  const rename = renamesOf(before, after, log);
  const [beforeSql, afterSql] = [renderSchema(before), renderSchema(after)];
  const result: CaseResult = {
    seed,
    failures: [],
    steps: log.steps,
    before: beforeSql,
    after: afterSql,
    rename,
    generateMs: 0,
  };
  const fail = (message: string) => result.failures.push(message);
  const migrations = [{
    version: 1,
    description: "start",
    up: (db: { exec(sql: string): Promise<void> }) => db.exec(beforeSql),
  }];
  const wanted = await schemaOfStatements(afterSql, "the wanted schema");
  const started = performance.now();
  let text: string | null;
  try {
    text = (await generateMigration(migrations, afterSql, { rename, description: "fuzz" })).text;
  } catch (error) {
    fail(`generation failed: ${error instanceof Error ? error.message : String(error)}`);
    return result;
  } finally {
    result.generateMs = performance.now() - started;
  }
  const original = await schemaOfStatements(beforeSql, "the schema before");
  if (text === null) {
    const differences = diffSchemas(wanted, original);
    if (differences.length > 0) {
      fail(`nothing was generated, but the schemas differ: ${differences[0].message}`);
    }
    return result;
  }
  const migration = sqlFileMigration(
    { version: 2, description: "generated" },
    parseSqlMigration(text, "002_generated.sql"),
  );
  const db = new DatabaseSync(":memory:");
  const conversions = new Conversions(new DatabaseSync(":memory:"));
  try {
    const manager = new MigrationManager(db).registerMigrations([...migrations, migration]);
    await manager.migrate({ targetVersion: 1 });
    try {
      insertRows(db, before, after, seededRandom(rowSeed(seed)));
    } catch (error) {
      fail(
        `fuzzer: its rows do not fit the schema: ${error instanceof Error ? error.message : String(error)}`,
      );
      return result;
    }
    const snapshot = takeSnapshot(db, before);
    try {
      await manager.migrate();
    } catch (error) {
      fail(`up failed: ${error instanceof Error ? error.message : String(error)}`);
      return result;
    }
    await checkUp(db, { before, after, snapshot, wanted, conversions }, (m) => fail(`up: ${m}`));
    try {
      await manager.rollback();
    } catch (error) {
      fail(`down failed: ${error instanceof Error ? error.message : String(error)}`);
      return result;
    }
    for (const difference of diffSchemas(original, await readSchema(db))) fail(`down: ${difference.message}`);
    for (const table of before.tables.filter((t) => after.tables.some((a) => a.id === t.id))) {
      const count = Number(
        db.prepare(`SELECT count(*) AS n FROM "${table.name.replaceAll('"', '""')}"`).get()?.n,
      );
      if (count !== snapshot.get(table.id)!.rows.length) {
        fail(`down: ${table.name} has ${count} rows, not ${snapshot.get(table.id)!.rows.length}`);
      }
    }
    await checkEnforced(
      { before, after, beforeSql, text, seed, wanted, conversions },
      (m) => fail(`with foreign keys enforced: ${m}`),
    );
  } finally {
    db.close();
  }
  return result;
}

/** The seed of a case's rows: the same rows for the run through strata and the one with enforcement on. */
function rowSeed(seed: number): number {
  return (seed * 2654435761 + 1) >>> 0;
}

interface TableSnapshot {
  /** Non-generated columns, rowid first for a rowid table. */
  rows: string[][];
  /** Every column, rowid first, as text: for tables that must not change at all. */
  whole: string[];
  sequence: unknown;
}

function takeSnapshot(db: DatabaseSync, schema: Schema): Map<number, TableSnapshot> {
  const snapshot = new Map<number, TableSnapshot>();
  for (const table of schema.tables) {
    const plain = table.columns.filter((c) => !c.generated).map((c) => c.name);
    snapshot.set(table.id, {
      rows: readRows(db, table.name, plain, !table.withoutRowid),
      whole: readRows(db, table.name, table.columns.map((c) => c.name), !table.withoutRowid).map((r) =>
        r.join(", ")
      )
        .sort(),
      sequence: sequenceOf(db, table.name),
    });
  }
  return snapshot;
}

function sequenceOf(db: DatabaseSync, table: string): unknown {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").get();
  return exists ? db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table)?.seq ?? null : null;
}

interface UpContext {
  before: Schema;
  after: Schema;
  snapshot: Map<number, TableSnapshot>;
  wanted: Awaited<ReturnType<typeof readSchema>>;
  conversions: Conversions;
}

/** The checks after up: schema, values, untouched tables, counters, foreign keys. */
async function checkUp(db: DatabaseSync, c: UpContext, fail: (message: string) => void): Promise<void> {
  for (const difference of diffSchemas(c.wanted, await readSchema(db))) fail(difference.message);
  for (const old of c.before.tables) {
    const now = c.after.tables.find((t) => t.id === old.id);
    if (!now) continue;
    const taken = c.snapshot.get(old.id)!;
    const expected = expectedRows(taken.rows, old, now, c.conversions);
    const actual = readRows(db, now.name, expected.columns, expected.rowid).map((r) => r.join(", ")).sort();
    if (actual.join("\n") !== expected.rows.join("\n")) {
      fail(
        `rows of ${now.name} (${expected.columns.join(", ")}) are ${JSON.stringify(actual)}, expected ${
          JSON.stringify(expected.rows)
        }`,
      );
    }
    if (renderTable(c.before, old) === renderTable(c.after, now) && old.name === now.name) {
      const whole = readRows(db, now.name, now.columns.map((col) => col.name), !now.withoutRowid).map((r) =>
        r.join(", ")
      ).sort();
      if (whole.join("\n") !== taken.whole.join("\n")) {
        fail(`rows of the unchanged table ${now.name} changed`);
      }
    }
    if (old.autoincrement && now.autoincrement && sequenceOf(db, now.name) !== taken.sequence) {
      fail(`the AUTOINCREMENT counter of ${now.name} is ${sequenceOf(db, now.name)}, not ${taken.sequence}`);
    }
  }
  const violations = db.prepare("PRAGMA foreign_key_check").all();
  if (violations.length > 0) fail(`foreign_key_check finds ${JSON.stringify(violations)}`);
}

/**
 * Runs the up section as plain SQL, outside strata, on a database that enforces foreign keys: it
 * must stop at the guard, changing nothing, exactly when it has one, and otherwise pass the checks.
 */
async function checkEnforced(
  c: Omit<UpContext, "snapshot"> & { beforeSql: string; text: string; seed: number },
  fail: (message: string) => void,
): Promise<void> {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(c.beforeSql);
    insertRows(db, c.before, c.after, seededRandom(rowSeed(c.seed)));
    const snapshot = takeSnapshot(db, c.before);
    const up = c.text.slice(c.text.indexOf("-- migrate:up"), c.text.indexOf("-- migrate:down"));
    const guarded = up.includes(FOREIGN_KEYS_GUARD);
    db.exec("BEGIN");
    try {
      db.exec(up);
    } catch (error) {
      db.exec("ROLLBACK");
      const message = error instanceof Error ? error.message : String(error);
      if (!guarded || !message.includes("foreign keys are enforced")) fail(`up failed: ${message}`);
      const now = takeSnapshot(db, c.before);
      for (const [id, taken] of snapshot) {
        if (now.get(id)!.whole.join("\n") !== taken.whole.join("\n")) {
          fail(`the guard let rows of table ${id} change`);
        }
      }
      return;
    }
    if (guarded) fail("up ran past its guard");
    await checkUp(db, { ...c, snapshot }, fail);
    db.exec("ROLLBACK");
  } finally {
    db.close();
  }
}
