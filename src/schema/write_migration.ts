/**
 * Generated migrations: give the schema you want, get the migration that takes the schema your
 * migrations produce there and back, as a readable `.sql` file — the engine of
 * `deno task new "description" --from schema.sql`.
 *
 * The known migrations are replayed on an in-memory database and compared with the wanted schema,
 * exactly as the drift check compares (column order, declared types, defaults, nullability, keys,
 * collations, generated columns, indexes, foreign keys with their actions, triggers, views). The up
 * and down sections are planned by `schema_plan.ts`, then proven before anything is written (see
 * `schema_proof.ts`): on a database with rows in every table, up must give exactly the wanted schema
 * and down exactly the one before, with no table losing rows. A rename is never guessed: a table or
 * column that disappears while another appears is a drop and an add unless `rename` says otherwise.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { replayMigrations } from "./drift.ts";
import { InvalidInputError, SchemaChangeError } from "../shared/errors.ts";
import { slugify, writeNextMigration } from "../source/next_file.ts";
import { loadMigrations } from "../core/load_migrations.ts";
import { directoryPath } from "../source/file_names.ts";
import { parseSqlMigration } from "../source/sql_file.ts";
import { MigrationManager } from "../core/manager.ts";
import type { MigrationInput } from "../core/migration.ts";
import { exists } from "../shared/paths.ts";
import { formatVersion } from "../shared/format.ts";
import { type DatabaseSchema, findTable, type TableSchema } from "../sql/schema_model.ts";
import { readSchema } from "./read_schema.ts";
import { diffSchemas } from "./diff.ts";
import { schemaStatements } from "./dump.ts";
import { readSchemaFile } from "./target_file.ts";
import { type DataChange, planSchemaChange, type Renames } from "./migration_plan.ts";
import { proveMigration } from "./proof.ts";
import { splitStatements } from "../sql/script.ts";
import type { SqlSource } from "./read_schema.ts";
import { formatTokens, tokenize } from "../sql/tokens.ts";
import { sqlFileMigration } from "../core/load_migrations.ts";

export type { DataChange } from "./migration_plan.ts";

/** Options of {@link generateMigration}. */
export interface GenerateMigrationOptions {
  /**
   * Renames, which are never guessed: `"users.name": "full_name"` renames a column (the table by its
   * current name), `"teams": "groups"` a table. Without them a column or table that disappears while
   * another appears is dropped, with its data, and the other one added.
   * @default {{}}
   */
  rename?: Readonly<Record<string, string>>;
  /** The migration's description, the first line of the file. @default {"generated migration"} */
  description?: string;
  /** How the file and messages name the wanted schema: its file name. @default {"the new schema"} */
  targetLabel?: string;
  /** The history table the migrations record themselves in. @default {"strata_migrations"} */
  historyTable?: string;
}

/** What {@link generateMigration} made. */
export interface GeneratedMigration {
  /** The version the migration takes: one above the newest known. */
  version: number;
  /** How the wanted schema differs from what the migrations produce; empty when they are the same. */
  differences: string[];
  /** The `.sql` file, with `-- migrate:up` and `-- migrate:down` sections; null when nothing differs. */
  text: string | null;
  /** Steps of up that drop or change data, or fail on some rows, as the file marks them. */
  up: DataChange[];
  /** Steps of down that do, as the file marks them. */
  down: DataChange[];
  /** Tables the proof ran with no rows, because no sample row fitted their constraints. */
  emptyTables: string[];
}

/**
 * Writes the migration that takes the schema `migrations` produce to `target`, and back, and proves
 * it before returning it: nothing is returned that does not pass.
 *
 * @param migrations The known migrations, as `loadMigrations` reads them.
 * @param target The wanted schema: SQL text of `CREATE TABLE/INDEX/VIEW/TRIGGER` statements, or a
 *   database (a `DatabaseSync`, an engine) whose schema it is; it is only read.
 * @returns The file's text (null when nothing differs), its version, and what it does to data.
 * @throws {InvalidInputError} for a target that is not a schema, a rename that does not fit, or a
 *   change no SQL can make on a table with rows (a NOT NULL column without a DEFAULT).
 * @throws {SchemaChangeError} when the generated SQL fails its proof (a bug of strata's): the message
 *   lists what differs.
 * @throws {MigrationError} when a known migration fails while being replayed.
 *
 * @example Make a column NOT NULL, which SQLite's ALTER TABLE cannot do
 * ```ts
 * import type { MigrationInput } from "../../mod.ts";
 * import { generateMigration } from "./write_migration.ts";
 * import assert from "node:assert/strict";
 *
 * const migrations: MigrationInput[] = [{
 *   version: 1,
 *   description: "users",
 *   up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"),
 * }];
 * const generated = await generateMigration(
 *   migrations,
 *   "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '', name TEXT)",
 *   { description: "require email", rename: {} },
 * );
 * assert.equal(generated.version, 2);
 * assert.match(generated.text!, /INSERT INTO new_users \(id, email\)\n  SELECT id, coalesce\(email, ''\) FROM users;/);
 * assert.deepEqual(generated.up.map((change) => change.kind), ["not-null"]);
 * ```
 */
