/**
 * Table rebuilds: the changes SQLite's `ALTER TABLE` cannot make (change a column's type, add or drop
 * NOT NULL, DEFAULT, CHECK, UNIQUE or a foreign key, drop an indexed column, reorder columns, switch
 * WITHOUT ROWID), made by SQLite's documented procedure
 * (https://www.sqlite.org/lang_altertable.html, section 7): create the new table, copy the rows, drop
 * the old one, rename the new one, and recreate the table's indexes and triggers.
 *
 * The change is described as edits to the table's current definition (`columns`, `rename`,
 * `addConstraints`, …) because most rebuilds touch one or two columns and a migration should say only
 * that; a complete `definition` is accepted for larger reshapes. Either way the new statement is read
 * by SQLite itself, so nothing here has to understand column types or constraints.
 *
 * What the procedure leaves to the caller, this module checks, inside a savepoint that is rolled back
 * on any failure (so the table is intact and the migration can fail cleanly):
 * - Foreign-key enforcement must be off (the runner turns it off for every run): with it on,
 *   dropping the old table would delete or block the rows that reference it.
 * - The new table is renamed with `legacy_alter_table` on, so views and other tables' triggers that
 *   name the table keep their text and bind to the new table, instead of failing the rename (the old
 *   table is gone at that moment) or being rewritten. Every view and trigger is then compiled with
 *   `EXPLAIN`, before and after, and one the rebuild breaks is an error naming it.
 * - `PRAGMA foreign_key_check` on the table and the tables that reference it: a violation the
 *   rebuild introduced is an error naming the table and rowid.
 * - An `AUTOINCREMENT` counter (`sqlite_sequence`) never goes back, so deleted ids are not reused.
 *
 * It never commits: the rebuild is part of the migration's transaction. The new `CREATE TABLE`
 * statement is written one column per line; comments in the old one are not carried over.
 *
 * @module
 */
import {
  columnText,
  parseCreateTable,
  renderCreateTable,
  type TableDefinition,
  triggerEvent,
} from "../sql/create_statements.ts";
import type { Row } from "../engines/engine.ts";
import { InvalidInputError, SchemaChangeError } from "../shared/errors.ts";
import type { Executor } from "../core/executor.ts";
import { keepsRowids } from "../sql/rowids.ts";
import { quoteName, sqlKey } from "../sql/tokens.ts";

/**
 * How {@link rebuildTable} changes a table. Give edits (`columns`, `addConstraints`,
 * `dropConstraints`, `order`, `withoutRowid`) or a complete `definition`, not both. Names in
 * `columns`, `copy` and `order` are the names after `rename`.
 */
export interface TableChange {
  /**
   * Columns to redefine or add, as the definition after the name (`"TEXT NOT NULL DEFAULT ''"`,
   * `"INTEGER REFERENCES teams (id)"`), or `null` to drop one. New columns go last unless `order`
   * places them.
   */
  columns?: Record<string, string | null>;
  /**
   * Columns to rename, old name to new name. Done first with `ALTER TABLE … RENAME COLUMN`, so the
   * table's indexes and triggers and the views that use the column follow the new name.
   */
  rename?: Record<string, string>;
  /**
   * How to fill columns of the new table: a SQL expression over the old row, such as
   * `"coalesce(email, '')"` or `"CAST(price AS INTEGER)"`. A column not listed takes the old column of
   * the same name, or its `DEFAULT` when it is new.
   */
  copy?: Record<string, string>;
  /** Table constraints to add: `"CHECK (price >= 0)"`, `"UNIQUE (email)"`, `"FOREIGN KEY (team_id) REFERENCES teams (id)"`. */
  addConstraints?: string[];
  /**
   * Table constraints to drop, by `CONSTRAINT` name or by their text (compared ignoring case and
   * spacing). A constraint written on a column goes away by redefining the column in `columns`.
   */
  dropConstraints?: string[];
  /** The new column order: every column of the new table, each once. */
  order?: string[];
  /** `true` to make the table `WITHOUT ROWID` (it needs a PRIMARY KEY), `false` to make it a rowid table. */
  withoutRowid?: boolean;
  /** The complete new `CREATE TABLE` statement, for the same table name, instead of edits. */
  definition?: string;
}

