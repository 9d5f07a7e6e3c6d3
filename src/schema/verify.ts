/**
 * `verify`: does each migration's down undo its up? On an in-memory database (nothing else is
 * touched), every migration is applied, rolled back and applied again, in order, by strata's runner:
 * after its down the schema must be exactly the one before it (compared by meaning, as the drift
 * check compares: a column renamed and renamed back restores it), and the rows of the tables it
 * does not touch must come back as they were. Before each migration, every table that has no rows
 * gets a sample row, so migrations meet tables with rows, as they do in production.
 *
 * @module
 */
import { label } from "../shared/format.ts";
import { DatabaseSync } from "node:sqlite";
import { InvalidInputError } from "../shared/errors.ts";
import { MigrationManager } from "../core/manager.ts";
import { type MigrationInput, resolveMigration } from "../core/migration.ts";
import { addSampleRows, tableRows } from "./sample_rows.ts";
import { type DatabaseSchema, findTable } from "../sql/schema_model.ts";
import { readSchema } from "./read_schema.ts";
import { diffSchemas } from "./diff.ts";

/** A migration that does not round-trip, and how. */
export interface VerifyProblem {
  /** Its version. */
  version: number;
  /** Its description. */
  description: string;
  /** Its file, when it was loaded from one. */
  file: string | null;
  /**
   * What is wrong: `"no-down"` (it cannot be rolled back), `"schema"` (its down leaves another
   * schema), `"rows"` (its down changes rows of tables its up leaves alone), `"up-fails"`,
   * `"down-fails"`, `"reapply-fails"` (its up fails again after its down).
   */
  kind: "no-down" | "schema" | "rows" | "up-fails" | "down-fails" | "reapply-fails";
  /** The problem as a sentence. */
  message: string;
  /** For `"schema"`: each difference; for `"rows"`: each table whose rows changed. */
  differences: string[];
}

/** What {@link verifyMigrations} found. */
export interface VerifyReport {
  /** The versions checked, in order. */
  verified: number[];
  /** Every migration that does not round-trip; empty when all do. */
  problems: VerifyProblem[];
}

/** Options of {@link verifyMigrations}. */
export interface VerifyOptions {
  /**
   * The first version to check; the migrations before it are only applied. For long histories.
   * @default the first migration
   */
  from?: number;
  /** The history table's name. @default {"strata_migrations"} */
  historyTable?: string;
}

/**
 * Applies each migration, then its down, then it again, on an in-memory database, and reports every
 * migration whose down does not restore the schema and rows before it, or that has no down.
 *
 * A migration whose up or down fails is reported too; when an up fails, the migrations after it
 * cannot be checked and the report ends there.
 *
 * @param migrations The migrations, as `loadMigrations` reads them.
 * @returns The versions checked and the problems found.
 * @throws {InvalidInputError} for a `from` that is not the version of a known migration.
 * @throws {MigrationError} when a migration before `from` fails.
 *
 * @example A down that forgets a table
 * ```ts
 * import { verifyMigrations } from "./verify.ts";
 * import assert from "node:assert/strict";
 *
 * const report = await verifyMigrations([
 *   {
 *     version: 1,
 *     description: "users and teams",
 *     up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE teams (id INTEGER PRIMARY KEY)"),
 *     down: (db) => db.exec("DROP TABLE users"),
 *   },
 *   { version: 2, description: "email", up: (db) => db.exec("ALTER TABLE users ADD COLUMN email TEXT") },
 * ]);
 * assert.deepEqual(report.problems.map((p) => `${p.version} ${p.kind}`), ["1 schema", "2 no-down"]);
 * assert.deepEqual(report.problems[0].differences, ["table teams is in the database after its down but not in the database before it"]);
 * ```
 */
