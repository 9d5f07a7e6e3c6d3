/**
 * The generator fuzzer's rows: values for every table of the schema a case starts from that fit it
 * and the schema it changes to (unique where either wants it, not NULL where either forbids it
 * unless the new column's default fills it, foreign keys pointing at real parent rows), and what
 * each surviving value must be after the migration: the old value converted by the new column's
 * affinity, as `INSERT … SELECT` converts it.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { quoteName } from "../../src/sql/tokens.ts";
import { type Column, columnById, isRowidAlias, type Schema, type Table } from "./model.ts";
import type { Random } from "./random.ts";

type Value = number | string | Uint8Array | null;

/** Whether a default is a literal the fuzzer can predict (`coalesce(x, default)` gives it). */
export function isLiteralDefault(value: string | null): boolean {
  return value !== null && value !== "NULL" && !value.startsWith("(") && !/^CURRENT_/i.test(value);
}

/** Inserts two to four rows into every table of `before`, parents first, with foreign keys enforced. */
export function insertRows(db: DatabaseSync, before: Schema, after: Schema, random: Random): void {
  const inserted = new Map<number, Map<number, Value>[]>();
  for (const table of before.tables) {
    const wanted = after.tables.find((t) => t.id === table.id);
    const rows: Map<number, Value>[] = [];
    for (let r = random.int(2, 4); r > 0; r--) {
      const row = new Map<number, Value>();
      for (const column of table.columns.filter((c) => !c.generated)) {
        const later = wanted?.columns.find((c) => c.id === column.id);
        row.set(
          column.id,
          mayBeNull(after, table, column, wanted, later) && random.chance(0.25)
            ? null
            : value(table, column, rows.length),
        );
      }
      for (const key of table.foreignKeys) {
        const parent = before.tables.find((t) => t.id === key.parent)!;
        const keyColumns = key.parentColumns.length > 0 ? key.parentColumns : parent.primaryKey;
        const parentRows = parent === table ? [row] : inserted.get(parent.id) ?? [];
        const chosen = parentRows.length > 0 ? random.pick(parentRows) : undefined;
        key.columns.forEach((column, i) => row.set(column, chosen?.get(keyColumns[i]) ?? null));
      }
      rows.push(row);
      const ids = [...row.keys()];
      db.prepare(
        `INSERT INTO ${quoteName(table.name)} (${
          ids.map((id) => quoteName(columnById(table, id).name)).join(", ")
        }) ` +
          `VALUES (${ids.map(() => "?").join(", ")})`,
      ).run(...[...row.values()] as SQLInputValue[]);
    }
    inserted.set(table.id, rows);
  }
}

/**
 * NULL only where both schemas allow it, or where the new schema's default takes its place (and
 * cannot collide: many NULLs of a UNIQUE column would all become the same default).
 */
function mayBeNull(
  after: Schema,
  table: Table,
  column: Column,
  wanted: Table | undefined,
  later: Column | undefined,
): boolean {
  if (column.notNull || table.primaryKey.includes(column.id) || wanted?.primaryKey.includes(column.id)) {
    return false;
  }
  if (!later || !later.notNull) return true;
  const unique = later.unique || wanted!.uniques.some((u) => u.includes(column.id)) ||
    after.indexes.some((index) =>
      index.table === table.id && index.unique && index.keys.some((k) => k.column === column.id)
    );
  return isLiteralDefault(later.default) && !unique;
}

/** A value of the column's type, different for each row of the table. */
function value(table: Table, column: Column, row: number): Value {
  const base = table.id * 10_000 + column.id * 10 + row;
  const type = column.type.toUpperCase();
  if (type.includes("INT")) return base;
  if (/CHAR|CLOB|TEXT/.test(type)) return [`t${base}`, String(base), `0${base}`][column.id % 3];
  if (type.includes("BLOB")) return new Uint8Array([base & 0xff, (base >> 8) & 0xff, column.id & 0xff, row]);
  if (/REAL|FLOA|DOUB/.test(type)) return base + 0.5;
  if (type === "") return column.id % 2 === 0 ? `v${base}` : base;
  return row % 2 === 0 ? base : base + 0.25;
}

/** Each row of a table as the `quote()` of every column named, rowid first when asked. */
export function readRows(db: DatabaseSync, table: string, columns: string[], rowid: boolean): string[][] {
  const selected = [...(rowid ? ["rowid"] : []), ...columns.map(quoteName)].map((c) => `quote(${c})`);
  if (selected.length === 0) return [];
  return db.prepare(`SELECT ${selected.join(", ")} FROM ${quoteName(table)}`).all().map((row) =>
    Object.values(row).map(String)
  );
}

/** Converts SQL literals as storing them in a column of a type does, by asking SQLite. */
export class Conversions {
  readonly #db: DatabaseSync;
  readonly #tables = new Map<string, string>();
  readonly #cache = new Map<string, string>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** `literal` (as `quote()` writes it) once stored in a column declared `type`, as `quote()` writes it. */
  convert(literal: string, type: string): string {
    const key = `${type}\n${literal}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let table = this.#tables.get(type);
    if (!table) {
      table = `conv_${this.#tables.size}`;
      this.#db.exec(`CREATE TABLE ${table} (v ${type})`);
      this.#tables.set(type, table);
    }
    this.#db.exec(`DELETE FROM ${table}`);
    this.#db.exec(`INSERT INTO ${table} VALUES (${literal})`);
    const converted = String(this.#db.prepare(`SELECT quote(v) AS v FROM ${table}`).get()?.v);
    this.#cache.set(key, converted);
    return converted;
  }

  /** The value of a constant expression, as `quote()` writes it. */
  evaluate(expression: string): string {
    return String(this.#db.prepare(`SELECT quote(${expression}) AS v`).get()?.v);
  }
}

/**
 * What the rows of a table must read after the migration, for the columns both schemas give values:
 * rows as lists of `quote()` texts, rowid first when the migration keeps rowids, sorted.
 */
export function expectedRows(
  before: string[][],
  old: Table,
  wanted: Table,
  conversions: Conversions,
): { columns: string[]; rowid: boolean; rows: string[] } {
  const surviving = old.columns.filter((c) =>
    !c.generated && wanted.columns.some((w) => w.id === c.id && !w.generated)
  );
  const rowid = !old.withoutRowid && !wanted.withoutRowid && !isRowidAlias(wanted);
  const offset = old.withoutRowid ? 0 : 1;
  const positions = old.columns.filter((c) => !c.generated).map((c) => c.id);
  const rows = before.map((row) => {
    const cells = surviving.map((column) => {
      const now = columnById(wanted, column.id);
      let literal = row[offset + positions.indexOf(column.id)];
      if (literal === "NULL" && now.notNull && isLiteralDefault(now.default)) {
        literal = conversions.evaluate(now.default!);
      }
      return conversions.convert(literal, now.type);
    });
    return [...(rowid ? [row[0]] : []), ...cells].join(", ");
  });
  return { columns: surviving.map((c) => columnById(wanted, c.id).name), rowid, rows: rows.sort() };
}