export async function generateMigration(
  migrations: readonly MigrationInput[],
  target: string | SqlSource,
  options: GenerateMigrationOptions = {},
): Promise<GeneratedMigration> {
  const label = options.targetLabel ?? "the new schema";
  const memory = await replayMigrations(migrations, { historyTable: options.historyTable });
  let base: Uint8Array;
  let before: DatabaseSchema;
  let known: number[];
  try {
    base = memory.serialize();
    before = await readSchema(memory, options);
    known = new MigrationManager(memory, options).registerMigrations(migrations).migrations.map((m) =>
      m.version
    );
  } finally {
    memory.close();
  }
  const after = typeof target === "string"
    ? await schemaOfStatements(target, label)
    : await readSchema(target, options);
  const version = (known.at(-1) ?? 0) + 1;
  const sourceLabel = known.length === 0
    ? "an empty database"
    : known.length === 1
    ? `migration ${formatVersion(known[0])}`
    : `migrations ${formatVersion(known[0])} to ${formatVersion(known.at(-1)!)}`;
  const differences = diffSchemas(after, before, { expectedLabel: label, actualLabel: sourceLabel })
    .map((d) => d.message);
  if (differences.length === 0) {
    return { version, differences, text: null, up: [], down: [], emptyTables: [] };
  }
  const renames = resolveRenames(options.rename ?? {}, before, after, label);
  const up = await withScratch(base, (db) =>
    planSchemaChange(db, { from: before, to: after, renames }, {
      missingValues: "refuse",
      targetLabel: label,
      sourceLabel,
    }));
  const down = await withScratch(
    schemaStatements(after),
    (db) =>
      planSchemaChange(db, { from: after, to: before, renames: invert(renames) }, {
        missingValues: "fill",
        targetLabel: sourceLabel,
        sourceLabel: label,
      }),
  );
  const description = options.description ?? "generated migration";
  const text = migrationText({ description, label, sourceLabel, up: up.sql, down: down.sql }, [
    ...up.dataChanges.map((change) => `up: ${change.message}`),
    ...down.dataChanges.map((change) => `down: ${change.message}`),
  ]);
  const fileName = `${formatVersion(version)}_generated.sql`;
  const proof = await proveMigration({
    base,
    migrations,
    migration: sqlFileMigration({ version, description }, parseSqlMigration(text, fileName)),
    before,
    after,
    renames,
    targetLabel: label,
    historyTable: options.historyTable,
  });
  if (proof.problems.length > 0) {
    throw new SchemaChangeError(
      `strata wrote a migration to ${label} that fails its own proof, so nothing was written: ` +
        `${
          proof.problems.map((problem) => problem.replace(/\.$/, "")).join("; ")
        }. This is a bug in strata; please report it with ${label} and the ` +
        `migrations. The migration it wrote:\n${text}`,
      "",
    );
  }
  return {
    version,
    differences,
    text,
    up: up.dataChanges,
    down: down.dataChanges,
    emptyTables: proof.emptyTables,
  };
}

/** Options of {@link writeSchemaMigration}. */
export interface WriteSchemaMigrationOptions {
  /** The migrations directory, read and written to. @default {"./migrations"} */
  dir?: string | URL;
  /** The wanted schema: a `.sql` file of `CREATE` statements, or a SQLite database (only read). */
  from: string;
  /** Renames, as {@link GenerateMigrationOptions.rename} takes them. @default {{}} */
  rename?: Readonly<Record<string, string>>;
}

/** What {@link writeSchemaMigration} did. */
export interface WrittenSchemaMigration extends GeneratedMigration {
  /** The file written, or null when nothing differs (and nothing was written). */
  path: string | null;
}

