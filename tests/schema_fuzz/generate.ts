/**
 * Random schemas and random changes to them, for the generator fuzzer. Every schema made here is
 * valid SQLite, and every change keeps it valid: what a dropped table or column leaves behind (its
 * indexes, views, triggers, generated columns, keys) goes with it, as a user's wanted schema would.
 * Changes that the rows of {@link ./rows.ts} could not survive are not made (a foreign key added to
 * a column holding other values, a primary key on a column that was retyped).
 *
 * @module
 */
import {
  ACTIONS,
  COLLATIONS,
  type Column,
  columnById,
  type ColumnExpression,
  DEFAULTS,
  freshName,
  type Schema,
  type Table,
  TYPES,
} from "./model.ts";
import type { Random } from "./random.ts";

/** What the changes did that the generator must be told: renames, by ids. */
export interface ChangeLog {
  /** Tables renamed, by id. */
  tables: Set<number>;
  /** Columns renamed, by id. */
  columns: Set<number>;
  /** Columns whose type changed, by id: no primary key may move onto them. */
  retyped: Set<number>;
  /**
   * Columns whose rows may hold the same value, by id, so they cannot become unique or a key: those
   * the changes add (every row takes the default) and those that were part of a foreign key. A
   * table the changes add is listed too: it has no rows.
   */
  added: Set<number>;
  /** Names in the schema the changes start from, which new objects must not take. */
  reserved: Set<string>;
  /** What each change was, for the report of a failing case. */
  steps: string[];
}

/** A random schema of two to six tables, with indexes, views and triggers. */
export function randomSchema(random: Random): Schema {
  const schema: Schema = { tables: [], indexes: [], views: [], triggers: [], nextId: 1 };
  const log = emptyLog(schema);
  for (let i = random.int(2, 6); i > 0; i--) addTable(schema, random, log);
  for (let i = random.int(0, 3); i > 0; i--) addIndex(schema, random, log);
  for (let i = random.int(0, 2); i > 0; i--) addView(schema, random, log);
  for (let i = random.int(0, 2); i > 0; i--) addTrigger(schema, random, log);
  return schema;
}

export function emptyLog(schema: Schema): ChangeLog {
  return {
    tables: new Set(),
    columns: new Set(),
    retyped: new Set(),
    added: new Set(),
    reserved: new Set([
      ...schema.tables.flatMap((t) => [t.name, ...t.columns.map((c) => `${t.id}.${c.name}`)]),
      ...schema.indexes.map((i) => i.name),
      ...schema.views.map((v) => v.name),
      ...schema.triggers.map((t) => t.name),
    ].map((name) => name.toLowerCase())),
    steps: [],
  };
}

function id(schema: Schema): number {
  return schema.nextId++;
}

/** Whether a column is part of a foreign key, whose rows may name the same parent. */
function isReference(table: Table, column: Column): boolean {
  return table.foreignKeys.some((key) => key.columns.includes(column.id));
}

/** Whether a column's rows hold values of their own (not one default for all): it was there before the changes. */
function holdsValues(log: ChangeLog, table: Table, column: Column): boolean {
  return !log.added.has(column.id) || log.added.has(table.id);
}

function name(
  schema: Schema,
  random: Random,
  log: ChangeLog,
  pool: "table" | "column" | "object",
  table?: Table,
) {
  for (;;) {
    const candidate = freshName(schema, random, pool, table);
    const key = pool === "column" ? `${table!.id}.${candidate}` : candidate;
    if (!log.reserved.has(key.toLowerCase())) return candidate;
    schema.nextId++;
  }
}

function newColumn(
  schema: Schema,
  random: Random,
  log: ChangeLog,
  table: Table,
  options: { forAdd: boolean },
): Column {
  const type = random.pick(TYPES);
  const column: Column = {
    id: id(schema),
    name: name(schema, random, log, "column", table),
    type,
    notNull: false,
    default: null,
    collate: null,
    unique: false,
    check: null,
    generated: null,
  };
  const sources = table.columns.filter((c) => !c.generated);
  if (sources.length > 0 && random.chance(0.1)) {
    const source = random.pick(sources);
    column.generated = {
      column: source.id,
      expression: random.pick<ColumnExpression>(["concat", "plus", "lower"]),
      stored: !options.forAdd && random.chance(0.5),
    };
    return column;
  }
  if (random.chance(0.4)) column.default = random.pick(DEFAULTS);
  // A NOT NULL column added to a table with rows needs a default that is not NULL.
  if (random.chance(0.3) && (!options.forAdd || (column.default !== null && column.default !== "NULL"))) {
    column.notNull = true;
  }
  if (isText(type) && random.chance(0.2)) column.collate = random.pick(COLLATIONS);
  if (!options.forAdd && random.chance(0.15)) column.unique = true;
  if (random.chance(0.15)) {
    column.check = random.pick<ColumnExpression>(["length", "nonnegative", "tautology"]);
  }
  return column;
}