/** What {@link rebuildTable} did. */
export interface RebuildResult {
  /** The table's name. */
  table: string;
  /** Rows copied into the new table. */
  rows: number;
  /** Columns the new table has that the old one did not. */
  addedColumns: string[];
  /** Columns of the old table the new one does not have (their values are gone). */
  droppedColumns: string[];
  /** Columns renamed, old name to new name. */
  renamedColumns: Record<string, string>;
  /** Indexes recreated, in creation order. */
  indexes: string[];
  /** Triggers recreated, in creation order. */
  triggers: string[];
  /** Time the rebuild took, in milliseconds. */
  durationMs: number;
}

const EDITS = ["columns", "addConstraints", "dropConstraints", "order", "withoutRowid"] as const;
const SAVEPOINT = "strata_rebuild";

/**
 * Rebuilds a table with a new definition, keeping its rows, indexes and triggers, inside the current
 * transaction. Meant for a migration's `up()` and `down()`.
 *
 * @param db The migration's executor.
 * @param table The table to rebuild.
 * @param change The new definition, as edits or a complete statement.
 * @returns What was copied, added, dropped and recreated.
 * @throws {InvalidInputError} for a table that does not exist or a change that does not fit it
 *   (unknown column, constraint not found, incomplete order); nothing is changed.
 * @throws {SchemaChangeError} when the new table cannot be created or filled, an index or trigger
 *   does not fit it, a view or trigger would break, or a foreign key would be violated; the table
 *   is left exactly as it was.
 *
 * @example Make a column NOT NULL and drop another, in a migration
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
 * import { rebuildTable } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT); INSERT INTO users VALUES (1, NULL, 'x')");
 * await new MigrationManager(db).registerMigrations([{
 *   version: 1,
 *   description: "require email",
 *   up: async (db) => {
 *     await rebuildTable(db, "users", {
 *       columns: { email: "TEXT NOT NULL", legacy: null },
 *       copy: { email: "coalesce(email, 'unknown@example.com')" },
 *     });
 *   },
 * }]).migrate();
 * assert.deepEqual({ ...db.prepare("SELECT * FROM users").get() }, { id: 1, email: "unknown@example.com" });
 * db.close();
 * ```
 */
export function rebuildTable(db: Executor, table: string, change: TableChange): Promise<RebuildResult> {
  try {
    checkChangeShape(table, change);
  } catch (error) {
    return Promise.reject(error);
  }
  return db.group((inner) => rebuildInOneCall(inner, table, change));
}

