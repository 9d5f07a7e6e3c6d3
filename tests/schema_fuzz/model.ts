/**
 * The generator fuzzer's schema model: tables, columns, keys, indexes, views and triggers that refer
 * to each other by id, so a rename changes one name and every statement that uses it follows. A
 * model is rendered to the `CREATE` statements a user would write.
 *
 * @module
 */
import { quoteName } from "../../src/sql/tokens.ts";
import type { Random } from "./random.ts";

/** An expression over one column, by kind, rendered with the column's current name. */
export type ColumnExpression = "length" | "nonnegative" | "tautology" | "concat" | "plus" | "lower";

/** A column. */
export interface Column {
  id: number;
  name: string;
  type: string;
  notNull: boolean;
  /** The DEFAULT clause's expression, `"NULL"` for DEFAULT NULL; null for none. */
  default: string | null;
  collate: string | null;
  unique: boolean;
  check: ColumnExpression | null;
  /** A generated column: over which column, how, stored or not. */
  generated: { column: number; expression: ColumnExpression; stored: boolean } | null;
}

/** A foreign key. */
export interface ForeignKey {
  columns: number[];
  parent: number;
  /** The parent's columns; empty to refer to its primary key implicitly. */
  parentColumns: number[];
  onDelete: string;
  onUpdate: string;
}

/** A table. */
export interface Table {
  id: number;
  name: string;
  columns: Column[];
  /** Primary key columns, in key order; empty for none. */
  primaryKey: number[];
  /** Whether a single-column primary key is written on the column (`id INTEGER PRIMARY KEY`). */
  inlineKey: boolean;
  autoincrement: boolean;
  withoutRowid: boolean;
  uniques: number[][];
  checks: { column: number; expression: ColumnExpression }[];
  foreignKeys: ForeignKey[];
}

/** An index. */
export interface Index {
  name: string;
  table: number;
  unique: boolean;
  keys: { column: number; expression: "plain" | "lower" | "desc" }[];
  where: number | null;
}

/** A view over one or two tables. */
export interface View {
  name: string;
  table: number;
  columns: number[];
  join: { table: number; column: number } | null;
}

/** A trigger whose body changes another table, so that firing it shows. */
export interface Trigger {
  name: string;
  table: number;
  event: "INSERT" | "UPDATE" | "DELETE";
  target: number;
  targetColumn: number;
}

/** A whole schema. */
export interface Schema {
  tables: Table[];
  indexes: Index[];
  views: View[];
  triggers: Trigger[];
  /** The next id to hand out, for tables and columns alike. */
  nextId: number;
}

/** Column types, as users write them. */
export const TYPES = [
  "INTEGER",
  "INT",
  "TEXT",
  "VARCHAR(20)",
  "REAL",
  "DOUBLE",
  "NUMERIC",
  "BLOB",
  "",
  "BOOLEAN",
];
/** Literal defaults, and two that `ADD COLUMN` refuses on a table with rows. */
export const DEFAULTS = [
  "NULL",
  "0",
  "1",
  "-1",
  "'x'",
  "''",
  "1.5",
  "x'00'",
  "CURRENT_TIMESTAMP",
  "(datetime('now'))",
];
export const COLLATIONS = ["NOCASE", "RTRIM", "BINARY"];
export const ACTIONS = ["NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT"];
/** Names, some of which need quoting. */
const NAMES = [
  "users",
  "teams",
  "posts",
  "tags",
  "orders",
  "items",
  "notes",
  "events",
  "order",
  "group",
  "Mixed Case",
  "logs",
  "accounts",
  "files",
];
const COLUMN_NAMES = [
  "name",
  "email",
  "title",
  "body",
  "count",
  "price",
  "flag",
  "data",
  "kind",
  "value",
  "when",
  "key",
];

/** A name no table, column, index, view or trigger of the schema has. */
export function freshName(
  schema: Schema,
  random: Random,
  pool: "table" | "column" | "object",
  within?: Table,
): string {
  const taken = new Set([
    ...schema.tables.map((t) => t.name.toLowerCase()),
    ...schema.indexes.map((i) => i.name.toLowerCase()),
    ...schema.views.map((v) => v.name.toLowerCase()),
    ...schema.triggers.map((t) => t.name.toLowerCase()),
    ...(within?.columns.map((c) => c.name.toLowerCase()) ?? []),
    "rowid",
    "oid",
    "_rowid_",
  ]);
  const base = pool === "table" ? random.pick(NAMES) : pool === "column" ? random.pick(COLUMN_NAMES) : "obj";
  for (let n = 1;; n++) {
    const name = n === 1 && pool !== "object" ? base : `${base}_${schema.nextId + n}`;
    if (!taken.has(name.toLowerCase()) && !name.toLowerCase().startsWith("new_")) return name;
  }
}

export function tableById(schema: Schema, id: number): Table {
  return schema.tables.find((t) => t.id === id)!;
}

export function columnById(table: Table, id: number): Column {
  return table.columns.find((c) => c.id === id)!;
}

/** Whether a column can hold only integers as the primary key of a rowid table (`INTEGER PRIMARY KEY`). */
export function isRowidAlias(table: Table): boolean {
  return !table.withoutRowid && table.primaryKey.length === 1 &&
    columnById(table, table.primaryKey[0]).type.toUpperCase() === "INTEGER";
}

