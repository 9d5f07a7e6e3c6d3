/**
 * The engines the conformance suite runs against, each able to open a database file: node:sqlite,
 * `@libsql/client` with a `file:` URL, `npm:libsql`, and `@db/sqlite` — the real package when
 * `DB_SQLITE_MODULE` names its `mod.ts` (with `DENO_SQLITE_PATH` naming a SQLite library), else a
 * stand-in with its shape and quirks (`_db_sqlite_double.ts`).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { createClient } from "@libsql/client";
import Database from "libsql";
import type { DatabaseInput } from "../mod.ts";
import { StandInDatabase } from "./_db_sqlite_double.ts";

/** An open test database and how to close it. */
export interface TestConnection {
  /** The database object, as a user would pass it to the manager. */
  db: DatabaseInput;
  /** Closes it. */
  close(): void;
}

/** One engine of the suite. */
export interface TestEngine {
  /** Name shown in test names, and given to the concurrency script. */
  name: string;
  /** Opens a connection to a database file, created if missing. */
  open(path: string): Promise<TestConnection>;
  /** Whether SQL errors of `run()` carry SQLite's result code on this engine. */
  reportsErrorCodes: boolean;
}

const nodeSqlite: TestEngine = {
  name: "node:sqlite",
  open: (path) => {
    const db = new DatabaseSync(path);
    return Promise.resolve({ db, close: () => db.close() });
  },
  reportsErrorCodes: true,
};

const libsqlClient: TestEngine = {
  name: "@libsql/client file:",
  open: (path) => {
    // "bigint" reads integers beyond 2^53 exactly; the default ("number") throws a RangeError on them.
    const client = createClient({ url: pathToFileURL(path).href, intMode: "bigint" });
    return Promise.resolve({ db: client, close: () => client.close() });
  },
  reportsErrorCodes: true,
};

const npmLibsql: TestEngine = {
  name: "npm:libsql",
  open: (path) => {
    const db = new Database(path);
    return Promise.resolve({ db, close: () => db.close() });
  },
  reportsErrorCodes: true,
};

/** `@db/sqlite` itself when `DB_SQLITE_MODULE` names its module, else the stand-in. */
function dbSqlite(): TestEngine {
  const specifier = Deno.env.get("DB_SQLITE_MODULE");
  if (!specifier) {
    return {
      name: "@db/sqlite (stand-in)",
      open: (path) => {
        const db = new StandInDatabase(path);
        return Promise.resolve({ db, close: () => db.close() });
      },
      reportsErrorCodes: false,
    };
  }
  const url = new URL(specifier, pathToFileURL(`${Deno.cwd()}/`));
  return {
    name: "@db/sqlite",
    open: async (path) => {
      const { Database } = await import(url.href);
      const db = new Database(path);
      return { db, close: () => db.close() };
    },
    reportsErrorCodes: false,
  };
}

/** Every engine the suite runs against here. */
export function testEngines(): TestEngine[] {
  return [nodeSqlite, libsqlClient, npmLibsql, dbSqlite()];
}
