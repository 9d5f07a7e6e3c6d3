/**
 * Sample rows: a few rows in every table of a database, made up to satisfy its constraints, so that
 * the checks of migrations (the proof of a generated one, `verify`) run on tables with rows. An
 * `ALTER TABLE … ADD COLUMN` with a non-constant default, or a NOT NULL column without one, works on
 * an empty table and fails on one with rows; so does a rebuild that drops a row on the way.
 *
 * Values follow each column's type affinity and a running number, so that UNIQUE columns get
 * different values; foreign keys take the keys of rows their parent table has. A row the table
 * refuses (a CHECK it breaks) is tried again with other values, among them the literals the table's
 * own CHECK constraints and defaults name (`status IN ('open', 'closed')`).
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { DatabaseSchema, TableSchema } from "../sql/schema_model.ts";
import { affinity } from "./column_rules.ts";
import { quoteName, tokenize } from "../sql/tokens.ts";

/** A value a sample row gives a column. */
type SampleValue = number | string | Uint8Array | null;

/** Options of {@link addSampleRows}. */
interface SampleRowsOptions {
  /** Rows to add to each table. @default {2} */
  rowsPerTable?: number;
  /** Fill only the tables that have no rows. @default {false} */
  onlyEmpty?: boolean;
  /** The first number values are made from; pass the last result's `next` to keep values unique. @default {1} */
  start?: number;
  /**
   * A second test a row must pass once the table took it, such as fitting another schema too;
   * returning false undoes the row and tries other values.
   */
  accept?: (table: TableSchema, row: Record<string, SampleValue>) => boolean;
}

/** What {@link addSampleRows} added. */
interface SampleRowsResult {
  /** Rows added, by table. */
  rows: Record<string, number>;
  /** Tables that took no row: no values found fit their constraints (and `accept`). */
  empty: string[];
  /** The number to start the next call from. */
  next: number;
}

const ATTEMPTS = 40;

/**
 * Adds sample rows to every table of `schema` (virtual tables aside), parents before children.
 * Foreign keys are not enforced while it adds them; a row that would leave a violation is not kept.
 *
 * @param db The database, outside a transaction or inside one.
 * @param schema Its schema, from `readSchema`.
 * @returns The rows added, the tables left empty, and where the next call starts.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readSchema } from "./mod.ts";
 * import { addSampleRows } from "./sample_rows.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec(`CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
 *   CREATE TABLE users (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES teams (id),
 *     role TEXT NOT NULL CHECK (role IN ('admin', 'member')))`);
 * const result = addSampleRows(db, await readSchema(db));
 * assert.deepEqual(result.rows, { teams: 2, users: 2 });
 * assert.deepEqual(db.prepare("SELECT * FROM pragma_foreign_key_check").all(), []);
 * db.close();
 * ```
 */
export function addSampleRows(
  db: DatabaseSync,
  schema: DatabaseSchema,
  options: SampleRowsOptions = {},
): SampleRowsResult {
  const enforced = Number(db.prepare("PRAGMA foreign_keys").get()?.foreign_keys) === 1;
  if (enforced && !db.isTransaction) db.exec("PRAGMA foreign_keys = OFF");
  try {
    let next = options.start ?? 1;
    const rows: Record<string, number> = {};
    const empty: string[] = [];
    for (const table of parentsFirst(schema.tables.filter((t) => !t.virtual))) {
      const count = Number(db.prepare(`SELECT count(*) AS n FROM ${quoteName(table.name)}`).get()?.n);
      if (options.onlyEmpty && count > 0) continue;
      let added = 0;
      for (let row = 0; row < (options.rowsPerTable ?? 2); row++) {
        const inserted = insertRow(db, schema, table, next, options.accept);
        next += ATTEMPTS;
        if (inserted) added++;
      }
      rows[table.name] = added;
      if (added === 0 && count === 0) empty.push(table.name);
    }
    return { rows, empty, next };
  } finally {
    if (enforced && !db.isTransaction) db.exec("PRAGMA foreign_keys = ON");
  }
}

/** Tries values for one row until the table takes them (and `accept` does); whether it did. */
function insertRow(
  db: DatabaseSync,
  schema: DatabaseSchema,
  table: TableSchema,
  start: number,
  accept: SampleRowsOptions["accept"],
): boolean {
  const literals = tableLiterals(table);
  // Only a table with foreign keys of its own can get a violation from a row added to it.
  const violations = () =>
    table.foreignKeys.length === 0
      ? 0
      : Number(db.prepare("SELECT count(*) AS n FROM pragma_foreign_key_check(?)").get(table.name)?.n);
  const before = violations();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const row = rowValues(db, schema, table, start + attempt, attempt, literals);
    const names = Object.keys(row);
    const sql = names.length === 0
      ? `INSERT INTO ${quoteName(table.name)} DEFAULT VALUES`
      : `INSERT INTO ${quoteName(table.name)} (${names.map(quoteName).join(", ")}) VALUES (${
        names.map(() => "?").join(", ")
      })`;
    db.exec("SAVEPOINT strata_sample_row");
    try {
      db.prepare(sql).run(...Object.values(row) as SQLInputValue[]);
      if (violations() > before || (accept && !accept(table, row))) {
        db.exec("ROLLBACK TO strata_sample_row; RELEASE strata_sample_row");
        continue;
      }
      db.exec("RELEASE strata_sample_row");
      return true;
    } catch {
      db.exec("ROLLBACK TO strata_sample_row; RELEASE strata_sample_row");
    }
  }
  return false;
}