function expression(kind: ColumnExpression, column: string): string {
  switch (kind) {
    case "length":
      return `length(${column}) < 1000`;
    case "nonnegative":
      return `${column} IS NULL OR CAST(${column} AS REAL) >= -1000000`;
    case "tautology":
      return `${column} IS NOT NULL OR ${column} IS NULL`;
    case "concat":
      return `${column} || 'x'`;
    case "plus":
      return `coalesce(${column}, 0) + 1`;
    case "lower":
      return `lower(${column})`;
  }
}

/** The `CREATE` statements of a schema, tables first (parents before children). */
export function renderSchema(schema: Schema): string {
  return [
    ...schema.tables.map((table) => renderTable(schema, table)),
    ...schema.indexes.map((index) => renderIndex(schema, index)),
    ...schema.views.map((view) => renderView(schema, view)),
    ...schema.triggers.map((trigger) => renderTrigger(schema, trigger)),
  ].join("\n");
}

export function renderTable(schema: Schema, table: Table): string {
  const name = (id: number) => quoteName(columnById(table, id).name);
  const items = table.columns.map((column) => {
    const parts = [quoteName(column.name)];
    if (column.type) parts.push(column.type);
    if (table.inlineKey && table.primaryKey[0] === column.id) {
      parts.push(table.autoincrement ? "PRIMARY KEY AUTOINCREMENT" : "PRIMARY KEY");
    }
    if (column.notNull) parts.push("NOT NULL");
    if (column.default !== null && !column.generated) parts.push(`DEFAULT ${column.default}`);
    if (column.collate) parts.push(`COLLATE ${column.collate}`);
    if (column.unique) parts.push("UNIQUE");
    if (column.check) parts.push(`CHECK (${expression(column.check, quoteName(column.name))})`);
    if (column.generated) {
      const source = name(column.generated.column);
      parts.push(
        `GENERATED ALWAYS AS (${expression(column.generated.expression, source)}) ${
          column.generated.stored ? "STORED" : "VIRTUAL"
        }`,
      );
    }
    return parts.join(" ");
  });
  if (table.primaryKey.length > 0 && !table.inlineKey) {
    items.push(`PRIMARY KEY (${table.primaryKey.map(name).join(", ")})`);
  }
  for (const unique of table.uniques) items.push(`UNIQUE (${unique.map(name).join(", ")})`);
  for (const check of table.checks) items.push(`CHECK (${expression(check.expression, name(check.column))})`);
  for (const key of table.foreignKeys) {
    const parent = tableById(schema, key.parent);
    const referenced = key.parentColumns.length > 0
      ? ` (${key.parentColumns.map((id) => quoteName(columnById(parent, id).name)).join(", ")})`
      : "";
    items.push(
      `FOREIGN KEY (${key.columns.map(name).join(", ")}) REFERENCES ${quoteName(parent.name)}${referenced}` +
        ` ON DELETE ${key.onDelete} ON UPDATE ${key.onUpdate}`,
    );
  }
  return `CREATE TABLE ${quoteName(table.name)} (\n  ${items.join(",\n  ")}\n)${
    table.withoutRowid ? " WITHOUT ROWID" : ""
  };`;
}

function renderIndex(schema: Schema, index: Index): string {
  const table = tableById(schema, index.table);
  const keys = index.keys.map((key) => {
    const column = quoteName(columnById(table, key.column).name);
    return key.expression === "lower"
      ? `lower(${column})`
      : key.expression === "desc"
      ? `${column} DESC`
      : column;
  });
  const where = index.where === null
    ? ""
    : ` WHERE ${quoteName(columnById(table, index.where).name)} IS NOT NULL`;
  return `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${quoteName(index.name)} ON ${
    quoteName(table.name)
  } (${keys.join(", ")})${where};`;
}

function renderView(schema: Schema, view: View): string {
  const table = tableById(schema, view.table);
  const columns = view.columns.map((id) => `a.${quoteName(columnById(table, id).name)}`);
  if (!view.join) {
    return `CREATE VIEW ${quoteName(view.name)} AS SELECT ${columns.join(", ")} FROM ${
      quoteName(table.name)
    } AS a;`;
  }
  const other = tableById(schema, view.join.table);
  const joined = quoteName(columnById(other, view.join.column).name);
  return `CREATE VIEW ${quoteName(view.name)} AS SELECT ${columns.join(", ")}, b.${joined} AS joined FROM ${
    quoteName(table.name)
  } AS a JOIN ${quoteName(other.name)} AS b ON b.${joined} = a.${
    quoteName(columnById(table, view.columns[0]).name)
  };`;
}

function renderTrigger(schema: Schema, trigger: Trigger): string {
  const table = tableById(schema, trigger.table);
  const target = tableById(schema, trigger.target);
  const column = quoteName(columnById(target, trigger.targetColumn).name);
  return `CREATE TRIGGER ${quoteName(trigger.name)} AFTER ${trigger.event} ON ${
    quoteName(table.name)
  } BEGIN\n` +
    `  UPDATE ${quoteName(target.name)} SET ${column} = ${column} || '!';\nEND;`;
}
