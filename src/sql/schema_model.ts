/**
 * The schema model: what a database's tables, indexes, views and triggers are, read from SQLite's
 * pragmas and the `CREATE` statements it keeps, as plain data that is the same for the same schema
 * however it was written (sorted by name, whitespace normalised). Drift checks, schema dumps, squash
 * and the destructive-change report all work on this model.
 *
 * @module
 */
import {
  type ColumnDefinition,
  formatCreateTable,
  formatTrigger,
  parseCreateIndex,
  parseCreateTable,
} from "./create_statements.ts";
import type { Row, SqlValue } from "../engines/engine.ts";
import { formatTokens, tokenize } from "./tokens.ts";

/** Runs one statement with positional parameters and returns its rows. */
export type QueryFunction = (sql: string, params?: readonly SqlValue[]) => Promise<Row[]>;

/** A column of a table. */
export interface ColumnSchema {
  /** Its name. */
  name: string;
  /** Its declared type as written (`"TEXT"`, `"VARCHAR(40)"`), `""` when it has none. */
  type: string;
  /** Whether it is `NOT NULL`. */
  notNull: boolean;
  /** Its `DEFAULT` expression, formatted, or null. */
  default: string | null;
  /** Its position in the primary key, from 1; 0 when it is not part of it. */
  primaryKey: number;
  /** Its `COLLATE` collation, or null. */
  collate: string | null;
  /** For a generated column, whether it is stored and its expression; null otherwise. */
  generated: { kind: "virtual" | "stored"; expression: string } | null;
}

/** A foreign key of a table. */
export interface ForeignKeySchema {
  /** The referencing columns of this table. */
  columns: string[];
  /** The referenced table. */
  table: string;
  /** The referenced columns; empty when the key refers to the other table's primary key. */
  references: string[];
  /** The `ON UPDATE` action, `"NO ACTION"` by default. */
  onUpdate: string;
  /** The `ON DELETE` action, `"NO ACTION"` by default. */
  onDelete: string;
}

/** A table. */
export interface TableSchema {
  /** Its name. */
  name: string;
  /** Its columns, in table order, generated columns included. */
  columns: ColumnSchema[];
  /** Whether it is a `WITHOUT ROWID` table. */
  withoutRowid: boolean;
  /** Whether it is a `STRICT` table. */
  strict: boolean;
  /** Whether its primary key is `AUTOINCREMENT`. */
  autoincrement: boolean;
  /** Whether it is a virtual table (`CREATE VIRTUAL TABLE … USING …`). */
  virtual: boolean;
  /** Its `UNIQUE` constraints (not `CREATE UNIQUE INDEX`), as column lists, sorted. */
  uniques: string[][];
  /** Its `CHECK` constraints, table and column ones, formatted and sorted. */
  checks: string[];
  /** Its foreign keys, sorted by columns. */
  foreignKeys: ForeignKeySchema[];
  /** Its `CREATE TABLE` statement, one column or constraint per line. */
  sql: string;
}

/** An index made by `CREATE INDEX` (indexes SQLite makes for constraints belong to their table). */
export interface IndexSchema {
  /** Its name. */
  name: string;
  /** The table it indexes. */
  table: string;
  /** Whether it is a `UNIQUE` index. */
  unique: boolean;
  /** Its keys, formatted: `email`, `lower(name) DESC`. */
  columns: string[];
  /** The condition of a partial index, or null. */
  where: string | null;
  /** Its `CREATE INDEX` statement, formatted. */
  sql: string;
}

/** A view. */
export interface ViewSchema {
  /** Its name. */
  name: string;
  /**
   * Its result columns. SQLite names a column without `AS` after the text of its expression, so the
   * statement is kept exactly as written and these names are compared too.
   */
  columns: string[];
  /** Why SQLite cannot run the view (`no such column: email`), or null when it can. */
  error: string | null;
  /** Its `CREATE VIEW` statement, exactly as written. */
  sql: string;
}