async function rebuildInOneCall(db: Executor, table: string, change: TableChange): Promise<RebuildResult> {
  const started = performance.now();
  const name = await actualTableName(db, table);
  await assertForeignKeysOff(db, name);
  const legacyAlter = Number(
    (await db.query("SELECT legacy_alter_table FROM pragma_legacy_alter_table"))[0]?.legacy_alter_table,
  ) === 1;
  await db.exec(`SAVEPOINT ${SAVEPOINT}`);
  try {
    if (legacyAlter) await db.exec("PRAGMA legacy_alter_table = OFF");
    const result = await rebuild(db, name, change);
    await db.exec(`RELEASE ${SAVEPOINT}`);
    return { ...result, durationMs: performance.now() - started };
  } catch (error) {
    await db.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`).catch(() => {});
    throw error;
  } finally {
    await db.exec(`PRAGMA legacy_alter_table = ${legacyAlter ? "ON" : "OFF"}`);
  }
}

async function rebuild(
  db: Executor,
  table: string,
  change: TableChange,
): Promise<Omit<RebuildResult, "durationMs">> {
  const brokenBefore = await brokenDependents(db);
  const violationsBefore = await foreignKeyViolations(db, table);
  await renameColumns(db, table, change.rename ?? {});
  const old = await tableParts(db, table);
  const temp = await unusedName(db, `strata_rebuild_${table}`);
  const created = change.definition === undefined
    ? renderCreateTable(temp, ...editedItems(parseCreateTable(old.sql), change))
    : withName(change.definition, table, temp);
  await explained(
    { table, temp, failure: "its new definition fails", advice: "Fix the definition." },
    () => db.exec(created),
  );
  const copy = await copyStatement(db, { table, temp, old }, change.copy ?? {});
  const { changes } = await explained({
    table,
    temp,
    failure: "copying its rows into the new definition fails",
    advice: "Give the new columns values that fit with copy, e.g. copy: { email: \"coalesce(email, '')\" }.",
  }, () => db.run(copy.sql));
  await db.exec(`DROP TABLE ${quoteName(table)}`);
  await db.exec("PRAGMA legacy_alter_table = ON");
  await db.exec(`ALTER TABLE ${quoteName(temp)} RENAME TO ${quoteName(table)}`);
  await db.exec("PRAGMA legacy_alter_table = OFF");
  for (const object of [...old.indexes, ...old.triggers]) {
    await explained({
      table,
      failure: `its ${object.type} ${object.name} does not fit the new definition`,
      advice:
        `Drop the ${object.type} in this migration before the rebuild, and create the one you need after it.`,
    }, () => db.exec(object.sql));
  }
  if (old.sequence !== null && parseCreateTable(created).autoincrement) {
    await keepSequence(db, table, old.sequence);
  }
  await assertNothingBroken(db, table, brokenBefore);
  await assertNoNewViolations(db, table, violationsBefore);
  const oldNames = new Set(old.columns.map((column) => column.toLowerCase()));
  const newNames = new Set(copy.columns.map((column) => column.toLowerCase()));
  return {
    table,
    rows: changes,
    addedColumns: copy.columns.filter((column) => !oldNames.has(column.toLowerCase())),
    droppedColumns: old.columns.filter((column) => !newNames.has(column.toLowerCase())),
    renamedColumns: { ...change.rename },
    indexes: old.indexes.map((index) => index.name),
    triggers: old.triggers.map((trigger) => trigger.name),
  };
}

function checkChangeShape(table: string, change: TableChange): void {
  const edits = EDITS.filter((key) => change[key] !== undefined);
  if (change.definition !== undefined && edits.length > 0) {
    throw new InvalidInputError(
      `rebuildTable("${table}") got both a definition and ${edits.join(", ")}. Give the complete new ` +
        `definition, or edits to the current one, not both.`,
      "definition",
    );
  }
}

async function actualTableName(db: Executor, table: string): Promise<string> {
  const rows = await db.query(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE AND sql NOT LIKE 'CREATE VIRTUAL%'",
    table,
  );
  if (rows.length === 0 || /^sqlite_/i.test(table)) {
    throw new InvalidInputError(
      `Cannot rebuild table "${table}": the database has no such table (views, virtual tables and ` +
        `SQLite's own tables cannot be rebuilt). Check the name.`,
      "table",
    );
  }
  return String(rows[0].name);
}

async function assertForeignKeysOff(db: Executor, table: string): Promise<void> {
  // The executor refuses the PRAGMA statement inside a transaction; the table-valued form only reads.
  const enforced =
    Number((await db.query("SELECT foreign_keys FROM pragma_foreign_keys"))[0]?.foreign_keys) === 1;
  if (!enforced) return;
  throw new SchemaChangeError(
    `Cannot rebuild table ${table} while foreign keys are enforced: dropping the old table would delete ` +
      `or block the rows that reference it. Run the rebuild in a migration (the runner turns enforcement ` +
      `off for the run), or run PRAGMA foreign_keys = OFF outside any transaction first.`,
    table,
  );
}

async function renameColumns(db: Executor, table: string, rename: Record<string, string>): Promise<void> {
  for (const [from, to] of Object.entries(rename)) {
    if (!(await db.columnExists(table, from))) {
      throw new InvalidInputError(
        `Cannot rename column ${from} of ${table}: there is no such column. ${await columnList(db, table)}`,
        "rename",
      );
    }
    await explained(
      {
        table,
        failure: `renaming column ${from} to ${to} fails`,
        advice: "Choose a name no other column has.",
      },
      () => db.exec(`ALTER TABLE ${quoteName(table)} RENAME COLUMN ${quoteName(from)} TO ${quoteName(to)}`),
    );
  }
}

async function columnList(db: Executor, table: string): Promise<string> {
  const columns = await db.query("SELECT name FROM pragma_table_xinfo(?) ORDER BY cid", table);
  return `Its columns are ${columns.map((column) => column.name).join(", ")}.`;
}

