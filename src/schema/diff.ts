/**
 * Compares two schema models and says how they differ in plain words, one sentence per difference:
 * `table users: column email is TEXT NOT NULL in the migrations but TEXT in the database`.
 *
 * Statements are compared by their tokens, so spacing, keyword case and identifier quoting never count
 * as differences; everything else does.
 *
 * @module
 */
import type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
  TriggerSchema,
  ViewSchema,
} from "../sql/schema_model.ts";
import { formatTokens, sqlKey, tokenize } from "../sql/tokens.ts";

/** One difference between two schemas. */
export interface SchemaDifference {
  /** The kind of object that differs. */
  type: "table" | "index" | "view" | "trigger";
  /** The object's name. */
  name: string;
  /** The difference as a sentence, naming both sides. */
  message: string;
}

/** Options of {@link diffSchemas}. */
export interface DiffSchemasOptions {
  /** How messages name the expected side. @default {"the migrations"} */
  expectedLabel?: string;
  /** How messages name the actual side. @default {"the database"} */
  actualLabel?: string;
}

type Labels = { e: string; a: string };

/**
 * Lists how `actual` differs from `expected`; an empty list means the schemas are the same.
 *
 * @example Find a column that drifted
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { diffSchemas, readSchema } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const expected = new DatabaseSync(":memory:");
 * const actual = new DatabaseSync(":memory:");
 * expected.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)");
 * actual.exec("create table users(id integer primary key, email text)");
 * const differences = diffSchemas(await readSchema(expected), await readSchema(actual));
 * assert.deepEqual(differences.map((d) => d.message), [
 *   "table users: column email is TEXT NOT NULL in the migrations but TEXT in the database",
 * ]);
 * expected.close();
 * actual.close();
 * ```
 */
export function diffSchemas(
  expected: DatabaseSchema,
  actual: DatabaseSchema,
  options: DiffSchemasOptions = {},
): SchemaDifference[] {
  const labels = { e: options.expectedLabel ?? "the migrations", a: options.actualLabel ?? "the database" };
  return [
    ...compareObjects(expected.tables, actual.tables, {
      type: "table",
      labels,
      differences: tableDifferences,
    }),
    ...compareObjects(expected.indexes, actual.indexes, {
      type: "index",
      labels,
      differences: statementDifferences,
    }),
    ...compareObjects(expected.views, actual.views, { type: "view", labels, differences: viewDifferences }),
    ...compareObjects(expected.triggers, actual.triggers, {
      type: "trigger",
      labels,
      differences: statementDifferences,
    }),
  ];
}

/** Pairs objects of one kind by name and lists what each pair, or an unpaired object, differs in. */
function compareObjects<T extends { name: string }>(
  expected: readonly T[],
  actual: readonly T[],
  { type, labels, differences }: {
    type: SchemaDifference["type"];
    labels: Labels;
    differences: (e: T, a: T, labels: Labels) => string[];
  },
): SchemaDifference[] {
  const found: SchemaDifference[] = [];
  const actualByName = new Map(actual.map((object) => [object.name.toLowerCase(), object]));
  for (const e of expected) {
    const a = actualByName.get(e.name.toLowerCase());
    const messages = a ? differences(e, a, labels) : [` is in ${labels.e} but not in ${labels.a}`];
    for (const message of messages) {
      found.push({ type, name: e.name, message: `${type} ${e.name}${message}` });
    }
  }
  const expectedNames = new Set(expected.map((object) => object.name.toLowerCase()));
  for (const a of actual.filter((object) => !expectedNames.has(object.name.toLowerCase()))) {
    found.push({ type, name: a.name, message: `${type} ${a.name} is in ${labels.a} but not in ${labels.e}` });
  }
  return found;
}

/** Differences of two tables, each starting with `: ` or ` ` to follow `table <name>`. */
function tableDifferences(e: TableSchema, a: TableSchema, labels: Labels): string[] {
  if (e.virtual || a.virtual) {
    return sqlKey(e.sql) === sqlKey(a.sql) ? [] : [definedDifferently(e.sql, a.sql, labels)];
  }
  const found = [
    ...columnDifferences(e.columns, a.columns, labels),
    ...flagDifferences(e, a, labels),
    ...setDifference(
      e.uniques.map((u) => `UNIQUE (${u.join(", ")})`),
      a.uniques.map((u) => `UNIQUE (${u.join(", ")})`),
      labels,
    ),
    ...setDifference(e.checks, a.checks, labels),
    ...setDifference(e.foreignKeys.map(describeForeignKey), a.foreignKeys.map(describeForeignKey), labels),
  ];
  const [pkE, pkA] = [primaryKey(e.columns), primaryKey(a.columns)];
  if (pkE.toLowerCase() !== pkA.toLowerCase()) {
    found.push(`: primary key is ${pkE} in ${labels.e} but ${pkA} in ${labels.a}`);
  }
  return found;
}

