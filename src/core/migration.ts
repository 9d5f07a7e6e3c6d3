/**
 * The migration model: what a migration is, the class style of the seed-era module, and the rules a
 * set of migrations must follow before anything runs.
 *
 * @module
 */
import { listForMessage } from "../shared/format.ts";
import { MigrationSetError } from "../shared/errors.ts";
import type { Executor } from "./executor.ts";
import { locateSqlError, type SqlSection } from "../sql/error_position.ts";

/** One versioned change to a database schema or its data. */
export interface Migration {
  /** Position in the history: a positive integer, one above the migration before it. */
  readonly version: number;
  /** What the migration does, in a few words. */
  readonly description: string;
  /** Applies the change. Runs inside a transaction unless `transaction` is `false`. */
  up(db: Executor): void | Promise<void>;
  /** Reverts the change. A migration without `down` cannot be rolled back. */
  down?(db: Executor): void | Promise<void>;
  /**
   * `false` for a migration that cannot run inside a transaction (`VACUUM`,
   * `PRAGMA journal_mode = WAL`, …). It is then recorded as started before it runs and finished after.
   * @default {true}
   */
  readonly transaction?: boolean;
  /** Checksum of the migration's source, stored when it is applied and compared on later runs. */
  readonly checksum?: string;
  /** File the migration was loaded from, for messages. */
  readonly file?: string;
  /**
   * Set on a baseline written by `squash`: it creates in one step what the migrations up to its
   * version created. Databases that applied those keep their records and never run it.
   */
  readonly baseline?: boolean;
}

/**
 * What a migration file exports by default: a migration whose version comes from the file name.
 *
 * A declared `version` must agree with the file name. The file name also gives the description.
 */
export interface MigrationModule {
  /** Must equal the number in the file name, when given. */
  readonly version?: number;
  /** Applies the change. */
  up(db: Executor): void | Promise<void>;
  /** Reverts the change. */
  down?(db: Executor): void | Promise<void>;
  /** `false` to run outside a transaction; see {@link Migration.transaction}. @default {true} */
  readonly transaction?: boolean;
}

/**
 * Base class for migrations written in the class style of the seed-era module. A subclass sets
 * `description` and `up()`, and as plain members (no `override`) `version` (left out in a migration
 * file, whose name gives it), `down()` to be reversible, and `transaction = false` to run outside a
 * transaction.
 *
 * @example Class-style migration
 * ```ts
 * import { BaseMigration, type Executor } from "../../mod.ts";
 *
 * export class AddUserPreferences extends BaseMigration {
 *   version = 3;
 *   description = "add user preferences";
 *   async up(db: Executor) {
 *     await db.exec("CREATE TABLE user_preferences (user_id INTEGER, key TEXT, value TEXT)");
 *   }
 *   async down(db: Executor) {
 *     await db.exec("DROP TABLE user_preferences");
 *   }
 * }
 * ```
 */
export abstract class BaseMigration {
  // `version`, `down` and `transaction` are read from the subclass, not declared here: declared
  // members would need `override` in every subclass under Deno's default `noImplicitOverride`.
  /** What the migration does, in a few words. */
  abstract description: string;
  /** Applies the change. */
  abstract up(db: Executor): void | Promise<void>;
}

/**
 * A migration whose code is loaded on first use (a `.ts` file is imported only when it must run), so
 * deciding that nothing is pending never imports applied migrations.
 */
export interface DeferredMigration extends Migration {
  /** Loads the code and returns the complete migration. */
  resolve(): Promise<Migration>;
}

/** Whether a migration loads its code on first use. */
function isDeferred(m: Migration): m is DeferredMigration {
  return typeof (m as Partial<DeferredMigration>).resolve === "function";
}

/** The complete migration, loading its code first if it is deferred. */
export function resolveMigration(m: Migration): Promise<Migration> {
  return isDeferred(m) ? m.resolve() : Promise.resolve(m);
}

/** The bodies made by {@link sqlBody}: each makes one call and awaits it. */
const SQL_BODIES = new WeakSet<object>();

/**
 * The `up()` or `down()` of a `.sql` section: runs the section as one script. A step with such a body
 * ends with its one call, without waiting for stray calls, since it makes none. Given where the
 * section is in its file, an SQL error it meets says the line and column.
 */
export function sqlBody(sql: string, section?: SqlSection): (db: Executor) => Promise<void> {
  const body = section === undefined ? (db: Executor) => db.exec(sql) : async (db: Executor) => {
    try {
      await db.exec(sql);
    } catch (error) {
      throw locateSqlError(error, sql, section);
    }
  };
  SQL_BODIES.add(body);
  return body;
}

/** Whether a function is the body of a `.sql` section, made by {@link sqlBody}. */
export function isSqlBody(body: unknown): boolean {
  return typeof body === "function" && SQL_BODIES.has(body);
}

/** Anything {@link MigrationManager.registerMigrations} accepts: objects, classes and instances. */
export type MigrationInput =
  | Migration
  | BaseMigration
  | (new () => BaseMigration);

/** Migrations the toolkit built itself (the loader's), already plain and checked. */
const BUILT = new WeakSet<Migration>();

/**
 * Marks a migration the toolkit built itself, so registering it neither checks nor copies it: a copy
 * would keep the original alive through its bound methods, doubling what a run holds for its migrations.
 */
export function builtMigration<T extends Migration>(migration: T): T {
  BUILT.add(migration);
  return migration;
}

