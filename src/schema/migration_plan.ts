/**
 * The planner behind generated migrations (`deno task new --from`): the SQL that takes a database
 * from the schema it has to another, written the way SQLite needs it.
 *
 * Every statement is run, as it is written, on a scratch database that holds the schema and no rows,
 * so each decision is checked by SQLite itself: an `ALTER TABLE … DROP COLUMN` or `ADD COLUMN` is
 * kept only when the table it leaves is exactly the wanted one, and otherwise the table is rebuilt by
 * SQLite's documented procedure (https://www.sqlite.org/lang_altertable.html#otheralter): create the
 * new table, copy the rows with a plain `INSERT … SELECT` (values convert by the new column's
 * affinity, as SQLite converts them), drop the old table, rename the new one, and create the table's
 * indexes and triggers again. Views and triggers that name a table being dropped or rebuilt are
 * dropped before it and created again after.
 *
 * The order: views, triggers and indexes that change or go are dropped; tables that go are dropped;
 * tables, then columns, are renamed (only those the caller names: a rename is never guessed); new
 * tables are created; changed tables are altered or rebuilt; then every index, view and trigger of
 * the wanted schema that is missing or differs is created.
 *
 * Foreign-key enforcement is off while strata runs a migration, so dropping a table deletes nothing
 * else. With enforcement on, SQLite's `DROP TABLE` deletes the rows that reference the table first
 * (`ON DELETE CASCADE`, `SET NULL`), and `PRAGMA foreign_keys = OFF` does nothing inside a
 * transaction: no SQL can rebuild a referenced table safely there, so a plan that drops one starts
 * with statements that fail unless enforcement is off (see {@link FOREIGN_KEYS_GUARD}).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { columnText, parseCreateTable, renderCreateTable } from "../sql/create_statements.ts";
import { affinity, canAddColumn, checkExpression, isNullLiteral } from "./column_rules.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { mentions, planFailure, Script } from "./plan_script.ts";
import { keepsRowids } from "../sql/rowids.ts";
import { type ColumnSchema, type DatabaseSchema, findTable, type TableSchema } from "../sql/schema_model.ts";
import { diffSchemas } from "./diff.ts";
import { queryFunction, readTableSchema } from "./read_schema.ts";
import { quoteName, sqlKey } from "../sql/tokens.ts";

/** Renames the caller asked for, by the names of the schema the plan starts from. */
export interface Renames {
  /** Tables: old name → new name. */
  tables: Readonly<Record<string, string>>;
  /** Columns, by the table's old name: old column name → new name. */
  columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A step of a plan that drops or changes data, or fails on some rows. */
export interface DataChange {
  /** What the step does to the data. */
  kind: "drop-table" | "drop-column" | "retype" | "not-null" | "without-rowid" | "refill";
  /** The table concerned. */
  table: string;
  /** The column concerned; null for a whole table. */
  column: string | null;
  /** The step in plain words: `drops column legacy of users and its values`. */
  message: string;
}

/** Options of {@link planSchemaChange}. */
interface PlanOptions {
  /**
   * A NOT NULL column without a DEFAULT added to a table that keeps its rows has no value to take:
   * `"refuse"` throws; `"fill"` gives every row a value of the column's type (`0`, `''`, `x''`),
   * for a down section that restores a column whose values up dropped.
   */
  missingValues: "refuse" | "fill";
  /** How comments name the wanted schema: `schema.sql`. */
  targetLabel: string;
  /** How comments name the schema the plan starts from: `the migrations`. */
  sourceLabel: string;
}

/** The SQL of one direction of a generated migration. */
interface SchemaChangePlan {
  /** The statements, with comments, as the text of a `.sql` section. */
  sql: string;
  /** Steps that drop or change data, or fail on some rows, in the order they run. */
  dataChanges: DataChange[];
}

/**
 * The statements that stop a migration before it changes anything when foreign keys are enforced:
 * a `CHECK` whose constraint name is the message SQLite reports.
 */
export const FOREIGN_KEYS_GUARD: string = [
  "-- This migration drops and recreates tables that foreign keys reference. With foreign-key enforcement",
  "-- on, SQLite's DROP TABLE first deletes or changes the rows that reference them (ON DELETE CASCADE,",
  "-- SET NULL), and PRAGMA foreign_keys = OFF does nothing inside a transaction. strata runs migrations",
  "-- with enforcement off; run anywhere else, these three statements stop it before it changes anything",
  "-- unless enforcement is off.",
  `CREATE TEMP TABLE strata_foreign_keys_off (enforced INTEGER CONSTRAINT "foreign keys are enforced: ` +
  `run this migration with PRAGMA foreign_keys = OFF, outside any transaction" CHECK (enforced = 0));`,
  "INSERT INTO temp.strata_foreign_keys_off SELECT foreign_keys FROM pragma_foreign_keys;",
  "DROP TABLE temp.strata_foreign_keys_off;",
].join("\n");

/** The two schemas of a plan, and the renames between them. */
interface SchemaChange {
  /** The schema the scratch database holds, from `readSchema`. */
  from: DatabaseSchema;
  /** The wanted schema. */
  to: DatabaseSchema;
  /** The renames the caller asked for, by the names of `from`. */
  renames: Renames;
}

/**
 * Plans the change from the schema `scratch` holds to the wanted one, running every statement on
 * `scratch` (a table rebuild is simulated there by a drop and a create, which leave the same schema
 * as SQLite's rename). The plan is checked by running its SQL on rows: see `schema_proof.ts`.
 *
 * @example Plan a new column, then its removal
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readSchema } from "./mod.ts";
 * import { schemaOfStatements } from "./write_migration.ts";
 * import { planSchemaChange } from "./migration_plan.ts";
 * import assert from "node:assert/strict";
 *
 * const scratch = new DatabaseSync(":memory:");
 * scratch.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY)");
 * const from = await readSchema(scratch);
 * const to = await schemaOfStatements("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "schema.sql");
 * const renames = { tables: {}, columns: {} };
 * const plan = await planSchemaChange(scratch, { from, to, renames }, {
 *   missingValues: "refuse",
 *   targetLabel: "schema.sql",
 *   sourceLabel: "the migrations",
 * });
 * assert.equal(plan.sql, "-- New column of notes.\nALTER TABLE notes ADD COLUMN body TEXT;");
 * scratch.close();
 * ```
 *
 * @param scratch A database with the schema `change.from` and no rows that matter; the plan changes it.
 * @returns The SQL and the steps that drop or change data.
 * @throws {InvalidInputError} for a change that no SQL can make on a table with rows (a new NOT
 *   NULL column without a DEFAULT, with `missingValues: "refuse"`) or a virtual table that changes.
 * @throws {SchemaChangeError} when SQLite refuses a statement of the plan: a bug of the planner,
 *   reported with what SQLite said.
 */
export async function planSchemaChange(
  scratch: DatabaseSync,
  change: SchemaChange,
  options: PlanOptions,
): Promise<SchemaChangePlan> {
  scratch.exec("PRAGMA foreign_keys = OFF");
  const plan = new Planner(scratch, change, options);
  plan.dropChangingObjects();
  plan.dropTables();
  plan.renameTables();
  plan.renameColumns();
  plan.createTables();
  await plan.changeTables();
  plan.createObjects();
  return plan.result();
}

/** The decisions of one plan, phase by phase. */
class Planner {
  readonly #db: DatabaseSync;
  readonly #from: DatabaseSchema;
  readonly #to: DatabaseSchema;
  readonly #renames: Renames;
  readonly #options: PlanOptions;
  readonly #script: Script;
  readonly #changes: DataChange[] = [];
  /** Notes of the rebuild being planned, for its comment. */
  #notes: string[] = [];
  #guarded = false;

