/**
 * The file loader: finds migration files in a directory and turns them into migrations.
 *
 * - `NNN_snake_case_name.ts`: the default export is a migration object (without `version`) or a
 *   `BaseMigration` subclass. The module is imported only when the migration has to run.
 * - `NNN_snake_case_name.sql`: `-- migrate:up` and optional `-- migrate:down` sections, each run as
 *   one script. `transaction:false` after a marker runs the migration outside a transaction.
 *
 * The number is the version, the rest of the name (underscores as spaces) the description. Files
 * that look like migrations but are malformed are errors naming the file, never skipped.
 * Files starting with `_` or `.` are left alone (shared helpers, `.gitkeep`).
 *
 * @module
 */
import { checksumOf } from "./checksum.ts";
import {
  type CachedFile,
  identityOf,
  isSettled,
  isUnchanged,
  readFileCache,
  writeFileCache,
} from "./file_cache.ts";
import { fromFileUrl, isAbsolute, join, resolve, toFileUrl } from "../shared/paths.ts";
import { InvalidInputError, MigrationFileError } from "../shared/errors.ts";
import type { Executor } from "../core/executor.ts";
import {
  builtMigration,
  type DeferredMigration,
  type Migration,
  resolveMigration,
  sqlBody,
} from "../core/migration.ts";
import { lineCommentOffsets } from "../sql/script.ts";

/** A migration file name: at least three digits, an underscore, words joined by underscores. */
const MIGRATION_FILE_NAME: RegExp = /^(\d{3,})_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)\.(ts|sql)$/;

/**
 * The first line of a baseline migration written by `squash`: it replaces the migrations up to its
 * version, so databases that applied those never run it.
 */