interface SchemaObject {
  type: "index" | "trigger";
  name: string;
  sql: string;
}

interface TableParts {
  sql: string;
  columns: string[];
  indexes: SchemaObject[];
  triggers: SchemaObject[];
  sequence: number | null;
}

async function tableParts(db: Executor, table: string): Promise<TableParts> {
  const objects = await db.query<{ type: "table" | "index" | "trigger"; name: string; sql: string }>(
    "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY rowid",
    table,
  );
  const hasSequence = await db.tableExists("sqlite_sequence");
  const sequence = hasSequence
    ? (await db.query("SELECT seq FROM sqlite_sequence WHERE name = ?", table))[0]
    : undefined;
  const columns = await db.query("SELECT name FROM pragma_table_xinfo(?) ORDER BY cid", table);
  return {
    sql: objects.find((object) => object.type === "table")!.sql,
    columns: columns.map((column) => String(column.name)),
    indexes: objects.filter((object): object is SchemaObject => object.type === "index"),
    triggers: objects.filter((object): object is SchemaObject => object.type === "trigger"),
    sequence: sequence ? Number(sequence.seq) : null,
  };
}

async function unusedName(db: Executor, base: string): Promise<string> {
  let name = base;
  for (let n = 2; await db.tableExists(name); n++) name = `${base}_${n}`;
  return name;
}

/** A complete `CREATE TABLE` statement for `table`, with `temp` put in place of its name. */
function withName(definition: string, table: string, temp: string): string {
  let parsed: TableDefinition;
  try {
    parsed = parseCreateTable(definition);
  } catch {
    throw new InvalidInputError(
      `The definition given to rebuildTable("${table}") is not a CREATE TABLE statement with columns: ` +
        `"${definition.slice(0, 60)}".`,
      "definition",
    );
  }
  if (parsed.name.toLowerCase() !== table.toLowerCase()) {
    throw new InvalidInputError(
      `The definition given to rebuildTable("${table}") creates table ${parsed.name}. Write it for ` +
        `${table}; to rename the table too, rename it after the rebuild with ALTER TABLE.`,
      "definition",
    );
  }
  return definition.slice(0, parsed.nameSpan[0]) + quoteName(temp) + definition.slice(parsed.nameSpan[1]);
}

/** The items and options of the new table: the current definition with the edits applied. */
function editedItems(current: TableDefinition, change: TableChange): [string[], string[]] {
  const table = current.name;
  const columns = current.columns.map(({ name, definition }) => ({ name, definition }));
  const find = (name: string) =>
    columns.findIndex((column) => column.name.toLowerCase() === name.toLowerCase());
  for (const [name, definition] of Object.entries(change.columns ?? {})) {
    const at = find(name);
    if (definition === null && at < 0) {
      throw new InvalidInputError(
        `Cannot drop column ${name} of ${table}: there is no such column. Its columns are ${
          columns.map((column) => column.name).join(", ")
        }.`,
        "columns",
      );
    }
    if (definition === null) columns.splice(at, 1);
    else if (at >= 0) columns[at] = { name: columns[at].name, definition };
    else columns.push({ name, definition });
  }
  const constraints = current.constraints.map((constraint) => ({ ...constraint }));
  for (const wanted of change.dropConstraints ?? []) {
    const at = constraints.findIndex((constraint) =>
      constraint.name?.toLowerCase() === wanted.toLowerCase() || sqlKey(constraint.text) === sqlKey(wanted)
    );
    if (at < 0) {
      const existing = constraints.map((constraint) => constraint.text).join("; ") || "none";
      throw new InvalidInputError(
        `Cannot drop constraint "${wanted}" of ${table}: it has no table constraint of that name or text. ` +
          `Its table constraints are: ${existing}. A constraint written on a column goes away by ` +
          `redefining the column in columns.`,
        "dropConstraints",
      );
    }
    constraints.splice(at, 1);
  }
  const ordered = change.order ? reorder(table, columns, change.order) : columns;
  const options = current.options.filter((option) =>
    option !== "WITHOUT ROWID" || change.withoutRowid !== false
  );
  if (change.withoutRowid && !options.includes("WITHOUT ROWID")) options.unshift("WITHOUT ROWID");
  return [[
    ...ordered.map((column) => columnText(column.name, column.definition)),
    ...constraints.map((constraint) => constraint.text),
    ...(change.addConstraints ?? []),
  ], options];
}