function isText(type: string): boolean {
  return /CHAR|TEXT|CLOB/i.test(type);
}

/** Columns that a key, a foreign key or a generated column or trigger depends on, and may not change type. */
function isPinned(schema: Schema, table: Table, column: Column): boolean {
  if (table.primaryKey.includes(column.id)) return true;
  if (table.foreignKeys.some((key) => key.columns.includes(column.id))) return true;
  return schema.tables.some((other) =>
    other.foreignKeys.some((key) =>
      key.parent === table.id && (key.parentColumns.includes(column.id) ||
        (key.parentColumns.length === 0 && table.primaryKey.includes(column.id)))
    )
  ) || schema.triggers.some((trigger) => trigger.target === table.id && trigger.targetColumn === column.id);
}

/** Adds a table, maybe with a foreign key to an existing one. */
export function addTable(schema: Schema, random: Random, log: ChangeLog): void {
  const table: Table = {
    id: id(schema),
    name: name(schema, random, log, "table"),
    columns: [],
    primaryKey: [],
    inlineKey: false,
    autoincrement: false,
    withoutRowid: false,
    uniques: [],
    checks: [],
    foreignKeys: [],
  };
  const style = random.pick(["rowid-alias", "none", "composite", "text"] as const);
  if (style === "rowid-alias") {
    const key = { ...newColumn(schema, random, log, table, { forAdd: false }), name: "id", type: "INTEGER" };
    Object.assign(key, {
      notNull: false,
      default: null,
      unique: false,
      check: null,
      generated: null,
      collate: null,
    });
    table.columns.push(key);
    table.primaryKey = [key.id];
    table.inlineKey = true;
    table.autoincrement = random.chance(0.3);
  } else if (style === "text") {
    const key = {
      ...newColumn(schema, random, log, table, { forAdd: false }),
      type: "TEXT",
      generated: null,
    };
    Object.assign(key, { notNull: true, unique: false, default: null });
    table.columns.push(key);
    table.primaryKey = [key.id];
    table.inlineKey = true;
    table.withoutRowid = random.chance(0.5);
  }
  for (let i = random.int(1, 4); i > 0; i--) {
    table.columns.push(newColumn(schema, random, log, table, { forAdd: false }));
  }
  if (style === "composite") {
    const candidates = table.columns.filter((c) => !c.generated);
    if (candidates.length >= 2) {
      table.primaryKey = candidates.slice(0, 2).map((c) => c.id);
      for (const column of candidates.slice(0, 2)) column.notNull = true;
      table.withoutRowid = random.chance(0.5);
    }
  }
  const plain = table.columns.filter((c) => !c.generated && !table.primaryKey.includes(c.id));
  if (plain.length >= 2 && random.chance(0.15)) table.uniques.push([plain[0].id, plain[1].id]);
  if (plain.length >= 1 && random.chance(0.15)) {
    table.checks.push({
      column: random.pick(plain).id,
      expression: random.pick(["length", "tautology"] as const),
    });
  }
  schema.tables.push(table);
  log.added.add(table.id);
  if (random.chance(0.5)) addForeignKey(schema, random, log, table);
  log.steps.push(`add table ${table.name}`);
}

/** Adds columns to `table` that reference a key of an earlier table (or of itself), NULL for the rows it has. */
function addForeignKey(schema: Schema, random: Random, log: ChangeLog, table: Table): boolean {
  const parents = schema.tables.filter((t) => t.primaryKey.length > 0 && (t.id < table.id || t === table));
  if (parents.length === 0) return false;
  const parent = random.pick(parents);
  if (parent === table && parent.primaryKey.length !== 1) return false;
  const columns: Column[] = [];
  for (const keyId of parent.primaryKey) {
    let columnName = `${name(schema, random, log, "column", table)}_ref`;
    while (table.columns.some((c) => c.name.toLowerCase() === columnName.toLowerCase())) {
      columnName = `ref_${schema.nextId++}`;
    }
    const column: Column = {
      id: id(schema),
      name: columnName,
      type: columnById(parent, keyId).type,
      notNull: false,
      default: null,
      collate: null,
      unique: false,
      check: null,
      generated: null,
    };
    table.columns.push(column);
    columns.push(column);
  }
  for (const column of columns) log.added.add(column.id);
  table.foreignKeys.push({
    columns: columns.map((c) => c.id),
    parent: parent.id,
    parentColumns: random.chance(0.5) ? [] : [...parent.primaryKey],
    onDelete: random.pick(ACTIONS),
    onUpdate: random.pick(ACTIONS),
  });
  return true;
}

