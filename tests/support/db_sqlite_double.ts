/**
 * A stand-in for `@db/sqlite`'s `Database` (0.13), which our machines cannot install (JSR is
 * unreachable): the same shape, with the behaviours measured in ../shared/notes/sqlite-engines.md
 * that the adapter must cope with, built on node:sqlite. The conformance suite runs the real package
 * instead when `DB_SQLITE_MODULE` names it.
 *
 * What it reproduces: `run()` returns the number of changes; INTEGER columns read as 32 bits unless
 * `int64` (then a number when exact, else a bigint); `lastInsertRowId` is 32 bits; `parseJson` parses
 * columns declared JSON; booleans, `Date` and `undefined` bind as 1/0, ISO text and NULL; a named
 * parameter's key is its name as written, a bare key meaning `:key` (so `{ x }` never binds `$x`),
 * and a key the statement lacks is an error; `bindParameterCount` and `bindParameterName(i)`; errors
 * are plain `Error`s with only a message; `finalize()` after a failed statement throws a
 * `SqliteError` of its own ("19: constraint failed"); a synchronous `transaction()`; no busy timeout
 * unless set with PRAGMA.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { tokenize } from "../../src/sql/tokens.ts";

type Params = unknown[];

/** @db/sqlite's `SqliteError`: the primary result code as `code`, and "code: what it means" as the message. */
export class StandInSqliteError extends Error {
  override name = "SqliteError";
  /** SQLite's primary result code. */
  readonly code: number;

  /** Creates the error as @db/sqlite does. */
  constructor(code: number, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** The statement's parameters by index, as SQLite numbers them: a `?` has no name (null). */
function parameterNames(sql: string): (string | null)[] {
  const names: (string | null)[] = [null];
  for (const token of tokenize(sql)) {
    if (token.kind !== "variable") continue;
    const numbered = /^\?(\d+)$/.exec(token.text);
    if (numbered) names[Number(numbered[1])] ??= token.text;
    else if (token.text === "?") names.push(null);
    else if (!names.includes(token.text)) names.push(token.text);
  }
  return names;
}

function bindOne(value: unknown): SQLInputValue {
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return value as SQLInputValue;
}

/** The values for node:sqlite, named ones by their exact names, as @db/sqlite looks them up. */
function bindAll(params: Params, names: readonly (string | null)[]): SQLInputValue[] {
  const only = params[0];
  if (
    params.length === 1 && typeof only === "object" && only !== null && !(only instanceof Uint8Array) &&
    !(only instanceof Date)
  ) {
    const named: Record<string, SQLInputValue> = {};
    for (const [key, value] of Object.entries(only)) {
      const name = /^[$:@]/.test(key) ? key : `:${key}`;
      if (!names.includes(name)) throw new Error(`No such parameter "${key}"`);
      named[name] = bindOne(value);
    }
    return [named as unknown as SQLInputValue];
  }
  return params.map(bindOne);
}

/** Rethrows like @db/sqlite: a plain `Error` with SQLite's message and nothing else. */
function plain<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw plainError(error);
  }
}

function plainError(error: unknown): Error {
  return new Error(error instanceof Error ? error.message : String(error));
}

/** The stand-in's prepared statement. */
export class StandInStatement {
  #db: StandInDatabase;
  #statement: StatementSync;
  #names: (string | null)[];
  /** The result code and its meaning when the statement's last run failed, as sqlite3_finalize() reports it. */
  #failed: { code: number; meaning: string } | null = null;

  /** Prepares `sql` on the stand-in's connection. */
  constructor(db: StandInDatabase, connection: DatabaseSync, sql: string) {
    this.#db = db;
    this.#statement = plain(() => connection.prepare(sql));
    this.#statement.setReadBigInts(true);
    this.#statement.setAllowBareNamedParameters(false);
    this.#names = parameterNames(sql);
  }

  /** How many parameters the statement has. */
  get bindParameterCount(): number {
    return this.#names.length - 1;
  }

  /** The name of parameter `index` (from 1); a `?` has none, which the binding cannot read. */
  bindParameterName(index: number): string {
    const name = this.#names[index];
    if (typeof name !== "string") throw new TypeError(`Invalid pointer: parameter ${index} has no name`);
    return name;
  }

