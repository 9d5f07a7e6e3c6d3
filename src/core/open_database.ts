/**
 * `openDatabase`: open a database and bring it up to date, the way the original module ran its
 * migrations whenever the database was opened; `openEngine`: open a `--db` target for the CLI.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import type { SqlEngine } from "../engines/engine.ts";
import { LibsqlClientEngine } from "../engines/libsql_client.ts";
import type { LibsqlClient } from "../engines/libsql_shape.ts";
import type { TokenSource } from "../engines/libsql_errors.ts";
import { NodeSqliteEngine } from "../engines/node_sqlite.ts";
import { DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import { cacheFileOf } from "../source/file_cache.ts";
import { loadMigrations } from "./load_migrations.ts";
import { dirname, exists, fromFileUrl, resolve } from "../shared/paths.ts";
import { checkBusyTimeout, MigrationManager, type MigrationManagerOptions } from "./manager.ts";
import type { Migration, MigrationInput } from "./migration.ts";

/** A URL of a remote libSQL server (sqld or Turso), opened with the libSQL client. */
export type RemoteDatabaseUrl =
  | `libsql:${string}`
  | `http:${string}`
  | `https:${string}`
  | `ws:${string}`
  | `wss:${string}`;

/**
 * What {@link openDatabase} returns for a target: a node:sqlite `DatabaseSync` for a path, the
 * `Client` of npm:@libsql/client for a remote URL (typed by the parts the toolkit knows: cast it to
 * the package's `Client` for the rest), and either when the target is only known at run time (a
 * `string` or a `URL`): tell them apart with `instanceof DatabaseSync`.
 */
export type OpenedDatabase<T extends string | URL> = T extends RemoteDatabaseUrl ? LibsqlClient
  : string extends T ? DatabaseSync | LibsqlClient
  : T extends URL ? DatabaseSync | LibsqlClient
  : DatabaseSync;

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions extends MigrationManagerOptions {
  /**
   * The migrations to apply: a list, or the directory (path or `file:` URL) to load them from.
   * @default {"./migrations"}
   */
  migrations?: readonly MigrationInput[] | string | URL;
  /**
   * Auth token of a remote libSQL server (Turso).
   * @default the `LIBSQL_AUTH_TOKEN` or else `TURSO_AUTH_TOKEN` environment variable, when readable
   */
  authToken?: string;
}

/**
 * Opens a database, applies every pending migration, and returns it open. The target chooses the
 * engine: a path, a `file:` URL or `":memory:"` opens a file with node:sqlite (creating it and its
 * directory if needed); a `libsql:`, `http(s):` or `ws(s):` URL connects to a remote libSQL server
 * (sqld or Turso) with `npm:@libsql/client`, which is loaded only then. The caller closes it.
 *
 * @param target A file path, a `file:` URL, `":memory:"`, or a remote libSQL URL.
 * @returns The open database (a `DatabaseSync`, or a libSQL `Client` for a remote URL), at the newest
 *   known version.
 * @throws {MigrationError} when a migration fails; the database is closed first.
 * @throws {DatabaseStateError} when the database is refused (newer than the migrations, corrupt version, …).
 *
 * @example Open a database with its migrations applied
 * ```ts
 * import { openDatabase } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const db = await openDatabase(":memory:", {
 *   migrations: [{ version: 1, description: "create notes", up: (db) => db.exec("CREATE TABLE notes (body TEXT)") }],
 * });
 * db.prepare("INSERT INTO notes VALUES (?)").run("hello");
 * assert.equal(db.prepare("SELECT count(*) AS n FROM notes").get()?.n, 1);
 * db.close();
 * ```
 */