function addIndex(schema: Schema, random: Random, log: ChangeLog): void {
  const table = random.pick(schema.tables);
  const columns = table.columns;
  const keys = random.chance(0.7) ? [random.pick(columns)] : [random.pick(columns), random.pick(columns)];
  if (new Set(keys).size !== keys.length) keys.pop();
  // A generated column's values may repeat (coalesce(x, 0) + 1 of many NULLs), and so do a new column's.
  const distinct = keys.every((c) => !c.generated && holdsValues(log, table, c) && !isReference(table, c));
  schema.indexes.push({
    name: name(schema, random, log, "object"),
    table: table.id,
    unique: distinct && random.chance(0.2),
    keys: keys.map((c) => ({
      column: c.id,
      expression: random.pick(["plain", "plain", "lower", "desc"] as const),
    })),
    where: random.chance(0.2) ? random.pick(columns).id : null,
  });
  log.steps.push(`add index on ${table.name}`);
}

function addView(schema: Schema, random: Random, log: ChangeLog): void {
  const table = random.pick(schema.tables);
  const columns = [...new Set([random.pick(table.columns), random.pick(table.columns)])].map((c) => c.id);
  const other = random.pick(schema.tables);
  schema.views.push({
    name: name(schema, random, log, "object"),
    table: table.id,
    columns,
    join: other !== table && random.chance(0.3)
      ? { table: other.id, column: random.pick(other.columns).id }
      : null,
  });
  log.steps.push(`add view on ${table.name}`);
}

function addTrigger(schema: Schema, random: Random, log: ChangeLog): void {
  const table = random.pick(schema.tables);
  const targets = schema.tables.flatMap((t) =>
    t === table
      ? []
      : t.columns.filter((c) => isText(c.type) && !c.generated && !isPinned(schema, t, c)).map((c) => ({
        table: t,
        column: c,
      }))
  );
  if (targets.length === 0) return;
  const target = random.pick(targets);
  schema.triggers.push({
    name: name(schema, random, log, "object"),
    table: table.id,
    event: random.pick(["INSERT", "UPDATE", "DELETE"] as const),
    target: target.table.id,
    targetColumn: target.column.id,
  });
  log.steps.push(`add trigger on ${table.name}`);
}

/** Removes what refers to a column: indexes, views, triggers, generated columns, checks, uniques. */
function dropColumnDependents(schema: Schema, table: Table, column: number): void {
  schema.indexes = schema.indexes.filter((index) =>
    index.table !== table.id || (!index.keys.some((k) => k.column === column) && index.where !== column)
  );
  schema.views = schema.views.filter((view) =>
    !(view.table === table.id && view.columns.includes(column)) &&
    !(view.join?.table === table.id && view.join.column === column)
  );
  schema.triggers = schema.triggers.filter((t) => !(t.target === table.id && t.targetColumn === column));
  for (const generated of table.columns.filter((c) => c.generated?.column === column)) {
    table.columns = table.columns.filter((c) => c !== generated);
    dropColumnDependents(schema, table, generated.id);
  }
  table.checks = table.checks.filter((check) => check.column !== column);
  table.uniques = table.uniques.filter((unique) => !unique.includes(column));
}

/**
 * Drops an index, view or trigger, and half the time makes another under its name (a changed
 * definition); or adds a new one.
 */
function replaceOrAdd(
  schema: Schema,
  random: Random,
  log: ChangeLog,
  kind: "indexes" | "views" | "triggers",
  add: (schema: Schema, random: Random, log: ChangeLog) => void,
): boolean {
  const list: { name: string }[] = schema[kind];
  let reused: string | null = null;
  if (list.length > 0 && random.chance(0.5)) {
    const object = random.pick(list);
    list.splice(list.indexOf(object), 1);
    log.steps.push(`drop ${kind} ${object.name}`);
    if (random.chance(0.5)) return true;
    reused = object.name;
  }
  const before = list.length;
  add(schema, random, log);
  const added = list.length > before;
  if (added && reused !== null) list.at(-1)!.name = reused;
  return added || reused !== null;
}