  /** Every row, as objects. */
  all(...params: Params): Record<string, unknown>[] {
    return this.#step(() => this.#statement.all(...bindAll(params, this.#names))).map((row) =>
      this.#read(row)
    );
  }

  /** The first row, or undefined. */
  get(...params: Params): Record<string, unknown> | undefined {
    const row = this.#step(() => this.#statement.get(...bindAll(params, this.#names)));
    return row === undefined ? undefined : this.#read(row);
  }

  /** Runs the statement; returns the number of changes. */
  run(...params: Params): number {
    return Number(this.#step(() => this.#statement.run(...bindAll(params, this.#names))).changes);
  }

  /** Frees the statement; after a failed run, throws what sqlite3_finalize() reports, as @db/sqlite does. */
  finalize(): void {
    if (this.#failed) throw new StandInSqliteError(this.#failed.code, this.#failed.meaning);
  }

  #step<T>(work: () => T): T {
    try {
      const result = work();
      this.#failed = null;
      return result;
    } catch (error) {
      const { errcode, errstr } = error as { errcode?: unknown; errstr?: unknown };
      if (typeof errcode === "number") this.#failed = { code: errcode & 0xff, meaning: String(errstr) };
      throw plainError(error);
    }
  }

  #read(row: Record<string, unknown>): Record<string, unknown> {
    const columns = this.#statement.columns();
    const out: Record<string, unknown> = {};
    for (const [index, [key, value]] of Object.entries(row).entries()) {
      if (typeof value === "bigint") {
        const exact = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
        out[key] = this.#db.int64 ? (exact ? Number(value) : value) : Number(BigInt.asIntN(32, value));
      } else if (
        this.#db.parseJson && typeof value === "string" && /^json$/i.test(columns[index]?.type ?? "")
      ) {
        out[key] = JSON.parse(value);
      } else out[key] = value;
    }
    return out;
  }
}

/** A stand-in for `@db/sqlite`'s `Database`, over node:sqlite. */
export class StandInDatabase {
  #connection: DatabaseSync;
  /** Return INTEGER columns as 64-bit values. */
  int64: boolean;
  /** Parse columns declared JSON. */
  parseJson: boolean;

  /** Opens a file database, as `new Database(path, { int64 })` does. */
  constructor(path: string, options: { int64?: boolean } = {}) {
    this.#connection = new DatabaseSync(path, { timeout: 0 });
    this.int64 = options.int64 ?? false;
    this.parseJson = true;
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.#connection.isOpen;
  }

  /** `false` between BEGIN and the end of the transaction. */
  get autocommit(): boolean {
    return !this.#connection.isTransaction;
  }

  /** Whether a transaction is open. */
  get inTransaction(): boolean {
    return this.#connection.isTransaction;
  }

  /** Rows changed by the last statement. */
  get changes(): number {
    return Number(this.#connection.prepare("SELECT changes() AS n").get()?.n);
  }

  /** Rowid of the last insert, as 32 bits. */
  get lastInsertRowId(): number {
    const id = this.#connection.prepare("SELECT last_insert_rowid() AS id").get()?.id;
    return Number(BigInt.asIntN(32, BigInt(id as number)));
  }

  /** Runs one statement with parameters, or many without; returns the number of changes. */
  exec(sql: string, ...params: Params): number {
    if (params.length === 0) plain(() => this.#connection.exec(sql));
    else this.prepare(sql).run(...params);
    return this.changes;
  }

  /** Alias of {@link exec}. */
  run(sql: string, ...params: Params): number {
    return this.exec(sql, ...params);
  }

  /** Prepares one statement. */
  prepare(sql: string): StandInStatement {
    return new StandInStatement(this, this.#connection, sql);
  }

  /** Wraps `fn` in BEGIN/COMMIT, synchronously, as @db/sqlite does. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      this.exec("BEGIN");
      try {
        const result = fn(...args);
        this.exec("COMMIT");
        return result;
      } catch (error) {
        this.exec("ROLLBACK");
        throw error;
      }
    };
  }

  /** Closes the connection. */
  close(): void {
    this.#connection.close();
  }
}