/** A trigger. */
export interface TriggerSchema {
  /** Its name. */
  name: string;
  /** The table or view it is attached to. */
  table: string;
  /** Its `CREATE TRIGGER` statement, one body statement per line. */
  sql: string;
}

/** A database's schema, every list sorted by name. */
export interface DatabaseSchema {
  /** Tables, without SQLite's own (`sqlite_*`) and the migration history tables. */
  tables: TableSchema[];
  /** Indexes made by `CREATE INDEX` on those tables. */
  indexes: IndexSchema[];
  /** Views. */
  views: ViewSchema[];
  /** Triggers on those tables and on views. */
  triggers: TriggerSchema[];
}

/**
 * Reads a database's schema, through `query`, into a {@link DatabaseSchema}; `historyTable` and its
 * `<name>_runs` run log are left out. The schema tools' `readSchema()` reads any database handle with it.
 *
 * @returns The schema, every list sorted by name so equal schemas give equal values.
 *
 * @example Read the columns of a table
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import type { Row, SqlValue } from "../../mod.ts";
 * import { readSchemaWith } from "./schema_model.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)");
 * const query = (sql: string, params: readonly SqlValue[] = []) =>
 *   Promise.resolve(db.prepare(sql).all(...params).map((row) => ({ ...row }) as Row));
 * const schema = await readSchemaWith(query, "strata_migrations");
 * assert.deepEqual(schema.tables[0].columns.map((c) => `${c.name} ${c.type}`), ["id INTEGER", "email TEXT"]);
 * db.close();
 * ```
 */
export async function readSchemaWith(query: QueryFunction, historyTable: string): Promise<DatabaseSchema> {
  const history = historyTable;
  const excluded = new Set([history, `${history}_runs`].map((name) => name.toLowerCase()));
  const kept = (name: string) => !excluded.has(name.toLowerCase()) && !/^sqlite_/i.test(name);
  const objects = (await query("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL"))
    .filter((row) => kept(String(row.name)) && kept(String(row.tbl_name)));
  const listed = await query("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'");
  const tables: TableSchema[] = [];
  for (const entry of listed) {
    const object = objects.find((row) => row.type === "table" && row.name === entry.name);
    if (!object || entry.type === "shadow") continue;
    tables.push(await readTable(query, entry, String(object.sql)));
  }
  const ofType = (type: string) => objects.filter((row) => row.type === type);
  return {
    tables: byName(tables),
    indexes: byName(ofType("index").map(indexSchema)),
    views: byName(await Promise.all(ofType("view").map((row) => readView(query, row)))),
    triggers: byName(
      ofType("trigger").map((row) => ({
        name: String(row.name),
        table: String(row.tbl_name),
        sql: formatTrigger(String(row.sql)),
      })),
    ),
  };
}

/**
 * Reads one table into a {@link TableSchema}, as {@link readSchema} reads each: cheaper than reading the
 * whole schema when one table changed.
 *
 * @param db A `DatabaseSync`, an engine, or a migration's executor.
 * @param name The table's name (compared ignoring case, as SQLite does).
 * @returns The table, or undefined when the database has no table of that name.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import type { Row, SqlValue } from "../../mod.ts";
 * import { readTableSchemaWith } from "./schema_model.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)");
 * const query = (sql: string, params: readonly SqlValue[] = []) =>
 *   Promise.resolve(db.prepare(sql).all(...params).map((row) => ({ ...row }) as Row));
 * assert.equal((await readTableSchemaWith(query, "USERS"))?.columns[1].collate, "NOCASE");
 * assert.equal(await readTableSchemaWith(query, "teams"), undefined);
 * db.close();
 * ```
 */
export async function readTableSchemaWith(
  query: QueryFunction,
  name: string,
): Promise<TableSchema | undefined> {
  const [entry] = await query(
    "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name = ? COLLATE NOCASE",
    [name],
  );
  if (!entry || entry.type === "shadow") return undefined;
  const [object] = await query("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [
    entry.name,
  ]);
  return object ? await readTable(query, entry, String(object.sql)) : undefined;
}

