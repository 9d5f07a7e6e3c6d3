/**
 * The schema dump: a database's schema as one deterministic SQL file (`schema.sql`) that reviewers
 * can diff in pull requests. The same schema always gives the same bytes: objects sorted by name,
 * whitespace normalised, no timestamps or paths.
 *
 * @module
 */
import type { DatabaseSchema } from "../sql/schema_model.ts";

/** Options of {@link dumpSchema}. */
export interface DumpSchemaOptions {
  /** The database's migration version, written in the header. */
  version?: number;
}

/**
 * The statements that create a schema, in an order that runs on an empty database: tables, then
 * indexes, views and triggers (a trigger may be attached to a view), each group sorted by name.
 */
export function schemaStatements(schema: DatabaseSchema): string[] {
  return [...schema.tables, ...schema.indexes, ...schema.views, ...schema.triggers].map((object) =>
    `${object.sql};`
  );
}

/**
 * Writes a schema as the text of a `schema.sql` file.
 *
 * @example Dump a database's schema
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { dumpSchema, readSchema } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("create table notes(id integer primary key,   body text not null)");
 * const text = dumpSchema(await readSchema(db), { version: 3 });
 * assert.match(text, /^-- Schema at version 3/);
 * assert.match(text, /CREATE TABLE notes \(\n  id integer primary key,\n  body text not null\n\);/);
 * db.close();
 * ```
 */
export function dumpSchema(schema: DatabaseSchema, options: DumpSchemaOptions = {}): string {
  const at = options.version === undefined ? "" : ` at version ${options.version}`;
  const header = [
    `-- Schema${at}, written by strata from the database. Do not edit it: change the schema with a`,
    `-- migration, then dump again.`,
  ].join("\n");
  return `${[header, ...schemaStatements(schema)].join("\n\n")}\n`;
}
