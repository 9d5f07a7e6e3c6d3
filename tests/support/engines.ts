/**
 * The engines the conformance suite runs against: node:sqlite, `@libsql/client` with a `file:` URL,
 * `npm:libsql`, `@db/sqlite` — the real package when `DB_SQLITE_MODULE` names its `mod.ts` (with
 * `DENO_SQLITE_PATH` naming a SQLite library), else a stand-in with its shape and quirks
 * (`_db_sqlite_double.ts`) — and `@libsql/client` over `http://` and `ws://` to a real libSQL server
 * (`_sqld.ts`), a primary and a replica of it; and, when `STRATA_TEST_LIBSQL_URL` names one (a
 * Turso database, say, with its token in `LIBSQL_AUTH_TOKEN`), a server of yours, which every test
 * empties first.
 *
 * Each test gets a fresh database — a new file, or new servers — and a judge that reads it without
 * the engine under test: node:sqlite on the file, or a client of the primary.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Client, createClient } from "@libsql/client";
import Database from "libsql";
import type { DatabaseInput } from "../../mod.ts";
import { StandInDatabase } from "./db_sqlite_double.ts";
import {
  resetDatabase,
  settledRead,
  snapshotOf,
  startPair,
  startPrimary,
  stopServer,
  withClient,
} from "./sqld.ts";
import { fileBytes, withDatabase } from "./util.ts";

/** An open connection through the engine under test, and how to close it. */
export interface TestConnection {
  /** The database object, as a user would pass it to the manager. */
  db: DatabaseInput;
  /** Closes it. */
  close(): void;
}

/** A fresh database of one test, and its judge. */
export interface TestDatabase {
  /** What the engine opens: a file path, or a server URL. */
  target: string;
  /** Runs a script on the database without the engine under test, to set it up. */
  seed(sql: string): Promise<void>;
  /** Reads rows without the engine under test. */
  read(sql: string): Promise<Record<string, unknown>[]>;
  /** Everything the database holds, to assert that something left it as it was. */
  snapshot(): Promise<unknown>;
  /**
   * Reads through the engine under test once, or, through a replica, whose reads lag behind its
   * primary, until `done` holds of the result for good; returns the result.
   */
  settled<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T>;
  /** Removes what the database needs beyond the test's directory (its servers). */
  close(): void;
}

/** One engine of the suite. */
export interface TestEngine {
  /** Name shown in test names, and given to the concurrency script. */
  name: string;
  /** Makes an empty database: a new file in `dir`, or the server's database emptied. */
  create(dir: string): Promise<TestDatabase>;
  /** Opens a connection to a database {@link create} made, by its target. */
  open(target: string): Promise<TestConnection>;
  /** Which of SQLite's result codes its SQL errors carry: the extended one, the primary one, or none. */
  errorCodes: "extended" | "primary" | "none";
  /** Why the engine cannot run here (no sqld), when it cannot: its tests are then ignored. */
  missing?: string;
}

/** A database file in `dir`, judged by node:sqlite. */
function fileDatabase(dir: string): Promise<TestDatabase> {
  const target = join(dir, "app.db");
  return Promise.resolve({
    target,
    seed: (sql) => withDatabase(target, (db) => db.exec(sql)),
    read: (sql) => withDatabase(target, (db) => db.prepare(sql).all().map((row) => ({ ...row }))),
    snapshot: () => Promise.resolve(fileBytes(target)),
    settled: (read) => read(),
    close: () => {},
  });
}

function fileEngine(
  name: string,
  open: (path: string) => TestConnection,
  errorCodes: TestEngine["errorCodes"],
): TestEngine {
  return { name, create: fileDatabase, open: (path) => Promise.resolve(open(path)), errorCodes };
}

const nodeSqlite = fileEngine("node:sqlite", (path) => {
  const db = new DatabaseSync(path);
  return { db, close: () => db.close() };
}, "extended");

const libsqlFile = fileEngine("@libsql/client file:", (path) => {
  // "bigint" reads integers beyond 2^53 exactly; the default ("number") throws a RangeError on them.
  const client = createClient({ url: pathToFileURL(path).href, intMode: "bigint" });
  return { db: client, close: () => client.close() };
}, "extended");

const npmLibsql = fileEngine("npm:libsql", (path) => {
  const db = new Database(path);
  return { db, close: () => db.close() };
}, "extended");

