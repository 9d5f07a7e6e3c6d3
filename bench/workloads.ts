/**
 * Deterministic workload generators: the same sizes always give byte-identical migration files.
 *
 * - W1: N small migrations, each creating a table with an index and inserting 10 rows.
 * - W3: two data migrations, one creating a table of many rows with a recursive CTE, one adding a
 *   column, backfilling it with an UPDATE over every row and indexing it.
 *
 * @module
 */
import { join } from "node:path";
import type { MigrationInput } from "../mod.ts";

/** One migration's file name and its `up` and `down` SQL. */
export interface GeneratedMigration {
  /** File name, `NNNNN_words.sql`. */
  name: string;
  /** The statements of the `-- migrate:up` section. */
  up: string;
  /** The statements of the `-- migrate:down` section. */
  down: string;
}

/** The text of a `.sql` migration file. */
export function sqlFile(migration: GeneratedMigration): string {
  return `-- migrate:up\n${migration.up}\n\n-- migrate:down\n${migration.down}\n`;
}

/** W1's migration number `version` (from 1): a table with an index and 10 rows. */
export function smallMigration(version: number): GeneratedMigration {
  const id = String(version).padStart(5, "0");
  const table = `t_${id}`;
  const rows = Array.from({ length: 10 }, (_, row) => {
    const value = (version * 31 + row * 17) % 1000;
    return `  (${row + 1}, 'item ${version}.${row + 1}', ${value})`;
  });
  return {
    name: `${id}_create_${table}.sql`,
    up: [
      `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value INTEGER NOT NULL);`,
      `CREATE INDEX ${table}_value ON ${table} (value);`,
      `INSERT INTO ${table} (id, name, value) VALUES\n${rows.join(",\n")};`,
    ].join("\n"),
    down: `DROP TABLE ${table};`,
  };
}

/** W3's two migrations over a table of `rows` rows. */
export function dataMigrations(rows: number): GeneratedMigration[] {
  return [
    {
      name: "00001_create_big_table.sql",
      up: [
        "CREATE TABLE big (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL);",
        `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${rows})`,
        "INSERT INTO big (id, a, b) SELECT n, (n * 7919) % 1000003, 'row ' || n FROM seq;",
      ].join("\n"),
      down: "DROP TABLE big;",
    },
    {
      name: "00002_backfill_big_c.sql",
      up: [
        "ALTER TABLE big ADD COLUMN c INTEGER;",
        "UPDATE big SET c = a % 1000;",
        "CREATE INDEX big_c ON big (c);",
      ].join("\n"),
      down: "DROP INDEX big_c;\nALTER TABLE big DROP COLUMN c;",
    },
  ];
}

/**
 * W4's one migration: `statements` INSERTs in one section, as a generated data load or a dump
 * pasted into a migration looks.
 */
export function bigSection(statements: number): GeneratedMigration {
  const inserts = Array.from(
    { length: statements },
    (_, i) => `INSERT INTO loaded VALUES (${i}, 'some text value number ${i}', ${i * 1.5});`,
  );
  return {
    name: "00001_load_rows.sql",
    up: ["CREATE TABLE loaded (id INTEGER, name TEXT, value REAL);", ...inserts].join("\n"),
    down: "DROP TABLE loaded;",
  };
}

/** Writes migrations as `.sql` files into `dir`, creating it; returns `dir`. */
export function writeMigrations(dir: string, migrations: readonly GeneratedMigration[]): string {
  Deno.mkdirSync(dir, { recursive: true });
  for (const migration of migrations) Deno.writeTextFileSync(join(dir, migration.name), sqlFile(migration));
  return dir;
}

/** W1's first `n` migrations. */
export function smallMigrations(n: number): GeneratedMigration[] {
  return Array.from({ length: n }, (_, i) => smallMigration(i + 1));
}

/** W1's first `n` migrations as objects, for `openDatabase()` with a migrations array. */
export function smallMigrationObjects(n: number): MigrationInput[] {
  return smallMigrations(n).map((migration, i) => ({
    version: i + 1,
    description: migration.name.replace(/^\d+_|\.sql$/g, "").replaceAll("_", " "),
    up: (db) => db.exec(migration.up),
    down: (db) => db.exec(migration.down),
  }));
}
