/**
 * The engine boundary, for code that brings its own engine or names an engine's objects: the shape
 * of a connection the manager drives ({@link SqlEngine}), and the parts of each binding's objects
 * strata recognises (`@db/sqlite`, npm:libsql, `@libsql/client`). A `node:sqlite` `DatabaseSync` needs
 * none of this.
 *
 * @example An engine of your own, wrapping another: here the built-in one, logging each script
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { MigrationManager } from "../../mod.ts";
 * import type { SqlEngine } from "./mod.ts";
 * import { toEngine } from "./detect.ts";
 *
 * const inner = toEngine(new DatabaseSync(":memory:"));
 * const engine: SqlEngine = {
 *   name: "logged",
 *   exec: (sql) => (console.log(sql), inner.exec(sql)),
 *   query: (sql, params) => inner.query(sql, params),
 *   run: (sql, params) => inner.run(sql, params),
 *   beginWrite: () => inner.beginWrite(),
 *   inTransaction: () => inner.inTransaction(),
 * };
 * await new MigrationManager(engine).registerMigrations([
 *   { version: 1, description: "t", up: (db) => db.exec("CREATE TABLE t (x)") },
 * ]).migrate();
 * ```
 *
 * @module
 */
export type {
  GuardedAction,
  SqlConnection,
  SqlEngine,
  SqlParams,
  StatementGuard,
  WriteTransaction,
} from "./engine.ts";
export type { DbSqliteDatabase, DbSqliteStatement } from "./db_sqlite.ts";
export type { BetterSqliteDatabase, BetterSqliteStatement } from "./better_sqlite.ts";
export type { LibsqlClient, LibsqlResultSet, LibsqlStatement, LibsqlTransaction } from "./libsql_shape.ts";