/** `@db/sqlite` itself when `DB_SQLITE_MODULE` names its module, else the stand-in. */
function dbSqlite(): TestEngine {
  const specifier = Deno.env.get("DB_SQLITE_MODULE");
  if (!specifier) {
    return fileEngine("@db/sqlite (stand-in)", (path) => {
      const db = new StandInDatabase(path);
      return { db, close: () => db.close() };
    }, "none");
  }
  const url = new URL(specifier, pathToFileURL(`${Deno.cwd()}/`));
  return {
    name: "@db/sqlite",
    create: fileDatabase,
    open: async (path) => {
      const { Database } = await import(url.href);
      const db = new Database(path);
      return { db, close: () => db.close() };
    },
    errorCodes: "none",
  };
}

/** A connection to a libSQL server, as an app makes one. */
function openRemote(url: string, authToken?: string): Promise<TestConnection> {
  const client = createClient({ url, authToken, intMode: "bigint" });
  return Promise.resolve({ db: client, close: () => client.close() });
}

/**
 * The engines over real servers, each test on new ones: http and ws, to a primary and through a
 * replica of it. Without sqld they are listed, to be reported as ignored.
 */
function remoteEngines(binary: string | null): TestEngine[] {
  const engine = (name: string, protocol: "http" | "ws", replica: boolean): TestEngine => ({
    name,
    open: openRemote,
    // sqld gives the primary code's name; a replica passes on only the primary's message.
    errorCodes: replica ? "none" : "primary",
    missing: binary === null ? "no sqld" : undefined,
    create: async () => {
      const servers = replica
        ? await startPair(binary!)
        : { primary: await startPrimary(binary!), replica: null };
      const primary = servers.primary.http;
      return {
        target: (servers.replica ?? servers.primary)[protocol],
        seed: (sql) => withClient(primary, (judge) => judge.executeMultiple(sql)),
        read: (sql) =>
          withClient(primary, async (judge) => (await judge.execute(sql)).rows.map((row) => ({ ...row }))),
        snapshot: () => snapshotOf(primary),
        settled: (read, done) => replica ? settledRead(read, done) : read(),
        close: () => {
          if (servers.replica) stopServer(servers.replica);
          stopServer(servers.primary);
        },
      };
    },
  });
  return [
    engine("libSQL http primary", "http", false),
    engine("libSQL ws primary", "ws", false),
    engine("libSQL http replica", "http", true),
    engine("libSQL ws replica", "ws", true),
  ];
}

/**
 * The server `STRATA_TEST_LIBSQL_URL` names, if any: each test empties its database, then runs
 * there, judged through the same URL. Reads are treated as a replica's, which may lag.
 */
function yourServer(): TestEngine[] {
  const url = Deno.env.get("STRATA_TEST_LIBSQL_URL");
  if (!url) return [];
  const authToken = Deno.env.get("LIBSQL_AUTH_TOKEN");
  return [{
    name: "libSQL STRATA_TEST_LIBSQL_URL",
    open: (target) => openRemote(target, authToken),
    errorCodes: "primary",
    create: async () => {
      await resetDatabase(url, authToken);
      const judge = <T>(fn: (client: Client) => Promise<T>) => withClient(url, fn, authToken);
      return {
        target: url,
        seed: (sql) => judge((client) => client.executeMultiple(sql)),
        read: (sql) => judge(async (client) => (await client.execute(sql)).rows.map((row) => ({ ...row }))),
        snapshot: () => snapshotOf(url, authToken),
        settled: settledRead,
        close: () => {},
      };
    },
  }];
}

/**
 * Every engine the suite runs against: the embedded ones, the remote ones over `binary` (sqld), and
 * the server `STRATA_TEST_LIBSQL_URL` names.
 */
export function testEngines(binary: string | null = null): TestEngine[] {
  return [nodeSqlite, libsqlFile, npmLibsql, dbSqlite(), ...remoteEngines(binary), ...yourServer()];
}

/** Opens `target` through the engine of that name, as another process of a test does. */
export function openTestTarget(engineName: string, target: string): Promise<TestConnection> {
  const engine = testEngines().find((candidate) => candidate.name === engineName);
  if (!engine) throw new Error(`No test engine is named "${engineName}"`);
  return engine.open(target);
}