function reorder<T extends { name: string }>(table: string, columns: T[], order: readonly string[]): T[] {
  const byName = new Map(columns.map((column) => [column.name.toLowerCase(), column]));
  const wanted = order.map((name) => name.toLowerCase());
  const missing = columns.filter((column) => !wanted.includes(column.name.toLowerCase())).map((c) => c.name);
  const unknown = order.filter((name) => !byName.has(name.toLowerCase()));
  if (missing.length > 0 || unknown.length > 0 || new Set(wanted).size !== wanted.length) {
    throw new InvalidInputError(
      `The order given for ${table} must list every column of the new table once: ${
        [
          missing.length > 0 ? `missing ${missing.join(", ")}` : "",
          unknown.length > 0 ? `unknown ${unknown.join(", ")}` : "",
          new Set(wanted).size !== wanted.length ? "some listed twice" : "",
        ].filter(Boolean).join("; ")
      }. The columns are ${columns.map((column) => column.name).join(", ")}.`,
      "order",
    );
  }
  return wanted.map((name) => byName.get(name)!);
}

/** The tables of a rebuild: the table, its temporary replacement, and what the old one had. */
interface Tables {
  table: string;
  temp: string;
  old: TableParts;
}

/** The `INSERT … SELECT` that fills the new table, and the new table's columns. */
async function copyStatement(
  db: Executor,
  { table, temp, old }: Tables,
  copy: Record<string, string>,
): Promise<{ sql: string; columns: string[] }> {
  const columns = await db.query("SELECT name, hidden FROM pragma_table_xinfo(?) ORDER BY cid", temp);
  const names = columns.map((column) => String(column.name));
  const fillable = columns.filter((column) => Number(column.hidden) === 0).map((column) =>
    String(column.name)
  );
  const find = (list: string[], name: string) =>
    list.find((item) => item.toLowerCase() === name.toLowerCase());
  const unfillable = Object.keys(copy).find((name) => !find(fillable, name));
  if (unfillable !== undefined) {
    throw new InvalidInputError(
      `copy names column ${unfillable}, which the new ${table} ${
        find(names, unfillable) ? "computes itself (a generated column)" : "does not have"
      }. The columns it fills are ${fillable.join(", ")}.`,
      "copy",
    );
  }
  const targets: string[] = [];
  const sources: string[] = [];
  for (const column of fillable) {
    const key = find(Object.keys(copy), column);
    const oldColumn = find(old.columns, column);
    // A new column without a copy expression is left out, so its DEFAULT fills it.
    const source = key !== undefined ? copy[key] : oldColumn !== undefined ? quoteName(oldColumn) : undefined;
    if (source === undefined) continue;
    targets.push(quoteName(column));
    sources.push(source);
  }
  if (await keepsRowids((sql, params = []) => db.query(sql, ...params), [table, temp], fillable)) {
    targets.unshift("rowid");
    sources.unshift("rowid");
  }
  return {
    sql: `INSERT INTO ${quoteName(temp)} (${targets.join(", ")}) SELECT ${sources.join(", ")} FROM ${
      quoteName(table)
    }`,
    columns: names,
  };
}

async function keepSequence(db: Executor, table: string, sequence: number): Promise<void> {
  const updated = await db.run(
    "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
    sequence,
    table,
  );
  if (updated.changes === 0) {
    await db.run("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", table, sequence);
  }
}

/**
 * Every view and trigger that SQLite cannot compile, with the reason. SQLite checks neither when they
 * are created, so each is compiled here: a view by `EXPLAIN SELECT`, the triggers of a table by
 * `EXPLAIN` of the statement that fires them.
 */
