/**
 * The proof a generated migration passes before it is written: on the database the known migrations
 * leave, with sample rows in every table, strata's runner applies it (foreign keys off, checked
 * after), and the schema must then be exactly the wanted one; its down must bring back exactly the
 * schema before. No table may lose rows either way, and the rows of the tables the migration does
 * not change must come back as they were.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { MigrationManager } from "../core/manager.ts";
import type { MigrationInput } from "../core/migration.ts";
import { addSampleRows, tableRows } from "./sample_rows.ts";
import { type DatabaseSchema, findTable, type TableSchema } from "../sql/schema_model.ts";
import { readSchema } from "./read_schema.ts";
import { diffSchemas } from "./diff.ts";
import { schemaStatements } from "./dump.ts";
import { lookup, type Renames } from "./migration_plan.ts";
import { quoteName } from "../sql/tokens.ts";

/** What {@link proveMigration} checks. */
interface ProofInput {
  /** The database the known migrations leave, serialized (`DatabaseSync.serialize()`). */
  base: Uint8Array;
  /** The known migrations. */
  migrations: readonly MigrationInput[];
  /** The generated migration, as the loader reads its file. */
  migration: MigrationInput;
  /** The schema the known migrations produce. */
  before: DatabaseSchema;
  /** The wanted schema. */
  after: DatabaseSchema;
  /** The renames the migration makes. */
  renames: Renames;
  /** How messages name the wanted schema. */
  targetLabel: string;
  /** The history table. @default {"strata_migrations"} */
  historyTable?: string;
}

/** What the proof found. */
interface ProofResult {
  /** Each way the migration fails the proof, as a sentence; empty when it passes. */
  problems: string[];
  /** Tables no sample row fitted, so the proof ran with them empty. */
  emptyTables: string[];
}

/**
 * Applies a generated migration and its down to a copy of the replayed database with sample rows,
 * and lists every way the result is not what it must be.
 */
export async function proveMigration(input: ProofInput): Promise<ProofResult> {
  const db = new DatabaseSync(":memory:");
  const shadow = new DatabaseSync(":memory:", { enableForeignKeyConstraints: false });
  try {
    db.deserialize(input.base);
    for (const statement of schemaStatements(input.after)) shadow.exec(statement);
    const sample = addSampleRows(db, input.before, { accept: fitsWanted(shadow, input) });
    const counts = rowCounts(db, input.before);
    const untouched = input.before.tables.filter((table) => isUntouched(table, input));
    const rowsBefore = new Map(untouched.map((table) => [table.name, tableRows(db, table)]));
    const manager = new MigrationManager(db, { historyTable: input.historyTable })
      .registerMigrations([...input.migrations, input.migration]);
    const problems: string[] = [];
    const check = async (direction: "up" | "down", expected: DatabaseSchema, label: string) => {
      const differences = diffSchemas(expected, await readSchema(db, input), {
        expectedLabel: label,
        actualLabel: `the database after ${direction}`,
      });
      problems.push(...differences.map((d) => `after ${direction}, ${d.message}`));
      for (const [table, before] of counts) {
        const name = direction === "up" ? lookup(input.renames.tables, table) ?? table : table;
        if (!findTable(expected, name) || (direction === "down" && !keptByUp(table, input))) continue;
        const now = Number(db.prepare(`SELECT count(*) AS n FROM ${quoteName(name)}`).get()?.n);
        if (now !== before) {
          problems.push(`after ${direction}, table ${name} has ${now} rows instead of ${before}`);
        }
      }
      for (const table of untouched) {
        if (tableRows(db, table).join("\n") !== rowsBefore.get(table.name)!.join("\n")) {
          problems.push(
            `after ${direction}, rows of table ${table.name}, which the migration does not change, changed`,
          );
        }
      }
    };
    try {
      await manager.migrate();
    } catch (error) {
      return { problems: [`up fails on a database with rows: ${message(error)}`], emptyTables: sample.empty };
    }
    await check("up", input.after, input.targetLabel);
    try {
      await manager.rollback();
    } catch (error) {
      return { problems: [...problems, `down fails: ${message(error)}`], emptyTables: sample.empty };
    }
    await check("down", input.before, "the migrations");
    return { problems, emptyTables: sample.empty };
  } finally {
    db.close();
    shadow.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function rowCounts(db: DatabaseSync, schema: DatabaseSchema): Map<string, number> {
  return new Map(
    schema.tables.filter((t) => !t.virtual).map((table) => [
      table.name,
      Number(db.prepare(`SELECT count(*) AS n FROM ${quoteName(table.name)}`).get()?.n),
    ]),
  );
}

function keptByUp(table: string, input: ProofInput): boolean {
  return findTable(input.after, lookup(input.renames.tables, table) ?? table) !== undefined;
}

/** A table the migration leaves exactly as it is: same name, same definition. */
function isUntouched(table: TableSchema, input: ProofInput): boolean {
  if (table.virtual || lookup(input.renames.tables, table.name) !== undefined) return false;
  const wanted = findTable(input.after, table.name);
  if (!wanted) return false;
  const empty = { indexes: [], views: [], triggers: [] };
  return diffSchemas({ tables: [wanted], ...empty }, { tables: [table], ...empty }).length === 0;
}

/**
 * Whether a sample row also fits the wanted schema, after the renames: the proof's rows must be
 * ones the migration can carry (a CHECK added by it must accept them), or it would prove nothing.
 */
function fitsWanted(shadow: DatabaseSync, input: ProofInput) {
  return (table: TableSchema, row: Record<string, unknown>): boolean => {
    const name = lookup(input.renames.tables, table.name) ?? table.name;
    const wanted = findTable(input.after, name);
    if (!wanted || wanted.virtual) return true;
    const renamed = lookup(input.renames.columns, table.name) ?? {};
    const values: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      const target = lookup(renamed, column) ?? column;
      const kept = wanted.columns.find((c) => c.name.toLowerCase() === target.toLowerCase() && !c.generated);
      if (kept) values[kept.name] = value;
    }
    const names = Object.keys(values);
    const violations = () =>
      wanted.foreignKeys.length === 0
        ? 0
        : Number(shadow.prepare("SELECT count(*) AS n FROM pragma_foreign_key_check(?)").get(wanted.name)?.n);
    const before = violations();
    shadow.exec("SAVEPOINT strata_fits");
    try {
      shadow.prepare(
        names.length === 0
          ? `INSERT INTO ${quoteName(wanted.name)} DEFAULT VALUES`
          : `INSERT INTO ${quoteName(wanted.name)} (${names.map(quoteName).join(", ")}) VALUES (${
            names.map(() => "?").join(", ")
          })`,
      ).run(...Object.values(values) as (string | number | null | Uint8Array)[]);
      if (violations() > before) throw new Error("foreign key");
      shadow.exec("RELEASE strata_fits");
      return true;
    } catch {
      shadow.exec("ROLLBACK TO strata_fits; RELEASE strata_fits");
      return false;
    }
  };
}
