/**
 * Squash: collapse migrations 1..N into one baseline migration that creates the schema they produce
 * (and the rows of the tables named as reference data), so new databases start in one step. The old
 * files move to an archive folder and are never deleted.
 *
 * A database already at version N or later has N recorded, so it never runs the baseline. A database
 * below N would run it on top of tables it already has: squash only to a version every deployed
 * database has reached.
 *
 * @module
 */
import { replayMigrations } from "./drift.ts";
import { InvalidInputError, MigrationFileError } from "../shared/errors.ts";
import { loadMigrations } from "../core/load_migrations.ts";
import { sqlBody } from "../core/migration.ts";
import { listMigrationFiles } from "../source/file_names.ts";
import { BASELINE_MARKER, parseSqlMigration } from "../source/sql_file.ts";
import { exists, join, relative } from "../shared/paths.ts";
import { formatVersion } from "../shared/format.ts";
import type { DatabaseSchema } from "../sql/schema_model.ts";
import { readSchema } from "./read_schema.ts";
import { diffSchemas } from "./diff.ts";
import { schemaStatements } from "./dump.ts";
import { queryFunction, type SqlSource } from "./read_schema.ts";
import { quoteName } from "../sql/tokens.ts";

/** The rows of one reference table, as SQL literals. */
export interface ReferenceData {
  /** The table. */
  table: string;
  /** The columns the rows give values for (generated columns are left out). */
  columns: string[];
  /** One list of SQL literals per row, as SQLite's `quote()` writes them (`'it''s'`, `1.0`, `X'00'`). */
  rows: string[][];
  /** The table's `AUTOINCREMENT` counter, or null. */
  sequence: number | null;
}

/**
 * Reads the rows of reference tables (countries, roles, …) so a baseline can recreate them. Values
 * are read as SQL literals, so types survive exactly (a REAL `1.0` stays REAL).
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { readReferenceData } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO roles VALUES (1, 'admin')");
 * const [roles] = await readReferenceData(db, ["roles"]);
 * assert.deepEqual(roles.rows, [["1", "'admin'"]]);
 * db.close();
 * ```
 *
 * @param db Usually the database the migrations were replayed on.
 * @throws {InvalidInputError} naming a table the database does not have.
 */
