/**
 * The migration files of a directory, as what they are before any of their code runs: version,
 * description, file, checksum, and for a `.sql` file its sections. With a file cache, files the cache
 * knows in their present state are not read again (see `file_cache.ts`): they are read when they
 * have to run, and refused if they are no longer what the run was planned with.
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
import {
  directoryError,
  fileError,
  inDirectory,
  listMigrationFiles,
  type MigrationFileName,
  parseMigrationFileName,
  statOf,
} from "./file_names.ts";
import { readSource } from "./file_text.ts";
import { BASELINE_MARKER, parseSqlMigration, type SqlFile } from "./sql_file.ts";
import { MigrationFileError } from "../shared/errors.ts";

/** One migration file. */
export interface MigrationFile {
  /** Its version, from its name. */
  version: number;
  /** Its description, from its name. */
  description: string;
  /** Its path. */
  file: string;
  /** `"sql"` or `"ts"`. */
  kind: "sql" | "ts";
  /** The checksum of its text. */
  checksum: string;
  /** Whether it is a baseline written by `squash`. */
  baseline: boolean;
  /**
   * Its sections, for a `.sql` file read now; null for a `.ts` file, and for a file the cache knows,
   * which {@link readMigrationFileAgain} reads when it has to run.
   */
  sql: SqlFile | null;
  /** Whether it was known from the cache rather than read. */
  cached: boolean;
}

/** Options of {@link readMigrationFiles}. */
interface ReadFilesOptions {
  /** The file cache; without it, every file is read. */
  cacheFile?: string;
  /** Update the cache file when what it knows changed. @default {true} */
  writeCache?: boolean;
}

/**
 * The migration files of a directory, given as an absolute path, sorted by version.
 *
 * @throws {MigrationFileError} when the directory cannot be read or a file is malformed.
 */
export function readMigrationFiles(path: string, options: ReadFilesOptions = {}): MigrationFile[] {
  const files = options.cacheFile
    ? readThroughCache(path, options.cacheFile, options.writeCache ?? true)
    : listMigrationFiles(path).map(({ name, parsed }) => readMigrationFile(inDirectory(path, name), parsed));
  return files.sort((a, b) => a.version - b.version);
}

/**
 * Reads the files the cache does not know in their present state, then updates the cache when what
 * it knows changed. This runs at every start-up, once per file: it makes one object per unchanged
 * file and no other.
 */
function readThroughCache(path: string, cacheFile: string, write: boolean): MigrationFile[] {
  const cache = readFileCache(cacheFile, path);
  const now = Date.now();
  const dirInfo = statOf(path, directoryError);
  const files: MigrationFile[] = [];
  const remembered: CachedFile[] = [];
  let changed = false;
  // `parsed` is null for a name from the cache, parsed only if the file has to be read.
  const admit = (name: string, known: CachedFile | undefined, parsed: MigrationFileName | null) => {
    const file = inDirectory(path, name);
    const info = statOf(file, fileError);
    if (known && isUnchanged(known, info)) {
      remembered.push(known);
      files.push(cachedFile(file, known));
      return;
    }
    changed = true;
    const named = parsed ?? parseMigrationFileName(name, path)!;
    const read = readMigrationFile(file, named);
    files.push(read);
    if (!isSettled(info, now)) return;
    remembered.push({
      name,
      version: named.version,
      description: named.description,
      ...identityOf(info),
      checksum: read.checksum,
      baseline: read.baseline,
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
    const complete = remembered.length === files.length && isSettled(dirInfo, now);
    writeFileCache(cacheFile, path, { directory: complete ? identityOf(dirInfo) : null, files: remembered });
  }
  return files;
}

function cachedFile(file: string, known: CachedFile): MigrationFile {
  return {
    version: known.version,
    description: known.description,
    file,
    kind: file.endsWith(".ts") ? "ts" : "sql",
    checksum: known.checksum,
    baseline: known.baseline,
    sql: null,
    cached: true,
  };
}

/**
 * Reads one migration file: its text exactly (see `file_text.ts`), its checksum, and for a `.sql`
 * file its sections.
 *
 * @throws {MigrationFileError} naming the file and line at fault.
 */
function readMigrationFile(file: string, parsed: MigrationFileName): MigrationFile {
  const source = readSource(file);
  const sql = parsed.kind === "sql" ? parseSqlMigration(source, file) : null;
  return {
    version: parsed.version,
    description: parsed.description,
    file,
    kind: parsed.kind,
    checksum: checksumOf(source),
    baseline: parsed.kind === "sql" && source.replace(/^\uFEFF/, "").startsWith(BASELINE_MARKER),
    sql,
    cached: false,
  };
}

/**
 * Reads a file known from the cache when it has to run, refusing it if it is no longer what the run
 * was planned with (its checksum moved) or no longer a well-formed migration file.
 *
 * @throws {MigrationFileError} naming the file.
 */
export function readMigrationFileAgain(known: MigrationFile): MigrationFile {
  const current = readMigrationFile(known.file, known);
  if (current.checksum === known.checksum) return current;
  throw new MigrationFileError(
    `${known.file} changed while it was being migrated (checksum ${current.checksum}, ${known.checksum} when ` +
      `the run was planned). Nothing of it ran; run again.`,
    known.file,
  );
}