async function brokenDependents(db: Executor): Promise<Map<string, string>> {
  const objects = await db.query<{ type: string; name: string; tbl_name: string; sql: string }>(
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY rowid",
  );
  const broken = new Map<string, string>();
  const attempt = async (label: string, sql: () => Promise<string>) => {
    try {
      await db.query(`EXPLAIN ${await sql()}`);
    } catch (error) {
      broken.set(label, error instanceof Error ? error.message : String(error));
    }
  };
  for (const view of objects.filter((object) => object.type === "view")) {
    await attempt(`view ${view.name}`, () => Promise.resolve(`SELECT * FROM ${quoteName(view.name)}`));
  }
  const groups = Map.groupBy(
    objects.filter((object) => object.type === "trigger"),
    (trigger) => `${trigger.tbl_name}\n${triggerEvent(trigger.sql)}`,
  );
  for (const [key, triggers] of groups) {
    const [target, event] = key.split("\n");
    const names = triggers.map((trigger) => trigger.name).join(", ");
    await attempt(
      `trigger${triggers.length > 1 ? "s" : ""} ${names} (on ${event} of ${target})`,
      () => firingStatement(db, target, event),
    );
  }
  return broken;
}

async function firingStatement(db: Executor, target: string, event: string): Promise<string> {
  const name = quoteName(target);
  if (event === "INSERT") return `INSERT INTO ${name} DEFAULT VALUES`;
  if (event === "DELETE") return `DELETE FROM ${name}`;
  const columns = await db.query("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0", target);
  return `UPDATE ${name} SET ${
    columns.map((c) => `${quoteName(String(c.name))} = ${quoteName(String(c.name))}`).join(", ")
  }`;
}

async function assertNothingBroken(db: Executor, table: string, before: Map<string, string>): Promise<void> {
  const broken = [...(await brokenDependents(db))].filter(([label]) => !before.has(label));
  if (broken.length === 0) return;
  const list = broken.map(([label, reason]) => `${label} (${reason})`).join("; ");
  throw new SchemaChangeError(
    `Cannot rebuild table ${table}: the new definition breaks ${list}. Nothing was changed. Drop or ` +
      `change ${broken.length > 1 ? "them" : "it"} in this migration before the rebuild, and create ` +
      `${broken.length > 1 ? "them" : "it"} again after.`,
    table,
  );
}

/** Foreign-key violations involving a table, as the table's child or as the parent of others. */
async function foreignKeyViolations(db: Executor, table: string): Promise<string[]> {
  const step = {
    table,
    failure: "checking its foreign keys fails",
    advice: "Make the referenced columns a PRIMARY KEY or UNIQUE in the new definition.",
  };
  return await explained(step, async () => {
    const children = await db.query(
      `SELECT DISTINCT m.name FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
       WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE`,
      table,
    );
    const violations: Row[] = [];
    for (const name of new Set([table, ...children.map((row) => String(row.name))])) {
      violations.push(...await db.query("SELECT * FROM pragma_foreign_key_check(?)", name));
    }
    return violations.map((v) =>
      `${v.table} row ${v.rowid ?? "(without rowid)"} references a missing row of ${v.parent}`
    );
  });
}

async function assertNoNewViolations(db: Executor, table: string, before: string[]): Promise<void> {
  const known = new Set(before);
  const added = (await foreignKeyViolations(db, table)).filter((violation) => !known.has(violation));
  if (added.length === 0) return;
  const more = added.length > 5 ? ` and ${added.length - 5} more` : "";
  throw new SchemaChangeError(
    `Cannot rebuild table ${table}: afterwards ${added.slice(0, 5).join("; ")}${more}. Nothing was ` +
      `changed. Fix those rows first, or change the copy expressions or the new foreign keys.`,
    table,
  );
}

/** A step of the rebuild, for its error message. */
interface Step {
  /** The table being rebuilt. */
  table: string;
  /** What failed: "copying its rows into the new definition fails". */
  failure: string;
  /** What to do about it. */
  advice: string;
  /** The temporary table's name, which SQLite's messages use and the table's own replaces. */
  temp?: string;
}

/**
 * Runs one step of the rebuild, turning its failure into a {@link SchemaChangeError} that says which
 * step failed and what to do.
 */
async function explained<T>(step: Step, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof SchemaChangeError || cause instanceof InvalidInputError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    const reason = step.temp ? message.replaceAll(step.temp, step.table) : message;
    throw new SchemaChangeError(
      `Cannot rebuild table ${step.table}: ${step.failure}: ${reason}. Nothing was changed. ${step.advice}`,
      step.table,
      { cause },
    );
  }
}