async function readTable(query: QueryFunction, entry: Row, sql: string): Promise<TableSchema> {
  const name = String(entry.name);
  const virtual = entry.type === "virtual";
  const definition = virtual ? null : parseCreateTable(sql);
  const parsed = new Map(definition?.columns.map((column) => [column.name.toLowerCase(), column]));
  const columns = (await query("SELECT * FROM pragma_table_xinfo(?) ORDER BY cid", [name])).map((row) =>
    columnSchema(row, parsed.get(String(row.name).toLowerCase()))
  );
  return {
    name,
    columns,
    withoutRowid: Number(entry.wr) === 1,
    strict: Number(entry.strict) === 1,
    autoincrement: definition?.autoincrement ?? false,
    virtual,
    uniques: virtual ? [] : await readUniques(query, name),
    checks: [
      ...(definition?.columns.flatMap((column) => column.checks) ?? []),
      ...(definition?.constraints.filter((c) => c.kind === "CHECK").map((c) => c.text) ?? []),
    ].sort(),
    foreignKeys: virtual ? [] : await readForeignKeys(query, name),
    sql: definition ? formatCreateTable(definition) : formatTokens(tokenize(sql)),
  };
}

function columnSchema(row: Row, parsed: ColumnDefinition | undefined): ColumnSchema {
  const dflt = row.dflt_value === null ? null : formatTokens(tokenize(String(row.dflt_value)));
  return {
    name: String(row.name),
    type: String(row.type),
    notNull: Number(row.notnull) === 1,
    default: dflt,
    primaryKey: Number(row.pk),
    collate: parsed?.collate ?? null,
    generated: parsed?.generated ?? null,
  };
}

async function readUniques(query: QueryFunction, table: string): Promise<string[][]> {
  const indexes = await query("SELECT name FROM pragma_index_list(?) WHERE origin = 'u'", [table]);
  const uniques = await Promise.all(
    indexes.map(async (index) =>
      (await query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [index.name])).map((r) =>
        String(r.name)
      )
    ),
  );
  return uniques.sort((a, b) => compareText(a.join(","), b.join(",")));
}

async function readForeignKeys(query: QueryFunction, table: string): Promise<ForeignKeySchema[]> {
  const rows = await query("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", [table]);
  const keys = new Map<number, ForeignKeySchema>();
  for (const row of rows) {
    const id = Number(row.id);
    const key = keys.get(id) ?? {
      columns: [],
      table: String(row.table),
      references: [],
      onUpdate: String(row.on_update),
      onDelete: String(row.on_delete),
    };
    key.columns.push(String(row.from));
    if (row.to !== null) key.references.push(String(row.to));
    keys.set(id, key);
  }
  return [...keys.values()].sort((a, b) => compareText(a.columns.join(","), b.columns.join(",")));
}

function indexSchema(row: Row): IndexSchema {
  const sql = String(row.sql);
  const { unique, columns, where } = parseCreateIndex(sql);
  return {
    name: String(row.name),
    table: String(row.tbl_name),
    unique,
    columns,
    where,
    sql: formatTokens(tokenize(sql)),
  };
}

async function readView(query: QueryFunction, row: Row): Promise<ViewSchema> {
  const name = String(row.name);
  const sql = String(row.sql).trim();
  try {
    const columns = await query("SELECT name FROM pragma_table_xinfo(?) ORDER BY cid", [name]);
    return { name, columns: columns.map((column) => String(column.name)), error: null, sql };
  } catch (error) {
    return { name, columns: [], error: error instanceof Error ? error.message : String(error), sql };
  }
}

/** Orders text the same way on every machine: case-insensitively, then by code unit. */
function compareText(a: string, b: string): number {
  const [lowerA, lowerB] = [a.toLowerCase(), b.toLowerCase()];
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { name: string }>(list: T[]): T[] {
  return list.sort((a, b) => compareText(a.name, b.name));
}

/** The table of this name in a schema (names are case-insensitive in SQLite), or undefined. */
export function findTable(schema: DatabaseSchema, name: string): TableSchema | undefined {
  return schema.tables.find((table) => table.name.toLowerCase() === name.toLowerCase());
}
