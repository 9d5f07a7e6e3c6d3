/**
 * Migration file names and the directory that holds them: which names are migrations (the number is
 * the version, the rest of the name, underscores as spaces, the description), which the loader leaves
 * alone (names starting with `_` or `.`), and which look like migrations but are malformed, an error
 * naming the file rather than a file skipped.
 *
 * @module
 */
import { fromFileUrl, isAbsolute, join, resolve } from "../shared/paths.ts";
import { InvalidInputError, MigrationFileError } from "../shared/errors.ts";

/** A migration file name: at least three digits, an underscore, words joined by underscores. */
const MIGRATION_FILE_NAME: RegExp = /^(\d{3,})_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)\.(ts|sql)$/;

/** A migration file's parts, from its name. */
export interface MigrationFileName {
  /** The version, from the leading number. */
  version: number;
  /** The description: the name's words separated by spaces. */
  description: string;
  /** `"ts"` or `"sql"`. */
  kind: "ts" | "sql";
}

/**
 * Parses a file name in the migrations directory: the migration it names, `null` for a file the
 * loader leaves alone, or a {@link MigrationFileError} for a name that looks like a migration but is not one.
 */
export function parseMigrationFileName(name: string, dir: string): MigrationFileName | null {
  if (name.startsWith(".") || name.startsWith("_")) return null;
  const match = MIGRATION_FILE_NAME.exec(name);
  if (!match) {
    if (!/\.(ts|sql)$/i.test(name) && !/^\d/.test(name)) return null;
    throw new MigrationFileError(
      `${join(dir, name)} is not a valid migration file name: expected NNN_name.ts or NNN_name.sql ` +
        `(at least three digits, an underscore, then words of letters and digits joined by underscores, ` +
        `e.g. 003_add_index.sql). Rename it, or start its name with _ if it is not a migration.`,
      join(dir, name),
    );
  }
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new MigrationFileError(
      `${join(dir, name)} has version ${match[1]}, which is not a usable version ` +
        `(a whole number from 1 to ${Number.MAX_SAFE_INTEGER}). Renumber it.`,
      join(dir, name),
    );
  }
  return { version, description: match[2].replaceAll("_", " "), kind: match[3] as "ts" | "sql" };
}

/**
 * The path of a file in a directory given as an absolute, normalized path, without `join()`, which
 * normalizes the whole path again for every migration file at every start.
 */
export function inDirectory(dir: string, name: string): string {
  return dir.endsWith(SEPARATOR) ? dir + name : dir + SEPARATOR + name;
}

const SEPARATOR = Deno.build.os === "windows" ? "\\" : "/";

/** Absolute path of a migrations directory given as a path or a `file:` URL. */
export function directoryPath(dir: string | URL): string {
  if (dir instanceof URL || /^[a-z][a-z0-9+.-]+:\/\//i.test(dir)) {
    const url = new URL(dir);
    if (url.protocol !== "file:") {
      throw new InvalidInputError(
        `The migrations directory must be on this machine; got ${url.href}. Give a path or a file: URL.`,
        "dir",
      );
    }
    return fromFileUrl(url);
  }
  return isAbsolute(dir) ? dir : resolve(dir);
}

/**
 * The migration files of a directory with their parsed names, in no particular order. Reads are
 * synchronous: for many small files that is cheaper than the same reads through promises.
 */
export function listMigrationFiles(path: string): { name: string; parsed: MigrationFileName }[] {
  const files: { name: string; parsed: MigrationFileName }[] = [];
  try {
    for (const entry of Deno.readDirSync(path)) {
      if (!entry.isFile && !entry.isSymlink) continue;
      const parsed = parseMigrationFileName(entry.name, path);
      if (parsed) files.push({ name: entry.name, parsed });
    }
  } catch (cause) {
    if (cause instanceof MigrationFileError) throw cause;
    throw directoryError(path, cause);
  }
  return files;
}

export function directoryError(path: string, cause: unknown): MigrationFileError {
  const reason = cause instanceof Deno.errors.NotFound
    ? "it does not exist (create it, or pass --dir)"
    : cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied
    ? "permission to read it was denied"
    : cause instanceof Error
    ? cause.message
    : String(cause);
  return new MigrationFileError(`Cannot read the migrations directory ${path}: ${reason}.`, path, { cause });
}

/** The error for a migration file that cannot be read, naming it. */
export function fileError(file: string, cause: unknown): MigrationFileError {
  return new MigrationFileError(
    `Cannot read migration file ${file}: ${cause instanceof Error ? cause.message : String(cause)}.`,
    file,
    { cause },
  );
}

/** A file's or directory's information, or the error `explain` makes of the failure. */
export function statOf(path: string, explain: (path: string, cause: unknown) => Error): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (cause) {
    throw explain(path, cause);
  }
}
