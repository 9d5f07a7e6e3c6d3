/**
 * What a dry run reports of each migration: rows changed, schema objects created, altered and
 * dropped, and the changes that lose data, from a look at the database before and after it runs.
 *
 * @module
 */
import type { SqlConnection } from "../engines/engine.ts";
import { findDestructiveChanges } from "../sql/destructive.ts";
import { type DatabaseSchema, readSchemaWith } from "../sql/schema_model.ts";
import type { StepPreview } from "./step.ts";

/** The database as a dry run sees it around a migration. */
interface Observation {
  changes: number;
  objects: Map<string, string>;
  schema: DatabaseSchema;
}

/**
 * Looks at the database before a migration, and returns what measures, after it, what it changed.
 *
 * @param historyTable The history table, left out of the schema compared.
 */
export async function previewStep(
  db: SqlConnection,
  historyTable: string,
): Promise<() => Promise<StepPreview>> {
  const before = await observe(db, historyTable);
  return async () => compare(before, await observe(db, historyTable));
}

async function observe(db: SqlConnection, historyTable: string): Promise<Observation> {
  const [{ changes }] = await db.query("SELECT total_changes() AS changes", []);
  const rows = await db.query("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", []);
  return {
    changes: Number(changes),
    objects: new Map(rows.map((row) => [`${row.type} ${row.name}`, String(row.sql)])),
    schema: await readSchemaWith((sql, params = []) => db.query(sql, params), historyTable),
  };
}

function compare(before: Observation, after: Observation): StepPreview {
  const created = [...after.objects.keys()].filter((key) => !before.objects.has(key));
  const dropped = [...before.objects.keys()].filter((key) => !after.objects.has(key));
  const altered = [...after.objects.keys()].filter((key) =>
    before.objects.has(key) && before.objects.get(key) !== after.objects.get(key)
  );
  const destructive = findDestructiveChanges(before.schema, after.schema).map((change) => change.message);
  return { rowsChanged: after.changes - before.changes, created, altered, dropped, destructive };
}
