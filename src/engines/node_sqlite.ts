/**
 * Adapter for Deno's built-in `node:sqlite` `DatabaseSync`, the embedded default engine.
 *
 * @module
 */
import { backup, type DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { GuardedAction, SqlParams, StatementGuard } from "./engine.ts";
import { toSqliteError } from "./result_codes.ts";
import { type SyncDriver, SyncEngine } from "./sync_engine.ts";
import { bindValue, exactInteger, isPositional, rowOf } from "./values.ts";

/** Whether a value has the shape of a `node:sqlite` `DatabaseSync`. */
export function isNodeSqliteDatabase(value: unknown): value is DatabaseSync {
  return typeof value === "object" && value !== null &&
    typeof (value as DatabaseSync).prepare === "function" &&
    typeof (value as DatabaseSync).exec === "function" &&
    "isTransaction" in value && "isOpen" in value;
}

function bindAll(params: SqlParams): SQLInputValue[] {
  if (isPositional(params)) return params.map((value) => bindValue(value) as SQLInputValue);
  const named: Record<string, SQLInputValue> = {};
  for (const [key, value] of Object.entries(params)) named[key] = bindValue(value) as SQLInputValue;
  // node:sqlite takes named parameters as one object in the first position.
  return [named as unknown as SQLInputValue];
}

/** How many prepared statements an engine keeps for reuse. */
const STATEMENT_CACHE_SIZE = 64;

/**
 * Prepares statements that read integers exactly and rows as arrays, whatever the options the caller
 * opened the database with (`readBigInts`, `returnArrays`), reusing the most recent ones. Rows are
 * made objects from the arrays, which in a fresh process is cheaper than converting node:sqlite's
 * objects value by value, and a history has a row per migration.
 * node:sqlite frees a statement only when it is garbage-collected, and SQLite revisits every live
 * statement on each schema change: a history INSERT prepared afresh for each migration would leave
 * thousands of live statements to a long run, slowing every schema change and growing its memory.
 */
function statementCache(db: DatabaseSync): (sql: string) => StatementSync {
  const cache = new Map<string, StatementSync>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // re-insert below: the Map's order is the recency order
    } else {
      statement = db.prepare(sql);
      statement.setReadBigInts(true);
      // Present at run time, missing from Deno's types of node:sqlite.
      (statement as StatementSync & { setReturnArrays?(enabled: boolean): void }).setReturnArrays?.(true);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}

/** `setAuthorizer`, present at run time and missing from Deno's types of node:sqlite. */
type Authorizer = (
  action: number,
  first: string | null,
  second: string | null,
  database: string | null,
  trigger: string | null,
) => number;

/** SQLite's authorizer codes (https://sqlite.org/c3ref/c_alter_table.html), missing from Deno's types. */
const AUTH = { OK: 0, DENY: 1, PRAGMA: 19, TRANSACTION: 22, ATTACH: 24, DETACH: 25, SAVEPOINT: 32 } as const;

/** The action an authorizer call reports, for the actions a guard decides on; null for the others. */
function guardedAction(action: number, first: string | null, second: string | null): GuardedAction | null {
  switch (action) {
    case AUTH.TRANSACTION:
      return { kind: "transaction", operation: first ?? "" };
    case AUTH.SAVEPOINT:
      return { kind: "savepoint", operation: first ?? "", name: second ?? "" };
    case AUTH.PRAGMA:
      return { kind: "pragma", name: (first ?? "").toLowerCase(), value: second };
    case AUTH.ATTACH:
      return { kind: "attach" };
    case AUTH.DETACH:
      return { kind: "detach", name: first ?? "" };
    default:
      return null;
  }
}

/**
 * Installs a guard as the database's authorizer (none with null): SQLite calls it as it prepares each
 * statement, and a refused statement fails with "not authorized" before it runs. Null when this
 * version of node:sqlite has no `setAuthorizer`.
 */
function authorizer(db: DatabaseSync): ((guard: StatementGuard | null) => void) | null {
  const { setAuthorizer } = db as DatabaseSync & { setAuthorizer?(fn: Authorizer | null): void };
  if (typeof setAuthorizer !== "function") return null;
  return (guard) => {
    if (!guard) return setAuthorizer.call(db, null);
    setAuthorizer.call(db, (action, first, second) => {
      const guarded = guardedAction(action, first, second);
      return guarded && guard(guarded) ? AUTH.DENY : AUTH.OK;
    });
  };
}

/** The driver of a `DatabaseSync`. */
function nodeSqliteDriver(db: DatabaseSync): SyncDriver {
  const prepare = statementCache(db);
  const guard = authorizer(db);
  return {
    exec: (sql) => db.exec(sql),
    query: (sql, params) => {
      const statement = prepare(sql);
      const rows = statement.all(...bindAll(params)) as unknown as unknown[][];
      if (rows.length === 0) return [];
      const names = statement.columns().map((column) => column.name);
      return rows.map((values) => rowOf(names, values));
    },
    run: (sql, params) => {
      const result = prepare(sql).run(...bindAll(params));
      return {
        changes: Number(result.changes),
        lastInsertRowId: exactInteger(BigInt(result.lastInsertRowid)),
      };
    },
    inTransaction: () => db.isTransaction,
    call: (work) => work(),
    error: (error) => toSqliteError(error),
    ...(guard ? { guard } : {}),
  };
}

/** The {@link SqlEngine} over a `node:sqlite` `DatabaseSync` the caller opened and still owns. */
export class NodeSqliteEngine extends SyncEngine {
  readonly #db: DatabaseSync;

  /** Wraps an open `DatabaseSync`; the caller keeps ownership and closes it. */
  constructor(db: DatabaseSync) {
    super("node:sqlite", nodeSqliteDriver(db));
    this.#db = db;
  }

  /** Copies the database with node:sqlite's online backup (no `ATTACH`, so no `-A` needed). */
  async backup(destination: string): Promise<void> {
    await backup(this.#db, destination);
  }
}
