/**
 * The file cache: what the loader learned from each migration file (its checksum, whether it is a
 * baseline), keyed by the file's size, modification and change times and inode, so a start-up with
 * unchanged files stats them instead of reading them: a stat costs less than reading, hashing and
 * parsing the file (each read checks permissions), and the listing itself is skipped while the
 * directory's own times are unchanged.
 *
 * It lives next to the database (`app.db-strata-cache`), where SQLite already writes its journals, as
 * JSON. It is only a cache: unreadable, of another format or of another directory, it is ignored and
 * rewritten; a failed write is ignored. A file is only remembered once its times are more than
 * two seconds in the past, so an edit made in the same clock tick as the read that was cached
 * (same size, same times) cannot hide behind the old checksum; a change of content always moves the
 * change time (`ctime`), which no tool can set back.
 *
 * @module
 */

/** How old a file's times must be before its facts are remembered. */
const SETTLE_MS = 2_000;

/** The cache format; a file of another format is ignored. */
const FORMAT = 4;

/**
 * What the loader remembers of one migration file: what its name says, its identity on disk when it
 * was read, and what was read from it. Stored as is, so reading the cache makes no object per file
 * beyond what `JSON.parse` makes.
 */
export interface CachedFile {
  /** The file's name in the directory. */
  name: string;
  /** The version its name gives. */
  version: number;
  /** The description its name gives. */
  description: string;
  /** Its size in bytes. */
  size: number;
  /** Its modification time, in ms. */
  mtime: number | null;
  /** Its change time, in ms. */
  ctime: number | null;
  /** Its inode. */
  ino: number | null;
  /** Checksum of its content. */
  checksum: string;
  /** Whether it is a baseline written by `squash`. */
  baseline: boolean;
}

/** What the file system says of a file, as the cache compares it. */
type FileIdentity = Pick<CachedFile, "size" | "mtime" | "ctime" | "ino">;

/** The cache of one migrations directory. */
interface FileCache {
  /** The directory's identity when every migration file in it was remembered, else null. */
  directory: FileIdentity | null;
  /** The files remembered, by version. */
  files: CachedFile[];
}

/** A file's identity for the cache: size, modification and change times, inode. */
export function identityOf(info: Deno.FileInfo): FileIdentity {
  return {
    size: info.size,
    mtime: info.mtime?.getTime() ?? null,
    ctime: info.ctime?.getTime() ?? null,
    ino: info.ino,
  };
}

/** Whether a file is the one the cache remembers: same size, times and inode, all of them known. */
export function isUnchanged(remembered: FileIdentity | null | undefined, info: Deno.FileInfo): boolean {
  return remembered !== null && remembered !== undefined && remembered.mtime !== null &&
    remembered.ctime !== null && remembered.size === info.size &&
    remembered.mtime === info.mtime?.getTime() && remembered.ctime === info.ctime?.getTime() &&
    remembered.ino === info.ino;
}

/** Whether a file's times are old enough for its facts to be remembered (see the module notes). */
export function isSettled(info: Deno.FileInfo, now: number = Date.now()): boolean {
  const newest = Math.max(info.mtime?.getTime() ?? Infinity, info.ctime?.getTime() ?? Infinity);
  return newest < now - SETTLE_MS;
}

/** The name of the cache file of a database file. */
export function cacheFileOf(databaseFile: string): string {
  return `${databaseFile}-strata-cache`;
}

/** Reads the cache of `dir`; null when there is none, or it is of another directory or unreadable. */
export function readFileCache(cacheFile: string, dir: string): FileCache | null {
  try {
    const stored = JSON.parse(Deno.readTextFileSync(cacheFile));
    if (stored?.format !== FORMAT || stored.dir !== dir || !Array.isArray(stored.files)) return null;
    return { directory: stored.directory ?? null, files: stored.files };
  } catch {
    return null;
  }
}

/**
 * Writes the cache of `dir` by replacing the file in one rename, so a concurrent reader sees the old
 * or the new cache, never a part. Failures are ignored: a read-only directory only means no cache.
 */
export function writeFileCache(cacheFile: string, dir: string, cache: FileCache): void {
  const text = JSON.stringify({ format: FORMAT, dir, directory: cache.directory, files: cache.files });
  // Unique per writer (workers of one process share its pid), so writers never share a temporary file.
  const temporary = `${cacheFile}.${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    Deno.writeTextFileSync(temporary, text);
    Deno.renameSync(temporary, cacheFile);
  } catch {
    try {
      Deno.removeSync(temporary);
    } catch {
      // Never written: nothing to remove.
    }
  }
}