export async function openDatabase<T extends string | URL>(
  target: T,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase<T>> {
  const busyTimeoutMs = checkBusyTimeout(options.busyTimeoutMs);
  const migrations = await migrationList(options.migrations ?? "./migrations", target);
  const remote = isRemoteTarget(target)
    ? await createLibsqlClient(String(target), { authToken: options.authToken })
    : null;
  const db = remote?.client ?? openFile(databasePath(target), busyTimeoutMs, { createDirectory: true });
  // The client's engine is made here, not by the manager, so a refused token names its source.
  const engine = remote
    ? new LibsqlClientEngine(remote.client, { busyTimeoutMs, tokenSource: remote.tokenSource })
    : db;
  try {
    await new MigrationManager(engine, options).registerMigrations(migrations).migrate();
    return db as OpenedDatabase<T>;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Options of {@link openEngine}. */
interface OpenEngineOptions {
  /**
   * How long to wait for another connection's write lock, in milliseconds (0 to 2147483647).
   * @default {60000}
   */
  busyTimeoutMs?: number;
  /**
   * Auth token of a remote libSQL server.
   * @default the `LIBSQL_AUTH_TOKEN` or else `TURSO_AUTH_TOKEN` environment variable, when readable
   */
  authToken?: string;
  /**
   * Create a missing database file; its directory must exist. When false, a missing file is opened
   * as an empty in-memory database instead, so reading its status writes nothing.
   * @default {true}
   */
  create?: boolean;
}

/** A database opened by {@link openEngine}. */
interface OpenedEngine {
  /** The engine, for a `MigrationManager`. */
  engine: SqlEngine;
  /** Closes the database. */
  close(): Promise<void>;
  /** What to call the database in messages: the absolute file path, or the URL without credentials. */
  path: string;
  /** False when the file did not exist and was not created (see {@link OpenEngineOptions.create}). */
  exists: boolean;
}

/**
 * Opens a database target as a {@link SqlEngine}, choosing the engine as {@link openDatabase} does,
 * for tools (the CLI) that only talk to the manager. Migrates nothing.
 *
 * @example Open a file and read its version
 * ```ts
 * import { openEngine } from "./open_database.ts";
 * import { MigrationManager } from "./manager.ts";
 *
 * const { engine, close } = await openEngine(":memory:");
 * console.log(await new MigrationManager(engine).getCurrentVersion()); // 0
 * await close();
 * ```
 */
export async function openEngine(
  target: string | URL,
  options: OpenEngineOptions = {},
): Promise<OpenedEngine> {
  const busyTimeoutMs = checkBusyTimeout(options.busyTimeoutMs);
  if (isRemoteTarget(target)) {
    const url = String(target);
    // bigint keeps integers beyond 2^53 exact; the engine reads them back as numbers when they fit.
    const { client, tokenSource } = await createLibsqlClient(url, {
      authToken: options.authToken,
      intMode: "bigint",
    });
    return {
      engine: new LibsqlClientEngine(client, { busyTimeoutMs, tokenSource }),
      close: () => Promise.resolve(client.close()),
      path: withoutCredentials(url),
      exists: true,
    };
  }
  const path = databasePath(target);
  const found = path === ":memory:" || exists(path);
  const db = openFile(found || options.create !== false ? path : ":memory:", busyTimeoutMs, {
    createDirectory: false,
  });
  return { engine: new NodeSqliteEngine(db), close: () => Promise.resolve(db.close()), path, exists: found };
}

/** Whether a target is a remote libSQL URL (`libsql:`, `http(s):`, `ws(s):`) rather than a file. */
export function isRemoteTarget(target: string | URL): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(String(target))?.[1]?.toLowerCase();
  return scheme === "libsql" || scheme === "http" || scheme === "https" || scheme === "ws" ||
    scheme === "wss";
}

/**
 * Opens a database file with node:sqlite, creating its directory only when asked.
 *
 * @throws {DatabaseStateError} with reason `"unreadable"` when SQLite cannot open the path (a
 *   directory, a missing directory, a file it may not read), naming it.
 */
function openFile(path: string, busyTimeoutMs: number, options: { createDirectory: boolean }): DatabaseSync {
  if (path !== ":memory:" && options.createDirectory) Deno.mkdirSync(dirname(path), { recursive: true });
  try {
    return new DatabaseSync(path, { timeout: busyTimeoutMs });
  } catch (cause) {
    const missing = !exists(dirname(path));
    throw new DatabaseStateError(
      `Cannot open the database ${path} (${cause instanceof Error ? cause.message : String(cause)}): ` +
        (missing
          ? `its directory ${dirname(path)} does not exist. Create it, or check the path.`
          : "check that it is a file you may read and write, in a directory that exists."),
      { reason: "unreadable", cause },
    );
  }
}

/**
 * The libSQL client, imported only when a target needs it. The specifier is a variable on purpose:
 * Deno fetches a literal dynamic import with the module that contains it, so every user of the
 * toolkit would download libSQL. Its `web` entry speaks only HTTP and WebSockets, which is all a
 * remote target needs: the default entry also loads the native embedded engine, and with it the need
 * for `--allow-ffi`, `--allow-sys` and `--allow-env`.
 */
const LIBSQL_CLIENT_MODULE: string = "npm:@libsql/client@^0.18.0/web";

/** The part of the libSQL client package the toolkit calls. */
interface LibsqlClientModule {
  createClient(config: { url: string; authToken?: string; intMode?: "number" | "bigint" }): LibsqlClient;
}

/**
 * The libSQL client for a URL, with the auth token from the option, else `LIBSQL_AUTH_TOKEN`, else
 * `TURSO_AUTH_TOKEN`, else the URL's own `authToken` parameter; and where the token came from, for
 * messages (null when there is none).
 */
async function createLibsqlClient(
  url: string,
  options: { authToken?: string; intMode?: "number" | "bigint" },
): Promise<{ client: LibsqlClient; tokenSource: TokenSource }> {
  const { createClient } = await import(LIBSQL_CLIENT_MODULE) as LibsqlClientModule;
  const sources: [TokenSource, string | undefined][] = [
    ["authToken", options.authToken],
    ["LIBSQL_AUTH_TOKEN", readEnv("LIBSQL_AUTH_TOKEN")],
    ["TURSO_AUTH_TOKEN", readEnv("TURSO_AUTH_TOKEN")],
  ];
  const [tokenSource, authToken] = sources.find(([, token]) => token) ??
    [/[?&]authToken=/.test(url) ? "the URL's authToken parameter" : null, undefined];
  return { client: createClient({ url, authToken, intMode: options.intMode }), tokenSource };
}

/** An environment variable, or undefined when it is unset or the run may not read it (never a prompt). */
function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
  return Deno.env.get(name);
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

async function migrationList(
  source: readonly MigrationInput[] | string | URL,
  target: string | URL,
): Promise<readonly MigrationInput[]> {
  return typeof source === "string" || source instanceof URL
    ? await loadMigrations(source, { cacheFile: migrationCacheFile(target) }) as Migration[]
    : source;
}

/**
 * Where the loader may cache what it read from the migration files of a target (see
 * `file_cache.ts`): next to a SQLite database file that exists, so a first run on a new database
 * leaves no other file behind, and a path that is not a database (a text file, a device) gets
 * nothing written beside it; none for an in-memory database or a server.
 */
export function migrationCacheFile(target: string | URL): string | undefined {
  if (isRemoteTarget(target)) return undefined;
  const path = databasePath(target);
  return path !== ":memory:" && isSqliteFile(path) ? cacheFileOf(path) : undefined;
}

/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = new TextEncoder().encode("SQLite format 3\0");

/** Whether `path` is a regular file that starts as a SQLite database does. */
function isSqliteFile(path: string): boolean {
  let file: Deno.FsFile | undefined;
  try {
    if (!Deno.statSync(path).isFile) return false;
    file = Deno.openSync(path, { read: true });
    const head = new Uint8Array(SQLITE_HEADER.length);
    let read = 0;
    while (read < head.length) {
      const n = file.readSync(head.subarray(read));
      if (n === null) return false;
      read += n;
    }
    return head.every((byte, i) => byte === SQLITE_HEADER[i]);
  } catch {
    return false;
  } finally {
    file?.close();
  }
}

/**
 * The file path of a database target: a path, a `file:` URL, or `sqlite:`/`sqlite3:` as in
 * dbmate-style `DATABASE_URL`s. Relative paths, `file:data/app.db` included, are resolved against
 * the working directory.
 *
 * @param input The option or flag the target came from, for the message.
 * @throws {InvalidInputError} for another URL scheme.
 */
export function databasePath(target: string | URL, input = "db"): string {
  const text = target instanceof URL ? target.href : target;
  if (text === ":memory:") return text;
  if (text.startsWith("file:")) {
    // `file:data/app.db` (no slash after the scheme) is relative, as SQLite reads it; a URL parser
    // would put it at the root.
    const rest = text.slice("file:".length);
    return rest.startsWith("/")
      ? fromFileUrl(text)
      : resolve(decodeURIComponent(rest.replace(/[?#].*$/s, "")));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "sqlite" || scheme === "sqlite3") {
    return resolve(text.slice(scheme.length + 1).replace(/^\/\//, ""));
  }
  if (scheme && scheme.length > 1) {
    throw new InvalidInputError(
      `Cannot open "${text}": the ${scheme}: scheme is not supported. Give a file path, a file: URL, ` +
        `sqlite:PATH, or a libsql:, http(s): or ws(s): URL of a libSQL server.`,
      input,
    );
  }
  return resolve(text);
}