function columnDifferences(expected: ColumnSchema[], actual: ColumnSchema[], labels: Labels): string[] {
  const found: string[] = [];
  const actualByName = new Map(actual.map((column) => [column.name.toLowerCase(), column]));
  for (const e of expected) {
    const a = actualByName.get(e.name.toLowerCase());
    if (!a) found.push(`: column ${e.name} is in ${labels.e} but not in ${labels.a}`);
    else if (columnKey(e) !== columnKey(a)) {
      found.push(
        `: column ${e.name} is ${describeColumn(e)} in ${labels.e} but ${describeColumn(a)} in ${labels.a}`,
      );
    }
  }
  const expectedNames = expected.map((column) => column.name.toLowerCase());
  for (const a of actual.filter((column) => !expectedNames.includes(column.name.toLowerCase()))) {
    found.push(`: column ${a.name} is in ${labels.a} but not in ${labels.e}`);
  }
  const order = (columns: ColumnSchema[]) => columns.map((column) => column.name).join(", ");
  const sameSet = expected.length === actual.length && found.length === 0;
  if (sameSet && order(expected).toLowerCase() !== order(actual).toLowerCase()) {
    found.push(
      `: columns are in the order ${order(expected)} in ${labels.e} but ${order(actual)} in ${labels.a}`,
    );
  }
  return found;
}

/** A column's type and constraints as SQL: `TEXT NOT NULL DEFAULT ''`. */
function describeColumn(column: ColumnSchema): string {
  const parts = [column.type || "untyped"];
  if (column.notNull) parts.push("NOT NULL");
  if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.collate) parts.push(`COLLATE ${column.collate}`);
  if (column.generated) {
    parts.push(`GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.kind.toUpperCase()}`);
  }
  return parts.join(" ");
}

function columnKey(column: ColumnSchema): string {
  return JSON.stringify([
    column.type.toUpperCase(),
    column.notNull,
    column.default === null ? null : sqlKey(column.default),
    column.collate?.toLowerCase() ?? null,
    column.generated ? [column.generated.kind, sqlKey(column.generated.expression)] : null,
  ]);
}

function primaryKey(columns: ColumnSchema[]): string {
  const key = columns.filter((c) => c.primaryKey > 0).sort((x, y) => x.primaryKey - y.primaryKey);
  return key.length === 0 ? "none" : `(${key.map((c) => c.name).join(", ")})`;
}

/** A foreign key as SQL: `FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE`. */
function describeForeignKey(key: ForeignKeySchema): string {
  const references = key.references.length > 0 ? ` (${key.references.join(", ")})` : "";
  const actions = [["UPDATE", key.onUpdate], ["DELETE", key.onDelete]]
    .filter(([, action]) => action !== "NO ACTION")
    .map(([event, action]) => ` ON ${event} ${action}`).join("");
  return `FOREIGN KEY (${key.columns.join(", ")}) REFERENCES ${key.table}${references}${actions}`;
}

const FLAGS = [["WITHOUT ROWID", "withoutRowid"], ["STRICT", "strict"], [
  "AUTOINCREMENT",
  "autoincrement",
]] as const;

function flagDifferences(e: TableSchema, a: TableSchema, labels: Labels): string[] {
  return FLAGS.filter(([, key]) => e[key] !== a[key]).map(([flag, key]) =>
    e[key]
      ? ` is ${flag} in ${labels.e} but not in ${labels.a}`
      : ` is ${flag} in ${labels.a} but not in ${labels.e}`
  );
}

/** Constraints on one side only, compared by their tokens. */
function setDifference(expected: string[], actual: string[], labels: Labels): string[] {
  const keysE = new Set(expected.map(sqlKey));
  const keysA = new Set(actual.map(sqlKey));
  return [
    ...expected.filter((text) => !keysA.has(sqlKey(text))).map((text) =>
      `: ${text} is in ${labels.e} but not in ${labels.a}`
    ),
    ...actual.filter((text) => !keysE.has(sqlKey(text))).map((text) =>
      `: ${text} is in ${labels.a} but not in ${labels.e}`
    ),
  ];
}

function definedDifferently(e: string, a: string, labels: Labels): string {
  const oneLine = (sql: string) => formatTokens(tokenize(sql));
  return ` is "${oneLine(e)}" in ${labels.e} but "${oneLine(a)}" in ${labels.a}`;
}

/** Differences of two indexes or triggers, whose statements say everything about them. */
function statementDifferences(
  e: IndexSchema | TriggerSchema,
  a: IndexSchema | TriggerSchema,
  labels: Labels,
): string[] {
  return sqlKey(e.sql) === sqlKey(a.sql) ? [] : [definedDifferently(e.sql, a.sql, labels)];
}

function viewDifferences(e: ViewSchema, a: ViewSchema, labels: Labels): string[] {
  if (sqlKey(e.sql) !== sqlKey(a.sql)) return [definedDifferently(e.sql, a.sql, labels)];
  if (a.error && !e.error) return [` does not work in ${labels.a}: ${a.error}`];
  if (e.error && !a.error) return [` does not work in ${labels.e}: ${e.error}`];
  if (e.columns.join("\n") !== a.columns.join("\n")) {
    return [
      `: its columns are named ${e.columns.join(", ")} in ${labels.e} but ${
        a.columns.join(", ")
      } in ${labels.a}`,
    ];
  }
  return [];
}