/** Turns an object, a `BaseMigration` subclass or an instance into a plain {@link Migration}. */
export function toMigration(input: MigrationInput, position: number): Migration {
  const source = typeof input === "function" ? instantiate(input, position) : input;
  if (typeof source !== "object" || source === null) {
    throw new MigrationSetError(
      `Migration #${position + 1} in the list is ${describeValue(source)}, not a migration object or class.`,
      [],
    );
  }
  const candidate = source as Partial<Migration>;
  if (BUILT.has(candidate as Migration) || isDeferred(candidate as Migration)) return candidate as Migration;
  const label = typeof candidate.version === "number"
    ? `Migration ${candidate.version}`
    : `Migration #${position + 1} in the list`;
  if (typeof candidate.up !== "function") {
    throw new MigrationSetError(`${label} has no up() function.`, versionsOf(candidate));
  }
  if (candidate.down !== undefined && typeof candidate.down !== "function") {
    throw new MigrationSetError(`${label} has a down that is not a function.`, versionsOf(candidate));
  }
  if (typeof candidate.description !== "string") {
    throw new MigrationSetError(`${label} has no description (a string).`, versionsOf(candidate));
  }
  // Bind the methods so class-style migrations keep their `this`.
  const up = candidate.up.bind(source);
  const down = candidate.down?.bind(source);
  return {
    version: candidate.version as number,
    description: candidate.description,
    up,
    ...(down ? { down } : {}),
    ...(candidate.transaction === false ? { transaction: false } : {}),
    ...(candidate.checksum ? { checksum: candidate.checksum } : {}),
    ...(candidate.file ? { file: candidate.file } : {}),
    ...(candidate.baseline ? { baseline: true } : {}),
  };
}

function instantiate(cls: new () => BaseMigration, position: number): BaseMigration {
  try {
    return new cls();
  } catch (cause) {
    throw new MigrationSetError(
      `Migration #${position + 1} in the list (class ${cls.name || "anonymous"}) could not be constructed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      [],
    );
  }
}

function versionsOf(candidate: Partial<Migration>): number[] {
  return typeof candidate.version === "number" ? [candidate.version] : [];
}

function describeValue(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** Whether a value can be a migration version: a positive safe integer. */
export function isValidVersion(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/**
 * Checks a set of migrations and returns it sorted by version.
 *
 * @param options.allowGaps Leave gaps to the caller, which can tell a file deleted after it ran (the
 *   database applied the missing version) from a set numbered with a hole. @default {false}
 * @throws {MigrationSetError} for a version that is not a positive integer, a duplicate, or a gap.
 */
export function validateMigrationSet(
  migrations: readonly Migration[],
  options: { allowGaps?: boolean } = {},
): Migration[] {
  const invalid = migrations.filter((m) => !isValidVersion(m.version));
  if (invalid.length > 0) {
    const shown = listForMessage(invalid.map((m) => `${String(m.version)}${where(m)}`));
    throw new MigrationSetError(
      `Migration versions must be positive whole numbers; found ${shown}.`,
      invalid.map((m) => m.version).filter((v) => typeof v === "number"),
    );
  }
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const duplicates = sorted.filter((m, i) => i > 0 && sorted[i - 1].version === m.version);
  if (duplicates.length > 0) {
    const versions = [...new Set(duplicates.map((m) => m.version))];
    const detail = versions.map((v) =>
      `${v} (${
        sorted.filter((m) => m.version === v).map((m) => m.file ?? `"${m.description}"`).join(" and ")
      })`
    ).join(", ");
    throw new MigrationSetError(
      `Duplicate migration versions: ${detail}. Give each migration its own number.`,
      versions,
    );
  }
  const missing = options.allowGaps ? [] : versionsIn(gapsOf(sorted));
  if (missing.length > 0) throw gapError(sorted, missing);
  return sorted;
}

/** Versions missing from a set: every version above `after` and below `before`. */
export interface VersionGap {
  /** The known version before the gap. */
  after: number;
  /** The known version after the gap. */
  before: number;
}

/** The gaps between the versions of a sorted set. */
export function gapsOf(sorted: readonly Migration[]): VersionGap[] {
  const gaps: VersionGap[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const after = sorted[i - 1].version;
    const before = sorted[i].version;
    if (before > after + 1) gaps.push({ after, before });
  }
  return gaps;
}

/**
 * The versions in `gaps`, lowest first, leaving out those `skip` accepts, at most `max` of them (a gap
 * may span billions of versions).
 */
export function versionsIn(
  gaps: readonly VersionGap[],
  skip: (version: number) => boolean = () => false,
  max = 20,
): number[] {
  const found: number[] = [];
  for (const gap of gaps) {
    for (let v = gap.after + 1; v < gap.before && found.length < max; v++) if (!skip(v)) found.push(v);
  }
  return found;
}

/** The error for a sorted set whose versions `missing` no migration has. */
export function gapError(sorted: readonly Migration[], missing: readonly number[]): MigrationSetError {
  return new MigrationSetError(
    `Migration versions must have no gaps; missing ${missing.join(", ")} between ${sorted[0].version} and ${
      sorted.at(-1)!.version
    }. Renumber the migrations after the gap.`,
    missing,
  );
}

function where(m: Migration): string {
  return m.file ? ` (${m.file})` : m.description ? ` ("${m.description}")` : "";
}

/** The identity recorded for a migration: its file name, or its description when defined in code. */
export function nameOf(m: Pick<Migration, "file" | "description">): string {
  return m.file
    ? m.file.slice(Math.max(m.file.lastIndexOf("/"), m.file.lastIndexOf("\\")) + 1)
    : m.description;
}