  constructor(db: DatabaseSync, { from, to, renames }: SchemaChange, options: PlanOptions) {
    this.#db = db;
    this.#from = from;
    this.#to = to;
    this.#renames = renames;
    this.#options = options;
    this.#script = new Script(db);
  }

  result(): SchemaChangePlan {
    const sql = this.#script.text();
    return { sql: this.#guarded ? `${FOREIGN_KEYS_GUARD}\n\n${sql}` : sql, dataChanges: this.#changes };
  }

  /** The wanted name of a table of the starting schema. */
  #newName(table: string): string {
    return lookup(this.#renames.tables, table) ?? table;
  }

  /** The tables of the starting schema that the wanted schema keeps (renamed or not), with their wanted form. */
  #keptTables(): { from: TableSchema; to: TableSchema }[] {
    return this.#from.tables.flatMap((from) => {
      const to = findTable(this.#to, this.#newName(from.name));
      return to ? [{ from, to }] : [];
    });
  }

  #isRenamed(table: string): boolean {
    return lookup(this.#renames.tables, table) !== undefined ||
      lookup(this.#renames.columns, table) !== undefined;
  }

  /**
   * Drops the views and triggers the wanted schema does not have or has in another form, and the
   * indexes it does not have, or has in another form on a table nothing renames (SQLite rewrites an
   * index on a renamed table or column itself; what still differs after is created again at the end).
   */
  dropChangingObjects(): void {
    const views = new Map(this.#to.views.map((view) => [view.name.toLowerCase(), view]));
    const triggers = new Map(this.#to.triggers.map((trigger) => [trigger.name.toLowerCase(), trigger]));
    const indexes = new Map(this.#to.indexes.map((index) => [index.name.toLowerCase(), index]));
    const kept = (table: string) => findTable(this.#to, this.#newName(table)) !== undefined;
    const goingTriggers = this.#from.triggers.filter((trigger) => {
      // A trigger on a table that goes goes with it.
      if (!kept(trigger.table) && findTable(this.#from, trigger.table)) return false;
      const wanted = triggers.get(trigger.name.toLowerCase());
      return !wanted || sqlKey(wanted.sql) !== sqlKey(trigger.sql);
    });
    const goingViews = this.#from.views.filter((view) => {
      const wanted = views.get(view.name.toLowerCase());
      return !wanted || sqlKey(wanted.sql) !== sqlKey(view.sql) || view.error !== null;
    });
    const goingIndexes = this.#from.indexes.filter((index) => {
      if (!kept(index.table)) return false;
      const wanted = indexes.get(index.name.toLowerCase());
      if (!wanted) return true;
      return sqlKey(wanted.sql) !== sqlKey(index.sql) && !this.#isRenamed(index.table);
    });
    if (goingTriggers.length + goingViews.length + goingIndexes.length === 0) return;
    this.#script.step(
      "Views, triggers and indexes that change or go; what changes is created again at the end.",
    );
    for (const trigger of goingTriggers) this.#dropObject("trigger", trigger.name);
    for (const view of goingViews) this.#dropObject("view", view.name);
    for (const index of goingIndexes) this.#dropObject("index", index.name);
  }