export async function readReferenceData(db: SqlSource, tables: readonly string[]): Promise<ReferenceData[]> {
  const query = queryFunction(db);
  const hasSequence = (await query("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")).length > 0;
  const data: ReferenceData[] = [];
  for (const table of tables) {
    const columns =
      (await query("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", [table]))
        .map((row) => String(row.name));
    if (columns.length === 0) {
      throw new InvalidInputError(
        `Cannot keep the rows of ${table}: the migrations being squashed do not create that table.`,
        "referenceTables",
      );
    }
    const literals = columns.map((column, i) => `quote(${quoteName(column)}) AS v${i}`).join(", ");
    const withoutRowid =
      Number((await query("SELECT wr FROM pragma_table_list WHERE name = ?", [table]))[0]?.wr) === 1;
    const rows = await query(
      `SELECT ${literals} FROM ${quoteName(table)}${withoutRowid ? "" : " ORDER BY rowid"}`,
    );
    const sequence = hasSequence
      ? (await query("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]))[0]
      : undefined;
    data.push({
      table,
      columns,
      rows: rows.map((row) => columns.map((_, i) => String(row[`v${i}`]))),
      sequence: sequence ? Number(sequence.seq) : null,
    });
  }
  return data;
}

/** Options of {@link squashMigration}. */
export interface SquashOptions {
  /** The last migration squashed; the baseline takes its version. */
  toVersion: number;
  /** Rows to recreate, from {@link readReferenceData}. */
  referenceData?: readonly ReferenceData[];
}

/** A generated baseline migration. */
export interface SquashedMigration {
  /** Its file name: `012_baseline.sql`. */
  fileName: string;
  /** Its contents, a `.sql` migration without a down section (a baseline cannot be rolled back). */
  text: string;
}

/**
 * Writes the baseline migration that replaces migrations 1 to `toVersion`: the statements of the
 * schema they produce, then the reference rows.
 *
 * @example Squash two migrations into a baseline
 * ```ts
 * import { readSchema, replayMigrations, squashMigration } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const memory = await replayMigrations([
 *   { version: 1, description: "users", up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)") },
 *   { version: 2, description: "email", up: (db) => db.exec("ALTER TABLE users ADD COLUMN email TEXT") },
 * ]);
 * const { fileName, text } = squashMigration(await readSchema(memory), { toVersion: 2 });
 * memory.close();
 * assert.equal(fileName, "002_baseline.sql");
 * assert.match(text, /-- migrate:up\nCREATE TABLE users \(\n  id INTEGER PRIMARY KEY,\n  email TEXT\n\);/);
 * ```
 */
export function squashMigration(schema: DatabaseSchema, options: SquashOptions): SquashedMigration {
  const last = formatVersion(options.toVersion);
  const header = [
    `${BASELINE_MARKER} squashes migrations ${formatVersion(1)} to ${last}`,
    `-- Generated by strata squash: creates in one step the schema those migrations produce, and the rows`,
    `-- of their reference tables. New databases run it instead of them; databases already at version`,
    `-- ${options.toVersion} or later never run it. The squashed files are in the archive folder.`,
  ];
  const referenceSql = (options.referenceData ?? []).flatMap(referenceDataSql);
  const body = [...schemaStatements(schema), ...referenceSql].join("\n\n");
  return { fileName: `${last}_baseline.sql`, text: `${header.join("\n")}\n\n-- migrate:up\n${body}\n` };
}

/** The SQL that puts back a reference table's rows and its AUTOINCREMENT counter, a paragraph each. */
function referenceDataSql(data: ReferenceData): string[] {
  const table = quoteName(data.table);
  const paragraphs = data.rows.length === 0 ? [] : [
    `INSERT INTO ${table} (${data.columns.map(quoteName).join(", ")}) VALUES\n  ${
      data.rows.map((row) => `(${row.join(", ")})`).join(",\n  ")
    };`,
  ];
  if (data.sequence !== null) {
    const name = `'${data.table.replaceAll("'", "''")}'`;
    paragraphs.push(
      `DELETE FROM sqlite_sequence WHERE name = ${name};\nINSERT INTO sqlite_sequence (name, seq) VALUES (${name}, ${data.sequence});`,
    );
  }
  return paragraphs;
}

/** A migration file moved by {@link archiveMigrations}. */
export interface ArchivedFile {
  /** Its version. */
  version: number;
  /** Where it was. */
  from: string;
  /** Where it is now. */
  to: string;
}

/** Options of {@link archiveMigrations}. */
export interface ArchiveOptions {
  /** The folder to move the files into. @default {"<dir>/archive"} */
  archiveDir?: string;
}

/**
 * Moves the migration files of versions 1 to `toVersion` into an archive folder (which the loader
 * does not read). Nothing is deleted, and nothing is moved if any file would overwrite another.
 *
 * @example
 * ```ts
 * import { archiveMigrations } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * for (const name of ["001_a.sql", "002_b.sql"]) await Deno.writeTextFile(`${dir}/${name}`, "-- migrate:up\n");
 * const moved = await archiveMigrations(dir, 1);
 * assert.deepEqual(moved.map((m) => m.version), [1]);
 * assert.ok(moved[0].to.endsWith("archive/001_a.sql"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @returns The files moved, by version.
 * @throws {MigrationFileError} when a file of that name is already in the archive folder.
 */
export async function archiveMigrations(
  dir: string,
  toVersion: number,
  options: ArchiveOptions = {},
): Promise<ArchivedFile[]> {
  const archive = options.archiveDir ?? join(dir, "archive");
  const moves = listMigrationFiles(dir)
    .filter((file) => file.parsed.version <= toVersion)
    .sort((a, b) => a.parsed.version - b.parsed.version)
    .map((file) => ({
      version: file.parsed.version,
      from: join(dir, file.name),
      to: join(archive, file.name),
    }));
  for (const move of moves) {
    if (exists(move.to)) {
      throw new MigrationFileError(
        `Cannot archive ${relative(dir, move.from)}: ${move.to} already exists. Nothing was moved; ` +
          `move or rename the file in the archive folder first.`,
        move.to,
      );
    }
  }
  await Deno.mkdir(archive, { recursive: true });
  for (const move of moves) await Deno.rename(move.from, move.to);
  return moves;
}

/** Options of {@link squashDirectory}. */
interface SquashDirectoryOptions {
  /** Squash migrations 1 (or the first known) to this version. */
  toVersion: number;
  /** Tables whose rows the baseline recreates (countries, roles, …). @default {[]} */
  referenceTables?: readonly string[];
  /** Where the squashed files go. @default {"<dir>/archive"} */
  archiveDir?: string;
}

/** What {@link squashDirectory} did. */
interface SquashResult {
  /** Path of the baseline migration written. */
  file: string;
  /** The files moved to the archive folder. */
  archived: ArchivedFile[];
}

/**
 * Squashes the migrations of a directory up to a version: replays them, writes the baseline that
 * recreates their schema (and reference rows), proves that replaying the baseline alone ends in the
 * same schema, and only then moves the old files to the archive folder and writes the baseline.
 *
 * @throws {InvalidInputError} for a version that is not above the first known or is above the newest.
 * @throws {MigrationFileError} when the baseline would not reproduce the schema; nothing is moved.
 */
export async function squashDirectory(dir: string, options: SquashDirectoryOptions): Promise<SquashResult> {
  const migrations = await loadMigrations(dir);
  const first = migrations[0]?.version ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (!Number.isSafeInteger(options.toVersion) || options.toVersion <= first || options.toVersion > latest) {
    throw new InvalidInputError(
      `Cannot squash to version ${options.toVersion}: give a version above the first known migration ` +
        `(${first}) and at most the newest (${latest}).`,
      "toVersion",
    );
  }
  const memory = await replayMigrations(migrations, { version: options.toVersion });
  let squashed: SquashedMigration;
  try {
    const schema = await readSchema(memory);
    const referenceData = await readReferenceData(memory, options.referenceTables ?? []);
    squashed = squashMigration(schema, { toVersion: options.toVersion, referenceData });
    const sections = parseSqlMigration(squashed.text, squashed.fileName);
    const replayed = await replayMigrations([{
      version: options.toVersion,
      description: "baseline",
      baseline: true,
      up: sqlBody(sections.up.sql),
    }]);
    try {
      const differences = diffSchemas(schema, await readSchema(replayed));
      if (differences.length > 0) {
        throw new MigrationFileError(
          `The baseline would not reproduce the schema of migrations ${first} to ${options.toVersion}: ` +
            `${differences.map((d) => d.message).join("; ")}. Nothing was moved.`,
          dir,
        );
      }
    } finally {
      replayed.close();
    }
  } finally {
    memory.close();
  }
  const archived = await archiveMigrations(dir, options.toVersion, options);
  const file = join(dir, squashed.fileName);
  await Deno.writeTextFile(file, squashed.text, { createNew: true });
  return { file, archived };
}