/**
 * Generates the migration from the schema the migrations of `dir` produce to the one in a file, and
 * writes it as the next numbered `.sql` migration, named after the description. Nothing is written
 * when nothing differs, or when the migration fails its proof.
 *
 * @param description What the migration does, for its file name and first line.
 * @returns The path written (null when nothing differs) and what {@link generateMigration} returns.
 * @throws {MigrationFileError} for a schema file that cannot be read, or a malformed migration file.
 * @throws {InvalidInputError} as {@link generateMigration} does, and for a description with no
 *   letters or digits.
 * @throws {SchemaChangeError} when the generated SQL fails its proof.
 *
 * @example Write the migration to a schema file
 * ```ts
 * import { writeSchemaMigration } from "./write_migration.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * const dir = `${root}/migrations`;
 * await Deno.mkdir(dir);
 * await Deno.writeTextFile(`${dir}/001_notes.sql`, "-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n");
 * await Deno.writeTextFile(`${root}/schema.sql`, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n");
 * const written = await writeSchemaMigration("add note body", { dir, from: `${root}/schema.sql` });
 * assert.ok(written.path?.endsWith("002_add_note_body.sql"));
 * assert.match(await Deno.readTextFile(written.path!), /-- migrate:up\n-- New column of notes\.\nALTER TABLE notes ADD COLUMN body TEXT;/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function writeSchemaMigration(
  description: string,
  options: WriteSchemaMigrationOptions,
): Promise<WrittenSchemaMigration> {
  slugify(description);
  const dir = directoryPath(options.dir ?? "./migrations");
  const migrations = exists(dir) ? await loadMigrations(dir) : [];
  const target = await readSchemaFile(options.from);
  let generated: GeneratedMigration;
  try {
    generated = await generateMigration(migrations, target, {
      rename: options.rename,
      description,
      targetLabel: options.from,
    });
  } finally {
    if (typeof target !== "string") target.close();
  }
  if (generated.text === null) return { ...generated, path: null };
  const created = await writeNextMigration(description, { dir, extension: "sql", text: generated.text });
  return { ...generated, path: created.path };
}

/** Runs `work` on a new in-memory database made from serialized bytes or from statements. */
async function withScratch<T>(
  source: Uint8Array | string[],
  work: (db: DatabaseSync) => Promise<T>,
): Promise<T> {
  const db = new DatabaseSync(":memory:", { enableForeignKeyConstraints: false });
  try {
    if (source instanceof Uint8Array) db.deserialize(source);
    else for (const statement of source) db.exec(statement);
    return await work(db);
  } finally {
    db.close();
  }
}

const SCHEMA_STATEMENT =
  /^CREATE (?:UNIQUE )?INDEX |^CREATE (?:VIRTUAL )?TABLE |^CREATE VIEW |^CREATE TRIGGER /;

/**
 * The schema of SQL statements: each must create a table, index, view or trigger. They run in the
 * order given, and a statement that names an object created further down runs again after it.
 *
 * @throws {InvalidInputError} naming the line of a statement that is not one of those, or that
 *   SQLite refuses.
 *
 * @example
 * ```ts
 * import { schemaOfStatements } from "./write_migration.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = await schemaOfStatements("CREATE INDEX t_a ON t (a); CREATE TABLE t (a TEXT);", "schema.sql");
 * assert.deepEqual(schema.indexes.map((index) => index.name), ["t_a"]);
 * ```
 */
export async function schemaOfStatements(sql: string, label: string): Promise<DatabaseSchema> {
  const lineOf = (offset: number) => sql.slice(0, offset).split("\n").length;
  const statements = splitStatements(sql);
  for (const statement of statements) {
    if (!SCHEMA_STATEMENT.test(`${statement.keywords.join(" ")} `)) {
      throw new InvalidInputError(
        `${label}:${lineOf(statement.start)}: "${shortened(statement.text)}" is not a statement that ` +
          `describes a schema. The file holds CREATE TABLE, CREATE INDEX, CREATE VIEW and CREATE TRIGGER ` +
          `statements only (a file written by \`migrate dump\` is one).`,
        "from",
      );
    }
  }
  const db = new DatabaseSync(":memory:", { enableForeignKeyConstraints: false });
  try {
    let pending = statements;
    while (pending.length > 0) {
      const failed: { statement: (typeof statements)[number]; error: unknown }[] = [];
      for (const statement of pending) {
        try {
          db.exec(statement.text);
        } catch (error) {
          failed.push({ statement, error });
        }
      }
      if (failed.length === pending.length) {
        const [{ statement, error }] = failed;
        throw new InvalidInputError(
          `${label}:${lineOf(statement.start)}: SQLite refuses "${shortened(statement.text)}": ${
            error instanceof Error ? error.message : String(error)
          }.`,
          "from",
        );
      }
      pending = failed.map((f) => f.statement);
    }
    return await readSchema(db);
  } finally {
    db.close();
  }
}