  /** Drops an object if the scratch database still has it (a view's triggers go with the view). */
  #dropObject(type: "view" | "trigger" | "index", name: string): void {
    const found = this.#db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = ? AND name = ? COLLATE NOCASE",
    )
      .get(type, name);
    if (found) this.#script.run(`DROP ${type.toUpperCase()} ${quoteName(String(found.name))}`);
  }

  /**
   * Drops the views and triggers that name `table` (other than its own triggers, which go with it),
   * and then those that name a view dropped here, so that no view or trigger is left broken.
   */
  #dropDependents(table: string): void {
    const names = new Set([table.toLowerCase()]);
    const drops: { type: string; name: string }[] = [];
    const objects = this.#db.prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY type DESC, name",
    ).all().map((row) => ({
      type: String(row.type),
      name: String(row.name),
      on: String(row.tbl_name).toLowerCase(),
      sql: String(row.sql),
    }));
    for (let grew = true; grew;) {
      grew = false;
      for (const object of objects) {
        if (drops.includes(object) || object.on === table.toLowerCase() && object.type === "trigger") {
          continue;
        }
        const named = mentions(object.sql);
        if (![...names].some((name) => named.has(name))) continue;
        drops.push(object);
        if (object.type === "view") {
          names.add(object.name.toLowerCase());
          grew = true;
        }
      }
    }
    // Triggers first: dropping a view drops the triggers on it.
    for (const object of drops.sort((a, b) => (a.type === "view" ? 1 : 0) - (b.type === "view" ? 1 : 0))) {
      this.#dropObject(object.type as "view" | "trigger", object.name);
    }
  }

  /** Whether a foreign key of any table names `table`, so that dropping it needs enforcement off. */
  #isReferenced(table: string): boolean {
    return this.#db.prepare(
      `SELECT 1 FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
       WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE LIMIT 1`,
    ).get(table) !== undefined;
  }

  #dropTable(table: string): void {
    if (this.#isReferenced(table)) this.#guarded = true;
    this.#dropDependents(table);
    this.#script.run(`DROP TABLE ${quoteName(table)}`);
  }

  /** Drops the tables the wanted schema does not have. */
  dropTables(): void {
    for (const table of this.#from.tables) {
      if (findTable(this.#to, this.#newName(table.name))) continue;
      const message = `drops table ${table.name} and its rows`;
      this.#script.step(`Loses data: ${message}.`);
      this.#changes.push({ kind: "drop-table", table: table.name, column: null, message });
      this.#dropTable(table.name);
    }
  }

  /** Renames tables, through temporary names when one takes the name another gives up. */
  renameTables(): void {
    const pairs = Object.entries(this.#renames.tables);
    if (pairs.length === 0) return;
    this.#script.step(
      `Tables renamed as asked: ${pairs.map(([from, to]) => `${from} to ${to}`).join(", ")}.`,
    );
    this.#renameAll(pairs, (name) => this.#tableExists(name), (from, to) => {
      this.#script.run(`ALTER TABLE ${quoteName(from)} RENAME TO ${quoteName(to)}`);
    });
  }

  /** Renames columns, by the tables' new names, through temporary names for swaps. */
  renameColumns(): void {
    for (const [table, columns] of Object.entries(this.#renames.columns)) {
      const name = this.#newName(table);
      const pairs = Object.entries(columns);
      this.#script.step(
        `Columns of ${name} renamed as asked: ${pairs.map(([from, to]) => `${from} to ${to}`).join(", ")}.`,
      );
      const taken = new Set(
        this.#db.prepare("SELECT name FROM pragma_table_xinfo(?)").all(name).map((row) =>
          String(row.name).toLowerCase()
        ),
      );
      this.#renameAll(pairs, (column) => taken.has(column.toLowerCase()), (from, to) => {
        taken.delete(from.toLowerCase());
        taken.add(to.toLowerCase());
        this.#script.run(
          `ALTER TABLE ${quoteName(name)} RENAME COLUMN ${quoteName(from)} TO ${quoteName(to)}`,
        );
      });
    }
  }

  /** Renames each pair; when a new name is still taken, moves every old name to a free one first. */
  #renameAll(
    pairs: [string, string][],
    taken: (name: string) => boolean,
    rename: (from: string, to: string) => void,
  ): void {
    const sources = new Set(pairs.map(([from]) => from.toLowerCase()));
    const collides = pairs.some(([, to]) => sources.has(to.toLowerCase()));
    if (!collides) {
      for (const [from, to] of pairs) rename(from, to);
      return;
    }
    const moved = pairs.map(([from, to]) => {
      let temp = `strata_renaming_${from}`;
      for (let n = 2; taken(temp); n++) temp = `strata_renaming_${from}_${n}`;
      rename(from, temp);
      return [temp, to] as const;
    });
    for (const [temp, to] of moved) rename(temp, to);
  }

  #tableExists(name: string): boolean {
    return this.#db.prepare("SELECT 1 FROM sqlite_schema WHERE name = ? COLLATE NOCASE").get(name) !==
      undefined;
  }

  /** Creates the tables the starting schema does not have. */
  createTables(): void {
    const kept = new Set(this.#from.tables.map((table) => this.#newName(table.name).toLowerCase()));
    for (const table of this.#to.tables.filter((t) => !kept.has(t.name.toLowerCase()))) {
      this.#script.step(`New table ${table.name}.`);
      this.#script.run(table.sql);
    }
  }

  /** Alters or rebuilds each kept table whose definition differs from the wanted one. */
  async changeTables(): Promise<void> {
    for (const { from, to } of this.#keptTables()) {
      // Only a renamed table or column, or a table that names one, changes before this step.
      if (!this.#isRenamed(from.name) && this.#differences(to, from).length === 0) continue;
      const current = await readTableSchema(this.#db, to.name);
      if (!current) throw planFailure(`-- table ${to.name}`, new Error("the table is missing"));
      const differences = this.#differences(to, current);
      if (differences.length === 0) continue;
      if (current.virtual || to.virtual) {
        throw new InvalidInputError(
          `strata cannot change the virtual table ${to.name}: ${differences.join("; ")}. Write that step ` +
            `by hand (drop it and create it again, then fill it), or keep it as it is in ${this.#options.targetLabel}.`,
          "from",
        );
      }
      if (await this.#alter(current, to)) continue;
      await this.#rebuild(current, to, differences);
    }
  }

  /**
   * Makes the change with `ALTER TABLE … DROP COLUMN` and `ADD COLUMN` when the columns the table
   * keeps stay in order, the new ones come last, and SQLite's result is exactly the wanted table.
   */
  async #alter(current: TableSchema, to: TableSchema): Promise<boolean> {
    const has = (table: TableSchema, name: string) => findColumn(table, name) !== undefined;
    const dropped = current.columns.filter((column) => !has(to, column.name));
    const kept = current.columns.filter((column) => has(to, column.name)).map((c) => c.name.toLowerCase());
    const inOrder = to.columns.slice(0, kept.length).every((column, i) =>
      column.name.toLowerCase() === kept[i]
    );
    const added = to.columns.slice(kept.length);
    if (!inOrder || added.some((column) => has(current, column.name))) return false;
    if (dropped.length + added.length === 0) return false;
    const definitions = new Map(
      parseCreateTable(to.sql).columns.map((column) => [column.name.toLowerCase(), column.definition]),
    );
    if (!added.every((column) => canAddColumn(column) && this.#defaultFills(to, column))) return false;
    return await this.#script.trial(async () => {
      for (const column of dropped) {
        const message = `drops column ${column.name} of ${to.name} and its values`;
        this.#script.step(
          column.generated ? `Column ${column.name} of ${to.name} goes.` : `Loses data: ${message}.`,
        );
        this.#dropIndexesOn(to.name, column.name);
        this.#script.run(`ALTER TABLE ${quoteName(to.name)} DROP COLUMN ${quoteName(column.name)}`);
      }
      if (added.length > 0) this.#script.step(`New column${added.length > 1 ? "s" : ""} of ${to.name}.`);
      for (const column of added) {
        const definition = definitions.get(column.name.toLowerCase()) ?? "";
        this.#script.run(
          `ALTER TABLE ${quoteName(to.name)} ADD COLUMN ${columnText(column.name, definition)}`,
        );
      }
      const result = await readTableSchema(this.#db, to.name);
      const same = result !== undefined && this.#differences(to, result).length === 0;
      if (same) {
        for (const column of dropped.filter((c) => !c.generated)) {
          this.#changes.push({
            kind: "drop-column",
            table: to.name,
            column: column.name,
            message: `drops column ${column.name} of ${to.name} and its values`,
          });
        }
      }
      return same;
    });
  }

  /** Drops the indexes of a table that name a column, which `DROP COLUMN` refuses to leave behind. */
  #dropIndexesOn(table: string, column: string): void {
    const indexes = this.#db.prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL",
    ).all(table);
    for (const index of indexes) {
      if (mentions(String(index.sql)).has(column.toLowerCase())) {
        this.#dropObject("index", String(index.name));
      }
    }
  }

  /** Rebuilds a table by SQLite's procedure, keeping its rows, rowids and AUTOINCREMENT counter. */
  async #rebuild(current: TableSchema, to: TableSchema, differences: string[]): Promise<void> {
    const table = to.name;
    let temp = `new_${table}`;
    for (let n = 2; this.#tableExists(temp); n++) temp = `new_${table}_${n}`;
    this.#notes = [];
    const copy = this.#copy(current, to);
    if (!current.withoutRowid && to.withoutRowid) {
      this.#note("without-rowid", table, null, `makes ${table} WITHOUT ROWID: its rowids are not kept`);
    }
    this.#script.step(
      `Rebuild ${table}, as ALTER TABLE cannot make ${
        differences.length > 1 ? "these changes" : "this change"
      }:`,
      ...differences.map((difference) => `  ${difference}`),
      "SQLite's procedure: new table, rows copied, old table dropped, new one renamed; what goes with the",
      "old table (its indexes and triggers, views and triggers that name it) is created again below.",
      ...this.#notes,
    );
    this.#dropDependents(table);
    const definition = parseCreateTable(to.sql);
    const items = [
      ...definition.columns.map((column) => columnText(column.name, column.definition)),
      ...definition.constraints.map((constraint) => constraint.text),
    ];
    this.#script.run(renderCreateTable(temp, items, definition.options));
    const fillable = this.#db.prepare("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid")
      .all(temp).map((row) => String(row.name));
    if (copy.size === 0) {
      // Every column is new and takes its default: one column is still named, so each row is copied.
      const first = to.columns.find((column) => !column.generated)!;
      copy.set(first.name, first.default ?? "NULL");
    }
    const targets = [...copy.keys()];
    const sources = [...copy.values()];
    if (await keepsRowids(queryFunction(this.#db), [table, temp], fillable)) {
      targets.unshift("rowid");
      sources.unshift("rowid");
    }
    this.#script.run(
      `INSERT INTO ${quoteName(temp)} (${targets.map(quoteName).join(", ")})\n  SELECT ${
        sources.join(", ")
      } FROM ${quoteName(table)}`,
    );
    if (current.autoincrement && to.autoincrement) {
      const [oldName, newName] = [table, temp].map((name) => `'${name.replaceAll("'", "''")}'`);
      this.#script.run(`DELETE FROM sqlite_sequence WHERE name = ${newName}`);
      this.#script.run(
        `INSERT INTO sqlite_sequence (name, seq) SELECT ${newName}, seq FROM sqlite_sequence WHERE name = ${oldName}`,
      );
    }
    if (this.#isReferenced(table)) this.#guarded = true;
    this.#script.run(`DROP TABLE ${quoteName(table)}`);
    // SQLite's RENAME reads every object of the schema, which makes rebuilds in a schema of hundreds
    // of tables slow to plan; on the scratch database, whose new table is empty, creating the table
    // under its own name leaves the same schema. The proof runs the rename itself.
    this.#script.record(`ALTER TABLE ${quoteName(temp)} RENAME TO ${quoteName(table)}`);
    this.#db.exec(`DROP TABLE ${quoteName(temp)}`);
    this.#db.exec(renderCreateTable(table, items, definition.options));
  }

  /** What fills each column of the new table: the old column, converted as INSERT converts it, or a fill. */
  #copy(current: TableSchema, to: TableSchema): Map<string, string> {
    const table = to.name;
    const copy = new Map<string, string>();
    for (const column of current.columns.filter((c) => !c.generated && !findColumn(to, c.name))) {
      this.#note("drop-column", table, column.name, `drops column ${column.name} of ${table} and its values`);
    }
    for (const column of to.columns.filter((c) => !c.generated)) {
      const old = findColumn(current, column.name);
      if (old) {
        copy.set(column.name, this.#carried(table, old, column));
        continue;
      }
      const filled = this.#newColumnValue(to, column);
      if (filled !== null) copy.set(column.name, filled);
    }
    return copy;
  }

  /**
   * What fills a column the table did not have, for the rows it has: null when its DEFAULT (or NULL)
   * does, as `ADD COLUMN` would. A NOT NULL column without a DEFAULT, or a unique one whose default
   * every row would share, has no such value: refused in an up section, and filled in a down section
   * that restores a column up dropped (its values are gone): NULLs, the row's number for a unique
   * NOT NULL column, otherwise a value of its type.
   */
  #newColumnValue(to: TableSchema, column: ColumnSchema): string | null {
    const table = to.name;
    if (this.#defaultFills(to, column)) return null;
    const unique = this.#isUnique(to, column);
    const hasDefault = column.default !== null && !isNullLiteral(column.default);
    if (this.#options.missingValues === "refuse") {
      throw new InvalidInputError(
        column.notNull && !hasDefault
          ? `Column ${column.name} of ${table} is NOT NULL without a DEFAULT, so SQLite has no value to give ` +
            `the rows ${table} already has. Give it a DEFAULT in ${this.#options.targetLabel} (a later ` +
            `migration can drop the default), or add it without NOT NULL, fill it, and make it NOT NULL ` +
            `in a later migration. Nothing was written.`
          : `Column ${column.name} of ${table} is UNIQUE with DEFAULT ${column.default}, so every row ${table} ` +
            `already has would get the same value and break it. Add it without the DEFAULT${
              column.notNull ? " and NOT NULL" : ""
            } (NULLs do not collide), fill it, and make it what you want in a later migration. Nothing was ` +
            `written.`,
        "from",
      );
    }
    const fill = unique && !column.notNull ? "NULL" : this.#fillValue(to, column, unique);
    this.#note(
      "refill",
      table,
      column.name,
      `restores column ${column.name} of ${table} without its values, which are gone: every row gets ${
        fill === "row_number() OVER ()" ? "its row number" : fill
      }`,
    );
    return fill;
  }

  /** Whether a new column's DEFAULT (or NULL) is a value every row the table has can take. */
  #defaultFills(to: TableSchema, column: ColumnSchema): boolean {
    const hasDefault = column.default !== null && !isNullLiteral(column.default);
    return this.#isUnique(to, column) ? !hasDefault && !column.notNull : hasDefault || !column.notNull;
  }

  /**
   * Whether a column's values must differ from row to row: it alone is UNIQUE, the primary key, or a
   * unique index. When restoring a dropped column (`missingValues: "fill"`), any unique constraint or
   * index that names it counts, since every row's restored value is made up the same way.
   */
  #isUnique(table: TableSchema, column: ColumnSchema): boolean {
    const loose = this.#options.missingValues === "fill";
    const named = (name: string) => name.toLowerCase() === column.name.toLowerCase();
    const keys = table.columns.filter((c) => c.primaryKey > 0);
    const rowidAlias = keys.length === 1 && keys[0] === column && column.type.toUpperCase() === "INTEGER" &&
      !table.withoutRowid;
    const inKey = loose
      ? keys.includes(column) && !rowidAlias
      : keys.length === 1 && keys[0] === column && !rowidAlias;
    return inKey ||
      table.uniques.some((u) => (loose || u.length === 1) && u.some(named)) ||
      this.#to.indexes.some((index) =>
        index.unique && index.table.toLowerCase() === table.name.toLowerCase() &&
        (loose || (index.columns.length === 1 && index.where === null)) &&
        index.columns.some((key) => mentions(key).has(column.name.toLowerCase()))
      );
  }

  /** The expression that carries an old column into its new form, noting what it changes. */
  #carried(table: string, old: ColumnSchema, column: ColumnSchema): string {
    const name = quoteName(old.name);
    const [from, to] = [
      affinity(old.type, this.#isStrict(table, "from")),
      affinity(column.type, this.#isStrict(table, "to")),
    ];
    if (from !== to && to !== "BLOB" && !old.generated) {
      this.#note(
        "retype",
        table,
        column.name,
        `changes column ${column.name} of ${table} from ${old.type || "untyped"} to ${
          column.type || "untyped"
        }: ` +
          `values convert by ${to} affinity, as INSERT converts them (${CONVERSIONS[to]})`,
      );
    }
    if (!column.notNull || old.notNull) return name;
    if (column.default === null) {
      this.#note(
        "not-null",
        table,
        column.name,
        `makes column ${column.name} of ${table} NOT NULL: fails if a row holds NULL there (give those rows a value first)`,
      );
      return name;
    }
    this.#note(
      "not-null",
      table,
      column.name,
      `makes column ${column.name} of ${table} NOT NULL: rows holding NULL there get its default, ${column.default}`,
    );
    return `coalesce(${name}, ${column.default})`;
  }

  /**
   * A value of the column's type that its own CHECK constraints accept, for a restored column whose
   * values are gone; a column that must be unique gets the row's number instead.
   */
  #fillValue(table: TableSchema, column: ColumnSchema, unique: boolean): string {
    if (unique) return "row_number() OVER ()";
    const preferred = { INTEGER: "0", REAL: "0.0", NUMERIC: "0", TEXT: "''", BLOB: "x''" }[
      affinity(column.type, table.strict)
    ];
    const checks =
      parseCreateTable(table.sql).columns.find((c) => c.name.toLowerCase() === column.name.toLowerCase())
        ?.checks ?? [];
    for (const candidate of [preferred, "0", "''", "1", "'x'", "x'00'", "-1", "0.5"]) {
      const accepted = checks.every((check) => {
        try {
          const row = this.#db.prepare(
            `SELECT (${checkExpression(check)}) IS NOT 0 AS ok FROM (SELECT ${candidate} AS ${
              quoteName(column.name)
            })`,
          ).get();
          return Number(row?.ok) === 1;
        } catch {
          return true;
        }
      });
      if (accepted) return candidate;
    }
    return preferred;
  }

  #isStrict(table: string, side: "from" | "to"): boolean {
    if (side === "to") return findTable(this.#to, table)?.strict ?? false;
    const old = this.#from.tables.find((t) => this.#newName(t.name).toLowerCase() === table.toLowerCase());
    return old?.strict ?? false;
  }

  #differences(to: TableSchema, current: TableSchema): string[] {
    const empty = { indexes: [], views: [], triggers: [] };
    return diffSchemas({ tables: [to], ...empty }, { tables: [current], ...empty }, {
      expectedLabel: this.#options.targetLabel,
      actualLabel: this.#options.sourceLabel,
    }).map((difference) => difference.message);
  }

  #note(kind: DataChange["kind"], table: string, column: string | null, message: string): void {
    this.#changes.push({ kind, table, column, message });
    const label = kind === "drop-table" || kind === "drop-column"
      ? "Loses data"
      : kind === "not-null" && message.includes("fails if")
      ? "May fail"
      : "Changes data";
    this.#notes.push(`${label}: ${message}.`);
  }

  /** Creates the indexes, views and triggers of the wanted schema that are missing or differ. */
  createObjects(): void {
    const owners = new Set(
      [...this.#to.tables, ...this.#to.views].map((object) => object.name.toLowerCase()),
    );
    let started = false;
    for (
      const [type, wanted] of [["index", this.#to.indexes], ["view", this.#to.views], [
        "trigger",
        this.#to.triggers,
      ]] as const
    ) {
      // Read after the kind before: dropping a view drops its triggers. Objects of other tables (the
      // history table's) are none of the plan's business.
      const present = this.#db.prepare(
        "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = ? AND sql IS NOT NULL",
      )
        .all(type).map((row) => ({ name: String(row.name), on: String(row.tbl_name), sql: String(row.sql) }))
        .filter((object) => type === "view" || owners.has(object.on.toLowerCase()));
      const byName = new Map(present.map((object) => [object.name.toLowerCase(), object.sql]));
      const wantedNames = new Set(wanted.map((object) => object.name.toLowerCase()));
      const stale = present.filter((object) => !wantedNames.has(object.name.toLowerCase()));
      const missing = wanted.filter((object) => {
        const sql = byName.get(object.name.toLowerCase());
        return sql === undefined || sqlKey(sql) !== sqlKey(object.sql);
      });
      if (stale.length + missing.length === 0) continue;
      if (!started) this.#script.step("Indexes, views and triggers of the new schema.");
      started = true;
      for (const object of [...stale, ...missing]) this.#dropObject(type, object.name);
      for (const object of missing) this.#script.run(object.sql);
    }
  }
}

function findColumn(table: TableSchema, name: string): ColumnSchema | undefined {
  return table.columns.find((column) => column.name.toLowerCase() === name.toLowerCase());
}

/** What a conversion by each affinity does to values of other types, for the comments. */
const CONVERSIONS = {
  INTEGER: "text such as '007' becomes 7, 1.0 becomes 1",
  NUMERIC: "text such as '007' becomes 7",
  REAL: "integers become reals, 7 becomes 7.0",
  TEXT: "numbers become text, 1.50 becomes '1.5'",
  BLOB: "none",
} as const;

/**
 * A value of a record by a key compared ignoring case, as SQLite compares names.
 *
 * @example
 * ```ts
 * import { lookup } from "./migration_plan.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lookup({ Users: "people" }, "users"), "people");
 * ```
 */
export function lookup<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  const found = Object.keys(record).find((name) => name.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}
