/**
 * The parts of a libSQL client (`npm:@libsql/client`) the adapter uses, as types, and how a client is
 * told from other objects: by shape, since the package is never imported to ask it.
 *
 * @module
 */
import type { SqlValue } from "./engine.ts";

/** What a libSQL client returns for one statement. */
export interface LibsqlResultSet {
  /** The rows, as objects keyed by column name (they also have index properties). */
  readonly rows: readonly object[];
  /** Rows inserted, updated or deleted (0 for a statement that returns rows). */
  readonly rowsAffected: number;
  /** Rowid of the last insert; undefined for a statement that returns rows. */
  readonly lastInsertRowid: bigint | undefined;
}

/** A statement with its arguments, as the client takes it. */
export interface LibsqlStatement {
  /** The SQL. */
  sql: string;
  /** Positional values, or named ones (with or without their `$`, `:` or `@`). */
  args: SqlValue[] | Record<string, SqlValue>;
}

/** The parts of a libSQL client's interactive `Transaction` the adapter uses. */
export interface LibsqlTransaction {
  /** Whether the transaction has ended (on a file, also by its own SQL; on a server, only by the client). */
  readonly closed: boolean;
  /** Runs statements in order, each only if the one before it succeeded, in one round trip. */
  batch(statements: LibsqlStatement[]): Promise<LibsqlResultSet[]>;
  /** Runs a script of many statements. */
  executeMultiple(sql: string): Promise<void>;
  /** Commits and ends the transaction. */
  commit(): Promise<void>;
  /** Rolls back and ends the transaction. */
  rollback(): Promise<void>;
  /** Ends the transaction without waiting, rolling it back if it is open. */
  close(): void;
}

/** The parts of a libSQL `Client` (`createClient()` of npm:@libsql/client) the adapter uses. */
export interface LibsqlClient {
  /** `"file"`, `"http"`, `"https"`, `"ws"` or `"wss"`. */
  readonly protocol: string;
  /** Runs one statement on any of the client's connections. */
  execute(statement: LibsqlStatement): Promise<LibsqlResultSet>;
  /** Runs one statement with its arguments on any of the client's connections. */
  execute(sql: string, args?: SqlValue[] | Record<string, SqlValue>): Promise<LibsqlResultSet>;
  /** Runs a script of many statements on one connection. */
  executeMultiple(sql: string): Promise<void>;
  /** Runs statements in one transaction; its presence tells a client from other objects. */
  batch(statements: LibsqlStatement[], mode?: "write" | "read" | "deferred"): Promise<unknown>;
  /**
   * Starts an interactive transaction on a connection of its own: `"write"` begins with
   * `BEGIN IMMEDIATE`, `"deferred"` with `BEGIN DEFERRED`; on a server, with its first statements.
   */
  transaction(mode: "write" | "deferred"): Promise<LibsqlTransaction>;
  /** Closes every connection. */
  close(): void;
}

/** Whether a value has the shape of a libSQL client. */
export function isLibsqlClient(value: unknown): value is LibsqlClient {
  const client = value as Partial<LibsqlClient> | null;
  return typeof client === "object" && client !== null && typeof client.execute === "function" &&
    typeof client.executeMultiple === "function" && typeof client.batch === "function" &&
    typeof client.transaction === "function" && typeof client.protocol === "string";
}