/**
 * The values of one attempt: the first attempt gives each column the value of its type made from
 * `n`; later ones pick among other candidates, NULL and the default, by a generator seeded with `n`.
 */
function rowValues(
  db: DatabaseSync,
  schema: DatabaseSchema,
  table: TableSchema,
  n: number,
  attempt: number,
  literals: SampleValue[],
): Record<string, SampleValue> {
  const random = seeded(n);
  const row: Record<string, SampleValue> = {};
  for (const column of table.columns.filter((c) => !c.generated)) {
    const candidates = [...typedValues(affinity(column.type, table.strict), n), ...literals];
    if (attempt === 0) {
      row[column.name] = candidates[0];
      continue;
    }
    const roll = random();
    if (column.default !== null && roll < 0.2) continue;
    if (!column.notNull && roll < 0.3) row[column.name] = null;
    else row[column.name] = candidates[Math.floor(random() * candidates.length)];
  }
  for (const key of table.foreignKeys) {
    const parent = schema.tables.find((t) => t.name.toLowerCase() === key.table.toLowerCase());
    const referenced = key.references.length > 0 ? key.references : parent ? primaryKey(parent) : [];
    if (!parent || referenced.length !== key.columns.length) continue;
    const keys = db.prepare(
      `SELECT ${referenced.map(quoteName).join(", ")} FROM ${quoteName(parent.name)} WHERE ${
        referenced.map((c) => `${quoteName(c)} IS NOT NULL`).join(" AND ")
      } LIMIT 1 OFFSET ?`,
    );
    const count = Number(db.prepare(`SELECT count(*) AS n FROM ${quoteName(parent.name)}`).get()?.n);
    const found = count > 0 ? keys.get(Math.floor(random() * count)) ?? keys.get(0) : undefined;
    key.columns.forEach((column, i) => {
      const own = parent === table ? row[referenced[i]] : undefined;
      row[column] = found ? found[referenced[i]] as SampleValue : own ?? null;
    });
  }
  return row;
}

function typedValues(kind: ReturnType<typeof affinity>, n: number): SampleValue[] {
  switch (kind) {
    case "INTEGER":
      return [n, 0, 1, -1, 2];
    case "REAL":
      return [n + 0.5, 0.5, 1.5, 0];
    case "NUMERIC":
      return [n, 1.5, 0, 1];
    case "TEXT":
      return [`text ${n}`, String(n), "", "a"];
    case "BLOB":
      return [`value ${n}`, n, new Uint8Array([n & 0xff, (n >> 8) & 0xff]), "a"];
  }
}

/** The string and number literals of a table's CHECK constraints and defaults. */
function tableLiterals(table: TableSchema): SampleValue[] {
  const text = [...table.checks, ...table.columns.map((column) => column.default ?? "")].join(" ");
  return tokenize(text).flatMap((token): SampleValue[] => {
    if (token.kind === "string") return [token.text.slice(1, -1).replaceAll("''", "'")];
    if (token.kind === "number" && Number.isFinite(Number(token.text))) return [Number(token.text)];
    return [];
  });
}

function primaryKey(table: TableSchema): string[] {
  return table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) =>
    c.name
  );
}

/** Tables ordered so that a table comes after the tables its foreign keys reference (cycles broken anywhere). */
function parentsFirst(tables: TableSchema[]): TableSchema[] {
  const byName = new Map(tables.map((table) => [table.name.toLowerCase(), table]));
  const ordered: TableSchema[] = [];
  const seen = new Set<TableSchema>();
  const visit = (table: TableSchema) => {
    if (seen.has(table)) return;
    seen.add(table);
    for (const key of table.foreignKeys) {
      const parent = byName.get(key.table.toLowerCase());
      if (parent) visit(parent);
    }
    ordered.push(table);
  };
  tables.forEach(visit);
  return ordered;
}

/** A small deterministic generator of numbers in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every row of a table as text, each value as SQLite's `quote()` writes it (with the rowid first,
 * for a rowid table), sorted: equal lists mean equal rows.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readSchema } from "./mod.ts";
 * import { tableRows } from "./sample_rows.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE t (a TEXT, b REAL); INSERT INTO t VALUES ('it''s', 1)");
 * assert.deepEqual(tableRows(db, (await readSchema(db)).tables[0]), ["1, 'it''s', 1.0"]);
 * db.close();
 * ```
 */
export function tableRows(db: DatabaseSync, table: TableSchema): string[] {
  const columns = [
    ...(table.withoutRowid || table.virtual ? [] : ["rowid"]),
    ...table.columns.map((c) => quoteName(c.name)),
  ];
  const values = columns.map((column) => `quote(${column})`).join(" || ', ' || ");
  return db.prepare(`SELECT ${values} AS row FROM ${quoteName(table.name)}`).all().map((r) => String(r.row))
    .sort();
}