export async function verifyMigrations(
  migrations: readonly MigrationInput[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  let db = new DatabaseSync(":memory:");
  try {
    const newManager = () =>
      new MigrationManager(db, { historyTable: options.historyTable }).registerMigrations(migrations);
    let manager = newManager();
    const all = manager.migrations;
    const from = options.from ?? all[0]?.version ?? 1;
    const first = all.findIndex((m) => m.version === from);
    if (first < 0 && all.length > 0) {
      throw new InvalidInputError(
        `Cannot verify from version ${from}: no migration has that version. The versions go from ` +
          `${all[0].version} to ${all.at(-1)!.version}.`,
        "from",
      );
    }
    if (first > 0) await manager.migrate({ targetVersion: all[first - 1].version });
    const report: VerifyReport = { verified: [], problems: [] };
    let start = 1;
    for (const listed of all.slice(Math.max(first, 0))) {
      const migration = await resolveMigration(listed);
      const problem = (kind: VerifyProblem["kind"], message: string, differences: string[] = []) =>
        report.problems.push({
          version: migration.version,
          description: migration.description,
          file: migration.file ?? null,
          kind,
          message: `Migration ${label(migration)}: ${message}`,
          differences,
        });
      report.verified.push(migration.version);
      start =
        addSampleRows(db, await readSchema(db, options), { rowsPerTable: 1, onlyEmpty: true, start }).next;
      const before = await readSchema(db, options);
      const rowsBefore = snapshot(db, before);
      try {
        await manager.migrate({ targetVersion: migration.version });
      } catch (error) {
        problem("up-fails", `up fails on a database with rows: ${message(error)}`);
        break;
      }
      if (!migration.down) {
        problem("no-down", "it has no down, so it cannot be rolled back");
        continue;
      }
      const afterUp = await readSchema(db, options);
      const applied = db.serialize();
      const untouched = [...rowsBefore].filter(([table, rows]) =>
        sameTable(before, afterUp, table) && same(tableRows(db, findTable(afterUp, table)!), rows)
      );
      try {
        await manager.rollback();
      } catch (error) {
        problem("down-fails", `down fails: ${message(error)}`);
        continue;
      }
      const restored = await readSchema(db, options);
      const differences = diffSchemas(before, restored, {
        expectedLabel: "the database before it",
        actualLabel: "the database after its down",
      }).map((d) => d.message);
      if (differences.length > 0) {
        problem("schema", `its down does not restore the schema: ${differences.join("; ")}`, differences);
      }
      // A table the down dropped or changed is a difference of the schema already.
      const changed = untouched.filter(([table, rows]) =>
        sameTable(before, restored, table) && !includes(tableRows(db, findTable(restored, table)!), rows)
      ).map(([table]) => table);
      if (changed.length > 0) {
        problem(
          "rows",
          `its down changes rows of ${changed.join(", ")}, which its up leaves alone`,
          changed.map((table) => `rows of table ${table} changed`),
        );
      }
      if (differences.length === 0) {
        try {
          await manager.migrate({ targetVersion: migration.version });
          continue;
        } catch (error) {
          problem("reapply-fails", `up fails when run again after its down: ${message(error)}`);
        }
      }
      // Go on from the database its up left, so the migrations after it are checked all the same.
      db.close();
      db = new DatabaseSync(":memory:");
      db.deserialize(applied);
      manager = newManager();
    }
    return report;
  } finally {
    db.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function snapshot(db: DatabaseSync, schema: DatabaseSchema): Map<string, string[]> {
  return new Map(schema.tables.filter((t) => !t.virtual).map((table) => [table.name, tableRows(db, table)]));
}

/** Whether a table has the same definition in both schemas. */
function sameTable(a: DatabaseSchema, b: DatabaseSchema, name: string): boolean {
  const [x, y] = [findTable(a, name), findTable(b, name)];
  if (!x || !y) return false;
  const empty = { indexes: [], views: [], triggers: [] };
  return diffSchemas({ tables: [x], ...empty }, { tables: [y], ...empty }).length === 0;
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((row, i) => row === b[i]);
}

/** Whether every row of `expected` (sorted) is in `actual` (sorted), as many times. */
function includes(actual: readonly string[], expected: readonly string[]): boolean {
  const counts = new Map<string, number>();
  for (const row of actual) counts.set(row, (counts.get(row) ?? 0) + 1);
  return expected.every((row) => {
    const left = counts.get(row) ?? 0;
    counts.set(row, left - 1);
    return left > 0;
  });
}