export const BASELINE_MARKER = "-- strata:baseline";

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
function parseMigrationFileName(name: string, dir: string): MigrationFileName | null {
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

/** Options of {@link loadMigrations}. */
export interface LoadOptions {
  /**
   * A cache file, e.g. `app.db-strata-cache` next to the database: files whose size and times are
   * unchanged since they were last read are not read again (their code is read when they run), and the
   * listing is skipped while the directory is unchanged. Without it, every file is read.
   */
  cacheFile?: string;
  /**
   * Update the cache file when what it knows changed; false only reads it, for commands that must
   * write nothing (`status`).
   * @default {true}
   */
  writeCache?: boolean;
}

/**
 * Loads every migration file of a directory, sorted by version.
 *
 * @param dir The directory, as a path (relative to the working directory) or a `file:` URL.
 * @returns The migrations; `.ts` files are imported only when they run.
 * @throws {MigrationFileError} when the directory cannot be read or a file is malformed.
 * @throws {InvalidInputError} when `dir` is a URL that is not a `file:` URL.
 *
 * @example Load the migrations next to this module
 * ```ts
 * import { loadMigrations } from "../../mod.ts";
 *
 * const migrations = await loadMigrations(new URL("../../migrations/", import.meta.url));
 * console.log(migrations.map((m) => `${m.version} ${m.description}`));
 * ```
 */
export function loadMigrations(dir: string | URL, options: LoadOptions = {}): Promise<Migration[]> {
  try {
    const path = directoryPath(dir);
    const migrations = options.cacheFile
      ? loadThroughCache(path, options.cacheFile, options.writeCache ?? true)
      : listMigrationFiles(path).map(({ name, parsed }) => loadFile(inDirectory(path, name), parsed));
    return Promise.resolve(migrations.sort((a, b) => a.version - b.version));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Loads a directory's migrations, reading only the files the cache does not know in their present
 * state, then updates the cache when what it knows changed. This runs at every start-up, once per
 * file: it makes one object per unchanged file and no other.
 */
function loadThroughCache(path: string, cacheFile: string, write: boolean): Migration[] {
  const cache = readFileCache(cacheFile, path);
  const now = Date.now();
  const dirInfo = statOf(path, directoryError);
  const migrations: Migration[] = [];
  const remembered: CachedFile[] = [];
  let changed = false;
  // `parsed` is null for a name from the cache, parsed only if the file has to be read.
  const admit = (name: string, known: CachedFile | undefined, parsed: MigrationFileName | null) => {
    const file = inDirectory(path, name);
    const info = statOf(file, fileError);
    if (known && isUnchanged(known, info)) {
      remembered.push(known);
      migrations.push(cachedMigration(file, known));
      return;
    }
    changed = true;
    const named = parsed ?? parseMigrationFileName(name, path)!;
    const migration = loadFile(file, named);
    migrations.push(migration);
    if (!isSettled(info, now)) return;
    const { checksum } = migration;
    remembered.push({
      name,
      version: named.version,
      description: named.description,
      ...identityOf(info),
      checksum: checksum!,
      baseline: !!migration.baseline,
    });
  };
  if (cache && isUnchanged(cache.directory, dirInfo)) {
    // The directory's entries are unchanged: its migration files are the ones the cache lists.
    for (const known of cache.files) admit(known.name, known, null);
  } else {
    changed = true;
    const byName = new Map(cache?.files.map((known) => [known.name, known]));
    for (const { name, parsed } of listMigrationFiles(path)) admit(name, byName.get(name), parsed);
  }
  // Nothing to remember and nothing remembered (fresh files, or a file system without times): no write.
  if (write && changed && (remembered.length > 0 || cache !== null)) {
    remembered.sort((a, b) => a.version - b.version);
    const complete = remembered.length === migrations.length && isSettled(dirInfo, now);
    writeFileCache(cacheFile, path, { directory: complete ? identityOf(dirInfo) : null, files: remembered });
  }
  return migrations;
}

/**
 * A migration known from the cache: its code is read when it runs, and a file whose checksum is no
 * longer the one the decision was made with is refused rather than run.
 */
function cachedMigration(file: string, known: CachedFile): DeferredMigration {
  let loaded: Promise<Migration> | undefined;
  const migration: DeferredMigration = {
    version: known.version,
    description: known.description,
    file,
    checksum: known.checksum,
    resolve: () => loaded ??= loadCached(file, known),
    up: async (db) => await (await migration.resolve()).up(db),
    ...(known.baseline ? { baseline: true } : {}),
  };
  return migration;
}

/**
 * Reads a cached migration's file when it has to run, refusing it if it is no longer what was planned
 * or no longer a well-formed migration file; a `.ts` module is imported only once its file passed.
 */
function loadCached(file: string, known: CachedFile): Promise<Migration> {
  const { version, description, checksum } = known;
  try {
    const current = loadFile(file, { version, description, kind: file.endsWith(".ts") ? "ts" : "sql" });
    if (current.checksum === checksum) return resolveMigration(current);
    throw new MigrationFileError(
      `${file} changed while it was being migrated (checksum ${current.checksum}, ${checksum} when ` +
        `the run was planned). Nothing of it ran; run again.`,
      file,
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

function statOf(path: string, explain: (path: string, cause: unknown) => Error): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (cause) {
    throw explain(path, cause);
  }
}

/**
 * The path of a file in a directory given as an absolute, normalized path: `join()` costs as much
 * as the stat of the file, a millisecond per thousand files at every start.
 */
function inDirectory(dir: string, name: string): string {
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
 * synchronous: for a thousand small files they take a few milliseconds, several times less than
 * the same reads through promises.
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

function directoryError(path: string, cause: unknown): MigrationFileError {
  const reason = cause instanceof Deno.errors.NotFound
    ? "it does not exist (create it, or pass --dir)"
    : cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied
    ? "permission to read it was denied"
    : cause instanceof Error
    ? cause.message
    : String(cause);
  return new MigrationFileError(`Cannot read the migrations directory ${path}: ${reason}.`, path, { cause });
}

function fileError(file: string, cause: unknown): MigrationFileError {
  return new MigrationFileError(
    `Cannot read migration file ${file}: ${cause instanceof Error ? cause.message : String(cause)}.`,
    file,
    { cause },
  );
}

function loadFile(file: string, parsed: MigrationFileName): Migration {
  const source = readSource(file);
  const base: FileFacts = {
    version: parsed.version,
    description: parsed.description,
    file,
    checksum: checksumOf(source),
  };
  if (parsed.kind === "ts") return deferred(base, () => importModule(base));
  const baseline = source.replace(/^\uFEFF/, "").startsWith(BASELINE_MARKER);
  return builtMigration({ ...base, ...parseSqlMigration(source, file), ...(baseline ? { baseline } : {}) });
}

/**
 * A migration file's text, exactly as its bytes say, or a {@link MigrationFileError} naming the byte
 * at fault. Bytes that are not UTF-8 would read as U+FFFD, so that what runs is not what the file
 * says (Deno reads a `.ts` module the same way), and SQLite stops reading SQL at a NUL byte, so
 * the rest of a section would never run; both kinds of file are held to the same rule.
 *
 * The file is read as text, which leaves no buffer per file to collect; its bytes are read only
 * when the text has U+FFFD, to tell a byte that is not UTF-8 from a U+FFFD the file spells out.
 */
function readSource(file: string): string {
  let source: string;
  let bytes: Uint8Array | undefined;
  try {
    source = Deno.readTextFileSync(file);
    if (source.includes("\uFFFD")) bytes = Deno.readFileSync(file);
  } catch (cause) {
    throw fileError(file, cause);
  }
  const invalid = bytes ? invalidUtf8Offset(bytes) : -1;
  if (invalid !== -1) throw notUtf8(file, bytes!, invalid);
  if (source.includes("\0")) throw nulByte(file);
  return source;
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when every byte does.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // RFC 3629's table: the lead byte gives the length and narrows the range of the second byte.
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (lead < 0xc2 || lead > 0xf4 || !(bytes[i + 1] >= low && bytes[i + 1] <= high)) return i;
    for (let k = 2; k < length; k++) {
      if (!(bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/** The line (from 1) of a byte offset in a file's bytes. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) line++;
  return line;
}

function notUtf8(file: string, bytes: Uint8Array, offset: number): MigrationFileError {
  const shown = [...bytes.subarray(offset, offset + 4)].map((byte) => byte.toString(16).toUpperCase());
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return new MigrationFileError(
    `${file}:${lineAt(bytes, offset)} is not UTF-8 at byte offset ${offset} (bytes ${shown.join(" ")})` +
      `${utf16 ? "; the file looks like UTF-16" : ""}. Migration files are read as UTF-8, and these ` +
      `bytes would run as U+FFFD instead of what they mean. Save the file as UTF-8 (if it was applied ` +
      `already, then record its new checksum with \`migrate accept\`).`,
    file,
  );
}

function nulByte(file: string): MigrationFileError {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch (cause) {
    throw fileError(file, cause);
  }
  const offset = bytes.indexOf(0);
  return new MigrationFileError(
    `${file}:${lineAt(bytes, offset)} has a NUL byte at byte offset ${offset}. Migration files are text ` +
      `without NUL bytes: SQLite stops reading SQL at one, so what follows would never run. Remove it, ` +
      `or save the file as UTF-8 if it is in another encoding.`,
    file,
  );
}

/** The sections of a `.sql` migration. */
interface SqlSections {
  up(db: Executor): Promise<void>;
  down?(db: Executor): Promise<void>;
  transaction?: false;
}

const MARKER = /^--\s*migrate:(\S*)(.*)$/;

/**
 * Parses a `.sql` migration: exactly one `-- migrate:up` section, at most one `-- migrate:down`,
 * nothing but comments before the first marker. A marker is a line comment that is the first token
 * of its line, as SQLite reads the text: inside a string, a quoted name or a block comment it is
 * part of the SQL around it. Only lines that contain `migrate:` can be markers, so the text is
 * searched for those instead of being split into lines: each section is a slice of the text, which
 * costs no copy and leaves no line strings to collect (with 10,000 files, 14 MiB less at the peak).
 *
 * @throws {MigrationFileError} naming the file and line at fault.
 */
export function parseSqlMigration(source: string, file: string): SqlSections {
  const withoutBom = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const text = withoutBom.includes("\r\n") ? withoutBom.replaceAll("\r\n", "\n") : withoutBom;
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  const markers = findMarkers(text);
  const firstMarker = markers[0]?.start ?? text.length;
  text.slice(0, firstMarker).split("\n").forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed !== "" && !trimmed.startsWith("--")) {
      throw new MigrationFileError(
        `${file}:${index + 1} has SQL before the "-- migrate:up" marker. Put every statement in a section.`,
        file,
      );
    }
  });
  const sections = new Map<string, { sql: string; start: number }>();
  let transaction = true;
  markers.forEach(({ start, end, section, rest }, index) => {
    // Counted only for an error: it reads the text up to the marker.
    const line = () => lineOf(start);
    if (section !== "up" && section !== "down") {
      throw new MigrationFileError(
        `${file}:${line()} has an unknown marker "-- migrate:${section}"; use "-- migrate:up" or "-- migrate:down".`,
        file,
      );
    }
    if (sections.has(section)) {
      throw new MigrationFileError(
        `${file}:${line()} has a second "-- migrate:${section}" section; keep one.`,
        file,
      );
    }
    for (const option of rest.trim().split(/\s+/).filter(Boolean)) {
      if (option === "transaction:false") transaction = false;
      else if (option !== "transaction:true") {
        throw new MigrationFileError(
          `${file}:${line()} has an unknown option "${option}" after "-- migrate:${section}"; ` +
            `the only option is transaction:false.`,
          file,
        );
      }
    }
    // The section is every line after its marker up to the next marker's line, without the line break
    // before it.
    const next = markers[index + 1];
    sections.set(section, { sql: text.slice(end + 1, next ? next.start - 1 : text.length), start: end + 1 });
  });
  const upSql = sections.get("up");
  if (upSql === undefined) {
    throw new MigrationFileError(
      `${file} has no "-- migrate:up" line. A .sql migration needs "-- migrate:up" before its statements ` +
        `and, to be reversible, "-- migrate:down" before the statements that undo them.`,
      file,
    );
  }
  return sqlSections(text, upSql, sections.get("down"), transaction);
}

/**
 * The sections as functions. Made here rather than in the parser, whose closures would keep the
 * parser's whole scope alive (its markers and map) for as long as the migration is loaded.
 */
function sqlSections(
  text: string,
  up: { sql: string; start: number },
  down: { sql: string; start: number } | undefined,
  transaction: boolean,
): SqlSections {
  return {
    up: sqlBody(up.sql, { text, start: up.start }),
    ...(down !== undefined ? { down: sqlBody(down.sql, { text, start: down.start }) } : {}),
    ...(transaction ? {} : { transaction: false as const }),
  };
}

/** A marker line: where it starts and ends in the text, its section name and what follows the name. */
interface MarkerLine {
  start: number;
  end: number;
  section: string;
  rest: string;
}

/**
 * The marker lines of a text with `\n` line breaks, in order: lines whose first token is a line
 * comment matching {@link MARKER}. Only lines that contain `migrate:` can be markers, so those are
 * found first. The tokenizer then drops the candidates that stand inside a string, a quoted name or a
 * block comment. It reads only up to the last candidate, and only from the line of the first
 * character after the first candidate that can open a token spanning lines: before the first
 * candidate there are only comments (the parser checks), and before that line no token spans lines.
 */
function findMarkers(text: string): MarkerLine[] {
  const candidates: (MarkerLine & { comment: number })[] = [];
  for (let at = text.indexOf("migrate:"); at !== -1; at = text.indexOf("migrate:", at)) {
    const start = text.lastIndexOf("\n", at) + 1;
    const newline = text.indexOf("\n", at);
    const end = newline === -1 ? text.length : newline;
    let comment = start;
    while (isLeadingSpace(text.charCodeAt(comment))) comment++;
    const marker = MARKER.exec(text.slice(comment, end).trimEnd());
    if (marker) candidates.push({ start, end, section: marker[1], rest: marker[2], comment });
    at = end;
  }
  if (candidates.length < 2) return candidates;
  const after = candidates[0].end;
  const last = candidates[candidates.length - 1].end;
  const opener = CAN_HIDE_A_LINE.exec(text.slice(after, last));
  if (opener === null) return candidates;
  const from = text.lastIndexOf("\n", after + opener.index);
  const comments = lineCommentOffsets(text.slice(from, last));
  let next = 0;
  return candidates.filter((candidate, index) => {
    if (index === 0) return true;
    while (next < comments.length && from + comments[next] < candidate.comment) next++;
    return from + comments[next] === candidate.comment;
  });
}

/** What can start a token that spans lines: a string, a quoted name or a block comment. */
const CAN_HIDE_A_LINE = /['"`[]|\/\*/;

/** Space, tab, form feed or carriage return: what SQLite skips before a line's first token. */
function isLeadingSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0c || code === 0x0d;
}

/** What a file tells about its migration before its code is loaded. */
type FileFacts = Omit<Migration, "up" | "down"> & { file: string };

/**
 * A migration whose module is imported on first use, only when it has to run: deciding that
 * nothing is pending never imports an applied migration.
 */
function deferred(base: FileFacts, load: () => Promise<Migration>): DeferredMigration {
  let loaded: Promise<Migration> | undefined;
  const resolve = () => loaded ??= load();
  return {
    ...base,
    resolve,
    up: async (db) => await (await resolve()).up(db),
  };
}

async function importModule(base: FileFacts): Promise<Migration> {
  let exported: unknown;
  try {
    exported = (await import(toFileUrl(base.file).href)).default;
  } catch (cause) {
    throw new MigrationFileError(
      `Migration file ${base.file} could not be imported: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      base.file,
      { cause },
    );
  }
  const definition = migrationObject(exported, base.file);
  if (definition.version !== undefined && definition.version !== base.version) {
    throw new MigrationFileError(
      `${base.file} declares version ${
        String(definition.version)
      }, but its file name says ${base.version}. ` +
        `Remove the version from the file or make them agree.`,
      base.file,
    );
  }
  const up = definition.up;
  const down = definition.down;
  return {
    ...base,
    up: (db) => up.call(definition, db),
    ...(typeof down === "function" ? { down: (db: Executor) => down.call(definition, db) } : {}),
    ...(definition.transaction === false ? { transaction: false } : {}),
  };
}

interface ModuleExport {
  version?: unknown;
  up: (db: Executor) => void | Promise<void>;
  down?: unknown;
  transaction?: unknown;
}

function migrationObject(exported: unknown, file: string): ModuleExport {
  let candidate = exported;
  if (typeof exported === "function") {
    try {
      candidate = new (exported as new () => unknown)();
    } catch (cause) {
      throw new MigrationFileError(
        `${file}: the default export is a function but not a migration class that can be constructed ` +
          `without arguments (${cause instanceof Error ? cause.message : String(cause)}).`,
        file,
        { cause },
      );
    }
  }
  const shape = candidate as Partial<ModuleExport> | null;
  if (typeof shape !== "object" || shape === null || typeof shape.up !== "function") {
    throw new MigrationFileError(
      `${file}: the default export is ${exported === undefined ? "missing" : "not a migration"}. ` +
        `Export default an object with up(db) (and down(db)), or a BaseMigration subclass.`,
      file,
    );
  }
  if (shape.down !== undefined && typeof shape.down !== "function") {
    throw new MigrationFileError(`${file}: down is not a function.`, file);
  }
  return shape as ModuleExport;
}