function shortened(sql: string): string {
  const oneLine = formatTokens(tokenize(sql));
  return oneLine.length > 70 ? `${oneLine.slice(0, 67)}...` : oneLine;
}

/**
 * Checks renames against both schemas: a renamed table or column must be in the schema the
 * migrations produce and not in the wanted one, and its new name the other way round.
 *
 * @throws {InvalidInputError} naming the rename that does not fit, and why.
 */
function resolveRenames(
  rename: Readonly<Record<string, string>>,
  before: DatabaseSchema,
  after: DatabaseSchema,
  label: string,
): Renames {
  const tables: Record<string, string> = {};
  const columns: Record<string, Record<string, string>> = {};
  const fail = (key: string, why: string) => {
    throw new InvalidInputError(`Cannot rename ${key} to ${rename[key]}: ${why}.`, "rename");
  };
  const tableKeys = Object.keys(rename).filter((key) => !key.includes("."));
  for (const key of tableKeys) {
    const old = findTable(before, key);
    const renamed = findTable(after, rename[key]);
    if (!old) fail(key, `the migrations have no table ${key}`);
    if (findTable(after, key)) fail(key, `${label} still has a table ${key}`);
    if (!renamed) fail(key, `${label} has no table ${rename[key]}`);
    if (findTable(before, rename[key])) fail(key, `the migrations already have a table ${rename[key]}`);
    if (Object.values(tables).some((to) => to.toLowerCase() === renamed!.name.toLowerCase())) {
      fail(key, `another table is renamed to ${rename[key]} too`);
    }
    tables[old!.name] = renamed!.name;
  }
  for (const key of Object.keys(rename).filter((k) => k.includes("."))) {
    const dot = key.lastIndexOf(".");
    const [tableName, column] = [key.slice(0, dot), key.slice(dot + 1)];
    const old = findTable(before, tableName) ??
      before.tables.find((t) =>
        findTable(after, tableName) && tables[t.name]?.toLowerCase() === tableName.toLowerCase()
      );
    if (!old) fail(key, `the migrations have no table ${tableName}`);
    const renamedTable = findTable(after, tables[old!.name] ?? old!.name);
    if (!renamedTable) fail(key, `${label} has no table ${tables[old!.name] ?? old!.name}`);
    const has = (table: TableSchema, name: string) =>
      table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const oldColumn = has(old!, column);
    if (!oldColumn) fail(key, `table ${old!.name} has no column ${column} in the migrations`);
    if (has(renamedTable!, column)) {
      fail(key, `table ${renamedTable!.name} still has a column ${column} in ${label}`);
    }
    const newColumn = has(renamedTable!, rename[key]);
    if (!newColumn) fail(key, `table ${renamedTable!.name} has no column ${rename[key]} in ${label}`);
    if (has(old!, rename[key])) fail(key, `table ${old!.name} already has a column ${rename[key]}`);
    const list = columns[old!.name] ??= {};
    if (Object.values(list).some((to) => to.toLowerCase() === newColumn!.name.toLowerCase())) {
      fail(key, `another column of ${old!.name} is renamed to ${rename[key]} too`);
    }
    list[oldColumn!.name] = newColumn!.name;
  }
  return { tables, columns };
}

/** The renames that undo `renames`, by the names of the wanted schema. */
function invert(renames: Renames): Renames {
  const tables = Object.fromEntries(Object.entries(renames.tables).map(([from, to]) => [to, from]));
  const columns = Object.fromEntries(
    Object.entries(renames.columns).map(([table, list]) => [
      renames.tables[table] ?? table,
      Object.fromEntries(Object.entries(list).map(([from, to]) => [to, from])),
    ]),
  );
  return { tables, columns };
}

/** The text of the generated file: a header that says what it is and what it loses, then its sections. */
function migrationText(
  parts: { description: string; label: string; sourceLabel: string; up: string; down: string },
  dataChanges: string[],
): string {
  const header = [
    `-- ${parts.description.replace(/\r?\n/g, " ").trim()}`,
    `-- Written by strata from ${parts.label}: up takes the schema of ${parts.sourceLabel} to the one`,
    `-- in ${parts.label}, down takes it back. Before it was written, both ran on a database with rows`,
    "-- in every table: up gave exactly that schema, down exactly the one before, and no table lost a row.",
    ...(dataChanges.length === 0 ? ["-- No step drops or changes data."] : [
      "-- Steps that drop or change data, or fail on some rows (each is marked below):",
      ...dataChanges.map((c) => `--   ${c}`),
    ]),
  ];
  return `${
    header.join("\n")
  }\n\n-- migrate:up\n${parts.up.trim()}\n\n-- migrate:down\n${parts.down.trim()}\n`;
}