/** The changes, by name. */
const CHANGES: Record<string, (schema: Schema, random: Random, log: ChangeLog) => boolean> = {
  "add table": (schema, random, log) => {
    addTable(schema, random, log);
    return true;
  },
  "drop table": (schema, random, log) => {
    const droppable = schema.tables.filter((t) =>
      !schema.tables.some((o) => o !== t && o.foreignKeys.some((k) => k.parent === t.id))
    );
    if (droppable.length === 0 || schema.tables.length <= 1) return false;
    const table = random.pick(droppable);
    schema.tables = schema.tables.filter((t) => t !== table);
    schema.indexes = schema.indexes.filter((i) => i.table !== table.id);
    schema.views = schema.views.filter((v) => v.table !== table.id && v.join?.table !== table.id);
    schema.triggers = schema.triggers.filter((t) => t.table !== table.id && t.target !== table.id);
    log.steps.push(`drop table ${table.name}`);
    return true;
  },
  "rename table": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const before = table.name;
    table.name = name(schema, random, log, "table");
    log.tables.add(table.id);
    log.steps.push(`rename table ${before} to ${table.name}`);
    return true;
  },
  "add column": (schema, random, log) => {
    const table = random.pick(schema.tables);
    if (random.chance(0.2)) {
      const added = addForeignKey(schema, random, log, table);
      if (added) log.steps.push(`add a foreign key column to ${table.name}`);
      return added;
    }
    const column = newColumn(schema, random, log, table, { forAdd: true });
    table.columns.push(column);
    log.added.add(column.id);
    log.steps.push(`add column ${column.name} to ${table.name}`);
    return true;
  },
  "drop column": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const droppable = table.columns.filter((c) => !isPinned(schema, table, c));
    if (droppable.length === 0 || table.columns.length <= 1) return false;
    const column = random.pick(droppable);
    if (table.columns.filter((c) => c.id !== column.id && !c.generated).length === 0) return false;
    table.columns = table.columns.filter((c) => c !== column);
    dropColumnDependents(schema, table, column.id);
    log.steps.push(`drop column ${column.name} of ${table.name}`);
    return true;
  },
  "rename column": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const column = random.pick(table.columns);
    const before = column.name;
    column.name = name(schema, random, log, "column", table);
    log.columns.add(column.id);
    log.steps.push(`rename column ${before} of ${table.name} to ${column.name}`);
    return true;
  },
  "retype column": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const candidates = table.columns.filter((c) => !c.generated && !isPinned(schema, table, c));
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    column.type = random.pick(TYPES.filter((t) => t !== column.type));
    if (!isText(column.type)) column.collate = null;
    log.retyped.add(column.id);
    log.steps.push(`retype column ${column.name} of ${table.name} to ${column.type || "untyped"}`);
    return true;
  },
  "change default": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const candidates = table.columns.filter((c) =>
      !c.generated && !(table.inlineKey && table.primaryKey[0] === c.id) && !isReference(table, c)
    );
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    column.default = random.chance(0.3) ? null : random.pick(DEFAULTS);
    if (column.notNull && (column.default === null || column.default === "NULL")) column.default = "'x'";
    log.steps.push(`default of ${column.name} of ${table.name} becomes ${column.default ?? "none"}`);
    return true;
  },
  "toggle not null": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const candidates = table.columns.filter((c) => !c.generated && !table.primaryKey.includes(c.id));
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    // A new NOT NULL column needs a default for the rows the table has.
    const noDefault = column.default === null || column.default === "NULL";
    if (!column.notNull && !holdsValues(log, table, column) && noDefault) return false;
    column.notNull = !column.notNull;
    log.steps.push(`${column.name} of ${table.name} becomes ${column.notNull ? "NOT NULL" : "nullable"}`);
    return true;
  },
  "toggle unique": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const candidates = table.columns.filter((c) =>
      !c.generated && (c.unique || (holdsValues(log, table, c) && !isReference(table, c)))
    );
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    column.unique = !column.unique;
    log.steps.push(`${column.name} of ${table.name} becomes ${column.unique ? "UNIQUE" : "not unique"}`);
    return true;
  },
  "toggle check": (schema, random, log) => {
    const table = random.pick(schema.tables);
    if (random.chance(0.5) && table.checks.length > 0) {
      table.checks.pop();
      log.steps.push(`drop a table CHECK of ${table.name}`);
      return true;
    }
    const candidates = table.columns.filter((c) => !c.generated);
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    column.check = column.check ? null : random.pick(["length", "nonnegative", "tautology"] as const);
    log.steps.push(`CHECK of ${column.name} of ${table.name} becomes ${column.check ?? "none"}`);
    return true;
  },
  "change collation": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const candidates = table.columns.filter((c) => isText(c.type) && !c.generated);
    if (candidates.length === 0) return false;
    const column = random.pick(candidates);
    column.collate = random.chance(0.3) ? null : random.pick(COLLATIONS);
    log.steps.push(`collation of ${column.name} of ${table.name} becomes ${column.collate ?? "none"}`);
    return true;
  },
  "change generated column": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const generated = table.columns.filter((c) => c.generated);
    if (generated.length === 0) return false;
    const column = random.pick(generated);
    column.generated = { ...column.generated!, stored: !column.generated!.stored };
    log.steps.push(
      `generated column ${column.name} of ${table.name} becomes ${
        column.generated.stored ? "STORED" : "VIRTUAL"
      }`,
    );
    return true;
  },
  "change primary key": (schema, random, log) => {
    const table = random.pick(schema.tables);
    const referenced = schema.tables.some((o) => o.foreignKeys.some((k) => k.parent === table.id));
    const choice = random.pick(["without rowid", "autoincrement", "move"] as const);
    if (choice === "without rowid" && table.primaryKey.length > 0 && !table.autoincrement) {
      table.withoutRowid = !table.withoutRowid;
      log.steps.push(`${table.name} becomes ${table.withoutRowid ? "WITHOUT ROWID" : "a rowid table"}`);
      return true;
    }
    if (
      choice === "autoincrement" && table.inlineKey && !table.withoutRowid &&
      columnById(table, table.primaryKey[0]).type === "INTEGER"
    ) {
      table.autoincrement = !table.autoincrement;
      log.steps.push(`${table.name} ${table.autoincrement ? "gets" : "loses"} AUTOINCREMENT`);
      return true;
    }
    if (choice !== "move" || referenced) return false;
    const candidates = table.columns.filter((c) =>
      !c.generated && !log.retyped.has(c.id) && holdsValues(log, table, c) && !isReference(table, c)
    );
    if (candidates.length === 0) return false;
    const columns = random.chance(0.7)
      ? [random.pick(candidates)]
      : [...new Set([random.pick(candidates), random.pick(candidates)])];
    table.primaryKey = columns.map((c) => c.id);
    table.inlineKey = columns.length === 1 && random.chance(0.5);
    table.autoincrement = false;
    if (table.withoutRowid) { for (const column of columns) column.notNull = true; }
    log.steps.push(`primary key of ${table.name} becomes ${columns.map((c) => c.name).join(", ")}`);
    return true;
  },
  "change foreign key": (schema, random, log) => {
    const table = random.pick(schema.tables);
    if (table.foreignKeys.length === 0) return false;
    const key = random.pick(table.foreignKeys);
    if (random.chance(0.3)) {
      table.foreignKeys = table.foreignKeys.filter((k) => k !== key);
      for (const column of key.columns) log.added.add(column);
      log.steps.push(`drop a foreign key of ${table.name}`);
    } else {
      key.onDelete = random.pick(ACTIONS);
      key.onUpdate = random.pick(ACTIONS);
      log.steps.push(
        `foreign key of ${table.name} becomes ON DELETE ${key.onDelete} ON UPDATE ${key.onUpdate}`,
      );
    }
    return true;
  },
  "change index": (schema, random, log) => replaceOrAdd(schema, random, log, "indexes", addIndex),
  "change view": (schema, random, log) => replaceOrAdd(schema, random, log, "views", addView),
  "change trigger": (schema, random, log) => replaceOrAdd(schema, random, log, "triggers", addTrigger),
};

/** Applies one to four random changes to `schema`, returning what the generator needs to know. */
export function randomChanges(schema: Schema, random: Random): ChangeLog {
  const log = emptyLog(schema);
  const names = Object.keys(CHANGES);
  for (let changes = random.int(1, 4), tries = 0; changes > 0 && tries < 50; tries++) {
    if (CHANGES[random.pick(names)](schema, random, log)) changes--;
  }
  return log;
}

/** The renames of a change log, as `generateMigration` takes them: by the names of `before`. */
export function renamesOf(before: Schema, after: Schema, log: ChangeLog): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const table of after.tables) {
    const old = before.tables.find((t) => t.id === table.id);
    if (!old) continue;
    if (log.tables.has(table.id) && old.name !== table.name) rename[old.name] = table.name;
    for (const column of table.columns) {
      const was = old.columns.find((c) => c.id === column.id);
      if (was && log.columns.has(column.id) && was.name !== column.name) {
        rename[`${old.name}.${was.name}`] = column.name;
      }
    }
  }
  return rename;
}
